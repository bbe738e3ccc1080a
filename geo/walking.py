"""Walking distance over the streets: the streets reached from access points (步行可达).

Used by the walking variant of the park service-radius coverage (公园绿地服务半径覆盖率,
:mod:`geo.service_radius`). The streets are the walking view of the one street graph
(:func:`geo.street_graph.street_graph`, :func:`geo.street_graph.walking_view`): the same
snapping and noding as the inspection routes, every segment walkable both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import CRS
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.street_graph import street_graph, walking_view

_TINY = 1e-9  # weight of a zero-length link (m): scipy's csgraph reads 0 as "no edge"


@dataclass(frozen=True)
class WalkingNetwork:
    """The walking view of a street graph as arrays, one row per segment.

    Attributes
    ----------
    node_xy
        ``(n, 2)`` array of node coordinates in the metric CRS; node ids are ``0..n-1`` in
        the order of the graph's nodes.
    tail, head
        Node id of each segment's drawn start and end.
    geometry
        Each segment's LineString, from its tail to its head.
    length
        Each segment's length in metres.
    """

    node_xy: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    geometry: np.ndarray
    length: np.ndarray

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> WalkingNetwork:
        """Read the walking view of a graph built by :func:`geo.street_graph.street_graph`.

        Parameters
        ----------
        graph : networkx.MultiDiGraph
            The street graph (or its walking view).

        Returns
        -------
        WalkingNetwork
        """
        graph = walking_view(graph)
        index = {node: i for i, node in enumerate(graph.nodes)}
        node_xy = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)],
                           dtype=float).reshape(-1, 2)
        rows = [(index[u], index[v], d["geometry"], d["length"])
                for u, v, d in graph.edges(data=True) if not d["reversed"]]
        tail, head, geometry, length = (np.array(column) for column in zip(*rows)) if rows \
            else (np.zeros(0, int), np.zeros(0, int), np.empty(0, dtype=object), np.zeros(0))
        return cls(node_xy, tail.astype(int), head.astype(int), geometry.astype(object),
                   length.astype(float))


def walking_network(lines: np.ndarray, crs: CRS) -> WalkingNetwork:
    """The walking network of street *lines*, built by :func:`geo.street_graph.street_graph`.

    Parameters
    ----------
    lines : numpy.ndarray
        LineString / MultiLineString geometries in the metric CRS *crs*.
    crs : pyproj.CRS
        Their CRS, in metres; the network is measured in it.

    Returns
    -------
    WalkingNetwork
        Empty when there are no lines.
    """
    lines = lines[~shapely.is_empty(lines)] if len(lines) else lines
    if not len(lines):
        return WalkingNetwork(np.empty((0, 2)), np.zeros(0, int), np.zeros(0, int),
                              np.empty(0, dtype=object), np.zeros(0))
    graph = street_graph(gpd.GeoDataFrame(geometry=lines, crs=crs), crs=crs)
    return WalkingNetwork.from_graph(graph)


def street_access(streets: WalkingNetwork, polygons: np.ndarray,
                  tolerance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the streets pass within *tolerance* metres of each polygon (e.g. a park).

    Each straight stretch of a segment (between two of its vertices) that comes that close
    gives one access point: the point of the stretch nearest to the polygon.

    Parameters
    ----------
    streets : WalkingNetwork
        The walking network.
    polygons : numpy.ndarray
        Shapely polygons in the network's CRS.
    tolerance : float
        Distance in metres.

    Returns
    -------
    polygon, segment, position : numpy.ndarray
        Polygon index, segment index and metres along the segment from its tail.
    """
    pieces, segment_of, offset = _straight_pieces(streets.geometry)
    if not len(pieces) or not len(polygons):
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    polygon_of, piece_of = shapely.STRtree(pieces).query(polygons, predicate="dwithin",
                                                         distance=tolerance)
    nearest = shapely.get_point(shapely.shortest_line(polygons[polygon_of], pieces[piece_of]), 1)
    along = shapely.line_locate_point(pieces[piece_of], nearest)
    return polygon_of, segment_of[piece_of], offset[piece_of] + along


