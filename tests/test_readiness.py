"""Readiness (issue 15): checklists, the three ways of measuring, the verdict, entries and
snapshots, against known data.

- the green town (:mod:`tests.green_town`): green space ratio 2 %, green coverage 1.5 %,
  park area per capita 1.0 m²/person, service coverage 50 %;
- water-source zones drawn in EPSG:4545 metres from :data:`tests.files.X0`, ``Y0``;
- entered figures posted by a planner through the API.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import shapely
import sqlalchemy as sa
from click.testing import CliRunner

from layers import clock
from layers.readiness import judge
from layers.readiness.checklists import CHECKLISTS_FILE, checklist, checklists
from layers.readiness.readiness import readiness_body
from layers.readiness.snapshots import series, take_snapshot
from layers.storage.models import readiness_entries, readiness_snapshots, reports
from layers.tracking import accounts
from tests.files import X0, Y0
from tests.green_town import build_green_town, lonlat, wkt

pytest_plugins = ["tests.factories"]

GARDEN_VETOES = ["green_system_plan", "green_lines", "green_space_ratio",
                 "park_area_per_capita", "sewage_treatment_rate", "garbage_harmless_rate"]


@pytest.fixture
def planner(clean_db):
    with clean_db.begin() as conn:
        accounts.create_user(conn, "wang", "王规划", "planner", "住建局")
        accounts.create_user(conn, "zhao", "赵查看", "viewer")
        return {"planner": accounts.issue_token(conn, "wang"),
                "viewer": accounts.issue_token(conn, "zhao")}


def enter(client, token, title, item, value, as_of="2026-11-01", **extra):
    body = {"item": item, "value": value, "as_of": as_of, "evidence_text": "西政发〔2026〕1号",
            **extra}
    body = {key: value for key, value in body.items() if value is not None}  # None: left out
    return client.post(f"/api/readiness/{title}/entries", json=body,
                       headers={"Authorization": f"Bearer {token}"})


# --- the checklists -------------------------------------------------------------------------


def test_every_title_has_a_checklist_with_veto_items_first():
    found = checklists()
    assert set(found) == {"national_sanitary", "national_garden", "provincial_eco_garden",
                          "provincial_eco", "provincial_civilized", "national_civilized"}
    for one in found.values():
        vetoes = [item.veto for item in one.items]
        assert vetoes == sorted(vetoes, reverse=True)


def test_veto_items_come_first_whatever_the_file_order(tmp_path):
    data = json.loads(CHECKLISTS_FILE.read_text(encoding="utf-8"))
    data["titles"]["national_garden"]["items"].reverse()
    path = tmp_path / "checklists.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    items = checklists(path)["national_garden"].items
    assert [i.veto for i in items] == [True] * 6 + [False] * 2


def test_the_garden_titles_list_the_six_veto_items_of_the_2015_plan():
    for title in ("national_garden", "provincial_eco_garden"):
        assert [i.key for i in checklist(title).items if i.veto] == GARDEN_VETOES


SEEDS = Path("/work/shared/seeds")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not on this machine")
def test_every_quote_marked_verified_is_found_word_for_word_in_the_documents():
    text = "".join(path.read_text(encoding="utf-8") for path in SEEDS.glob("*.txt"))
    for one in checklists().values():
        for item in one.items:
            if item.clause["verified"]:
                assert item.clause["quote"] in text, (one.key, item.key)
        for phase in one.phases:
            assert phase.quote in text, (one.key, phase.key)


def test_no_threshold_is_invented():
    """A threshold comes from the checklist's own source or from geo/thresholds.json; where
    neither has a value it stays None (the 2016 annex and Shaanxi's values were not read)."""
    garden = checklist("national_garden")
    assert garden.item("green_space_ratio").threshold is None
    assert garden.item("park_area_per_capita").threshold == 9.0
    assert garden.item("park_area_per_capita").threshold_verified is False
    assert garden.item("sewage_treatment_rate").threshold is None
    assert all(i.threshold is None for i in checklist("provincial_eco_garden").items
               if i.kind != "entered" or not i.yes_no)


def test_a_broken_checklist_file_is_refused_by_name(tmp_path):
    data = json.loads(CHECKLISTS_FILE.read_text(encoding="utf-8"))
    del data["titles"]["national_garden"]["items"][0]["clause"]["quote"]
    path = tmp_path / "checklists.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(Exception, match="titles/national_garden/items/0"):
        checklists(path)


# --- the verdict ----------------------------------------------------------------------------


@pytest.fixture
def known_garden(tmp_path):
    """The garden checklist with thresholds the green town meets exactly (test data only:
    the real file keeps its unknowns unknown)."""
    data = json.loads(CHECKLISTS_FILE.read_text(encoding="utf-8"))
    known = {"green_space_ratio": 2.0, "park_area_per_capita": 1.0,
             "green_coverage_rate": 1.5, "park_service_coverage": 50.0,
             "sewage_treatment_rate": 80.0, "garbage_harmless_rate": 80.0}
    for item in data["titles"]["national_garden"]["items"]:
        if item["key"] in known:
            item.pop("threshold_from", None)
            item.update(threshold=known[item["key"]], comparison=">=",
                        threshold_verified=False, threshold_source="test")
    path = tmp_path / "checklists.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return checklists(path)["national_garden"]


def _garden(engine, found):
    return readiness_body(engine, "national_garden", "zh", found=found, history={})


def test_the_garden_verdict_all_pass_one_veto_fails_one_veto_unjudged(
        client, clean_db, planner, known_garden):
    build_green_town(clean_db)
    token = planner["planner"]
    for item in ("green_system_plan", "green_lines"):
        assert enter(client, token, "national_garden", item, True).status_code == 201
    assert enter(client, token, "national_garden", "sewage_treatment_rate", 90).status_code == 201

    # garbage_harmless_rate not entered: a veto item without data forbids any pass
    body = _garden(clean_db, known_garden)
    assert body["verdict"]["state"] == "veto_unjudged" and not body["verdict"]["passed"]
    rows = {item["key"]: item for item in body["items"]}
    assert rows["garbage_harmless_rate"]["status"] == "no_data"
    assert rows["green_space_ratio"]["value"] == pytest.approx(2.0, rel=1e-6)
    assert rows["park_area_per_capita"]["value"] == pytest.approx(1.0, rel=1e-6)

    assert enter(client, token, "national_garden", "garbage_harmless_rate", 95).status_code == 201
    body = _garden(clean_db, known_garden)
    assert body["verdict"]["state"] == "ready" and body["verdict"]["passed"]
    assert body["verdict"]["provisional"]  # passes on thresholds not checked

    # a later entry (same date) replaces the figure; the earlier one is kept
    assert enter(client, token, "national_garden", "sewage_treatment_rate", 72.5).status_code == 201
    body = _garden(clean_db, known_garden)
    assert body["verdict"]["state"] == "veto_failed" and not body["verdict"]["passed"]
    sewage = next(i for i in body["items"] if i["key"] == "sewage_treatment_rate")
    assert sewage["status"] == "fail"
    assert sewage["gap"] == {"amount": 7.5, "unit": "%", "direction": "more", "strict": False}
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(readiness_entries)) == 5


