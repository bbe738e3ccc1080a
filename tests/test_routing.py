"""Inspection routes on small street networks whose answers are known by hand.

Streets are drawn in EPSG:4545 metres from (X0, Y0) near Xixiang and driven at 36 km/h
(10 m/s), so a 100 m block takes 10 s. The depot is the corner A = (0, 0) of a 100 m square
A(0,0) B(100,0) C(100,100) D(0,100), with a diagonal A–C in the first fixture.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from pyproj import CRS
from shapely import LineString, Point

from geo import routing
from geo.errors import GeoInputError
from geo.inspection_problem import inspection_problem
from geo.route_solvers import or_tools_tours
from geo.routing import inspection_route, solve_inspection
from geo.street_graph import street_graph

X0, Y0 = 478_500.0, 3_651_000.0
A, B, C, D = (0, 0), (100, 0), (100, 100), (0, 100)
DIAGONAL = math.hypot(100, 100)


def streets(*lines, oneway=None) -> gpd.GeoDataFrame:
    geometry = [LineString([(X0 + x, Y0 + y) for x, y in line]) for line in lines]
    return gpd.GeoDataFrame({"road_class": "local", "speed_kmh": 36.0,
                             "oneway": oneway or [False] * len(lines)},
                            geometry=geometry, crs="EPSG:4545")


def point(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def stops(*places, **columns) -> gpd.GeoDataFrame:
    ids = columns.pop("ids", [f"s{i}" for i in range(1, len(places) + 1)])
    return gpd.GeoDataFrame(columns, index=ids, geometry=[point(*p) for p in places],
                            crs="EPSG:4545")


@pytest.fixture(scope="module")
def square():
    return street_graph(streets([A, B], [B, C], [C, D], [D, A], [A, C]))


@pytest.fixture(scope="module")
def plain_square():
    return street_graph(streets([A, B], [B, C], [C, D], [D, A]))


def route_through(graph, sites, **options):
    return inspection_route(graph, sites, point(*A), **options)


def visited(result) -> list[list[str]]:
    return [[v.stop_id for v in route.visits] for route in result.routes]


def test_the_way_to_the_far_corner_takes_the_diagonal(square):
    result = route_through(square, stops(C))
    assert result.distance_m == pytest.approx(2 * DIAGONAL)


def test_three_corners_are_toured_around_the_square(square):
    result = route_through(square, stops(B, C, D))
    assert result.distance_m == pytest.approx(400)
    assert visited(result)[0] in (["s1", "s2", "s3"], ["s3", "s2", "s1"])


def test_one_stop_mid_block_is_reached_on_its_street_not_at_a_corner(square):
    result = route_through(square, stops((50, -3)), service_min=5)
    (visit,) = result.routes[0].visits
    assert result.solver == "exact"
    assert result.distance_m == pytest.approx(100)
    assert visit.arrival_min == pytest.approx(5 / 60)
    assert visit.departure_min == pytest.approx(5 + 5 / 60)
    assert result.duration_min == pytest.approx(5 + 10 / 60)


def test_snap_distance_is_reported_for_each_stop(square):
    result = route_through(square, stops((50, -7), (100, 60)))
    assert {v.stop_id: round(v.snap_distance_m, 6) for v in result.routes[0].visits} == \
        {"s1": 7.0, "s2": 0.0}


def test_route_geometry_is_lon_lat_and_follows_the_streets_driven(square):
    result = route_through(square, stops(C))
    line = gpd.GeoSeries([result.routes[0].geometry], crs=4326).to_crs(4545)[0]
    assert 107.7 < result.routes[0].geometry.coords[0][0] < 107.8
    assert line.length == pytest.approx(2 * DIAGONAL, abs=0.01)
    assert Point(line.coords[0]).distance(point(*A)) < 0.01
    assert Point(line.coords[-1]).distance(point(*A)) < 0.01


def test_stop_farther_than_max_snap_distance_is_unreachable_and_the_rest_is_routed(square):
    result = route_through(square, stops(C, (50, 400)), max_snap_m=250)
    (skipped,) = result.unreachable
    assert (skipped.stop_id, skipped.reason) == ("s2", "too_far")
    assert skipped.snap_distance_m == pytest.approx(300)
    assert visited(result) == [["s1"]]


def test_stop_on_a_street_cut_off_from_the_depot_is_unreachable():
    graph = street_graph(streets([A, B], [B, C], [(1000, 0), (1100, 0)]))
    result = route_through(graph, stops(C, (1050, 5)))
    assert [(s.stop_id, s.reason) for s in result.unreachable] == [("s2", "unreachable")]
    assert visited(result) == [["s1"]]


def test_stop_at_the_end_of_a_one_way_dead_end_has_no_way_back(plain_square):
    graph = street_graph(streets([A, B], [B, C], [C, D], [D, A], [C, (100, 200)],
                                 oneway=[False, False, False, False, True]))
    result = route_through(graph, stops(B, (100, 190)))
    assert [(s.stop_id, s.reason) for s in result.unreachable] == [("s2", "no_return")]


def test_one_way_street_forces_the_detour_around_the_block():
    graph = street_graph(streets([B, A], [B, C], [C, D], [D, A],
                                 oneway=[True, False, False, False]))
    result = route_through(graph, stops(B))
    assert result.distance_m == pytest.approx(300 + 100)
    assert result.routes[0].visits[0].arrival_min == pytest.approx(30 / 60)


def test_duplicate_stops_are_both_visited_with_no_travel_between(square):
    single = route_through(square, stops(C))
    double = route_through(square, stops(C, C, ids=["report-7", "report-9"]))
    first, second = double.routes[0].visits
    assert {first.stop_id, second.stop_id} == {"report-7", "report-9"}
    assert double.distance_m == pytest.approx(single.distance_m)
    assert second.arrival_min == pytest.approx(first.departure_min)


def test_time_windows_decide_the_order_and_early_arrival_waits(plain_square):
    result = route_through(plain_square, stops(B, D, earliest_min=[20, None],
                                               latest_min=[None, 5]))
    first, second = result.routes[0].visits
    assert (first.stop_id, second.stop_id) == ("s2", "s1")
    assert first.arrival_min <= 5
    assert second.arrival_min == pytest.approx(20)
    assert second.wait_min > 0


def test_stops_beyond_the_working_day_are_dropped_with_the_reason(square):
    result = route_through(square, stops(B, C, D), service_min=20, day_min=30)
    assert len(visited(result)[0]) == 1
    assert [s.reason for s in result.dropped] == ["dropped", "dropped"]
    assert all("no room left" in s.detail for s in result.dropped)


def test_a_stop_whose_window_has_passed_is_dropped_even_alone(square):
    result = route_through(square, stops(B, earliest_min=[500], latest_min=[520]))
    (dropped,) = result.dropped
    assert "time window" in dropped.detail
    assert visited(result) == [[]]


def test_a_closed_window_is_dropped_before_or_tools_sees_it(square):
    result = route_through(square, stops(B, D, earliest_min=[500, None], latest_min=[520, None]),
                           exact_max_stops=0, time_limit_s=0.2)
    assert result.solver == "or-tools"
    assert [s.stop_id for s in result.dropped] == ["s1"]
    assert visited(result) == [["s2"]]


def test_a_second_inspector_takes_what_does_not_fit_in_one_day(square):
    result = route_through(square, stops(B, C, D), service_min=20, day_min=50, inspectors=2)
    assert result.solver == "or-tools"
    assert not result.dropped
    assert sorted(len(v) for v in visited(result)) == [1, 2]


def test_no_stops_give_empty_routes(square):
    result = route_through(square, stops())
    assert result.solver == "none"
    assert visited(result) == [[]]
    assert result.distance_m == 0


def test_length_objective_minimises_metres_over_minutes():
    fast_detour = streets([A, (0, -100), (200, -100), (200, 0)], [A, (200, 0)])
    fast_detour["speed_kmh"] = [72.0, 18.0]
    graph = street_graph(fast_detour)
    by_time = route_through(graph, stops((200, 0)), objective="travel_time")
    by_length = route_through(graph, stops((200, 0)), objective="length")
    assert by_time.distance_m == pytest.approx(800)
    assert by_length.distance_m == pytest.approx(400)


def test_depot_far_from_every_street_is_refused(square):
    with pytest.raises(GeoInputError, match="depot .* from the nearest street"):
        inspection_route(square, stops(B), point(5000, 5000))


def test_stops_that_are_not_points_are_refused(square):
    sites = gpd.GeoDataFrame(geometry=[LineString([point(*A), point(*B)])], crs=4545)
    with pytest.raises(GeoInputError, match="not a point"):
        route_through(square, sites)


def test_impossible_time_window_is_refused(square):
    with pytest.raises(GeoInputError, match="earliest_min is after latest_min"):
        route_through(square, stops(B, earliest_min=[60], latest_min=[30]))


def test_service_minutes_that_are_not_numbers_are_refused(square):
    with pytest.raises(GeoInputError, match="service_min"):
        route_through(square, stops(B, service_min=["half an hour"]))


def test_stops_in_lon_lat_are_accepted(square):
    sites = stops(C).to_crs(4326)
    result = inspection_route(square, sites, gpd.GeoSeries([point(*A)], crs=4545)
                              .to_crs(4326)[0])
    assert result.distance_m == pytest.approx(2 * DIAGONAL, abs=0.01)


def grid_town(size: int, seed: int) -> gpd.GeoDataFrame:
    """A size × size grid of 100 m blocks, some streets one-way, some diagonals."""
    rng = np.random.default_rng(seed)
    lines, oneway = [], []
    for i in range(size):
        row = [(100 * j, 100 * i) for j in range(size)]
        col = [(100 * i, 100 * j) for j in range(size)]
        lines += [row if i % 2 else row[::-1], col]
        oneway += [i % 3 == 1, False]
    for i, j in zip(*np.nonzero(rng.random((size - 1, size - 1)) < 0.3)):
        lines.append([(100 * i, 100 * j), (100 * i + 100, 100 * j + 100)])
        oneway.append(False)
    return streets(*lines, oneway=oneway)


def tour_cost(problem, route) -> float:
    """The objective of *route* summed from *problem*'s matrix (row 0 is the depot)."""
    rows = [0, *(problem.stops.index.get_loc(v.stop_id) + 1 for v in route.visits), 0]
    return float(sum(problem.cost[a, b] for a, b in zip(rows, rows[1:])))


