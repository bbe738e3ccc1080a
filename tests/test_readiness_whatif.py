"""What-if reaches readiness (issue 15 item 6): a green scenario and a drawn project show
their effect on every title's checklist items.

The green town (:mod:`tests.green_town`): 1 km² built up, 10,000 people, park P1 10,000 m²
and green space G1 10,000 m², so green space ratio 2 % and park area per capita 1.0 m²/person.

- a 100 m × 100 m park (10,000 m²) drawn at NEW_PARK_SITE: ratio 3 %, per capita 2.0;
- a 300 m × 300 m park (90,000 m²): per capita 10.0, above the real checklist's 9 m²/person;
- a project linking P1: without it ratio 1 % and per capita 0, with it 2 % and 1.0.
"""

from __future__ import annotations

import json

import pytest

from geo.scenario import AddGreen
from layers.readiness.checklists import CHECKLISTS_FILE, checklists
from layers.readiness.whatif import project_whatif, readiness_whatif
from tests.files import X0, Y0, square
from tests.green_town import NEW_PARK_SITE, build_green_town, geojson, lonlat
from tests.test_readiness import enter, planner  # noqa: F401  (a fixture)

pytest_plugins = ["tests.factories"]

GARDEN = "national_garden"


def _checklists(path, **known):
    """Every title's checklist, the garden's items of *known* with those thresholds (``>=``;
    test data only)."""
    data = json.loads(CHECKLISTS_FILE.read_text(encoding="utf-8"))
    for item in data["titles"][GARDEN]["items"]:
        if item["key"] in known:
            item.pop("threshold_from", None)
            item.update(threshold=known[item["key"]], comparison=">=",
                        threshold_verified=False, threshold_source="test")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return checklists(path)


#: Coverage and service coverage always met, the entered vetoes at 80 %.
_EASY = {"green_coverage_rate": 0.0, "park_service_coverage": 0.0,
         "sewage_treatment_rate": 80.0, "garbage_harmless_rate": 80.0}


@pytest.fixture
def stricter(tmp_path):
    """The green town misses ratio ≥ 2.5 % and per capita ≥ 1.5 m²/person by a little."""
    return _checklists(tmp_path / "stricter.json", green_space_ratio=2.5,
                       park_area_per_capita=1.5, **_EASY)


def _enter_garden_passes(client, token):
    for item in ("green_system_plan", "green_lines"):
        assert enter(client, token, GARDEN, item, True).status_code == 201
    for item in ("sewage_treatment_rate", "garbage_harmless_rate"):
        assert enter(client, token, GARDEN, item, 95).status_code == 201


def _title(body, key=GARDEN):
    return next(t for t in body["titles"] if t["key"] == key)


def _rows(body, key=GARDEN):
    return {row["key"]: row for row in _title(body, key)["items"]}


def test_a_drawn_park_turns_the_green_ratio_from_fail_to_pass_and_the_title_ready(
        client, clean_db, planner, stricter):  # noqa: F811
    build_green_town(clean_db)
    _enter_garden_passes(client, planner["planner"])
    park = AddGreen(lonlat(NEW_PARK_SITE), "G12", crs="EPSG:4326")

    body = readiness_whatif(clean_db, [park], "zh", found=stricter)

    rows = _rows(body)
    ratio = rows["green_space_ratio"]
    assert ratio["before"]["value"] == pytest.approx(2.0, rel=1e-6)
    assert ratio["after"]["value"] == pytest.approx(3.0, rel=1e-6)
    assert (ratio["before"]["status"], ratio["after"]["status"]) == ("fail", "pass")
    assert (ratio["before"]["status_words"], ratio["after"]["status_words"]) == ("未达标", "达标")
    assert ratio["before"]["gap"]["amount"] == pytest.approx(0.5)
    assert ratio["after"]["gap"] is None and ratio["status_changed"]
    per_capita = rows["park_area_per_capita"]
    assert per_capita["before"]["value"] == pytest.approx(1.0, rel=1e-6)
    assert per_capita["after"]["value"] == pytest.approx(2.0, rel=1e-6)
    # entered items stay as they are on both sides
    assert rows["sewage_treatment_rate"]["before"] == rows["sewage_treatment_rate"]["after"]
    assert not rows["sewage_treatment_rate"]["changed"]
    verdict = _title(body)["verdict"]
    assert verdict["before"]["state"] == "veto_failed" and verdict["after"]["state"] == "ready"
    assert verdict["changed"] and verdict["after"]["passed"]
    # the other titles: nothing of theirs moves with the green layers but the eco garden's
    sanitary = _title(body, "national_sanitary")
    assert not sanitary["verdict"]["changed"]
    assert not any(row["changed"] for row in sanitary["items"])
    assert body["items_changed"] == 2 and body["verdicts_changed"] == 1  # ratio, per capita
    assert body["sides"] == {"before": "现状", "after": "实施后"}