def reachable_street_parts(streets: WalkingNetwork, segment_of: np.ndarray,
                           position: np.ndarray, distance: float) -> np.ndarray:
    """The parts of the streets within *distance* metres' walk of the given access points.

    An access point is a position along a segment (see :func:`street_access`). The walk
    spreads from it along its own segment and, through the segment's two nodes, over the
    network (one Dijkstra from a virtual node tied to every access point). A segment whose
    ends are reached with metres to spare is walked in from each end as far as they allow.

    Parameters
    ----------
    streets : WalkingNetwork
        The walking network.
    segment_of, position : numpy.ndarray
        Access points: segment index and metres along the segment from its tail.
    distance : float
        Walking distance in metres.

    Returns
    -------
    numpy.ndarray
        Shapely LineStrings in the network's CRS, one per reached piece (pieces may
        overlap; callers dissolve); empty when there is no access point.
    """
    if not len(segment_of):
        return np.empty(0, dtype=object)
    length = streets.length[segment_of]
    # line_locate_point may land a float's width past the segment's end: the offset to the
    # far node would be negative.
    position = np.clip(position, 0.0, length)
    walked = _walked(streets, np.concatenate([streets.tail[segment_of], streets.head[segment_of]]),
                     np.concatenate([position, length - position]), distance)
    from_tail = np.minimum(distance - walked[streets.tail], streets.length)
    from_head = np.minimum(distance - walked[streets.head], streets.length)
    by_tail, by_head = np.flatnonzero(from_tail > 0), np.flatnonzero(from_head > 0)
    which = np.concatenate([segment_of, by_tail, by_head])
    start = np.concatenate([np.maximum(position - distance, 0.0), np.zeros(len(by_tail)),
                            streets.length[by_head] - from_head[by_head]])
    end = np.concatenate([np.minimum(position + distance, length), from_tail[by_tail],
                          streets.length[by_head]])
    keep = end > start
    return _substrings(streets.geometry[which[keep]], start[keep], end[keep])


def _walked(streets: WalkingNetwork, nodes: np.ndarray, offsets: np.ndarray,
            distance: float) -> np.ndarray:
    """Walking distance to every node from access points *offsets* metres from *nodes*."""
    virtual = len(streets.node_xy)
    near = offsets <= distance
    tail = np.r_[streets.tail, np.full(int(near.sum()), virtual)]
    head = np.r_[streets.head, nodes[near]]
    weight = np.maximum(np.r_[streets.length, offsets[near]], _TINY)
    # Parallel segments (and several access points on one node) would be summed by the
    # sparse matrix: keep the shortest of each pair of nodes.
    low, high = np.minimum(tail, head), np.maximum(tail, head)
    key = low * (virtual + 1) + high
    order = np.lexsort((weight, key))
    first = order[np.unique(key[order], return_index=True)[1]]
    graph = csr_matrix((weight[first], (low[first], high[first])),
                       shape=(virtual + 1, virtual + 1))
    walked = dijkstra(graph, directed=False, indices=virtual, limit=distance)
    return walked[:virtual]


def _straight_pieces(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each line's straight stretches: the stretch, its line's index, metres before it."""
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    same = owner[1:] == owner[:-1]
    start, end, owner = coords[:-1][same], coords[1:][same], owner[:-1][same]
    step = np.hypot(*(end - start).T)
    before = np.cumsum(step) - step
    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, bool)
    offset = before - before[np.maximum.accumulate(np.where(first, np.arange(len(owner)), 0))]
    keep = step > 0
    pieces = shapely.linestrings(np.stack([start[keep], end[keep]], axis=1)) if keep.any() \
        else np.empty(0, dtype=object)
    return pieces, owner[keep], offset[keep]


def _substrings(lines: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The part of each line from *start* to *end* metres along it (``start < end``)."""
    if not len(lines):
        return np.empty(0, dtype=object)
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    step = np.r_[0.0, np.hypot(*np.diff(coords, axis=0).T)]
    step[np.r_[True, owner[1:] != owner[:-1]]] = 0.0
    total = np.cumsum(step)
    along = total - total[np.searchsorted(owner, owner)]
    inner = (along > start[owner]) & (along < end[owner])
    count = np.arange(len(lines))
    xy = np.concatenate([shapely.get_coordinates(shapely.line_interpolate_point(lines, start)),
                         coords[inner],
                         shapely.get_coordinates(shapely.line_interpolate_point(lines, end))])
    line = np.concatenate([count, owner[inner], count])
    place = np.concatenate([np.full(len(lines), -np.inf), along[inner],
                            np.full(len(lines), np.inf)])
    order = np.lexsort((place, line))
    return shapely.linestrings(xy[order], indices=line[order])
