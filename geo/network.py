"""Walking distance over a street network: the graph, and the area within a distance of sources.

Used by the walking variant of the park service-radius coverage (公园绿地服务半径覆盖率).
Streets are noded first (every crossing becomes a junction: the data has no bridges or
underpasses marked, so a crossing is taken as walkable), then each straight piece between
two vertices is one undirected edge weighted by its length in metres.  Walking ignores
one-way rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely

#: Coordinates closer than this (metres) are the same junction.
NODE_TOLERANCE = 0.01


@dataclass(frozen=True)
class WalkingGraph:
    """An undirected street graph with the coordinates of its nodes and edges.

    Attributes
    ----------
    graph
        networkx graph; node ids are ``0..n-1``, edge attribute ``length`` in metres.
    node_xy
        ``(n, 2)`` array of node coordinates in the metric CRS.
    edges
        ``(m, 2)`` array of node ids, one row per edge (the graph's edges).
    """

    graph: nx.Graph
    node_xy: np.ndarray
    edges: np.ndarray

    @property
    def edge_lines(self) -> np.ndarray:
        """The edges as straight shapely LineStrings (for STRtree snapping)."""
        return shapely.linestrings(np.stack([self.node_xy[self.edges[:, 0]],
                                             self.node_xy[self.edges[:, 1]]], axis=1))


def walking_graph(lines: np.ndarray) -> WalkingGraph:
    """Build the walking graph of *lines* (shapely lines in a metric CRS).

    Parameters
    ----------
    lines
        Array of LineString / MultiLineString geometries, coordinates in metres.

    Returns
    -------
    WalkingGraph
    """
    lines = lines[~shapely.is_empty(lines)] if len(lines) else lines
    if not len(lines):
        return WalkingGraph(nx.Graph(), np.empty((0, 2)), np.empty((0, 2), dtype=int))
    noded = shapely.get_parts(shapely.node(shapely.union_all(lines)))
    coords, owner = shapely.get_coordinates(noded, return_index=True)
    same_line = owner[1:] == owner[:-1]
    keys = np.round(coords / NODE_TOLERANCE).astype(np.int64)
    unique_keys, node_of = np.unique(keys, axis=0, return_inverse=True)
    node_of = node_of.ravel()
    starts, ends = node_of[:-1][same_line], node_of[1:][same_line]
    distinct = starts != ends
    edges = np.column_stack([starts[distinct], ends[distinct]])
    node_xy = unique_keys * NODE_TOLERANCE
    lengths = np.hypot(*(node_xy[edges[:, 1]] - node_xy[edges[:, 0]]).T)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(node_xy)))
    graph.add_weighted_edges_from(zip(edges[:, 0].tolist(), edges[:, 1].tolist(),
                                      lengths.tolist()), weight="length")
    return WalkingGraph(graph, node_xy, np.array(graph.edges(), dtype=int).reshape(-1, 2))


def street_access(streets: WalkingGraph, polygons: np.ndarray,
                  tolerance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the streets pass within *tolerance* metres of each polygon (e.g. a park).

    Each street edge that comes that close gives one access point: the point of the edge
    nearest to the polygon.

    Parameters
    ----------
    streets
        The street graph.
    polygons
        Shapely polygons in the graph's CRS.
    tolerance
        Distance in metres.

    Returns
    -------
    tuple of numpy.ndarray
        ``(polygon index, edge index, metres along the edge from its first node)``.
    """
    lines = streets.edge_lines
    if not len(lines) or not len(polygons):
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    polygon_of, edge_of = shapely.STRtree(lines).query(polygons, predicate="dwithin",
                                                       distance=tolerance)
    nearest = shapely.get_point(shapely.shortest_line(polygons[polygon_of], lines[edge_of]), 1)
    return polygon_of, edge_of, shapely.line_locate_point(lines[edge_of], nearest)


def reachable_street_parts(streets: WalkingGraph, edge_of: np.ndarray, position: np.ndarray,
                           distance: float) -> np.ndarray:
    """The parts of the streets within *distance* metres' walk of the given access points.

    An access point is a position along an edge (see :func:`street_access`).  The walk
    spreads from it along its own edge and, through the edge's two nodes, over the graph
    (one Dijkstra from a virtual node tied to every access point).  An edge whose ends are
    reached with metres to spare is walked in from each end as far as they allow.

    Parameters
    ----------
    streets
        The street graph.
    edge_of, position
        Access points: edge index and metres along the edge from its first node.
    distance
        Walking distance in metres.

    Returns
    -------
    numpy.ndarray
        Straight shapely LineStrings in the graph's CRS, one per reached piece (pieces may
        overlap; callers dissolve); empty when there is no access point.
    """
    if not len(edge_of):
        return np.empty(0, dtype=object)
    u, v = streets.edges[:, 0], streets.edges[:, 1]
    xy_u, xy_v = streets.node_xy[u], streets.node_xy[v]
    length = np.hypot(*(xy_v - xy_u).T)
    # line_locate_point may land a float's width past the edge's end: the offset to the far
    # node would be a negative weight, which Dijkstra refuses ("Contradictory paths found").
    position = np.clip(position, 0.0, length[edge_of])
    walked = _walked(streets, np.concatenate([u[edge_of], v[edge_of]]),
                     np.concatenate([position, length[edge_of] - position]), distance)
    share_u = np.maximum(position - distance, 0) / length[edge_of]
    share_v = np.minimum(position + distance, length[edge_of]) / length[edge_of]
    starts = [xy_u[edge_of] + (xy_v[edge_of] - xy_u[edge_of]) * share_u[:, None]]
    ends = [xy_u[edge_of] + (xy_v[edge_of] - xy_u[edge_of]) * share_v[:, None]]
    for start, end, spare in ((xy_u, xy_v, distance - walked[u]),
                              (xy_v, xy_u, distance - walked[v])):
        keep = spare > 0
        share = np.minimum(spare[keep] / length[keep], 1.0)[:, None]
        starts.append(start[keep])
        ends.append(start[keep] + (end[keep] - start[keep]) * share)
    start, end = np.concatenate(starts), np.concatenate(ends)
    return shapely.linestrings(np.stack([start, end], axis=1))


def _walked(streets: WalkingGraph, nodes: np.ndarray, offsets: np.ndarray,
            distance: float) -> np.ndarray:
    """Walking distance to every node from access points *offsets* metres from *nodes*."""
    virtual = len(streets.node_xy)
    walked = np.full(virtual, np.inf)
    near = offsets <= distance
    if not near.any():
        return walked
    streets.graph.add_weighted_edges_from(
        zip([virtual] * int(near.sum()), nodes[near].tolist(), offsets[near].tolist()),
        weight="length")
    try:
        reached = nx.single_source_dijkstra_path_length(streets.graph, virtual,
                                                        cutoff=distance, weight="length")
    finally:
        streets.graph.remove_node(virtual)
    reached.pop(virtual)
    walked[np.fromiter(reached.keys(), dtype=int, count=len(reached))] = np.fromiter(
        reached.values(), dtype=float, count=len(reached))
    return walked
