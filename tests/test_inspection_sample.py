"""Today's overdue projects of the Xixiang sample (``data/shapefiles``), planned end to end.

On 2026-11-22 the sample ledger has eight overdue projects, visited at their sites (each
linked feature of a mission layer; a community link is context, no site):

=========== ====================================================== =====
project     sites                                                  count
=========== ====================================================== =====
LC-2017-004 SZ-04 (and CM-06, a community: no site)                1
LC-2022-003 CM-08 only, a community: no site, listed without location 0
LC-2023-001 toilets FC-024, FC-031, FC-032                         3
LC-2023-004 SZ-03 (and CM-02)                                      1
LC-2024-001 channels WC-02, WC-03 (and CM-15)                      2
LC-2024-003 zone WS-03, markers FC-016, FC-017                     3
LC-2025-002 pocket parks PK-12, PK-13, PK-14                       3
LC-2025-004 road segment RD-74                                     1
=========== ====================================================== =====

Fourteen sites, where one stop per project made eight (LC-2022-003 at its community). Thirteen
lie in town or by a road; LC-2024-003 (the 北山水库 backup water source) lies about 3 km
north of the town, reached by 北山水库管理路, the service road up the valley: its zone and
first marker are within the 250 m snapping distance of it, its second planned marker
(FC-017) is 547 m away and is reported as too far, with the distance.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

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
#: The overdue projects' sites (module docstring), by project code.
SITES = {"LC-2017-004": 1, "LC-2023-001": 3, "LC-2023-004": 1, "LC-2024-001": 2,
         "LC-2024-003": 3, "LC-2025-002": 3, "LC-2025-004": 1}


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


def test_todays_overdue_projects_are_planned_at_every_site_from_the_default_depot(sample):
    document = plan(sample)
    summary = document["summary"]
    assert (summary["selected"], summary["visited"], summary["unreachable"],
            summary["dropped"], summary["without_location"]) == (15, 13, 1, 0, 1)
    sites = Counter(stop["name"].split()[0] for stop in visits(document) + document["unreachable"])
    assert sites == SITES
    assert [stop["name"].split()[0] for stop in document["without_location"]] == ["LC-2022-003"]
    assert all(v["overdue"] for v in visits(document))
    assert document["depot"]["name"] == "县创建办（默认）"
    assert summary["back_at"] < "17:00"
    assert_back_at_the_depot(document)


def test_the_water_source_is_reached_by_its_service_road(sample):
    document = plan(sample)
    far = [v for v in visits(document) if v["name"].startswith(FAR_PROJECT)]
    assert [v["site"] for v in far] == ["water_source_areas:WS-03", "facilities:FC-016"]
    assert all(v["snap_distance_m"] < MAX_SNAP_M for v in far)
    # Up the valley and back: the tour is longer than twice the 3 km of the service road.
    assert document["summary"]["distance_m"] > 2 * 3000


def test_the_far_marker_is_reported_too_far_with_its_distance(sample):
    (marker,) = plan(sample)["unreachable"]
    assert (marker["stop_id"].split("/")[1], marker["reason"]) == ("facilities:FC-017",
                                                                   "too_far")
    assert 500 < marker["snap_distance_m"] < 600


def test_a_tighter_snapping_distance_reports_the_water_source_with_its_distance(sample):
    document = plan(sample, max_snap_m=100)
    far = [u for u in document["unreachable"] if u["name"].startswith(FAR_PROJECT)]
    assert [u["reason"] for u in far] == ["too_far"] * 3
    assert sorted(u["snap_distance_m"] > 100 for u in far) == [True] * 3
    assert document["summary"]["visited"] == 8


def test_two_inspectors_share_the_overdue_sites_when_one_day_is_too_short(sample):
    # 13 reachable sites of 20 min each are 4 h 20 min of work alone: more than a 4-hour day.
    one = plan(sample, service_min=20, day_min=240)["summary"]
    assert one["visited"] + one["dropped"] == 13 and one["dropped"] > 0
    two = plan(sample, inspectors=2, service_min=20, day_min=240)["summary"]
    assert (two["visited"], two["dropped"], two["inspectors_used"]) == (13, 0, 2)
