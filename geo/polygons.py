"""Vectorised polygon operations for area indicators: dissolve overlaps, area per zone.

Whole arrays of shapely 2 geometries in, arrays out; no Python loop over features.
Overlapping polygons are grouped into clusters (connected components of one STRtree
self-query) and unioned by pairwise halving; areas per zone come from one STRtree query
of the zones and one array intersection for the pieces that cross a zone's edge.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def dissolve(geoms: np.ndarray) -> np.ndarray:
    """Union overlapping polygons: return pieces that cover the same ground, none overlapping.

    Clusters of intersecting polygons are found with one STRtree self-query and
    ``scipy.sparse.csgraph.connected_components``; each cluster is unioned by
    :func:`grouped_union`.  Polygons that overlap nothing pass through untouched.
    """
    geoms = geoms[~shapely.is_empty(geoms)] if len(geoms) else geoms
    if len(geoms) < 2:
        return geoms
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    links = coo_matrix((np.ones(len(left), dtype=bool), (left, right)),
                       shape=(len(geoms), len(geoms)))
    _, cluster = connected_components(links, directed=False)
    return grouped_union(geoms, cluster)[1]


def grouped_union(geoms: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union the geometries of each group; returns (group ids, one geometry per group).

    Pairwise halving: each round unions the 1st with the 2nd, the 3rd with the 4th… member
    of every group in one vectorised ``shapely.union`` call, so a group of *n* needs
    ``log2(n)`` rounds and no Python loop over groups.
    """
    order = np.argsort(groups, kind="stable")
    geoms, groups = geoms[order], np.asarray(groups)[order]
    while len(groups) > 1:
        first = np.r_[True, groups[1:] != groups[:-1]]
        if first.all():
            break
        position = np.arange(len(groups))
        rank = position - np.maximum.accumulate(np.where(first, position, 0))
        even = rank % 2 == 0
        left = position[even & np.r_[~first[1:], False]]
        merged = geoms.copy()
        merged[left] = shapely.union(geoms[left], geoms[left + 1])
        geoms, groups = merged[even], groups[even]
    return groups, geoms


def intersect_pieces(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ground common to *a* and *b* (each without overlaps inside), as pieces."""
    if not len(a) or not len(b):
        return np.empty(0, dtype=object)
    shapely.prepare(b)
    a_of, b_of = shapely.STRtree(b).query(a, predicate="intersects")
    inside = shapely.contains(b[b_of], a[a_of])
    out = a[a_of].copy()
    out[~inside] = shapely.intersection(a[a_of][~inside], b[b_of][~inside])
    out = polygonal_parts(out)
    return out[shapely.area(out) > 0]


def overlap_clusters(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlap cluster of each polygon (``-1`` for one that overlaps nothing), and that mask.

    Clusters are the connected components of one STRtree self-query; ids run ``0…n-1``.
    """
    if not len(geoms):
        return np.zeros(0, int), np.zeros(0, bool)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    links = coo_matrix((np.ones(len(left), dtype=bool), (left, right)),
                       shape=(len(geoms), len(geoms)))
    _, component = connected_components(links, directed=False)
    alone = np.bincount(component, minlength=len(geoms))[component] == 1
    cluster = np.full(len(geoms), -1)
    cluster[~alone] = np.unique(component[~alone], return_inverse=True)[1].ravel()
    return cluster, alone


def cluster_zone_pairs(geoms: np.ndarray, cluster: np.ndarray,
                       zones: np.ndarray) -> tuple[np.ndarray, ...]:
    """(zone, cluster, cluster wholly inside the zone) for every cluster touching a zone.

    Judged on each cluster's bounding box: a box inside a zone puts all of the cluster
    there; a box across a zone's edge sends the cluster's pieces to an exact intersection.
    """
    n = cluster.max(initial=-1) + 1
    if not n:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0, bool)
    bounds = shapely.bounds(geoms[cluster >= 0])
    ids = cluster[cluster >= 0]
    low = np.full((n, 2), np.inf)
    high = np.full((n, 2), -np.inf)
    np.minimum.at(low, ids, bounds[:, :2])
    np.maximum.at(high, ids, bounds[:, 2:])
    boxes = shapely.box(low[:, 0], low[:, 1], high[:, 0], high[:, 1])
    zone_of, cluster_of = shapely.STRtree(boxes).query(zones, predicate="intersects")
    return zone_of, cluster_of, shapely.contains(zones[zone_of], boxes[cluster_of])


def area_by_zone(pieces: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Area of *pieces*, which overlap each other nowhere, inside each zone."""
    zone_of, _, area = zone_pairs(pieces, zones)
    return np.bincount(zone_of, weights=area, minlength=len(zones)).astype(float)


def zone_pairs(pieces: np.ndarray, zones: np.ndarray) -> tuple[np.ndarray, ...]:
    """(zone, piece, area of the piece inside the zone) for every piece touching a zone."""
    if not len(pieces):
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    # Boxes only: the containment test that follows settles the rest just as fast.
    zone_of, piece_of = shapely.STRtree(pieces).query(zones)
    inside = shapely.contains(zones[zone_of], pieces[piece_of])
    area = shapely.area(pieces[piece_of])
    area[~inside] = shapely.area(shapely.intersection(zones[zone_of[~inside]],
                                                      pieces[piece_of[~inside]]))
    return zone_of, piece_of, area


def polygonal_parts(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygons of geometry collections (overlay and make_valid leave some)."""
    collection = shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION
    if not collection.any():
        return geoms
    members, owner = shapely.get_parts(geoms[collection], return_index=True)
    polygons, sub = shapely.get_parts(members, return_index=True)
    owner = owner[sub]
    keep = shapely.get_type_id(polygons) == shapely.GeometryType.POLYGON
    rebuilt = np.full(collection.sum(), shapely.MultiPolygon(), dtype=object)
    if keep.any():
        shapely.multipolygons(polygons[keep], indices=owner[keep], out=rebuilt)
    out = geoms.copy()
    out[collection] = rebuilt
    return out
