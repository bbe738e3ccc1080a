"""A project with several sites gets a stop at each: KY-001 of the grid town
(:mod:`tests.test_inspection_town`) is linked to three pocket parks 100 m apart and to a
community, which is context and no site; KY-002 is linked to the community only."""

from __future__ import annotations

from itertools import pairwise

import pytest
from pyproj import Geod
from shapely import Point, box

from layers.inspection import planning, route_request
from layers.inspection.planning import CannotPlanRoute
from layers.inspection.route_request import InvalidRouteRequest
from layers.inspection.stops import select_stops
from tests.test_inspection_town import PAST, POCKET_LAT, POCKET_PARKS, SW, TODAY, add_pocket_parks

pytest_plugins = ["tests.factories", "tests.test_inspection_town"]

DEPOT = {"lon": SW[0], "lat": SW[1], "name": "县创建办"}
KY = {"department": "社区办"}


@pytest.fixture
def overdue(clean_db, town):
    """KY-001 past due: its id."""
    return add_pocket_parks(clean_db, PAST)


@pytest.fixture
def not_overdue(clean_db, town):
    """KY-001 due in 2099: its id."""
    return add_pocket_parks(clean_db, TODAY.replace(year=2099))


def select(engine, **body):
    return select_stops(engine, route_request.parse_selection(body), today=TODAY)


def plan(engine, **body):
    body = {"depot": DEPOT, "today": TODAY.isoformat(), **body}
    return planning.plan_inspection(engine, route_request.parse_route_request(body), raw=body)


def sites(project_id, *fids):
    return [f"project:{project_id}/parks:{fid}" for fid in fids]


def test_three_pocket_parks_are_three_stops_100_m_apart_each_inside_its_park(clean_db,
                                                                              overdue):
    found = select(clean_db, projects=KY).stops
    assert [stop.stop_id for stop in found] == sites(overdue, "q1", "q2", "q3")
    assert [stop.name for stop in found] == [f"KY-001 社区游园建设 · {n}号游园" for n in "一二三"]
    for stop, x in zip(found, POCKET_PARKS.values()):
        assert box(x - 1e-4, POCKET_LAT - 1e-4, x + 1e-4, POCKET_LAT + 1e-4).contains(
            Point(stop.lon, stop.lat))
    geod = Geod(ellps="GRS80")
    gaps = [geod.inv(a.lon, a.lat, b.lon, b.lat)[2] for a, b in pairwise(found)]
    assert gaps == pytest.approx([100, 100], abs=1)


def test_a_community_link_gives_no_stop(clean_db, overdue):
    found = select(clean_db, projects=KY)
    assert not [s for s in found.stops + found.without_location if "communities" in s.stop_id]
    # KY-002, linked to the community only, has no site: it is listed without a location.
    assert [s.name for s in found.without_location] == ["KY-002 社区志愿服务站"]


def test_every_site_of_an_overdue_project_is_selected(clean_db, overdue):
    assert [stop.selected for stop in select(clean_db, projects=KY).stops] == [True] * 3
    document = plan(clean_db, projects=KY)
    assert document["summary"]["visited"] == 3
    assert sorted(f["properties"]["site"] for f in document["features"]
                  if f["properties"]["kind"] == "visit") == ["parks:q1", "parks:q2", "parks:q3"]


def test_a_project_not_overdue_has_its_first_site_selected_and_the_others_offered(
        clean_db, not_overdue):
    found = select(clean_db, projects=KY).stops
    assert [(stop.stop_id, stop.selected) for stop in found] == list(zip(
        sites(not_overdue, "q1", "q2", "q3"), (True, False, False)))
    document = plan(clean_db, projects=KY)
    assert (document["summary"]["selected"], document["summary"]["visited"]) == (2, 1)


@pytest.mark.parametrize(("due", "expected"), [("overdue", ("q1", "q2", "q3")),
                                               ("not_overdue", ("q1",))])
def test_a_project_named_in_stops_is_its_selected_sites(clean_db, request, due, expected):
    project_id = request.getfixturevalue(due)
    found = select(clean_db, stops=[{"project_id": project_id}]).stops
    assert [stop.stop_id for stop in found] == sites(project_id, *expected)


def test_a_site_is_chosen_by_its_id(clean_db, not_overdue):
    (stop,) = select(clean_db, stops=[{"project_id": not_overdue, "site": "parks:q3"}]).stops
    assert (stop.stop_id, stop.selected) == (sites(not_overdue, "q3")[0], True)
    document = plan(clean_db, stops=[{"project_id": not_overdue, "site": "parks:q3"},
                                     {"project_id": not_overdue, "site": "parks:q2"}])
    assert document["summary"]["visited"] == 2


def test_a_site_the_project_does_not_have_is_refused_listing_its_sites(clean_db, overdue):
    with pytest.raises(CannotPlanRoute, match=f"stops\\[0\\]: project {overdue} has no site "
                                              f"parks:p1; its sites are parks:q1, parks:q2, "
                                              f"parks:q3"):
        select(clean_db, stops=[{"project_id": overdue, "site": "parks:p1"}])


@pytest.mark.parametrize(("site", "message"), [
    ("communities:c1", ("stops.0.site 'communities:c1' is not a site: communities \\(社区\\) "
                        "is context, not a place to inspect; give <layer>:<fid> with a layer "
                        "of road_segments, parks")),
    ("q1", "stops.0.site 'q1' is not a site; give <layer>:<fid>"),
    ("lakes:1", "there is no layer 'lakes'"),
    ("parks:", "is not a site"),
    (7, "stops.0.site 7 is not a site"),
])
def test_a_site_id_that_names_no_site_is_refused_saying_how_to_name_one(site, message):
    with pytest.raises(InvalidRouteRequest, match=message):
        route_request.parse_route_request({"stops": [{"project_id": 1, "site": site}]})


def test_a_site_without_its_project_is_refused():
    with pytest.raises(InvalidRouteRequest, match="needs the project_id it belongs to"):
        route_request.parse_route_request({"stops": [{"site": "parks:q1"}]})


def test_a_name_given_to_a_project_stop_keeps_each_site_named(clean_db, overdue):
    found = select(clean_db, stops=[{"project_id": overdue, "name": "口袋公园"}]).stops
    assert [stop.name for stop in found] == [f"口袋公园 · {n}号游园" for n in "一二三"]