@pytest.mark.parametrize("seed, day_min", [(1, 8), (4, 8), (5, 12), (2, 12)])
def test_exact_solver_agrees_with_or_tools_on_small_problems(seed, day_min):
    rng = np.random.default_rng(seed)
    graph = street_graph(grid_town(6, seed))
    places = [tuple(xy) for xy in rng.uniform(0, 500, (7, 2))]
    early = rng.uniform(0, 4, 7)
    windowed = rng.random(7) < 0.4
    sites = stops(*places, earliest_min=np.where(windowed, early, np.nan),
                  latest_min=np.where(windowed, early + 2, np.nan))
    problem = inspection_problem(graph, sites, point(0, 0), service_min=1, day_min=day_min)
    exact = solve_inspection(problem)
    searched = solve_inspection(problem, exact_max_stops=0, time_limit_s=1)
    assert (exact.solver, searched.solver) == ("exact", "or-tools")
    assert len(exact.dropped) == len(searched.dropped)
    assert tour_cost(problem, exact.routes[0]) == pytest.approx(
        tour_cost(problem, searched.routes[0]), abs=0.5)


# Tests written for the survivors of mutation testing (docs/mutation.md, geo/routing.py):
# each names the mutants it was seen to kill with scripts/mutation_check.py.


def test_the_depot_is_called_the_campaign_office_unless_named(square):
    # inspection_route 1
    assert route_through(square, stops(B)).depot.name == "创建办"


