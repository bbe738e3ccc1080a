"""The street graph (街道路网图), one for walking and driving, with a view per mode.

A streets layer drawn by hand or exported from a CAD plan is rarely a clean network: a
street stops a metre short of the one it meets, two streets cross without a shared vertex.
:func:`street_graph` repairs that topology once, by one set of rules, and returns a
:class:`networkx.MultiDiGraph` in the Gauss-Krüger zone of the data in which every segment
can be followed both ways. The modes are views of that one graph, so the same streets give
the same junctions whatever the mode:

* :func:`walking_view`: every segment, both ways (walking ignores one-way rules); used by
  the walking variant of the park service radius (:mod:`geo.walking`).
* :func:`driving_view`: one-way segments only in the direction they are drawn; used by
  the inspection routes (:mod:`geo.shortest_ways`, :mod:`geo.routing`).

Every crossing becomes a junction: the streets layer has no level field, so a bridge over a
street is joined to it. Draw grade-separated roads so that they do not cross what they pass
over (end them at the ramps) to keep them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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
#: Grid (metres) on which crossings are computed and junctions told apart; finer than any
#: survey, coarse enough for a street end placed "on" another street by interpolation to
#: count as touching it.
NODING_GRID_M = 0.001
_TRUE = {"1", "true", "t", "yes", "y", "是"}
_FALSE = {"0", "false", "f", "no", "n", "否", ""}


def street_graph(
    streets: gpd.GeoDataFrame,
    *,
    snap_tolerance_m: float = SNAP_TOLERANCE_M,
    speeds_kmh: Mapping[str, float] = DEFAULT_SPEEDS_KMH,
    crs: CRS | str | int | None = None,
) -> nx.MultiDiGraph:
    """Build the street graph of a streets layer, every segment both ways.

    The topology is repaired first (:func:`repair_topology`): street ends within
    *snap_tolerance_m* of each other are merged into one junction, a street end within that
    distance of another street is moved onto it, and every street is split wherever it
    meets or crosses another. Each resulting segment gives an edge in the direction it is
    drawn and one against it (``reversed``); :func:`driving_view` hides the second for
    one-way streets, :func:`walking_view` keeps both.

    Parameters
    ----------
    streets : geopandas.GeoDataFrame
        Lines (LineString or MultiLineString) in any CRS. Optional columns of the
        ``streets`` layer: ``road_class``, ``oneway`` (bool), ``speed_kmh`` and ``name``;
        walking needs none of them.
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
        ``speed_kmh`` and ``travel_time`` (s) (``nan`` where the street has neither a
        speed nor a known road class), ``road_class``, ``oneway``, ``name``, ``street``
        (index label of its row in *streets*), ``geometry`` (LineString from ``u`` to
        ``v``), ``segment`` (id shared by both directions of a segment) and ``reversed``
        (True when it runs against the drawn direction).

    Raises
    ------
    geo.errors.GeoInputError
        If *streets* has no CRS, holds no lines or geometries that are not lines, or has
        a ``oneway`` value that is not yes or no.
    """
    if streets.crs is None:
        raise GeoInputError("the streets layer has no CRS; set one before building the graph")
    lines = _street_lines(streets, speeds_kmh)
    metric_crs = CRS.from_user_input(crs) if crs is not None else local_metric_crs(lines)
    lines = lines.to_crs(metric_crs)
    pieces, source = repair_topology(lines.geometry.to_numpy(), snap_tolerance_m)
    return _graph(pieces, lines.iloc[source].reset_index(drop=True), metric_crs)


def walking_view(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph as walked: every segment both ways, one-way rules ignored.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph from :func:`street_graph` (or a view of one).

    Returns
    -------
    networkx.MultiDiGraph
        A read-only view sharing *graph*'s nodes and edge data; weigh it by ``length``.
    """
    return nx.subgraph_view(graph)


def driving_view(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph as driven: a one-way segment only in the direction it is drawn.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph from :func:`street_graph` (or a view of one).

    Returns
    -------
    networkx.MultiDiGraph
        A read-only view sharing *graph*'s nodes and edge data; weigh it by ``length`` or
        ``travel_time``.

    Raises
    ------
    geo.errors.GeoInputError
        If a street has neither a usable ``speed_kmh`` nor a known ``road_class``: there is
        no telling how long it takes to drive.
    """
    hidden, slow = set(), None
    for u, v, k, data in graph.edges(keys=True, data=True):
        if not is_driven(data):
            hidden.add((u, v, k))
        elif slow is None and not data["speed_kmh"] > 0:
            slow = data
    if slow is not None:
        raise GeoInputError(
            f"street row {slow['street']!r} has no speed_kmh and its road_class "
            f"{slow['road_class']!r} has no speed (known: {', '.join(DEFAULT_SPEEDS_KMH)}); "
            f"give it a speed_kmh or a known road class to drive on it")
    return nx.subgraph_view(graph, filter_edge=lambda u, v, k: (u, v, k) not in hidden)


def is_driven(edge: Mapping[str, object]) -> bool:
    """Whether an edge of :func:`street_graph` can be driven (is in :func:`driving_view`).

    Parameters
    ----------
    edge : Mapping
        The edge's data.

    Returns
    -------
    bool
        False for the reverse of a one-way segment, True otherwise.
    """
    return not (edge["oneway"] and edge["reversed"])


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
    """``speed_kmh`` where given and positive, else the road class's speed, else ``nan``."""
    given = pd.to_numeric(_column(streets, "speed_kmh", np.nan), errors="coerce").to_numpy(float)
    default = _column(streets, "road_class", None).map(speeds_kmh).to_numpy(float)
    return np.where(given > 0, given, default)


def repair_topology(lines: np.ndarray,
                    snap_tolerance_m: float = SNAP_TOLERANCE_M) -> tuple[np.ndarray, np.ndarray]:
    """Snap street ends and split the streets into segments that meet only at their ends.

    Ends within *snap_tolerance_m* of each other move to their centroid; an end with no
    other end that close moves onto the nearest other line within that distance. Then the
    lines are noded on a :data:`NODING_GRID_M` grid, so every crossing is a junction.

    Parameters
    ----------
    lines : numpy.ndarray
        Simple LineStrings in a metric CRS.
    snap_tolerance_m : float
        Distance in metres under which ends are joined.

    Returns
    -------
    segments, source : numpy.ndarray
        The segments, each drawn as its source line runs, and the index in *lines* of
        that source line.
    """
    return _split_at_junctions(_snap_ends(lines, snap_tolerance_m))


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
    pieces = shapely.get_parts(shapely.unary_union(lines, grid_size=NODING_GRID_M))
    pieces = pieces[shapely.length(pieces) > 0]
    middle = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    piece, source = shapely.STRtree(lines).query(middle, predicate="dwithin",
                                                 distance=2 * NODING_GRID_M)
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
    """The graph of the segments *pieces* (one row of *attributes* each), both ways."""
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, 0)),
                           shapely.get_coordinates(shapely.get_point(pieces, -1))])
    xy, node = np.unique(np.round(ends / NODING_GRID_M), axis=0, return_inverse=True)
    xy = xy * NODING_GRID_M
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
                         for a, b, d, line in zip(u.tolist(), v.tolist(), data, backwards))
    return graph
