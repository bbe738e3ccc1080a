"""The vectorised polygon operations (geo.polygons) on squares whose answers are known by hand.

Written from the survivors of mutation testing (docs/mutation.md, geo/polygons.py): the
indicators reach these functions only with data that never makes some of their branches
matter.  Each test names the mutants it was seen to kill.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.polygons import (area_by_zone, cluster_zone_pairs, dissolve, grouped_union,
                          intersect_pieces, overlap_clusters, polygonal_parts, zone_pairs)
from tests.files import X0, Y0, square

#: Two triangles whose bounding boxes overlap but which do not touch (1 m apart diagonally).
LOWER = shapely.Polygon([(X0, Y0), (X0 + 100, Y0), (X0, Y0 + 100)])
UPPER = shapely.Polygon([(X0 + 101, Y0 + 1), (X0 + 101, Y0 + 101), (X0 + 1, Y0 + 101)])


def areas(geoms) -> list[float]:
    return shapely.area(np.asarray(geoms, dtype=object)).tolist()


def test_two_overlapping_squares_dissolve_into_one_piece():
    # dissolve 6, 7: two polygons returned as they are (`< 2` made `<= 2`, `< 3`)
    pieces = dissolve(np.array([square(), square(X0 + 50, Y0 + 50)]))

    assert areas(pieces) == pytest.approx([17_500])


def test_dissolve_leaves_out_empty_geometries():
    # dissolve 2: empties kept, one piece each
    pieces = dissolve(np.array([shapely.Polygon(), square(), square(X0 + 50, Y0 + 50)]))

    assert areas(pieces) == pytest.approx([17_500])


def test_polygons_whose_boxes_overlap_but_which_do_not_touch_stay_apart():
    # dissolve 10, 12 and overlap_clusters 14, 16: the tree queried by boxes only
    assert sorted(areas(dissolve(np.array([LOWER, UPPER])))) == pytest.approx([5_000, 5_000])
    cluster, alone = overlap_clusters(np.array([LOWER, UPPER]))
    assert cluster.tolist() == [-1, -1]
    assert alone.tolist() == [True, True]


def test_groups_of_one_two_and_three_given_out_of_order_are_each_unioned():
    # grouped_union 16, 22, 24, 32, 33: the ranks inside each group (its start, its parity)
    # wrong when a group starts at an odd position or has three members
    # (group 1: x 0–260, any member lost changes its area)
    geoms = np.array([square(X0 + 80), square(), square(X0 + 500), square(X0 + 1000),
                      square(X0 + 160), square(X0 + 550)])
    groups = np.array([1, 1, 2, 0, 1, 2])

    ids, unions = grouped_union(geoms, groups)

    assert ids.tolist() == [0, 1, 2]
    assert areas(unions) == pytest.approx([10_000, 26_000, 15_000])


def test_clusters_are_numbered_apart_and_a_polygon_alone_is_minus_one():
    # overlap_clusters 48 (alone as -2), 51 (every cluster numbered 0)
    geoms = np.array([square(), square(X0 + 50), square(X0 + 500), square(X0 + 1000),
                      square(X0 + 550)])

    cluster, alone = overlap_clusters(geoms)

    assert cluster.tolist() == [0, 0, 1, -1, 1]
    assert alone.tolist() == [False, False, False, True, False]


def test_a_cluster_inside_a_zone_is_wholly_there_and_one_across_an_edge_is_not():
    # cluster_zone_pairs 42, 56, 66, 68 (the cluster's box wrong), 78, 79 (containment
    # not tested), 72, 74 (a zone's box taken for the zone: the triangle LOWER does not
    # reach the cluster at x, y 60–150, its box does)
    geoms = np.array([square(X0 + 60, Y0 + 60, side=60), square(X0 + 90, Y0 + 90, side=60)])
    cluster, _ = overlap_clusters(geoms)
    zones = np.array([square(side=1000), LOWER, square(X0 + 100, Y0 - 500, side=1000)])

    zone_of, cluster_of, inside = cluster_zone_pairs(geoms, cluster, zones)

    assert sorted(zip(zone_of.tolist(), cluster_of.tolist(), inside.tolist())) == [
        (0, 0, True), (2, 0, False)]


def test_no_cluster_gives_empty_integer_and_boolean_answers():
    # cluster_zone_pairs 9–22: the empty answer of the wrong size or type
    geoms = np.array([square(), square(X0 + 500)])
    cluster, _ = overlap_clusters(geoms)

    zone_of, cluster_of, inside = cluster_zone_pairs(geoms, cluster, np.array([square()]))

    for ids in (zone_of, cluster_of):
        assert ids.shape == (0,) and ids.dtype.kind == "i"
    assert inside.shape == (0,) and inside.dtype == bool


def test_no_piece_gives_no_area_in_any_zone():
    # zone_pairs 13: one area for no piece
    zones = np.array([square(), square(X0 + 500)])

    assert area_by_zone(np.empty(0, dtype=object), zones).tolist() == [0, 0]
    assert [len(a) for a in zone_pairs(np.empty(0, dtype=object), zones)] == [0, 0, 0]


def test_intersecting_nothing_gives_an_empty_array_of_geometries():
    # intersect_pieces 5, 7, 8: the empty answer of the wrong size or type
    pieces = intersect_pieces(np.array([square()]), np.empty(0, dtype=object))

    assert pieces.shape == (0,) and pieces.dtype == object


def test_squares_that_only_touch_share_no_piece_and_a_tiny_overlap_is_kept():
    # intersect_pieces 35 (the shared edge kept as a piece of no area), 36 (pieces under
    # 1 m² left out)
    assert len(intersect_pieces(np.array([square()]), np.array([square(X0 + 100)]))) == 0
    tiny = intersect_pieces(np.array([square()]), np.array([square(X0 + 99.5, Y0 + 99)]))
    assert areas(tiny) == pytest.approx([0.5])


def test_geometry_collections_keep_only_their_polygons_and_the_rest_is_untouched():
    # polygonal_parts 2–35: collections not found, their members (and the polygons of a
    # MultiPolygon member) not unpacked or given to the wrong collection, other geometries
    # changed
    a, b, c = square(), square(X0 + 200), square(X0 + 400)
    mixed = shapely.GeometryCollection([a, shapely.LineString([(X0, Y0), (X0 - 50, Y0)])])
    plain = square(X0 + 600)
    no_polygon = shapely.GeometryCollection([shapely.Point(X0, Y0)])
    nested = shapely.GeometryCollection([shapely.MultiPolygon([b, c]),
                                         shapely.Point(X0, Y0)])

    out = polygonal_parts(np.array([mixed, plain, no_polygon, nested]))

    assert shapely.get_type_id(out).tolist() == [6, 3, 6, 6]  # MultiPolygon, Polygon…
    assert out[1] is plain
    assert out[0].equals(shapely.MultiPolygon([a]))
    assert out[2].is_empty
    assert out[3].equals(shapely.MultiPolygon([b, c]))


def test_an_array_without_collections_is_given_back_as_it_is():
    # polygonal_parts 3, 4: the test for collections reversed
    geoms = np.array([square(), square(X0 + 200)])

    assert polygonal_parts(geoms) is geoms
