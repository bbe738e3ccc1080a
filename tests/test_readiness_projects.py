"""The ledger's projects that move each readiness item (the items' ``moved_by`` rule), and
the items a project moves: known projects on the green town and water-source zones drawn
in EPSG:4545 metres from :data:`tests.files.X0`, ``Y0`` (zone Z1 is a 200 m square)."""

from __future__ import annotations

import json

import pytest
import shapely

from layers.readiness.checklists import CHECKLISTS_FILE, checklist, checklists
from tests.files import X0, Y0
from tests.green_town import build_green_town, lonlat, wkt

pytest_plugins = ["tests.factories"]


@pytest.fixture
def ledger(clean_db):
    from tests.factories import add_features, add_project  # (a plugin: imported late)

    build_green_town(clean_db)
    with clean_db.begin() as conn:
        add_features(conn, "water_source_areas",
                     {"fid": "Z1", "name": "水源一级", "zone_level": "level1",
                      "src_type": "river", "geom": wkt(shapely.box(X0 - 3000, Y0, X0 - 2800,
                                                                   Y0 + 200))},
                     {"fid": "Z2", "name": "水源二级", "zone_level": "level2",
                      "src_type": "river", "geom": wkt(shapely.box(X0 - 5000, Y0, X0 - 4800,
                                                                   Y0 + 200))})
        add_features(conn, "facilities",
                     {"fid": "F1", "name": "取水口围网", "kind": "marker", "status": "planned",
                      "geom": shapely.to_wkt(lonlat(shapely.Point(X0 - 2900, Y0 + 100)))},
                     {"fid": "F2", "name": "二级区界碑", "kind": "marker", "status": "planned",
                      "geom": shapely.to_wkt(lonlat(shapely.Point(X0 - 4900, Y0 + 100)))})
        ids = {
            # greening by category, with no feature linked
            "YL-1": add_project(conn, "YL-1", "游园提升", category="greening",
                                status="in_progress", progress=30),
            # a road project linked to a green space: moves the green ratio by its layer
            "DL-1": add_project(conn, "DL-1", "防护林带补植", category="road",
                                features=(("green_spaces", "G1"),)),
            # a municipal project whose facility lies inside the level-1 zone
            "SZ-1": add_project(conn, "SZ-1", "取水口围网", category="municipal",
                                features=(("facilities", "F1"),)),
            # the same inside a level-2 zone only: moves nothing
            "SZ-2": add_project(conn, "SZ-2", "二级区界碑", category="municipal",
                                features=(("facilities", "F2"),)),
        }
    return ids


def test_each_item_lists_the_projects_its_rule_takes(client, ledger):
    body = client.get("/api/readiness/national_garden").get_json()
    rows = {item["key"]: item for item in body["items"]}

    ratio = {p["code"]: p["because"] for p in rows["green_space_ratio"]["projects"]}
    assert ratio == {"YL-1": ["category"], "DL-1": ["layer:green_spaces"]}
    per_capita = [p["code"] for p in rows["park_area_per_capita"]["projects"]]
    assert per_capita == ["YL-1"]  # a green space is no park
    yl = rows["park_area_per_capita"]["projects"][0]
    assert yl["status"] == "in_progress" and yl["progress"] == 30
    assert rows["green_lines"]["projects"] is None  # no rule: not moved by projects


def test_water_source_items_take_projects_with_a_feature_in_a_level1_zone(client, ledger):
    body = client.get("/api/readiness/provincial_eco").get_json()
    rows = {item["key"]: item for item in body["items"]}

    for key in ("water_source_markers", "water_source_open_cases"):
        assert [(p["code"], p["because"]) for p in rows[key]["projects"]] == [
            ("SZ-1", ["within:water_source_level1"])]


def test_the_page_links_each_project_to_the_map(client, ledger):
    page = client.get("/readiness?title=national_garden").get_data(as_text=True)

    assert f'href="/#project={ledger["YL-1"]}">YL-1</a>' in page
    assert "推动项目" in page and "在建" in page


def test_a_project_links_back_to_the_items_it_moves(client, ledger):
    found = client.get(f"/api/readiness/projects/{ledger['SZ-1']}").get_json()["items"]
    assert {(i["title"], i["item"]) for i in found} == {
        ("provincial_eco", "water_source_markers"), ("provincial_eco", "water_source_open_cases")}
    assert found[0]["href"].startswith("/readiness?title=provincial_eco#item-water_source_")

    greening = client.get(f"/api/readiness/projects/{ledger['YL-1']}").get_json()["items"]
    assert ("national_garden", "park_service_coverage") in {
        (i["title"], i["item"]) for i in greening}
    assert client.get(f"/api/readiness/projects/{ledger['SZ-2']}").get_json()["items"] == []


def test_an_unknown_project_is_a_404(client, clean_db):
    response = client.get("/api/readiness/projects/999")
    assert response.status_code == 404 and "no project 999" in response.get_data(as_text=True)


def test_the_rule_is_data_checked_at_load(tmp_path):
    assert checklist("national_garden").item("green_space_ratio").moved_by == {
        "categories": ["greening"], "layers": ["parks", "green_spaces"]}
    data = json.loads(CHECKLISTS_FILE.read_text(encoding="utf-8"))
    data["titles"]["national_garden"]["items"][2]["moved_by"] = {"layers": ["lakes"]}
    path = tmp_path / "checklists.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(Exception, match="moved_by: unknown layer 'lakes'"):
        checklists(path)