def test_the_api_judges_the_real_checklist_and_says_the_verdict_changes(client, clean_db):
    """The real 9 m²/person: a 300 m × 300 m park lifts 1.0 to 10.0, so 人均公园绿地面积 passes
    and the garden title is no longer sunk by a failed veto (its other vetoes lack data)."""
    build_green_town(clean_db)
    park = {"op": "add_green", "class": "G11",
            "geometry": geojson(square(X0 + 550, Y0 + 250, side=300))}

    answer = client.post("/api/readiness/whatif?lang=en", json={"changes": [park]})

    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    per_capita = _rows(body)["park_area_per_capita"]
    assert per_capita["before"]["value"] == pytest.approx(1.0, rel=1e-6)
    assert per_capita["after"]["value"] == pytest.approx(10.0, rel=1e-6)
    assert (per_capita["before"]["status"], per_capita["after"]["status"]) == ("fail", "pass")
    assert per_capita["after"]["status_words"] == "Meets the threshold"
    verdict = _title(body)["verdict"]
    assert (verdict["before"]["state"], verdict["after"]["state"]) == (
        "veto_failed", "veto_unjudged")
    assert verdict["changed"] and not verdict["after"]["passed"]
    assert [t["key"] for t in body["titles"]] == list(checklists())
    assert body["basis"] == "scenario" and body["changes"] == 1


@pytest.mark.parametrize(("body", "status", "words"), [
    ({}, 400, "changes"),
    ({"changes": []}, 400, "non-empty"),
    ({"changes": [{"op": "paint"}]}, 400, "op add_green, convert or remove"),
    ({"changes": [{"op": "remove", "layer": "parks"}]}, 400, "fid"),
    ({"changes": [{"op": "remove", "layer": "parks", "fid": "P9"}]}, 422, "P9"),
    ({"changes": [{"op": "add_green", "geometry": {"type": "Point",
                                                   "coordinates": [107, 33]}}]}, 422, "Point"),
    ({"changes": [{"op": "add_green", "geometry": geojson(square(X0 + 5000, Y0))}]}, 422,
     "outside"),
    ({"changes": [{"op": "remove", "layer": "parks", "fid": "P1"}], "title": "x"}, 400,
     "title"),
])
def test_a_bad_scenario_is_refused_by_name(client, clean_db, body, status, words):
    build_green_town(clean_db)
    answer = client.post("/api/readiness/whatif", json=body)
    assert answer.status_code == status, answer.get_json()
    assert words in answer.get_json()["error"]["message"]


def test_a_body_that_is_not_json_is_a_400(client, clean_db):
    answer = client.post("/api/readiness/whatif", data="changes",
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 400


# --- a drawn project ------------------------------------------------------------------------


def _project(engine, features, code="LC-2026-101"):
    from tests.factories import add_project

    with engine.begin() as conn:
        return add_project(conn, code, "南湖游园建设", category="greening",
                           campaigns=(GARDEN,), features=features)


def test_a_project_brings_its_park_to_the_items(client, clean_db, planner,  # noqa: F811
                                                tmp_path):
    build_green_town(clean_db)
    _enter_garden_passes(client, planner["planner"])
    project_id = _project(clean_db, (("parks", "P1"), ("parks", "P-not-imported"),
                                     ("communities", "C1")))
    # ratio ≥ 1.5 %: without P1 only G1 (1 %), which fails; with it 2 %, which passes
    found = _checklists(tmp_path / "project.json", green_space_ratio=1.5,
                        park_area_per_capita=1.5, **_EASY)
    body = project_whatif(clean_db, project_id, "zh", found=found)

    rows = _rows(body)
    ratio = rows["green_space_ratio"]
    assert ratio["before"]["value"] == pytest.approx(1.0, rel=1e-6)
    assert ratio["after"]["value"] == pytest.approx(2.0, rel=1e-6)
    assert (ratio["before"]["status"], ratio["after"]["status"]) == ("fail", "pass")
    per_capita = rows["park_area_per_capita"]
    assert per_capita["before"]["value"] == pytest.approx(0.0, abs=1e-9)
    assert per_capita["after"]["value"] == pytest.approx(1.0, rel=1e-6)
    assert (per_capita["before"]["status"], per_capita["after"]["status"]) == ("fail", "fail")
    verdict = _title(body)["verdict"]
    assert (verdict["before"]["state"], verdict["after"]["state"]) == ("veto_failed",
                                                                      "veto_failed")
    assert not verdict["changed"]  # per capita still fails
    assert body["project"]["features"] == [{"layer": "parks", "fid": "P1"}]
    assert body["sides"] == {"before": "无此项目", "after": "有此项目"}

    answer = client.get(f"/api/readiness/whatif?project={project_id}")
    assert answer.status_code == 200
    assert _rows(answer.get_json())["park_area_per_capita"]["after"]["value"] == \
        pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize(("query", "status", "words"), [
    ("", 400, "project"),
    ("project=abc", 400, "whole number"),
    ("project=0", 400, "project id"),
    ("project=99999999999", 400, "project id"),
    ("project=4242", 404, "4242"),
    ("project=1&project=2", 400, "project"),
])
def test_a_bad_project_is_refused_by_name(client, clean_db, query, status, words):
    answer = client.get("/api/readiness/whatif?" + query)
    assert answer.status_code == status, answer.get_json()
    assert words in answer.get_json()["error"]["message"]


def test_a_project_without_drawn_green_space_is_a_422(client, clean_db):
    build_green_town(clean_db)
    project_id = _project(clean_db, (("communities", "C1"),))
    answer = client.get(f"/api/readiness/whatif?project={project_id}")
    assert answer.status_code == 422
    assert "links no park or green space" in answer.get_json()["error"]["message"]


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    operations = paths["/api/readiness/whatif"]
    assert set(operations) >= {"get", "post"}
    assert "#/components/schemas/Scenario" in json.dumps(operations["post"]["requestBody"])
