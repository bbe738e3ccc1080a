"""Shortest ways between points on the streets, for the inspection routes (最短路径).

:class:`StreetNetwork` reads the driving view of a street graph
(:func:`geo.street_graph.driving_view`) into arrays, snaps points (sites, the depot) onto
their nearest street segment and finds the shortest ways between them, which
:mod:`geo.routing` orders into inspection routes.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely import LineString
from shapely.ops import substring

from geo.errors import GeoInputError
from geo.street_graph import driving_view, is_driven

_TINY = 1e-6  # weight of a zero-length link: scipy's csgraph reads 0 as "no edge"


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
        """Read the driving view of a graph built by :func:`geo.street_graph.street_graph`.

        Parameters
        ----------
        graph : networkx.MultiDiGraph
            The street graph (or its driving view).

        Returns
        -------
        StreetNetwork

        Raises
        ------
        geo.errors.GeoInputError
            If the graph has no edges, or a street has no speed
            (see :func:`geo.street_graph.driving_view`).
        """
        driving_view(graph)  # refuses streets that cannot be driven
        index = {node: i for i, node in enumerate(graph.nodes)}
        # The view's own edge iteration filters in pure Python, six times slower than this.
        rows = [(index[u], index[v], d["segment"], d["reversed"], d["length"], d["travel_time"],
                 d["geometry"]) for u, v, d in graph.edges(data=True) if is_driven(d)]
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