def test_the_snapping_distance_given_is_the_one_used(square):
    # inspection_route 22 (max_snap_m not passed on: the default 250 m reaches the stop)
    result = route_through(square, stops(B, (50, -7)), max_snap_m=5)
    assert [(s.stop_id, s.reason) for s in result.unreachable] == [("s2", "too_far")]
    assert visited(result) == [["s1"]]


def test_the_time_limit_given_is_the_one_or_tools_searches_for(square, monkeypatch):
    # inspection_route 25, 28; solve_inspection 29 (the default limit used instead)
    limits = []

    def spy(tasks, time_limit_s):
        limits.append(time_limit_s)
        return or_tools_tours(tasks, time_limit_s)

    monkeypatch.setattr(routing, "or_tools_tours", spy)
    result = route_through(square, stops(B, D), exact_max_stops=0, time_limit_s=0.2)
    assert result.solver == "or-tools"
    assert limits == [0.2]


def test_as_many_stops_as_exact_max_stops_are_still_solved_exactly(square):
    # solve_inspection 23 (< for <=)
    assert route_through(square, stops(B, D), exact_max_stops=2).solver == "exact"
    assert route_through(square, stops(B, C, D), exact_max_stops=2).solver == "or-tools"


def test_the_plan_says_what_it_minimised(square):
    # solve_inspection 79
    assert route_through(square, stops(B)).objective == "travel_time"
    assert route_through(square, stops(B), objective="length").objective == "length"


