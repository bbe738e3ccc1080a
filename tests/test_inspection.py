"""Choosing inspection stops from the stored data and planning a route over the grid town
of :mod:`tests.test_inspection_town`, whose answers are known by hand."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from shapely import Point, wkt
from shapely.geometry import shape

from layers.inspection import planning, route_request
from layers.inspection.planning import CannotPlanRoute
from layers.inspection.route_request import InvalidRouteRequest
from layers.inspection.stops import select_stops
from layers.storage.models import layer_table, reports
from tests.test_inspection_town import (
    CENTRE,
    FAR_M,
    HEIGHT_M,
    HTML_NAME,
    NE,
    NW,
    SE,
    SPEED_M_S,
    SW,
    TODAY,
    WIDTH_M,
    X,
    Y,
    stop_id,
)

pytest_plugins = ["tests.factories", "tests.test_inspection_town"]

DEPOT = {"lon": SW[0], "lat": SW[1], "name": "县创建办"}


def select(engine, **body):
    selection = route_request.parse_selection(body)
    return select_stops(engine, selection, today=TODAY)


def ids(stops):
    return [stop.stop_id for stop in stops]


def plan(engine, **body):
    body = {"depot": DEPOT, "today": TODAY.isoformat(), **body}
    return planning.plan_inspection(engine, route_request.parse_route_request(body), raw=body)


def features(document, kind):
    return [f for f in document["features"] if f["properties"]["kind"] == kind]


# --- choosing the stops ----------------------------------------------------------------------

def test_overdue_projects_are_the_unfinished_ones_past_due(clean_db, town):
    found = select(clean_db, projects={"overdue": True})
    assert ids(found.stops) == [stop_id(town, c) for c in ("XC-001", "XC-005", "XC-006")]
    assert ids(found.without_location) == [stop_id(town, "XC-004")]


def test_a_project_on_a_line_is_visited_at_a_point_on_the_line(clean_db, town):
    (stop,) = select(clean_db, stops=[{"project_id": town["XC-001"]}]).stops
    assert (stop.lon, stop.lat) == pytest.approx(CENTRE, abs=1e-9)


def test_a_project_on_a_park_is_visited_at_a_point_inside_it(clean_db, town):
    (stop,) = select(clean_db, stops=[{"project_id": town["XC-002"]}]).stops
    with clean_db.connect() as conn:
        park = conn.scalar(sa.select(sa.func.ST_AsText(layer_table("parks").c.geom)))
    assert wkt.loads(park).contains(Point(stop.lon, stop.lat))


@pytest.mark.parametrize(("wanted", "codes"), [
    ({"status": ["在建"]}, ["XC-001", "XC-006"]),
    ({"status": "planned,completed"}, ["XC-002", "XC-003"]),
    ({"campaign": ["National Garden County"]}, ["XC-002"]),
    ({"department": "城管局"}, ["XC-003", "XC-005", "XC-006"]),
    ({"department": "城管局", "overdue": False}, ["XC-003"]),
])
def test_project_filters_select_by_status_campaign_and_department(clean_db, town, wanted, codes):
    assert ids(select(clean_db, projects=wanted).stops) == [stop_id(town, c) for c in codes]


def test_not_inspected_means_no_note_or_photo_within_the_days(clean_db, town):
    week = select(clean_db, projects={"not_inspected_days": 7})
    assert [s.properties["code"] for s in week.stops] == ["XC-001", "XC-003", "XC-005", "XC-006"]
    quarter = select(clean_db, projects={"not_inspected_days": 90})
    assert [s.properties["code"] for s in quarter.stops] == ["XC-001", "XC-005", "XC-006"]


def test_a_project_stop_names_project_and_site_and_notes_department_due_and_inspection(
        clean_db, town):
    (stop,) = select(clean_db, stops=[{"project_id": town["XC-003"]}]).stops
    assert stop.name == "XC-003 公厕新建 · 公厕一号"
    assert stop.note == "责任单位 城管局；完成时限 2026-01-31；上次巡查 2026-09-23"


def test_open_reports_are_selected_and_closed_ones_are_not(clean_db, town):
    found = select(clean_db, reports=True)
    assert ids(found.stops) == [f"report:{town['R1']}", f"report:{town['R3']}"]
    assert (found.stops[1].lon, found.stops[1].lat) == pytest.approx((X[2], Y[1]))
    assert found.stops[0].name == f"问题上报 #{town['R1']} 垃圾堆积"


def test_a_supervisor_s_route_visits_the_open_cases_in_their_cells(clean_db, town):
    from layers.storage.models import grid_cells
    from layers.tracking.accounts import create_user

    with clean_db.begin() as conn:
        chen = create_user(conn, "chen", "陈监督", "inspector", duties=("supervisor",))
        create_user(conn, "xu", "徐监督", "inspector", duties=("supervisor",))
        d = 0.0005  # a cell around R1 only
        conn.execute(grid_cells.insert().values(
            code="C1", supervisor_id=chen.id,
            geom=f"SRID=4326;POLYGON(({X[1] - d} {Y[2] - d},{X[1] + d} {Y[2] - d},"
                 f"{X[1] + d} {Y[2] + d},{X[1] - d} {Y[2] + d},{X[1] - d} {Y[2] - d}))"))
        conn.execute(reports.update().where(reports.c.id == town["R1"]).values(
            cell_id=conn.scalar(sa.select(grid_cells.c.id))))
    assert ids(select(clean_db, reports={"supervisor": "chen"}).stops) == [
        f"report:{town['R1']}"]
    with pytest.raises(CannotPlanRoute, match="xu supervises no grid cell"):
        select(clean_db, reports={"supervisor": "xu"})
    with pytest.raises(CannotPlanRoute, match="no user .nobody."):
        select(clean_db, reports={"supervisor": "nobody"})


def test_report_statuses_may_be_given_by_label(clean_db, town):
    assert ids(select(clean_db, reports={"status": ["处置中"]}).stops) == [f"report:{town['R3']}"]


def test_explicit_stops_come_first_in_their_order_and_a_repeat_is_dropped(clean_db, town):
    found = select(clean_db, projects={"overdue": True},
                   stops=[{"report_id": town["R3"]}, {"project_id": town["XC-005"]}])
    assert ids(found.stops) == [f"report:{town['R3']}", stop_id(town, "XC-005"),
                                stop_id(town, "XC-001"), stop_id(town, "XC-006")]


def test_explicit_feature_and_point_stops(clean_db, town):
    found = select(clean_db, stops=[{"layer": "facilities", "fid": "f1"},
                                    {"lon": NW[0], "lat": NW[1], "name": "西北角"}])
    assert [(s.stop_id, s.name, s.lon, s.lat) for s in found.stops] == [
        ("facilities/f1", "公厕一号", *NE), ("point:2", "西北角", *NW)]


@pytest.mark.parametrize("item", [{"project_id": 99999}, {"report_id": 99999},
                                  {"layer": "facilities", "fid": "nope"}])
def test_an_explicit_stop_that_does_not_exist_is_refused_naming_it(clean_db, town, item):
    with pytest.raises(CannotPlanRoute, match="stops\\[0\\]: there is no"):
        select(clean_db, stops=[item])


# --- the depot --------------------------------------------------------------------------------

def test_the_depot_setting_gives_the_default_depot(clean_db, town):
    with clean_db.connect() as conn:
        depot = planning.default_depot(conn, "107.701, 33.001, 城关镇创建办")
    assert depot == route_request.Place(107.701, 33.001, "城关镇创建办", "setting")


def test_without_a_setting_the_depot_is_inside_the_built_up_area(clean_db, town):
    with clean_db.connect() as conn:
        depot = planning.default_depot(conn, None)
    assert (depot.lon, depot.lat) == pytest.approx(CENTRE, abs=1e-9)
    assert depot.name == "县创建办（默认）"


def test_a_bad_depot_setting_names_the_setting(clean_db, town):
    with clean_db.connect() as conn, pytest.raises(route_request.DepotSettingInvalid,
                                                   match="LIANCHUANG_DEPOT"):
        planning.default_depot(conn, "33.0,107.7")


def test_no_depot_anywhere_says_how_to_give_one(clean_db, town):
    with clean_db.begin() as conn:
        conn.execute(sa.delete(layer_table("built_up_area")))
    with clean_db.connect() as conn, pytest.raises(CannotPlanRoute, match="no depot"):
        planning.default_depot(conn, None)


# --- planning ---------------------------------------------------------------------------------

def test_overdue_route_visits_the_located_sites_and_lists_the_others(clean_db, town):
    document = plan(clean_db, projects={"overdue": True})
    visited = {f["properties"]["stop_id"] for f in features(document, "visit")}
    assert visited == {stop_id(town, "XC-001"), stop_id(town, "XC-005")}
    assert document["summary"]["distance_m"] == pytest.approx(2 * WIDTH_M + HEIGHT_M, rel=1e-3)
    (far,) = document["unreachable"]
    assert (far["name"], far["reason"]) == (f"XC-006 {HTML_NAME} · 远郊垃圾点", "too_far")
    assert far["snap_distance_m"] == pytest.approx(FAR_M, rel=1e-3)
    assert [s["stop_id"] for s in document["without_location"]] == [stop_id(town, "XC-004")]
    assert (document["summary"]["selected"], document["summary"]["visited"]) == (4, 2)


def test_the_route_starts_and_ends_at_the_depot(clean_db, town):
    (line,) = features(plan(clean_db, projects={"overdue": True}), "route")
    coords = shape(line["geometry"]).coords
    assert coords[0] == pytest.approx(SW, abs=1e-7) and coords[-1] == pytest.approx(SW, abs=1e-7)


def test_three_corners_are_visited_round_the_block(clean_db, town):
    corners = [{"lon": x, "lat": y, "name": name}
               for (x, y), name in ((NE, "东北角"), (SE, "东南角"), (NW, "西北角"))]
    document = plan(clean_db, stops=corners, service_min=5)
    perimeter = 2 * (WIDTH_M + HEIGHT_M)
    assert [f["properties"]["name"] for f in features(document, "visit")] in (
        ["东南角", "东北角", "西北角"], ["西北角", "东北角", "东南角"])
    assert document["summary"]["distance_m"] == pytest.approx(perimeter, rel=1e-3)
    assert document["summary"]["duration_min"] == pytest.approx(
        perimeter / SPEED_M_S / 60 + 15, abs=0.1)


def test_visits_carry_clock_times_from_the_day_start(clean_db, town):
    document = plan(clean_db, stops=[{"lon": SE[0], "lat": SE[1], "name": "东南角"}],
                    day_start="09:00")
    (visit,) = features(document, "visit")
    # WIDTH_M at 10 m/s is about 37 s: arrival rounds to 09:01.
    assert visit["properties"]["arrival"] == "09:01"


def test_the_plan_is_stored_with_its_files(clean_db, town):
    document = plan(clean_db, projects={"overdue": True})
    stored = planning.stored_route(clean_db, document["id"])
    assert stored == json.loads(json.dumps(document))
    assert planning.stored_route(clean_db, document["id"], "gpx").startswith("<?xml")
    assert "<kml" in planning.stored_route(clean_db, document["id"], "kml")
    assert "督查巡查点位清单 2026-11-22" in planning.stored_route(clean_db, document["id"],
                                                                   "html")


def test_an_unknown_route_is_not_found(clean_db):
    for route_id in ("0123456789abcdef", "../etc", ""):
        with pytest.raises(planning.NotFound):
            planning.stored_route(clean_db, route_id)


def test_a_time_window_that_cannot_be_met_drops_the_stop_saying_why(clean_db, town):
    document = plan(clean_db, stops=[
        {"lon": NE[0], "lat": NE[1], "name": "东北角", "latest": "08:31"},
        {"lon": SE[0], "lat": SE[1], "name": "东南角"}])
    assert [f["properties"]["name"] for f in features(document, "visit")] == ["东南角"]
    (dropped,) = document["dropped"]
    assert (dropped["name"], dropped["reason"]) == ("东北角", "dropped")
    assert "time window" in dropped["detail"]


def test_stops_that_do_not_fit_one_day_go_to_a_second_inspector(clean_db, town):
    corners = [{"lon": x, "lat": y} for x, y in (NE, SE, NW)]
    one = plan(clean_db, stops=corners, service_min=100, day_min=240)
    assert (one["summary"]["visited"], one["summary"]["dropped"]) == (2, 1)
    two = plan(clean_db, stops=corners, service_min=100, day_min=240, inspectors=2)
    assert (two["summary"]["visited"], two["summary"]["inspectors_used"]) == (3, 2)


def test_the_default_depot_is_used_when_the_request_has_none(clean_db, town):
    body = {"stops": [{"lon": SE[0], "lat": SE[1]}]}
    document = planning.plan_inspection(clean_db, route_request.parse_route_request(body),
                                          raw=body, depot_setting=f"{NW[0]},{NW[1]},西北角办")
    assert document["depot"]["name"] == "西北角办"
    assert document["summary"]["distance_m"] == pytest.approx(2 * (WIDTH_M + HEIGHT_M),
                                                              rel=1e-3)


def test_a_depot_far_from_the_streets_is_refused(clean_db, town):
    with pytest.raises(CannotPlanRoute, match="from the nearest street"):
        plan(clean_db, projects={"overdue": True},
             depot={"lon": 107.75, "lat": 33.0, "name": "远处"})


def test_an_empty_streets_layer_is_refused_saying_to_import_it(clean_db, town):
    with clean_db.begin() as conn:
        conn.execute(sa.delete(layer_table("streets")))
    with pytest.raises(CannotPlanRoute, match="streets layer .* is empty.*import"):
        plan(clean_db, projects={"overdue": True})


def test_a_selection_with_nothing_to_visit_is_refused(clean_db, town):
    with pytest.raises(CannotPlanRoute, match="no site to visit"):
        plan(clean_db, projects={"status": ["accepted"]})


def test_a_selection_of_only_unlocated_projects_says_so(clean_db, town):
    with pytest.raises(CannotPlanRoute, match="have no location"):
        plan(clean_db, projects={"status": ["approved"]})


def test_more_than_200_selected_sites_are_refused(clean_db, town):
    with clean_db.begin() as conn:
        conn.execute(reports.insert(), [
            {"category": "garbage", "description": "垃圾", "department": "县城市管理局",
             "geom": f"SRID=4326;POINT({X[0] + i * 1e-5} {Y[0]})"} for i in range(200)])
    with pytest.raises(CannotPlanRoute, match="more than 200"):
        plan(clean_db, reports=True)


# --- the street graph cache -------------------------------------------------------------------

def test_the_street_graph_is_built_once_per_version_of_the_streets(clean_db, town):
    first = planning.street_graph_of(clean_db)
    assert planning.street_graph_of(clean_db) is first
    with clean_db.begin() as conn:
        conn.execute(sa.update(layer_table("streets")).where(layer_table("streets").c.fid == "H0")
                     .values(imported_at=sa.func.now()))
    rebuilt = planning.street_graph_of(clean_db)
    assert rebuilt is not first
    from tests.factories import add_features
    with clean_db.begin() as conn:
        add_features(conn, "streets", {"fid": "E1", "road_class": "local", "geom":
                                       f"MULTILINESTRING(({X[2]} {Y[1]}, 107.706 {Y[1]}))"})
    assert planning.street_graph_of(clean_db).number_of_edges() > rebuilt.number_of_edges()
    # an edit on the map leaves imported_at as it was, and is a new version all the same
    grown = planning.street_graph_of(clean_db)
    with clean_db.begin() as conn:
        conn.execute(sa.update(layer_table("streets")).where(layer_table("streets").c.fid == "E1")
                     .values(road_class="arterial"))
    assert planning.street_graph_of(clean_db) is not grown


# --- the request ------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "message"), [
    ({}, "say which sites"),
    ({"projects": {"status": ["nope"]}}, "unknown status 'nope'"),
    ({"projects": {"campaign": ["nope"]}}, "unknown campaign"),
    ({"projects": {"overdue": "yes"}}, "overdue must be true or false"),
    ({"projects": {"not_inspected_days": 0}}, "not_inspected_days=0 is out of range"),
    ({"projects": {"colour": "red"}}, "unknown member"),
    ({"reports": {"status": ["closed"]}}, "only open reports"),
    ({"stops": [{"lon": 33.0, "lat": 107.7}]}, "outside China"),
    ({"stops": [{"lon": 2.35, "lat": 48.85}]}, "outside China"),
    ({"stops": [{"name": "x"}]}, "must name a site"),
    ({"stops": [{"project_id": "3"}]}, "positive whole number"),
    ({"stops": [{"layer": "nope", "fid": "1"}]}, "unknown layer"),
    ({"stops": [{"lon": 107.7, "lat": 33.0, "earliest": "10:00", "latest": "09:00"}]},
     "is after latest"),
    ({"stops": [{"lon": 107.7, "lat": 33.0, "latest": "07:00"}]}, "before the working day"),
    ({"stops": [{"lon": 107.7, "lat": 33.0, "earliest": "25:00"}]}, "clock time"),
    ({"stops": [{"lon": 107.7, "lat": 33.0}] * 201}, "at most 200"),
    ({"stops": "all"}, "must be a list"),
    ({"projects": {}, "service_min": -5}, "service_min=-5 is out of range"),
    ({"projects": {}, "day_min": 0}, "day_min=0 is out of range"),
    ({"projects": {}, "day_start": "8h30"}, "clock time"),
    ({"projects": {}, "day_start": "20:00", "day_min": 480}, "after midnight"),
    ({"projects": {}, "inspectors": 0}, "inspectors=0 is out of range"),
    ({"projects": {}, "inspectors": 21}, "inspectors=21 is out of range"),
    ({"projects": {}, "inspectors": 1.5}, "whole number"),
    ({"projects": {}, "inspectors": True}, "whole number"),
    ({"projects": {}, "time_limit_s": 60}, "time_limit_s=60 is out of range"),
    ({"projects": {}, "objective": "fun"}, "objective"),
    ({"projects": {}, "max_snap_m": float("nan")}, "must be a number"),
    ({"projects": {}, "today": "yesterday"}, "YYYY-MM-DD"),
    ({"projects": {}, "depot": {"lon": 107.7}}, "needs both lon and lat"),
    ({"projects": {}, "depot": {"lon": 200, "lat": 33}}, "outside China"),
    ({"projects": {}, "depot": {"lon": 107.7, "lat": 33, "name": "a\x00b"}}, "NUL"),
    ({"projects": {}, "vehicles": 2}, "unknown member"),
    ([], "JSON object"),
])
def test_a_bad_request_is_refused_naming_what_to_fix(body, message):
    with pytest.raises(InvalidRouteRequest, match=message):
        route_request.parse_route_request(body)


def test_a_good_request_is_read_with_its_defaults():
    request = route_request.parse_route_request({"projects": {"overdue": True}})
    assert (request.inspectors, request.service_min, request.day_start, request.day_min,
            request.objective, request.depot, request.today) == (
        1, 10.0, "08:30", 480.0, "travel_time", None, None)
    assert request.selection.projects.overdue is True


def test_a_day_start_is_read_as_a_clock_time():
    assert route_request.parse_route_request({"projects": {}, "day_start": "7:05"}).day_start \
        == "07:05"


def test_today_is_judged_on_the_given_date(clean_db, town):
    # On 2026-01-01 nothing due 2026-01-31 is overdue yet.
    selection = route_request.parse_selection({"projects": {"overdue": True}})
    found = select_stops(clean_db, selection, today=dt.date(2026, 1, 1))
    assert found.stops == [] and found.without_location == []