def test_the_real_garden_checklist_lists_every_veto_item_with_a_value_or_no_data(
        client, clean_db, planner):
    build_green_town(clean_db)
    assert enter(client, planner["planner"], "national_garden", "green_lines",
                 False).status_code == 201
    body = client.get("/api/readiness/national_garden").get_json()
    items = body["items"]
    assert [i["key"] for i in items[:6]] == GARDEN_VETOES and all(i["veto"] for i in items[:6])
    assert not any(i["veto"] for i in items[6:])
    rows = {i["key"]: i for i in items}
    assert rows["green_system_plan"]["status"] == "no_data"
    assert rows["green_lines"]["status"] == "fail" and rows["green_lines"]["gap"] == {
        "needs": True}
    # no threshold found for 绿地率: its value is shown, judged 阈值待核实
    assert rows["green_space_ratio"]["status"] == "unverified_threshold"
    assert rows["green_space_ratio"]["value"] == pytest.approx(2.0, rel=1e-6)
    assert rows["park_area_per_capita"]["status"] == "fail"
    assert rows["park_area_per_capita"]["gap"]["amount"] == pytest.approx(8.0)
    assert body["verdict"]["state"] == "veto_failed"
    page = client.get("/readiness?title=national_garden").get_data(as_text=True)
    assert "阈值待核实" in page and "缺数据" in page and "否决项" in page
    assert "尚未填报" in page  # why 绿地系统规划编制 has no value
    for key in GARDEN_VETOES:
        assert f'data-item="{key}"' in page


def test_a_title_without_known_veto_items_never_passes():
    items = [{"veto": False, "status": "pass", "threshold_verified": True}]
    assert judge.verdict(items)["state"] == "no_veto_known"
    items.append({"veto": True, "status": "unverified_threshold", "threshold_verified": False})
    assert judge.verdict(items)["state"] == "veto_unjudged"


# --- measured from the layers and the cases -------------------------------------------------


def _zone(fid: str, x: float, y: float, level: str = "level1") -> dict:
    return {"fid": fid, "name": f"水源{fid}", "zone_level": level, "src_type": "river",
            "geom": wkt(shapely.box(x, y, x + 200, y + 200))}


def _point(x: float, y: float) -> str:
    return shapely.to_wkt(lonlat(shapely.Point(x, y)), rounding_precision=-1)


