"""The street network as a routable directed graph (街道路网 → 有向图).

A streets layer drawn by hand or exported from a CAD plan is rarely a clean network: a
street stops a metre short of the one it meets, two streets cross without a shared vertex.
:func:`street_graph` repairs that topology and returns a :class:`networkx.MultiDiGraph`
in the Gauss-Krüger zone of the data. :class:`StreetNetwork` reads that graph into arrays
to snap points (sites, the depot) onto their nearest street and find the shortest ways
between them, which :mod:`geo.routing` orders into inspection routes.

Every crossing becomes a junction: the streets layer has no level field, so a bridge over a
street is joined to it. Draw grade-separated roads so that they do not cross what they pass
over (end them at the ramps) to keep them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely import LineString
from shapely.ops import substring

from geo.crs import local_metric_crs
from geo.errors import GeoInputError

#: Travel speed (km/h) per road class when a street has no ``speed_kmh`` of its own:
#: design speeds of CJJ 37-2012 for urban roads, slowed for a county town's traffic.
DEFAULT_SPEEDS_KMH: Mapping[str, float] = MappingProxyType({
    "expressway": 80.0,  # 高速公路
    "national": 50.0,    # 国道 through the town
    "arterial": 40.0,    # 主干路
    "collector": 30.0,   # 次干路
    "local": 20.0,       # 支路
    "approach": 20.0,    # 引道
})
#: Street ends closer than this (metres) to each other or to another street are joined.
SNAP_TOLERANCE_M = 2.0
#: Grid (metres) on which crossings are computed; finer than any survey, coarse enough for
#: a street end placed "on" another street by interpolation to count as touching it.
_NODING_GRID_M = 0.001
_TINY = 1e-6  # weight of a zero-length link: scipy's csgraph reads 0 as "no edge"
_TRUE = {"1", "true", "t", "yes", "y", "是"}
_FALSE = {"0", "false", "f", "no", "n", "否", ""}


def street_graph(
    streets: gpd.GeoDataFrame,
    *,
    snap_tolerance_m: float = SNAP_TOLERANCE_M,
    speeds_kmh: Mapping[str, float] = DEFAULT_SPEEDS_KMH,
    crs: CRS | str | int | None = None,
) -> nx.MultiDiGraph:
    """Build a routable directed graph from a streets layer.

    The topology is repaired first: street ends within *snap_tolerance_m* of each other
    are merged into one junction, a street end within that distance of another street is
    moved onto it, and every street is split wherever it meets or crosses another. A
    one-way street gives one edge per segment, in the direction the line is drawn; any
    other street gives one edge each way.

    Parameters
    ----------
    streets : geopandas.GeoDataFrame
        Lines (LineString or MultiLineString) in any CRS, with the columns of the
        ``streets`` layer: ``road_class``, and optionally ``oneway`` (bool), ``speed_kmh``
        and ``name``.
    snap_tolerance_m : float
        Distance in metres under which street ends are joined.
    speeds_kmh : Mapping[str, float]
        Speed per road class, used where ``speed_kmh`` is missing.
    crs : pyproj.CRS or str or int, optional
        Metric CRS to measure in; by default the CGCS2000 Gauss-Krüger zone of the data.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes are junctions and street ends, with coordinates ``x``, ``y`` in the metric
        CRS stored as ``graph.graph["crs"]``. Each edge has ``length`` (m),
        ``travel_time`` (s), ``speed_kmh``, ``road_class``, ``oneway``, ``name``,
        ``street`` (index label of its row in *streets*), ``geometry`` (LineString from
        ``u`` to ``v``), ``segment`` (id shared by both directions of a two-way
        segment) and ``reversed`` (True when it runs against the drawn direction).

    Raises
    ------
    geo.errors.GeoInputError
        If *streets* has no CRS, holds geometries that are not lines, or has a street
        with neither a usable ``speed_kmh`` nor a known ``road_class``.
    """
    if streets.crs is None:
        raise GeoInputError("the streets layer has no CRS; set one before building the graph")
    lines = _street_lines(streets, speeds_kmh)
    metric_crs = CRS.from_user_input(crs) if crs is not None else local_metric_crs(lines)
    lines = lines.to_crs(metric_crs)
    geometry = _snap_ends(lines.geometry.to_numpy(), snap_tolerance_m)
    pieces, source = _split_at_junctions(geometry)
    return _graph(pieces, lines.iloc[source].reset_index(drop=True), metric_crs)


def _street_lines(streets: gpd.GeoDataFrame, speeds_kmh: Mapping[str, float]) -> gpd.GeoDataFrame:
    """One row per simple line: ``street``, ``name``, ``road_class``, ``oneway``, ``speed_kmh``."""
    present = streets[~(streets.geometry.isna() | streets.geometry.is_empty)]
    if present.empty:
        raise GeoInputError("the streets layer has no lines to build a graph from")
    kinds = present.geometry.geom_type
    wrong = kinds[~kinds.isin(["LineString", "MultiLineString"])]
    if len(wrong):
        raise GeoInputError(
            f"the streets layer must hold lines; row {wrong.index[0]!r} is a {wrong.iloc[0]} "
            f"({len(wrong)} such rows)")
    lines = gpd.GeoDataFrame(
        {
            "street": present.index,
            "name": _column(present, "name", "").fillna("").astype(str),
            "road_class": _column(present, "road_class", None),
            "oneway": _column(present, "oneway", False).map(_as_bool),
            "speed_kmh": _speeds(present, speeds_kmh),
        },
        geometry=present.geometry.to_numpy(),
        crs=streets.crs,
    )
    return lines.explode(index_parts=False).reset_index(drop=True)


def _column(frame: pd.DataFrame, name: str, default: object) -> pd.Series:
    return frame[name] if name in frame else pd.Series(default, index=frame.index, dtype=object)


def _as_bool(value: object) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise GeoInputError(f"streets field oneway: {value!r} is not a yes/no value")


def _speeds(streets: pd.DataFrame, speeds_kmh: Mapping[str, float]) -> np.ndarray:
    """``speed_kmh`` where given and positive, else the road class's default speed."""
    given = pd.to_numeric(_column(streets, "speed_kmh", np.nan), errors="coerce").to_numpy(float)
    road_class = _column(streets, "road_class", None)
    default = road_class.map(speeds_kmh).to_numpy(float)
    speed = np.where(given > 0, given, default)
    missing = ~(speed > 0)
    if missing.any():
        row = np.flatnonzero(missing)[0]
        raise GeoInputError(
            f"street row {streets.index[row]!r} has no speed_kmh and its road_class "
            f"{road_class.iloc[row]!r} is not one of {', '.join(speeds_kmh)}; "
            f"give it a speed_kmh or a road class ({missing.sum()} such rows)")
    return speed


