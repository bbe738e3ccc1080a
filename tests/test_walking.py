"""Walking distance on the one street graph: the same junctions as the routes, no one-way rules.

Small networks drawn in EPSG:4545 metres from (X0, Y0), answers worked out by hand; no
database.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import CRS

from geo.shortest_ways import StreetNetwork
from geo.street_graph import driving_view, street_graph
from geo.walking import WalkingNetwork, reachable_street_parts, street_access, walking_network
from tests.test_street_graph import X0, Y0, streets

GK = CRS.from_epsg(4545)
#: A park west of (0, 0): its nearest street point is (0, 0), the streets' west end.
PARK_WEST = shapely.box(X0 - 30, Y0 - 10, X0 - 10, Y0 + 10)


def lines(*coordinates: list[tuple[float, float]]) -> np.ndarray:
    return np.array([shapely.LineString([(X0 + x, Y0 + y) for x, y in line])
                     for line in coordinates])


def walked_length(network, park: shapely.Polygon, distance: float) -> float:
    _, segment, position = street_access(network, np.array([park]), 15)
    return shapely.union_all(reachable_street_parts(network, segment, position, distance)).length


def node_set(xy: np.ndarray) -> set[tuple[float, float]]:
    return {(round(x - X0, 3), round(y - Y0, 3)) for x, y in xy}


def test_streets_whose_ends_are_1_m_apart_are_walked_across_the_gap():
    # Both ends move to x = 100.5: 150 m from the west end reaches x = 150 on the second.
    network = walking_network(lines([(0, 0), (100, 0)], [(101, 0), (200, 0)]), GK)

    assert walked_length(network, PARK_WEST, 150) == pytest.approx(150)


def test_streets_whose_ends_are_1_m_apart_are_joined_for_walking_as_for_routing():
    drawn = [(0, 0), (100, 0)], [(101, 0), (200, 0)]
    walking = walking_network(lines(*drawn), GK)
    routing = street_graph(streets(*drawn))

    assert node_set(walking.node_xy) == {(0, 0), (100.5, 0), (200, 0)}
    assert node_set(walking.node_xy) == node_set(
        [(d["x"], d["y"]) for _, d in driving_view(routing).nodes(data=True)])


def test_walking_and_routing_build_identical_nodes_for_the_same_streets():
    # A crossing without a shared vertex, a street ending 1.5 m short of another, a 1 m gap
    # between two ends, and a dangling end 3 m from a street (beyond the 2 m tolerance).
    drawn = ([(0, 0), (100, 0)], [(50, -50), (50, 50)], [(30, 1.5), (30, 60)],
             [(101, 0), (150, 0)], [(80, 3), (80, 40)])
    walking = walking_network(lines(*drawn), GK)
    graph = street_graph(streets(*drawn))
    routing = StreetNetwork.from_graph(graph)

    assert len(walking.node_xy) == routing.nodes == 10
    assert node_set(walking.node_xy) == node_set(
        [(d["x"], d["y"]) for _, d in graph.nodes(data=True)])


def test_a_one_way_street_is_walked_against_its_direction():
    # A one-way street drawn eastwards to x = 100, then a two-way one on to x = 200. From a
    # park at the east end, 150 m reaches all of the two-way street and, walking west
    # against the one-way rule, 50 m of the other.
    park_east = shapely.box(X0 + 210, Y0 - 10, X0 + 230, Y0 + 10)
    graph = street_graph(streets([(0, 0), (100, 0)], [(100, 0), (200, 0)], oneway=[True, False]))
    network = WalkingNetwork.from_graph(graph)

    assert walked_length(network, park_east, 150) == pytest.approx(150)


def test_a_walk_turns_into_a_side_street_at_a_crossing_drawn_without_a_vertex():
    # 100 m walked from x = 0: 50 m to the crossing, then 50 m each way along the cross
    # street and 50 m on east: 200 m of street.
    network = walking_network(lines([(0, 0), (100, 0)], [(50, -80), (50, 80)]), GK)

    assert walked_length(network, PARK_WEST, 100) == pytest.approx(200)


def test_a_walk_follows_a_bent_street_around_its_corner():
    # An L-shaped street of 60 + 80 m; 100 m reaches 40 m past the corner.
    network = walking_network(lines([(0, 0), (60, 0), (60, 80)]), GK)
    _, segment, position = street_access(network, np.array([PARK_WEST]), 15)
    parts = reachable_street_parts(network, segment, position, 100)

    reached = shapely.union_all(parts)
    assert reached.length == pytest.approx(100)
    assert reached.distance(shapely.Point(X0 + 60, Y0 + 40)) < 1e-6
    assert reached.distance(shapely.Point(X0 + 60, Y0 + 41)) == pytest.approx(1)


def test_an_entrance_on_the_middle_of_a_bent_street_is_measured_along_it():
    # The park faces the second stretch, 30 m past the corner: its entrance is 90 m from
    # the street's start, so a 50 m walk covers 40 m to 140 m along the street.
    park = shapely.Point(X0 + 70, Y0 + 30).buffer(5)
    network = walking_network(lines([(0, 0), (60, 0), (60, 80)]), GK)
    _, segment, position = street_access(network, np.array([park]), 10)

    assert position.tolist() == pytest.approx([90])
    parts = reachable_street_parts(network, segment, position, 50)
    assert shapely.union_all(parts).length == pytest.approx(100)


def test_an_entrance_a_floats_width_past_a_streets_end_still_walks():
    # line_locate_point puts this park's entrance 1.4e-14 m past the street's end; the
    # negative offset to the far node once made Dijkstra fail ("Contradictory paths").
    line = shapely.LineString([(478706.65, 3650168.96), (478649.41, 3650268.17)])
    park = shapely.Point(478714.97346944, 3650148.6087376).buffer(10, quad_segs=4)
    streets_ = walking_network(np.array([line]), GK)

    _, segment, position = street_access(streets_, np.array([park]), 60)
    parts = reachable_street_parts(streets_, segment, position, 300)

    assert shapely.union_all(parts).length == pytest.approx(line.length)


def test_no_lines_give_an_empty_network_that_reaches_nothing():
    network = walking_network(np.empty(0, dtype=object), GK)

    _, segment, position = street_access(network, np.array([PARK_WEST]), 60)
    assert len(reachable_street_parts(network, segment, position, 300)) == 0


def test_the_nearest_of_several_entrances_sets_the_walk_past_a_junction():
    # Entrances at x = 0 and x = 90 of a 100 m street that runs on to x = 500: the junction
    # at x = 100 is 10 m away, so 150 m reaches 140 m along the second street (240 m in
    # all), whichever entrance is listed last.
    near_junction = shapely.Point(X0 + 90, Y0 + 20).buffer(5)
    network = walking_network(lines([(0, 0), (100, 0)], [(100, 0), (500, 0)]), GK)
    parks = np.array([PARK_WEST, near_junction])
    _, segment, position = street_access(network, parks, 15)

    for order in (slice(None), slice(None, None, -1)):
        parts = reachable_street_parts(network, segment[order], position[order], 150)
        assert shapely.union_all(parts).length == pytest.approx(240)


# Found by mutation testing (docs/mutation.md, geo/walking.py): each test below fails with
# the mutants named in its comment applied.


def assert_empty_network(network: WalkingNetwork) -> None:
    assert network.node_xy.shape == (0, 2)
    for ids in (network.tail, network.head):
        assert ids.shape == (0,) and ids.dtype.kind == "i"
    assert network.geometry.shape == (0,) and network.geometry.dtype == object
    assert network.length.shape == (0,) and network.length.dtype.kind == "f"


def test_no_lines_give_an_empty_network_of_the_right_shapes_and_types():
    # walking_network 7–11, 18–36: a wrong shape, size or type for the empty network
    assert_empty_network(walking_network(np.empty(0, dtype=object), GK))


def test_a_graph_without_edges_gives_an_empty_network():
    # from_graph 35 (the rows unpacked when there are none), 37, 39, 41, 42, 44, 46, 47,
    # 49, 51–53: a wrong shape for the empty network
    assert_empty_network(WalkingNetwork.from_graph(nx.MultiDiGraph()))


def test_the_network_is_measured_in_the_crs_it_is_given():
    # walking_network 39, 41: the CRS not passed on, so the graph is built in the data's
    # Gauss-Krüger zone (EPSG:4545 here), not in the UTM zone given
    utm = CRS.from_epsg(32648)
    street = shapely.LineString([(770_000, 3_650_000), (770_100, 3_650_000)])

    network = walking_network(np.array([street]), utm)

    assert network.node_xy.ravel().tolist() == pytest.approx([770_000, 3_650_000,
                                                              770_100, 3_650_000])


def test_no_street_gives_no_access_point_and_empty_indices_still_index():
    # street_access 7, 9, 10, 12, 14, 17: empty answers of the wrong size or of floats
    # (numpy refuses float arrays as indices, even empty ones)
    network = walking_network(np.empty(0, dtype=object), GK)
    parks = np.array([PARK_WEST])

    polygon, segment, position = street_access(network, parks, 60)

    assert len(polygon) == len(segment) == len(position) == 0
    assert len(parks[polygon]) == len(network.length[segment]) == 0


def test_each_straight_stretch_near_the_park_gives_an_access_point_however_short():
    # _straight_pieces 49: stretches under 1 m dropped (the 0.5 m step at x = 100)
    network = walking_network(lines([(0, 0), (100, 0), (100, 0.5), (200, 0.5)]), GK)
    park = shapely.box(X0 + 90, Y0 + 30, X0 + 110, Y0 + 40)

    _, _, position = street_access(network, np.array([park]), 100)

    assert position.tolist() == pytest.approx([90, 100.5, 110.5])


def test_an_entrance_on_a_later_street_is_measured_from_that_streets_start():
    # _straight_pieces 23, 29, 37, 39: offsets counted across streets, or reset at every
    # stretch of the second street.  Its second stretch faces the park, 50 m up: 150 m.
    network = walking_network(lines([(0, 0), (100, 0)], [(300, 0), (400, 0), (400, 100)]), GK)
    park = shapely.Point(X0 + 420, Y0 + 50).buffer(5)

    _, segment, position = street_access(network, np.array([park]), 20)

    assert network.length[segment].tolist() == pytest.approx([200])
    assert position.tolist() == pytest.approx([150])


def test_a_walk_reaching_a_junction_with_half_a_metre_to_spare_goes_half_a_metre_on():
    # reachable_street_parts 43, 46: pieces walked in from a node kept only beyond 1 m.
    # One street drawn away from the junction (walked in from its tail), one towards it
    # (from its head): 100 m to the junction, then 0.5 m into each.
    network = walking_network(lines([(0, 0), (100, 0)], [(100, 0), (200, 0)],
                                    [(100, 100), (100, 0)]), GK)

    assert walked_length(network, PARK_WEST, 100.5) == pytest.approx(101)


def test_walking_no_distance_reaches_no_street():
    # reachable_street_parts 67 (a zero-length piece kept), _substrings 2–6 (the empty
    # answer of the wrong size or type)
    network = walking_network(lines([(0, 0), (100, 0)]), GK)

    parts = reachable_street_parts(network, np.array([0]), np.array([50.0]), 0)

    assert parts.shape == (0,) and parts.dtype == object


def test_no_access_point_reaches_an_empty_array_of_geometries():
    # reachable_street_parts 3, 5: the empty answer of floats
    network = walking_network(lines([(0, 0), (100, 0)]), GK)

    parts = reachable_street_parts(network, np.zeros(0, int), np.zeros(0), 100)

    assert parts.shape == (0,) and parts.dtype == object