def test_water_source_markers_and_open_cases_in_first_level_zones(client, clean_db):
    from tests.factories import add_features

    with clean_db.begin() as conn:
        add_features(conn, "water_source_areas", _zone("Z1", X0, Y0), _zone("Z2", X0 + 1000, Y0),
                     _zone("Z3", X0 + 2000, Y0, "level2"))
        add_features(conn, "facilities",
                     # 30 m outside Z1's west edge: within 50 m of its boundary
                     {"fid": "M1", "name": "界碑1", "kind": "marker", "status": "existing",
                      "geom": _point(X0 - 30, Y0 + 100)},
                     # only planned at Z2, and a toilet: neither counts
                     {"fid": "M2", "name": "界碑2", "kind": "marker", "status": "planned",
                      "geom": _point(X0 + 1000, Y0 + 100)},
                     {"fid": "T1", "name": "公厕", "kind": "public_toilet", "status": None,
                      "geom": _point(X0 + 1000, Y0 + 100)})
        for status, x in (("dispatched", X0 + 100), ("closed", X0 + 120),
                          ("reported", X0 + 2100)):  # the last in a level-2 zone
            conn.execute(reports.insert(), {
                "category": "water_source_pollution", "description": "排污口",
                "department": "县环保局", "status": status,
                "geom": f"SRID=4326;{_point(x, Y0 + 100)}"})
    rows = {i["key"]: i for i in client.get("/api/readiness/provincial_eco").get_json()["items"]}
    markers = rows["water_source_markers"]
    assert markers["value"] == pytest.approx(50.0)
    assert markers["details"]["unmarked"] == [{"fid": "Z2", "name": "水源Z2"}]
    assert markers["status"] == "fail" and markers["gap"]["amount"] == pytest.approx(50.0)
    cases = rows["water_source_open_cases"]
    assert cases["value"] == 1 and cases["status"] == "fail"
    assert cases["gap"] == {"amount": 1.0, "unit": "件", "direction": "less", "strict": False}


def test_without_first_level_zones_the_water_items_have_no_data(client, clean_db):
    rows = {i["key"]: i for i in client.get("/api/readiness/provincial_eco").get_json()["items"]}
    for key in ("water_source_markers", "water_source_open_cases"):
        assert rows[key]["status"] == "no_data" and rows[key]["why"] == "level1_zone"


def test_a_missing_marker_kind_is_named_not_invented(clean_db, monkeypatch):
    from layers.readiness import measure

    monkeypatch.setattr(measure, "MARKER_KINDS", ("boundary_post",))
    found = measure.measure(checklist("provincial_eco").item("water_source_markers"),
                            measure.Context(clean_db, clock.today()))
    assert found["value"] is None and "boundary_post" in found["note"]


def test_the_sanitation_on_time_rate_over_the_last_quarter(client, clean_db):
    now = clock.now()
    with clean_db.begin() as conn:
        for category, days_ago, on_time in (("garbage", 10, True), ("street_cleaning", 20, False),
                                            ("road_damage", 10, True),  # not sanitation
                                            ("garbage", 200, True)):    # before the quarter
            at = now - dt.timedelta(days=days_ago)
            conn.execute(reports.insert(), {
                "category": category, "description": "x", "department": "县城市管理局",
                "status": "closed", "geom": "SRID=4326;POINT(107.7 32.98)",
                "dispatched_at": at, "handled_at": at, "closed_at": at,
                "handled_on_time": on_time})
    rows = {i["key"]: i for i in
            client.get("/api/readiness/national_sanitary").get_json()["items"]}
    rate = rows["sanitation_cases_on_time"]
    assert rate["value"] == pytest.approx(50.0)
    assert rate["details"]["dispatched"] == 2
    assert rate["status"] == "unverified_threshold"  # no source gives a required rate


# --- entries --------------------------------------------------------------------------------


def test_an_entry_needs_a_planner_evidence_and_the_right_kind_of_value(client, clean_db, planner):
    token = planner["planner"]
    title = "national_garden"
    assert client.post(f"/api/readiness/{title}/entries", json={
        "item": "green_lines", "value": True, "as_of": "2026-11-01",
        "evidence_text": "x"}).status_code == 401
    assert enter(client, planner["viewer"], title, "green_lines", True).status_code == 403
    cases = [
        ({"item": "green_lines", "value": 1}, "true or false"),
        ({"item": "sewage_treatment_rate", "value": "90"}, "number"),
        ({"item": "sewage_treatment_rate", "value": 120}, "between 0 and 100"),
        ({"item": "green_space_ratio", "value": 30}, "measured from the layers"),
        ({"item": "sewage_treatment_rate", "value": 90, "as_of": "2999-01-01"}, "future"),
        ({"item": "sewage_treatment_rate", "value": 90, "evidence_text": None},
         "evidence_id (an uploaded photo or document"),
        ({"item": "sewage_treatment_rate", "value": 90, "evidence_id": "nope"}, "no uploaded file"),
    ]
    for body, words in cases:
        answer = enter(client, token, title, **body)
        assert answer.status_code == 400, body
        assert words in answer.get_json()["error"]["message"], body
    assert enter(client, token, title, "no_such_item", 1).status_code == 404
    assert enter(client, token, "no_such_title", "green_lines", True).status_code == 404
    stored = enter(client, token, title, "sewage_treatment_rate", 91.5).get_json()
    assert stored["value"] == 91.5 and stored["entered_by"] == "王规划（住建局）"
    listed = client.get(f"/api/readiness/{title}/entries").get_json()["entries"]
    assert [e["id"] for e in listed] == [stored["id"]]


