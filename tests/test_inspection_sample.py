"""Today's overdue projects of the Xixiang sample (``data/shapefiles``), planned end to end.

On 2026-11-22 the sample ledger has eight overdue projects.  Seven lie in town; the eighth,
LC-2024-003 (the 北山水库 backup water source, its markers and zone), lies about 3 km north
of the town, reached by 北山水库管理路, the service road up the valley: the route drives
there and back, and with a snapping distance tighter than its distance from that road's end
it is reported as too far, with the distance.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pyproj import Geod
from shapely.geometry import shape

from geo.inspection_problem import MAX_SNAP_M
from layers.exchange.importer import import_paths
from layers.inspection import planning, route_request
from tests.conftest import SAMPLE

pytest_plugins = ["tests.factories"]

TODAY = dt.date(2026, 11, 22)
FAR_PROJECT = "LC-2024-003"


@pytest.fixture
def sample(clean_db):
    import_paths(clean_db, [SAMPLE])
    return clean_db


def plan(engine, **body):
    body = {"projects": {"overdue": True}, "today": TODAY.isoformat(), **body}
    return planning.plan_inspection(engine, route_request.parse_route_request(body), raw=body)


def visits(document):
    return [f["properties"] for f in document["features"] if f["properties"]["kind"] == "visit"]


def assert_back_at_the_depot(document):
    (line,) = [f for f in document["features"] if f["properties"]["kind"] == "route"]
    coords = shape(line["geometry"]).coords
    assert coords[0] == pytest.approx(coords[-1], abs=1e-9)
    depot = document["depot"]
    metres = Geod(ellps="GRS80").inv(depot["lon"], depot["lat"], *coords[0])[2]
    assert metres == pytest.approx(depot["snap_distance_m"], abs=0.5)


def test_todays_overdue_projects_are_planned_from_the_default_depot(sample):
    document = plan(sample)
    summary = document["summary"]
    assert (summary["selected"], summary["visited"], summary["dropped"],
            summary["without_location"]) == (8, 8, 0, 0)
    assert document["unreachable"] == []
    assert all(v["overdue"] for v in visits(document))
    assert document["depot"]["name"] == "县创建办（默认）"
    assert summary["back_at"] < "17:00"
    assert_back_at_the_depot(document)


def test_the_water_source_is_reached_by_its_service_road(sample):
    document = plan(sample)
    (far,) = [v for v in visits(document) if v["name"].startswith(FAR_PROJECT)]
    assert far["snap_distance_m"] < MAX_SNAP_M
    # Up the valley and back: the tour is longer than twice the 3 km of the service road.
    assert document["summary"]["distance_m"] > 2 * 3000


def test_a_tighter_snapping_distance_reports_the_water_source_with_its_distance(sample):
    document = plan(sample, max_snap_m=100)
    (far,) = document["unreachable"]
    assert far["name"].startswith(FAR_PROJECT) and far["reason"] == "too_far"
    assert 100 < far["snap_distance_m"] < 250
    assert document["summary"]["visited"] == 7


def test_two_inspectors_share_the_overdue_sites_when_one_day_is_too_short(sample):
    # 8 sites of 45 min each are 6 hours of work alone: more than one 4-hour day.
    document = plan(sample, inspectors=2, service_min=45, day_min=240)
    summary = document["summary"]
    assert (summary["visited"], summary["dropped"], summary["inspectors_used"]) == (8, 0, 2)
