"""Readiness on the map, per community (GET /api/readiness/<title>/map) and the page's
per-community table, on the green town (:mod:`tests.green_town`: park area per capita
C1 2.5, C2 0 m²/person; green space ratio 2 % in each) and water-source zones drawn in
EPSG:4545 metres from :data:`tests.files.X0`, ``Y0``."""

from __future__ import annotations

import pytest
import shapely

from layers import clock
from layers.readiness.communities import community_readiness
from layers.readiness.measure import Context
from layers.storage.models import reports
from tests.files import X0, Y0
from tests.green_town import build_green_town, lonlat, wkt
from tests.test_readiness import known_garden  # noqa: F401 (fixture)

pytest_plugins = ["tests.factories"]


def _zone(fid: str, x: float, level: str = "level1") -> dict:
    return {"fid": fid, "name": f"水源{fid}", "zone_level": level, "src_type": "river",
            "geom": wkt(shapely.box(x, Y0 - 3000, x + 200, Y0 - 2800))}


def _point(x: float, y: float) -> str:
    return shapely.to_wkt(lonlat(shapely.Point(x, y)), rounding_precision=-1)


@pytest.fixture
def town(clean_db):
    from tests.factories import add_features  # (a plugin: imported late)

    build_green_town(clean_db)
    with clean_db.begin() as conn:
        add_features(conn, "water_source_areas", _zone("Z1", X0), _zone("Z2", X0 + 1000),
                     _zone("Z3", X0 + 2000, "level2"))
        # 30 m west of Z2's boundary: Z2 is marked, Z1 is not
        add_features(conn, "facilities", {"fid": "M1", "name": "界碑", "kind": "marker",
                                          "status": "existing",
                                          "geom": _point(X0 + 970, Y0 - 2900)})
        for status, x in (("dispatched", X0 + 1100), ("closed", X0 + 1120)):  # in Z2
            conn.execute(reports.insert(), {
                "category": "water_source_pollution", "description": "排污口",
                "department": "县环保局", "status": status,
                "geom": f"SRID=4326;{_point(x, Y0 - 2900)}"})
    return clean_db


def test_each_community_takes_its_worst_green_item(town, known_garden):  # noqa: F811
    found = community_readiness(Context(town, clock.today()), known_garden)

    assert found["items"] == ["green_space_ratio", "park_area_per_capita",
                              "green_coverage_rate", "park_service_coverage"]
    rows = {row["fid"]: row for row in found["communities"]}
    west, east = rows["C1"], rows["C2"]
    assert west["items"]["park_area_per_capita"] == {"value": pytest.approx(2.5, rel=1e-6),
                                                     "status": "pass"}
    assert east["items"]["park_area_per_capita"] == {"value": 0.0, "status": "fail"}
    assert west["items"]["green_space_ratio"]["value"] == pytest.approx(2.0, rel=1e-6)
    assert west["status"] == "pass" and east["status"] == "fail"


def test_the_map_answer_colours_communities_and_flags_level1_zones(client, town):
    body = client.get("/api/readiness/national_garden/map").get_json()

    assert [f["id"] for f in body["communities"]["features"]] == ["C1", "C2"]
    west = body["communities"]["features"][0]
    assert west["geometry"]["type"] == "MultiPolygon"
    # the real checklist: no threshold for 绿地率 (待核实), 9 m²/person for 人均公园绿地
    assert west["properties"]["items"]["green_space_ratio"]["status"] == "unverified_threshold"
    assert west["properties"]["items"]["park_area_per_capita"]["status"] == "fail"
    assert west["properties"]["status"] == "fail"
    assert body["legend"] == {"fail": "未达标", "unverified_threshold": "阈值待核实",
                              "no_data": "缺数据", "pass": "达标"}
    zones = {f["id"]: f["properties"] for f in body["zones"]["features"]}
    assert set(zones) == {"Z1", "Z2"}  # level 2 left out
    assert zones["Z1"]["marked"] is False and zones["Z1"]["open_cases"] == 0
    assert zones["Z2"]["marked"] is True and zones["Z2"]["open_cases"] == 1


def test_a_title_without_green_items_has_zones_but_no_communities(client, town):
    body = client.get("/api/readiness/provincial_eco/map?lang=en").get_json()

    assert body["items"] == [] and body["communities"]["features"] == []
    assert len(body["zones"]["features"]) == 2
    assert body["legend"]["pass"] == "Meets the threshold"


def test_an_unknown_title_is_a_404(client, clean_db):
    assert client.get("/api/readiness/nope/map").status_code == 404


def test_the_page_has_a_per_community_table(client, town):
    page = client.get("/readiness?title=national_garden").get_data(as_text=True)

    assert 'id="community-table"' in page
    assert '<tr data-community="C1" data-status="fail">' in page
    assert "2.50 m²/人" in page and "西社区" in page and "东社区" in page
    sanitary = client.get("/readiness?title=national_sanitary").get_data(as_text=True)
    assert 'id="community-table"' not in sanitary
