"""``/api/cases`` and ``/api/case-categories`` over HTTP: steps with If-Match, the answers
a refused step gets, the filtered list, and categories edited by an admin."""

from __future__ import annotations

import pytest

from layers.tracking.accounts import create_user, issue_token
from layers.tracking.problem_reports import file_report
from tests.test_cases import LAT, LON

pytest_plugins = ["tests.factories"]


@pytest.fixture
def tokens(clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "zhang", "张受理", "inspector", duties=("dispatcher",))
        create_user(conn, "wang", "王处置", "inspector", "县城市管理局", duties=("handler",))
        create_user(conn, "li", "李督查", "inspector")
        create_user(conn, "root", "管理员", "admin")
        return {name: {"Authorization": f"Bearer {issue_token(conn, name)}"}
                for name in ("zhang", "wang", "li", "root")}


@pytest.fixture
def case_id(clean_db):
    return file_report(clean_db, None, category="garbage", lon=LON, lat=LAT,
                       description="垃圾")["id"]


def steps(client, case_id, headers, etag, **body):
    return client.post(f"/api/cases/{case_id}/steps", json=body,
                       headers={**headers, **({"If-Match": etag} if etag else {})})


def test_a_case_is_taken_step_by_step_with_its_etag(client, tokens, case_id):
    read = client.get(f"/api/cases/{case_id}", headers=tokens["zhang"])
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    filed = steps(client, case_id, tokens["zhang"], read.headers["ETag"], action="accept")
    assert filed.status_code == 200 and filed.headers["ETag"] == '"2"'
    sent = steps(client, case_id, tokens["zhang"], '"2"', action="dispatch")
    body = sent.get_json()
    assert (body["status"], body["department"], body["clock"]["limit_min"]) == (
        "dispatched", "县城市管理局", 120)
    assert body["next_steps"][:2] == ["reassign", "handle"]


def test_refused_steps_answer_what_to_do(client, tokens, case_id):
    skipped = steps(client, case_id, tokens["zhang"], '"1"', action="close")
    assert skipped.status_code == 409
    assert skipped.get_json()["allowed_steps"] == ["accept", "refuse", "duplicate"]
    assert "next steps are: accept" in skipped.get_json()["error"]["message"]

    not_theirs = steps(client, case_id, tokens["li"], '"1"', action="accept")
    assert not_theirs.status_code == 403
    assert "dispatcher" in not_theirs.get_json()["error"]["message"]

    no_etag = steps(client, case_id, tokens["zhang"], None, action="accept")
    assert no_etag.status_code == 428

    stale = steps(client, case_id, tokens["zhang"], '"9"', action="accept")
    assert stale.status_code == 409 and stale.headers["ETag"] == '"1"'
    assert stale.get_json()["current"]["status"] == "reported"

    anonymous = client.post(f"/api/cases/{case_id}/steps", json={"action": "accept"},
                            headers={"If-Match": '"1"'})
    assert anonymous.status_code == 401

    for body, field in (({"action": "fly"}, "action"), ({"action": "refuse"}, "note"),
                        ({"action": "accept", "note": 5}, "note"),
                        ({"action": "accept", "lon": "east"}, "lon")):
        bad = steps(client, case_id, tokens["zhang"], '"1"', **body)
        assert bad.status_code == 400, body
        assert field in bad.get_json()["error"]["message"], body
    assert client.get(f"/api/cases/{case_id}", headers=tokens["zhang"]).get_json()[
        "version"] == 1