def test_no_stops_give_each_inspector_a_numbered_empty_day(square):
    # solve_inspection 64, 73, 74; _inspector_route 2, 4, 6, 7, 15, 16
    result = route_through(square, stops(), inspectors=2)
    assert [route.inspector for route in result.routes] == [1, 2]
    for route in result.routes:
        assert route.visits == ()
        assert route.geometry.geom_type == "LineString" and route.geometry.is_empty
        assert (route.distance_m, route.travel_min, route.return_min) == (0, 0, 0)


def test_travel_and_return_minutes_of_a_two_stop_day(plain_square):
    # _inspector_route 46, 50, 64, 67, 69: A→B 10 s, B→D 20 s, D→A 10 s, 10 min at each stop
    route = route_through(plain_square, stops(B, D)).routes[0]
    assert route.inspector == 1
    assert route.distance_m == pytest.approx(400)
    assert route.travel_min == pytest.approx(40 / 60)
    assert route.return_min == pytest.approx((10 + 600 + 20 + 600 + 10) / 60)


def test_a_visit_carries_its_window_address_note_and_exact_wait(plain_square):
    # _visit 12-15, 26-29, 43, 44, 51, 54; _optional 1-3: B is reached at 10 s and its
    # window opens at 20 min, so the inspector waits 1190 s
    sites = stops(B, D, earliest_min=[20, None], latest_min=[30, None],
                  address=["西乡县城关镇", None], note=["查看保洁", None])
    visits = {v.stop_id: v for v in route_through(plain_square, sites).routes[0].visits}
    windowed, plain = visits["s1"], visits["s2"]
    assert (windowed.earliest_min, windowed.latest_min) == (20.0, 30.0)
    assert (windowed.address, windowed.note) == ("西乡县城关镇", "查看保洁")
    assert plain.earliest_min is None and plain.latest_min is None
    assert (plain.address, plain.note) == ("", "")
    assert visits["s2"].wait_min == 0
    assert route_through(plain_square, stops(B, earliest_min=[20])).routes[0].visits[0] \
        .wait_min == pytest.approx((20 * 60 - 10) / 60)


def test_the_route_line_repeats_no_point_where_its_pieces_meet(plain_square):
    # _lonlat_line 17 (repeated points kept): A→B→C and back, five corners
    line = route_through(plain_square, stops(C)).routes[0].geometry
    xy = np.array(line.coords)
    assert len(xy) == 5
    assert (np.diff(xy, axis=0) != 0).any(axis=1).all()


def test_a_way_of_no_length_gives_an_empty_line_not_an_error():
    # _lonlat_line 34, 37 (a line of one point: GEOS refuses it)
    line = routing._lonlat_line([LineString([point(*A), point(*A)])], CRS.from_epsg(4545))
    assert line.geom_type == "LineString" and line.is_empty


WINDOW_MISSED = "its time window cannot be met within the working day, even as the only stop"


def test_a_window_closing_before_the_stop_can_be_reached_is_said_so(plain_square):
    # _dropped 6, 7, 16: only latest_min, 6 s after the start; B is 10 s away
    (dropped,) = route_through(plain_square, stops(B, latest_min=[0.1])).dropped
    assert (dropped.reason, dropped.detail) == ("dropped", WINDOW_MISSED)


def test_a_window_opening_after_the_working_day_is_said_so(plain_square):
    # _dropped 6, 11-14: only earliest_min, after the 480-minute day
    (dropped,) = route_through(plain_square, stops(B, earliest_min=[500])).dropped
    assert (dropped.reason, dropped.detail) == ("dropped", WINDOW_MISSED)


def test_a_stop_too_long_for_the_day_is_told_the_round_trip_minutes(plain_square):
    # _dropped 11-14, 18-25: 20 s to C, 100 min there, 20 s back = 100.67 min (100.0 for
    # any one term missed or subtracted, 99 at 61 s a minute)
    (dropped,) = route_through(plain_square, stops(C), service_min=100, day_min=60).dropped
    assert dropped.detail == ("the round trip from the depot alone takes 101 min, more than "
                              "the working day of 60 min")