# --- snapshots, trend and projection --------------------------------------------------------


DAYS = [dt.date(2026, 1, 1), dt.date(2026, 1, 31), dt.date(2026, 3, 2)]  # 30 days apart


def test_three_snapshots_give_a_trend_and_a_projection(client, clean_db, planner):
    for day, value in zip(DAYS, (70, 80, 90)):
        assert enter(client, planner["planner"], "national_sanitary",
                     "street_cleaning_coverage", value, as_of=day.isoformat()).status_code == 201
        take_snapshot(clean_db, day, ["national_sanitary"])
    # a correction the same day, and a second snapshot that day: it replaces the first
    assert enter(client, planner["planner"], "national_sanitary", "street_cleaning_coverage",
                 95, as_of=DAYS[-1].isoformat()).status_code == 201
    take_snapshot(clean_db, DAYS[-1], ["national_sanitary"])
    trend = series(clean_db, "national_sanitary")["street_cleaning_coverage"]
    assert [(p["date"], p["value"]) for p in trend] == [
        ("2026-01-01", 70.0), ("2026-01-31", 80.0), ("2026-03-02", 95.0)]
    assert enter(client, planner["planner"], "national_sanitary", "street_cleaning_coverage",
                 90, as_of=DAYS[-1].isoformat()).status_code == 201
    take_snapshot(clean_db, DAYS[-1], ["national_sanitary"])
    body = readiness_body(clean_db, "national_sanitary", "zh", on=DAYS[-1])
    item = next(i for i in body["items"] if i["key"] == "street_cleaning_coverage")
    assert len(item["trend"]) == 3
    projection = item["projection"]
    # 10 points per 30 days from 90 on 2026-03-02: 100 % thirty days later
    assert projection["reaches_on"] == "2026-04-01"
    assert projection["target_passed"] and projection["by_target"] is False  # 2016 is gone
    page = client.get("/readiness?title=national_sanitary").get_data(as_text=True)
    assert "<polyline" in page and "2026-04-01" in page


def test_the_projection_at_the_current_pace_against_a_target_date():
    points = list(zip(DAYS, (70.0, 80.0, 90.0)))
    assert judge.projection(points, 100, ">=", dt.date(2026, 3, 31))["by_target"] is False
    found = judge.projection(points, 100, ">=", dt.date(2026, 4, 1))
    assert found["by_target"] is True and found["projected_at_target"] == pytest.approx(100.0)
    assert judge.projection(points, 50, "<=", dt.date(2027, 1, 1))["reaches_on"] is None
    assert judge.projection(points[:1], 100, ">=", dt.date(2027, 1, 1)) is None


def test_the_snapshot_command_stores_every_item(clean_db, database_url, monkeypatch):
    from api.cli import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["snapshot", "--date", "2026-02-01"])
    assert result.exit_code == 0, result.output
    with clean_db.connect() as conn:
        stored = conn.scalar(sa.select(sa.func.count()).select_from(readiness_snapshots))
    assert stored == sum(len(c.items) for c in checklists().values())
    assert CliRunner().invoke(main, ["snapshot", "--title", "nope"]).exit_code != 0


# --- the page -------------------------------------------------------------------------------


def test_the_page_has_the_six_titles_as_tabs_in_chinese_and_english(client, clean_db):
    page = client.get("/readiness").get_data(as_text=True)
    for one in checklists().values():
        assert f'data-title="{one.key}"' in page and one.zh in page
    # One script, the entry form's module; the printed report has none.
    scripts = page.replace('<script type="application/json"', "").count("<script")
    assert scripts == 1 and "js/readiness-page.js" in page
    english = client.get("/readiness?title=provincial_eco&lang=en").get_data(as_text=True)
    assert "Provincial Eco County" in english and "No data" in english
    report = client.get("/api/readiness/national_garden/report")
    assert report.status_code == 200 and "否决项" in report.get_data(as_text=True)
    assert "<script" not in report.get_data(as_text=True)