def test_the_list_filters_by_unit_status_and_overdue(client, tokens, clean_db, case_id):
    steps(client, case_id, tokens["zhang"], '"1"', action="accept")
    steps(client, case_id, tokens["zhang"], '"2"', action="dispatch")
    other = file_report(clean_db, None, category="channel_pollution", lon=LON, lat=LAT,
                        description="渠道漂浮物")["id"]

    def ids(query):
        answer = client.get(f"/api/cases?{query}", headers=tokens["li"])
        assert answer.status_code == 200, answer.get_json()
        return [f["id"] for f in answer.get_json()["features"]]

    assert ids("") == [other, case_id]
    assert ids("unit=县城市管理局") == [case_id]
    assert ids("status=dispatched") == [case_id]
    assert ids("status=reported&unit=县水利局") == [other]
    assert ids("overdue=false") == [other, case_id]  # dispatched just now: 2 hours left
    assert ids("category=channel_pollution") == [other]
    assert ids("layer=road_segments&fid=r1") == []
    for bad in ("status=resolved", "overdue=perhaps", "limit=0", "layer=road_segments",
                "since=yesterday", "cell=abc", "colour=red"):
        assert client.get(f"/api/cases?{bad}").status_code == 400, bad


def test_an_admin_edits_a_category_and_every_version_is_kept(client, tokens):
    read = client.get("/api/case-categories/garbage")
    assert read.status_code == 200
    definition = read.get_json()
    version = read.headers["ETag"]
    changed = {**definition, "time_limit": 3, "note": "县城管局调整时限"}
    assert client.put("/api/case-categories/garbage", json=changed,
                      headers={**tokens["zhang"], "If-Match": version}).status_code == 403
    saved = client.put("/api/case-categories/garbage", json=changed,
                       headers={**tokens["root"], "If-Match": version})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["time_limit"] == 3
    stale = client.put("/api/case-categories/garbage", json=changed,
                       headers={**tokens["root"], "If-Match": version})
    assert stale.status_code == 409
    bad = client.put("/api/case-categories/garbage", json={**changed, "kind": "thing"},
                     headers={**tokens["root"], "If-Match": saved.headers["ETag"]})
    assert bad.status_code == 400 and "kind" in bad.get_json()["error"]["message"]
    versions = client.get("/api/case-categories/garbage/versions").get_json()["versions"]
    assert [v["note"] for v in versions][0] == "县城管局调整时限"
    assert len(versions) == int(version.strip('"')) + 1
    listed = client.get("/api/case-categories").get_json()["categories"]
    assert {c["kind"] for c in listed} == {"part", "event"}
    assert client.get("/api/case-categories/nope").status_code == 404


def test_an_inspector_files_a_case_on_a_feature(client, tokens, clean_db):
    from tests.factories import add_features

    with clean_db.begin() as conn:
        add_features(conn, "facilities", {
            "fid": "WC-1", "name": "公厕一号", "kind": "public_toilet",
            "geom": f"POINT({LON} {LAT})"})
    filed = client.post("/api/cases", headers=tokens["li"], json={
        "category": "public_toilet", "description": "公厕无人保洁",
        "layer": "facilities", "fid": "WC-1"})
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert case["feature"] == {"layer": "facilities", "fid": "WC-1"}
    assert (case["lon"], case["lat"]) == pytest.approx((LON, LAT))
    assert case["category_code"] == {"kind": "part", "major": "03", "minor": "01"}
    assert case["status"] == "reported" and filed.headers["ETag"] == '"1"'
    listed = client.get("/api/cases?layer=facilities&fid=WC-1", headers=tokens["li"])
    assert [f["id"] for f in listed.get_json()["features"]] == [case["id"]]

    for body, status, words in (
            ({"layer": "facilities", "fid": "WC-9"}, 400, "no feature 'WC-9'"),
            ({"layer": "facilities"}, 400, "layer and fid together"),
            ({}, 400, "say where"),
            ({"lon": LON}, 400, "lon and lat together"),
            ({"lon": LON, "lat": LAT, "photo_id": "nope"}, 404, "no uploaded photo"),
            ({"lon": LON, "lat": LAT, "project_id": 999}, 404, "no project 999"),
            ({"lon": LON, "lat": LAT, "category": "ufo"}, 400, "unknown category")):
        refused = client.post("/api/cases", headers=tokens["li"], json={
            "category": "public_toilet", "description": "x", **body})
        assert refused.status_code == status, (body, refused.get_json())
        assert words in refused.get_json()["error"]["message"], body
    assert client.post("/api/cases", json={"category": "garbage", "description": "x",
                                           "lon": LON, "lat": LAT}).status_code == 401