def _snap_ends(lines: np.ndarray, tolerance: float) -> np.ndarray:
    """Join line ends within *tolerance* of each other, then pull loose ends onto lines."""
    ends = np.concatenate([shapely.get_point(lines, 0), shapely.get_point(lines, -1)])
    cluster = _clusters(ends, tolerance)
    moved = _to_centroids(ends, cluster)
    loose = np.bincount(cluster)[cluster] == 1
    moved[loose] = _onto_nearest_line(moved[loose], np.flatnonzero(loose) % len(lines), lines,
                                      tolerance)
    return _with_ends(lines, moved[: len(lines)], moved[len(lines):])


def _clusters(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Label of each point's cluster: points chained by distances within *tolerance*."""
    pairs = shapely.STRtree(points).query(points, predicate="dwithin", distance=tolerance)
    adjacency = coo_matrix((np.ones(pairs.shape[1]), (pairs[0], pairs[1])),
                           shape=(len(points), len(points)))
    return connected_components(adjacency, directed=False)[1]


def _to_centroids(points: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """Move every point to the centroid of its cluster."""
    xy = shapely.get_coordinates(points)
    count = np.bincount(cluster)
    centre = np.column_stack([np.bincount(cluster, xy[:, k]) / count for k in (0, 1)])
    return shapely.points(centre[cluster])


def _onto_nearest_line(points: np.ndarray, own_line: np.ndarray, lines: np.ndarray,
                       tolerance: float) -> np.ndarray:
    """Move each point to the nearest point of another line within *tolerance*, if any."""
    point_i, line_i = shapely.STRtree(lines).query(points, predicate="dwithin",
                                                   distance=tolerance)
    other = line_i != own_line[point_i]
    point_i, line_i = point_i[other], line_i[other]
    distance = shapely.distance(points[point_i], lines[line_i])
    order = np.lexsort((distance, point_i))
    first = order[np.unique(point_i[order], return_index=True)[1]]
    point_i, line_i = point_i[first], line_i[first]
    snapped = points.copy()
    along = shapely.line_locate_point(lines[line_i], points[point_i])
    snapped[point_i] = shapely.line_interpolate_point(lines[line_i], along)
    return snapped


def _with_ends(lines: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    coords, index = shapely.get_coordinates(lines, return_index=True)
    last = np.cumsum(shapely.get_num_coordinates(lines)) - 1
    first = last - shapely.get_num_coordinates(lines) + 1
    coords[first] = shapely.get_coordinates(starts)
    coords[last] = shapely.get_coordinates(ends)
    return shapely.linestrings(coords, indices=index)


def _split_at_junctions(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node *lines* where they meet; return the pieces, each drawn as its source line
    runs, and the index of that source line.

    Noding on a fine grid (snap-rounding) also splits a line where another line's end was
    placed on it by interpolation, which exact noding misses by a rounding error. Where two
    lines overlap, the shared stretch becomes one piece attributed to one of them.
    """
    pieces = shapely.get_parts(shapely.unary_union(lines, grid_size=_NODING_GRID_M))
    pieces = pieces[shapely.length(pieces) > 0]
    middle = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    piece, source = shapely.STRtree(lines).query(middle, predicate="dwithin",
                                                 distance=2 * _NODING_GRID_M)
    nearest = np.lexsort((shapely.distance(middle[piece], lines[source]), piece))
    source = source[nearest][np.unique(piece[nearest], return_index=True)[1]]
    before = shapely.line_locate_point(
        lines[source], shapely.line_interpolate_point(pieces, 0.25, normalized=True))
    after = shapely.line_locate_point(
        lines[source], shapely.line_interpolate_point(pieces, 0.75, normalized=True))
    backwards = before > after
    pieces[backwards] = shapely.reverse(pieces[backwards])
    return pieces, source


def _graph(pieces: np.ndarray, attributes: gpd.GeoDataFrame, crs: CRS) -> nx.MultiDiGraph:
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, 0)),
                           shapely.get_coordinates(shapely.get_point(pieces, -1))])
    xy, node = np.unique(np.round(ends / _NODING_GRID_M), axis=0, return_inverse=True)
    xy = xy * _NODING_GRID_M
    u, v = node[: len(pieces)], node[len(pieces):]
    length = shapely.length(pieces)
    travel_time = length / (attributes["speed_kmh"].to_numpy() / 3.6)

    data = pd.DataFrame(attributes.drop(columns="geometry")).assign(
        segment=np.arange(len(pieces)), length=length, travel_time=travel_time,
    ).to_dict("records")
    backwards = shapely.reverse(pieces)
    graph = nx.MultiDiGraph(crs=crs)
    graph.add_nodes_from((i, {"x": x, "y": y}) for i, (x, y) in enumerate(xy.tolist()))
    graph.add_edges_from((a, b, {**d, "geometry": line, "reversed": False})
                         for a, b, d, line in zip(u.tolist(), v.tolist(), data, pieces))
    graph.add_edges_from((b, a, {**d, "geometry": line, "reversed": True})
                         for a, b, d, line in zip(u.tolist(), v.tolist(), data, backwards)
                         if not d["oneway"])
    return graph


@dataclass(frozen=True)
class StreetNetwork:
    """A street graph as arrays, for snapping points to it and finding the ways between them.

    Build it with :meth:`from_graph`; :meth:`snap` places points on their nearest segment
    and :meth:`ways` finds the shortest ways between snapped points.
    """

    nodes: int
    tail: np.ndarray
    head: np.ndarray
    length: np.ndarray
    time: np.ndarray
    geometry: np.ndarray
    segments: np.ndarray  # LineString per segment id, as drawn
    seg_tail: np.ndarray
    seg_head: np.ndarray
    seg_twoway: np.ndarray
    seg_length: np.ndarray
    seg_time: np.ndarray

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> StreetNetwork:
        """Read the edges of a graph built by :func:`street_graph`."""
        index = {node: i for i, node in enumerate(graph.nodes)}
        rows = [(index[u], index[v], d["segment"], d["reversed"], d["length"], d["travel_time"],
                 d["geometry"]) for u, v, d in graph.edges(data=True)]
        if not rows:
            raise GeoInputError("the street graph has no edges")
        tail, head, segment, backwards, length, time, geometry = map(np.array, zip(*rows))
        fwd = ~backwards.astype(bool)
        count = segment.max() + 1
        seg = {name: np.zeros(count, dtype) for name, dtype in
               (("tail", int), ("head", int), ("twoway", bool), ("length", float),
                ("time", float))}
        segments = np.full(count, None, dtype=object)
        seg["tail"][segment[fwd]], seg["head"][segment[fwd]] = tail[fwd], head[fwd]
        seg["length"][segment[fwd]], seg["time"][segment[fwd]] = length[fwd], time[fwd]
        segments[segment[fwd]] = geometry[fwd]
        seg["twoway"][segment[~fwd]] = True
        return cls(len(index), tail, head, length.astype(float), time.astype(float),
                   geometry, segments, seg["tail"], seg["head"], seg["twoway"],
                   seg["length"], seg["time"])

    def snap(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Place points on their nearest street segment.

        Parameters
        ----------
        points : numpy.ndarray
            Shapely points in the graph's CRS.

        Returns
        -------
        segment, fraction, distance : numpy.ndarray
            The nearest segment's id, how far along it (0 at its drawn start, 1 at its end)
            the nearest point lies, and the distance to it in metres.
        """
        known = np.flatnonzero(shapely.is_geometry(self.segments))
        hit, distance = shapely.STRtree(self.segments[known]).query_nearest(
            points, return_distance=True, all_matches=False)
        segment = known[hit[1]]
        fraction = shapely.line_locate_point(self.segments[segment], points, normalized=True)
        return segment, fraction, distance

    def ways(self, segment: np.ndarray, fraction: np.ndarray, weight: str = "travel_time") -> Ways:
        """Shortest ways from every snapped point to every other.

        Each point splits its segment, for this search only, so that the way to a point in
        the middle of a block runs along the block to it; points on one segment are chained
        in order along it, and points at the same place are joined at no cost.

        Parameters
        ----------
        segment, fraction : numpy.ndarray
            Where the points lie, as given by :meth:`snap`.
        weight : {"travel_time", "length"}
            What the ways minimise.

        Returns
        -------
        Ways
        """
        links = self._links(segment, fraction)
        tail = np.r_[self.tail, links["tail"]]
        head = np.r_[self.head, links["head"]]
        length = np.r_[self.length, links["length"]]
        time = np.r_[self.time, links["time"]]
        weight = np.maximum(time if weight == "travel_time" else length, _TINY)
        size = self.nodes + len(segment)
        key = tail * size + head
        order = np.lexsort((weight, key))
        first = order[np.unique(key[order], return_index=True)[1]]
        graph = csr_matrix((weight[first], (tail[first], head[first])), shape=(size, size))
        sources = self.nodes + np.arange(len(segment))
        cost, pred = dijkstra(graph, indices=sources, return_predecessors=True)
        edges = _Edges(key[first], size, first, length, time, links, self)
        way_length, way_time = edges.along(pred, sources)
        cost = cost[:, sources]
        return Ways(cost, np.where(np.isfinite(cost), way_length, np.inf),
                     np.where(np.isfinite(cost), way_time, np.inf), pred, sources, edges)

    def _links(self, segment: np.ndarray, fraction: np.ndarray) -> dict[str, np.ndarray]:
        """Edges that chain the points on each segment in order, each way it can be driven."""
        order = np.lexsort((fraction, segment))
        seg, frac = segment[order], fraction[order]
        virtual = self.nodes + order
        first = np.r_[True, seg[1:] != seg[:-1]]
        last = np.r_[seg[1:] != seg[:-1], True]
        tail = np.r_[np.where(first, self.seg_tail[seg], np.roll(virtual, 1)), virtual[last]]
        head = np.r_[virtual, self.seg_head[seg[last]]]
        f0 = np.r_[np.where(first, 0.0, np.roll(frac, 1)), frac[last]]
        f1 = np.r_[frac, np.ones(last.sum())]
        on = np.r_[seg, seg[last]]
        back = self.seg_twoway[on]
        links = {"tail": np.r_[tail, head[back]], "head": np.r_[head, tail[back]],
                 "segment": np.r_[on, on[back]], "f0": np.r_[f0, f1[back]],
                 "f1": np.r_[f1, f0[back]]}
        share = np.abs(links["f1"] - links["f0"])
        links["length"] = share * self.seg_length[links["segment"]]
        links["time"] = share * self.seg_time[links["segment"]]
        return links


@dataclass(frozen=True)
class _Edges:
    """Lookup from (tail, head) to the edge the shortest ways use between them."""

    keys: np.ndarray  # sorted tail * size + head
    size: int
    index: np.ndarray  # into the concatenation of network edges and links
    length: np.ndarray
    time: np.ndarray
    links: dict[str, np.ndarray]
    network: StreetNetwork

    def find(self, tail: np.ndarray, head: np.ndarray) -> np.ndarray:
        return self.index[np.searchsorted(self.keys, tail * self.size + head)]

    def along(self, pred: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Length and travel time of the shortest ways from each source to every source,
        walking all the ways back to their start at once."""
        reached = pred >= 0
        edge = np.zeros(pred.shape, dtype=np.int64)
        edge[reached] = self.find(pred[reached], np.nonzero(reached)[1])
        rows = np.arange(len(sources))[:, None].repeat(len(sources), axis=1)
        node = np.tile(sources, (len(sources), 1))
        length, time = np.zeros(node.shape), np.zeros(node.shape)
        active = reached[rows, node]
        while active.any():
            row, here = rows[active], node[active]
            length[active] += self.length[edge[row, here]]
            time[active] += self.time[edge[row, here]]
            node[active] = pred[row, here]
            active[active] = reached[row, node[active]]
        return length, time

    def geometry(self, tail: int, head: int) -> LineString | None:
        edge = int(self.find(np.array(tail), np.array(head)))
        if edge < len(self.network.tail):
            return self.network.geometry[edge]
        link = edge - len(self.network.tail)
        f0, f1 = self.links["f0"][link], self.links["f1"][link]
        if f0 == f1:
            return None
        return substring(self.network.segments[self.links["segment"][link]], f0, f1,
                         normalized=True)


@dataclass(frozen=True)
class Ways:
    """The shortest ways between snapped points, found by :meth:`StreetNetwork.ways`.

    ``cost[i, j]`` is the weight of the shortest way from point *i* to point *j* (``inf``
    where there is none); ``length`` (m) and ``time`` (s) are measured along that same way.
    """

    cost: np.ndarray
    length: np.ndarray
    time: np.ndarray
    pred: np.ndarray
    sources: np.ndarray
    edges: _Edges

    def subset(self, keep: np.ndarray) -> Ways:
        """The ways between the points *keep* only, in that order."""
        return Ways(self.cost[np.ix_(keep, keep)], self.length[np.ix_(keep, keep)],
                     self.time[np.ix_(keep, keep)], self.pred[keep], self.sources[keep],
                     self.edges)

    def line(self, start: int, end: int) -> list[LineString]:
        """The edge geometries of the way from point *start* to point *end*, in order."""
        pieces, node, target = [], int(self.sources[end]), int(self.sources[start])
        while node != target:
            before = int(self.pred[start, node])
            piece = self.edges.geometry(before, node)
            if piece is not None:
                pieces.append(piece)
            node = before
        return pieces[::-1]
