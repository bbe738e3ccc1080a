"""Building the street graph: topology repair, lengths, times, one-way streets, mode views.

Pure computation on small networks drawn in EPSG:4545 (CGCS2000 / 3° Gauss-Krüger, CM 108°E)
a few hundred metres across, near Xixiang's county seat; no database.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pytest
import shapely
from pyproj import Geod
from shapely import LineString, Point

from geo.errors import GeoInputError
from geo.street_graph import (DEFAULT_SPEEDS_KMH, driving_view, repair_topology, street_graph,
                               walking_view)

X0, Y0 = 478_500.0, 3_651_000.0  # EPSG:4545 metres near 107.77°E, 32.99°N


def streets(*lines: list[tuple[float, float]], **columns) -> gpd.GeoDataFrame:
    """Lines given in metres from (X0, Y0); local streets unless columns say otherwise."""
    columns.setdefault("road_class", ["local"] * len(lines))
    geometry = [LineString([(X0 + x, Y0 + y) for x, y in line]) for line in lines]
    return gpd.GeoDataFrame(columns, geometry=geometry, crs="EPSG:4545")


def node_at(graph: nx.MultiDiGraph, x: float, y: float, within: float = 0.01) -> int:
    here = Point(X0 + x, Y0 + y)
    found = [n for n, d in graph.nodes(data=True) if here.distance(Point(d["x"], d["y"])) <= within]
    assert len(found) == 1, f"{len(found)} nodes at ({x}, {y})"
    return found[0]


def test_crossing_lines_are_split_into_four_segments_at_the_crossing():
    graph = street_graph(streets([(0, 50), (100, 50)], [(50, 0), (50, 100)]))
    centre = node_at(graph, 50, 50)
    assert graph.number_of_nodes() == 5
    assert graph.degree(centre) == 8  # four segments, each driven both ways
    assert sorted(d["length"] for *_, d in graph.out_edges(centre, data=True)) == \
        pytest.approx([50, 50, 50, 50])


def test_ends_within_tolerance_are_joined_into_one_junction():
    graph = street_graph(streets([(0, 0), (100, 0)], [(101.5, 0.5), (200, 0)]))
    assert graph.number_of_nodes() == 3
    assert nx.has_path(graph, node_at(graph, 0, 0), node_at(graph, 200, 0))


def test_ends_farther_apart_than_tolerance_stay_apart():
    graph = street_graph(streets([(0, 0), (100, 0)], [(103, 0), (200, 0)]))
    assert graph.number_of_nodes() == 4
    assert nx.number_weakly_connected_components(graph) == 2


def test_a_street_ending_just_short_of_another_is_joined_to_it():
    graph = street_graph(streets([(0, 0), (100, 0)], [(40, 1.5), (40, 80)]))
    junction = node_at(graph, 40, 0)
    assert graph.number_of_nodes() == 4
    assert graph.degree(junction) == 6


def test_snap_tolerance_is_a_parameter():
    graph = street_graph(streets([(0, 0), (100, 0)], [(103, 0), (200, 0)]),
                         snap_tolerance_m=5.0)
    assert nx.number_weakly_connected_components(graph) == 1


def test_one_way_street_is_driven_only_in_the_direction_it_is_drawn():
    graph = street_graph(streets([(0, 0), (100, 0)], oneway=[True]))
    start, end = node_at(graph, 0, 0), node_at(graph, 100, 0)
    driving = driving_view(graph)
    assert driving.has_edge(start, end)
    assert not driving.has_edge(end, start)


def test_one_way_street_is_walked_both_ways():
    graph = street_graph(streets([(0, 0), (100, 0)], oneway=[True]))
    start, end = node_at(graph, 0, 0), node_at(graph, 100, 0)
    walking = walking_view(graph)
    assert walking.has_edge(start, end)
    assert walking.has_edge(end, start)


def test_two_way_street_has_an_edge_each_way_sharing_a_segment_id():
    graph = street_graph(streets([(0, 0), (100, 0)], oneway=[False]))
    (_, _, there), (_, _, back) = graph.edges(data=True)
    assert there["segment"] == back["segment"]
    assert {there["reversed"], back["reversed"]} == {False, True}


def test_edge_geometry_runs_from_its_tail_to_its_head():
    graph = street_graph(streets([(0, 0), (60, 30), (100, 0)]))
    for u, v, data in graph.edges(data=True):
        first, last = data["geometry"].coords[0], data["geometry"].coords[-1]
        assert first == pytest.approx((graph.nodes[u]["x"], graph.nodes[u]["y"]))
        assert last == pytest.approx((graph.nodes[v]["x"], graph.nodes[v]["y"]))
        assert data["length"] == pytest.approx(data["geometry"].length)


def test_oneway_given_as_text_is_read():
    graph = street_graph(streets([(0, 0), (100, 0)], [(0, 50), (100, 50)], oneway=["是", "no"]))
    assert driving_view(graph).number_of_edges() == 3


def test_oneway_that_is_not_yes_or_no_is_refused():
    with pytest.raises(GeoInputError, match="oneway"):
        street_graph(streets([(0, 0), (100, 0)], oneway=["sometimes"]))


def test_travel_time_comes_from_speed_kmh():
    graph = street_graph(streets([(0, 0), (100, 0)], speed_kmh=[36.0]))
    assert [d["travel_time"] for *_, d in graph.edges(data=True)] == pytest.approx([10.0, 10.0])


def test_travel_time_falls_back_to_the_road_class_speed():
    graph = street_graph(streets([(0, 0), (100, 0)], [(0, 50), (100, 50)],
                                 road_class=["local", "arterial"], speed_kmh=[None, None]))
    times = sorted({round(d["travel_time"], 6) for *_, d in graph.edges(data=True)})
    assert times == pytest.approx([100 / (40 / 3.6), 100 / (20 / 3.6)])


def test_street_with_no_speed_and_unknown_class_cannot_be_driven_naming_the_row():
    graph = street_graph(streets([(0, 0), (100, 0)], road_class=["footpath"]))
    with pytest.raises(GeoInputError, match="row 0 .*speed_kmh"):
        driving_view(graph)


def test_street_with_no_speed_and_unknown_class_can_be_walked():
    graph = street_graph(streets([(0, 0), (100, 0)], road_class=["footpath"]))
    assert walking_view(graph).number_of_edges() == 2


def test_geometries_that_are_not_lines_are_refused():
    frame = gpd.GeoDataFrame({"road_class": ["local"]}, geometry=[Point(X0, Y0)], crs=4545)
    with pytest.raises(GeoInputError, match="must hold lines"):
        street_graph(frame)


def test_a_streets_layer_without_lines_is_refused():
    with pytest.raises(GeoInputError, match="no lines"):
        street_graph(streets([(0, 0), (100, 0)]).iloc[:0])


def test_streets_without_crs_are_refused():
    with pytest.raises(GeoInputError, match="no CRS"):
        street_graph(streets([(0, 0), (100, 0)]).set_crs(None, allow_override=True))


def test_lon_lat_streets_are_measured_in_metres_in_the_gauss_kruger_zone():
    line = LineString([(107.77, 32.99), (107.77, 32.991)])
    graph = street_graph(gpd.GeoDataFrame({"road_class": ["local"]}, geometry=[line], crs=4326))
    expected = Geod(ellps="GRS80").line_length(*line.xy)
    assert graph.graph["crs"].to_epsg() == 4545
    assert next(iter(graph.edges(data=True)))[2]["length"] == pytest.approx(expected, rel=1e-3)


def test_multilinestring_parts_become_segments_of_one_street():
    frame = streets([(0, 0), (100, 0)])
    frame.geometry = [frame.geometry[0].union(LineString([(X0, Y0 + 50), (X0 + 100, Y0 + 50)]))]
    graph = street_graph(frame)
    assert graph.number_of_edges() == 4
    assert {d["street"] for *_, d in graph.edges(data=True)} == {0}


def test_repair_topology_splits_crossings_and_joins_ends_within_the_tolerance():
    lines = shapely.linestrings([[(0, 0), (100, 0)], [(50, -50), (50, 50)], [(101, 0), (200, 0)]])
    segments, source = repair_topology(lines, 2.0)
    assert sorted(shapely.length(segments).round(6).tolist()) == [50, 50, 50, 50.5, 99.5]
    assert sorted(source.tolist()) == [0, 0, 1, 1, 2]


# Found by mutation testing (docs/mutation.md).

def test_oneway_is_read_from_text_and_a_missing_value_is_two_way():
    graph = street_graph(streets(*[[(0, y), (100, y)] for y in (0, 50, 100, 150, 200)],
                                 oneway=["是", "yes", "no", None, float("nan")]))
    # two one-way segments (one edge each), three two-way ones (two each)
    assert driving_view(graph).number_of_edges() == 1 + 1 + 2 + 2 + 2


def test_a_speed_of_zero_is_no_speed_but_a_slow_one_is_kept():
    graph = street_graph(streets([(0, 0), (100, 0)], [(0, 50), (100, 50)], speed_kmh=[1.0, 0.0]))
    times = sorted({round(d["travel_time"], 6) for *_, d in graph.edges(data=True)})
    assert times == pytest.approx([100 / (20 / 3.6), 360.0])  # the local street's 20 km/h


def test_streets_without_a_oneway_column_are_two_way():
    graph = street_graph(streets([(0, 0), (100, 0)]))
    assert driving_view(graph).number_of_edges() == 2


def test_each_segment_carries_its_streets_name_and_class_or_none():
    graph = street_graph(streets([(0, 0), (100, 0)], [(0, 50), (100, 50)], name=["人民路", None],
                                 road_class=["arterial", "local"]))
    assert sorted({(d["name"], d["road_class"]) for *_, d in graph.edges(data=True)}) == [
        ("", "local"), ("人民路", "arterial")]
    unnamed = street_graph(streets([(0, 0), (100, 0)]))
    assert {d["name"] for *_, d in unnamed.edges(data=True)} == {""}


# Found by mutation testing (docs/mutation.md, geo/street_graph.py): each test below fails
# with the mutants named in its comment applied.


def test_a_road_class_whose_speed_is_zero_cannot_be_driven_and_says_which_classes_can():
    # driving_view 16 (a speed of 0 let through), 26 (the known classes joined by "XX, XX")
    graph = street_graph(streets([(0, 0), (100, 0)], road_class=["path"]),
                         speeds_kmh={"path": 0})

    with pytest.raises(GeoInputError) as refused:
        driving_view(graph)

    assert "(known: expressway, national, arterial, collector, local, approach)" in \
        str(refused.value)


def test_a_road_class_of_half_a_kilometre_an_hour_is_driven_slowly():
    # driving_view 17: speeds up to 1 km/h refused
    graph = street_graph(streets([(0, 0), (100, 0)], road_class=["path"]),
                         speeds_kmh={"path": 0.5})

    assert len(driving_view(graph).edges) == 2


def test_a_speed_given_as_text_is_no_speed_and_the_class_speed_is_used():
    # _speeds 6: the text not coerced to nan, so building the graph fails
    graph = street_graph(streets([(0, 0), (100, 0)], speed_kmh=["fast"]))

    assert [d["speed_kmh"] for *_, d in graph.edges(data=True)] == \
        [DEFAULT_SPEEDS_KMH["local"]] * 2


def test_a_piece_half_a_metre_long_between_two_crossings_is_kept():
    # _split_at_junctions 10: pieces under 1 m dropped (x 50–50.5 of the first street,
    # between two cross streets whose ends are 10 m apart, too far to be joined)
    graph = street_graph(streets([(0, 0), (100, 0)], [(50, -50), (50, 50)],
                                 [(50.5, -60), (50.5, 40)]))

    assert sum(d["length"] for *_, d in graph.edges(data=True) if not d["reversed"]) == \
        pytest.approx(300, abs=0.01)



def test_streets_without_a_crs_are_refused_saying_what_to_do():
    # street_graph 3: the message altered
    no_crs = streets([(0, 0), (100, 0)]).set_crs(None, allow_override=True)

    with pytest.raises(GeoInputError) as refused:
        street_graph(no_crs)

    assert str(refused.value) == \
        "the streets layer has no CRS; set one before building the graph"


def test_each_edge_carries_the_documented_attributes_and_no_others():
    # street_graph 30, 31 and _street_lines 70, 73: an old index kept as an "index" column
    graph = street_graph(streets([(0, 0), (100, 0)]))

    for *_, data in graph.edges(data=True):
        assert set(data) == {"length", "speed_kmh", "travel_time", "road_class", "oneway",
                             "name", "street", "geometry", "segment", "reversed"}
