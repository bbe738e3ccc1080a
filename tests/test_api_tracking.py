"""Writes over HTTP: roles, If-Match and 409, concurrent clients, Open311, uploads."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from layers.tracking.accounts import create_user, issue_token
from tests.images import PNG

pytest_plugins = ["tests.factories"]

# city: DL-001 belongs to 住建局 (in progress), DL-002 to 交通局 (planned).


@pytest.fixture
def tokens(city, clean_db) -> dict[str, str]:
    """A token per role; planners of 住建局 (own) and 交通局 (other)."""
    users = {"viewer": ("viewer", None), "inspector": ("inspector", None),
             "planner": ("planner", "住建局"), "other_planner": ("planner", "交通局"),
             "admin": ("admin", None)}
    with clean_db.begin() as conn:
        for name, (role, department) in users.items():
            create_user(conn, name, name, role, department)
        return {name: issue_token(conn, name) for name in users}


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _patch(client, project_id: int, body: dict, token: str | None, version: str = '"1"'):
    return client.patch(f"/api/projects/{project_id}", json=body,
                        headers={**_auth(token), "If-Match": version})


def test_get_project_gives_its_version_as_etag(client, city):
    assert client.get(f"/api/projects/{city['DL-001']}").headers["ETag"] == '"1"'


def test_stale_if_match_gets_409_with_the_current_state(client, city, tokens):
    project = city["DL-001"]
    assert _patch(client, project, {"progress": 50}, tokens["planner"]).status_code == 200

    stale = _patch(client, project, {"progress": 60}, tokens["planner"])

    assert stale.status_code == 409
    body = stale.get_json()
    assert body["current"]["progress"] == 50 and body["current"]["version"] == 2
    assert stale.headers["ETag"] == '"2"'


def test_patch_without_a_version_is_428(client, city, tokens):
    response = client.patch(f"/api/projects/{city['DL-001']}", json={"progress": 5},
                            headers=_auth(tokens["planner"]))
    assert response.status_code == 428
    assert "If-Match" in response.get_json()["error"]["message"]


def test_skipping_a_stage_is_422_saying_what_is_next(client, city, tokens):
    response = _patch(client, city["DL-002"], {"status": "accepted", "note": "x"},
                      tokens["admin"])
    assert response.status_code == 422
    assert "next allowed: 立项 (approved)" in response.get_json()["error"]["message"]


def _project_calls(city):
    own, other = city["DL-001"], city["DL-002"]
    return {
        "create": ("post", "/api/projects", {"code": "NEW-1", "name": "新项目",
                                             "category": "road", "campaigns": ["国家卫生县城"],
                                             "department": "住建局"}),
        "status": ("patch", f"/api/projects/{own}", {"status": "completed"}),
        "note": ("patch", f"/api/projects/{own}", {"note": "现场检查"}),
        "other_dept": ("patch", f"/api/projects/{other}", {"progress": 5}),
        "link": ("post", f"/api/projects/{own}/features", {"layer": "parks", "fid": "p1"}),
        "unlink": ("delete", f"/api/projects/{own}/features/road_segments/r1", None),
    }


#: Expected status per role and call: the authorisation matrix.
MATRIX = {
    None:            {"create": 401, "status": 401, "note": 401, "other_dept": 401, "link": 401, "unlink": 401},
    "viewer":        {"create": 403, "status": 403, "note": 403, "other_dept": 403, "link": 403, "unlink": 403},
    "inspector":     {"create": 403, "status": 403, "note": 200, "other_dept": 403, "link": 403, "unlink": 403},
    "planner":       {"create": 201, "status": 200, "note": 200, "other_dept": 403, "link": 200, "unlink": 200},
    "other_planner": {"create": 403, "status": 403, "note": 200, "other_dept": 200, "link": 403, "unlink": 403},
    "admin":         {"create": 201, "status": 200, "note": 200, "other_dept": 200, "link": 200, "unlink": 200},
}


@pytest.mark.parametrize("role", list(MATRIX), ids=str)
@pytest.mark.parametrize("call", list(MATRIX["admin"]))
def test_authorisation_matrix(client, city, tokens, role, call):
    method, path, body = _project_calls(city)[call]
    headers = {**_auth(tokens.get(role)), "If-Match": '"1"'}

    response = getattr(client, method)(path, json=body, headers=headers)

    assert response.status_code == MATRIX[role][call], response.get_json()


@pytest.mark.parametrize("role, expected", [(None, 401), ("viewer", 403), ("inspector", 201)])
def test_photo_upload_needs_an_inspector(client, tokens, role, expected):
    response = client.post("/api/photos", headers=_auth(tokens.get(role)),
                           data={"photo": (io.BytesIO(PNG), "a.png", "image/png")})
    assert response.status_code == expected


@pytest.mark.parametrize("role, expected", [(None, 401), ("viewer", 403), ("inspector", 200)])
def test_report_update_needs_an_inspector(client, tokens, role, expected):
    filed = client.post("/open311/v2/requests.json", data={
        "api_key": tokens["viewer"], "service_code": "garbage", "lat": "32.99",
        "long": "107.75", "description": "垃圾堆积"})
    report_id = filed.get_json()[0]["service_request_id"]

    response = client.patch(f"/api/reports/{report_id}", json={"note": "已电话联系"},
                            headers=_auth(tokens.get(role)))

    assert response.status_code == expected


def test_invalid_token_is_401_not_anonymous(client, city):
    response = client.get("/api/me", headers=_auth("lc_forged"))
    assert response.status_code == 401


@pytest.mark.parametrize("content, name, mimetype, status", [
    (b"GIF89a....", "a.gif", "image/gif", 415),
    (b"<svg onload=alert(1)>", "x.svg", "image/svg+xml", 415),
    (PNG, "../../../etc/passwd", "image/png", 201),
    (PNG, "a.png", "image/jpeg", 415),
    (b"", "empty.png", "image/png", 415),
])
def test_uploads_are_checked_by_content(client, tokens, tmp_path, monkeypatch, content, name,
                                        mimetype, status):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    response = client.post("/api/photos", headers=_auth(tokens["inspector"]),
                           data={"photo": (io.BytesIO(content), name, mimetype)})
    assert response.status_code == status
    stored = list(tmp_path.iterdir())
    assert all(p.parent == tmp_path and len(p.name.split(".")[0]) == 32 for p in stored)
    assert len(stored) == (2 if status == 201 else 0)  # the photo and its thumbnail


def test_oversized_upload_is_413(client, tokens, monkeypatch, tmp_path):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    monkeypatch.setattr("layers.tracking.attachments.MAX_BYTES", 1000)
    response = client.post("/api/photos", headers=_auth(tokens["inspector"]),
                           data={"photo": (io.BytesIO(PNG + b"\0" * 2000), "big.png",
                                           "image/png")})
    assert response.status_code == 413
    assert list(tmp_path.iterdir()) == []


def test_open311_request_by_an_inspector_appears_on_the_map_assigned(client, city, tokens):
    services = client.get("/open311/v2/services.json").get_json()
    assert "garbage" in {s["service_code"] for s in services}

    filed = client.post("/open311/v2/requests.json", data={
        "api_key": tokens["inspector"], "service_code": "garbage", "lat": "32.99",
        "long": "107.75", "description": "河滨北路垃圾堆积", "address_string": "河滨北路"})

    assert filed.status_code == 201
    receipt = filed.get_json()[0]
    assert "县城市管理局" in receipt["service_notice"]
    signed = _auth(tokens["inspector"])
    request = client.get(f"/open311/v2/requests/{receipt['service_request_id']}.json",
                         headers=signed).get_json()[0]
    assert (request["status"], request["agency_responsible"]) == ("open", "县城市管理局")
    on_map = client.get("/api/reports", headers=signed).get_json()["features"]
    assert [f["properties"]["description"] for f in on_map] == ["河滨北路垃圾堆积"]
    # Not yet filed by a dispatcher: not published to readers who are not signed in.
    assert client.get("/api/reports").get_json()["features"] == []


def test_open311_post_without_token_is_an_open311_401_naming_api_key(client, city):
    response = client.post("/open311/v2/requests.json", data={
        "service_code": "garbage", "lat": "32.99", "long": "107.75", "description": "x"})
    assert response.status_code == 401
    assert "api_key" in response.get_json()[0]["description"]


@pytest.mark.parametrize("request_id", ["99999999999999999999", "0", "-3"])
def test_open311_request_id_out_of_range_is_an_open311_404(client, city, request_id):
    # It reached PostgreSQL ("integer out of range") and came back a 400 in our own shape.
    response = client.get(f"/open311/v2/requests/{request_id}.json")

    assert response.status_code == 404
    assert response.get_json()[0]["code"] == 404


def test_open311_list_by_ids_out_of_range_is_empty_not_an_error(client, city):
    response = client.get("/open311/v2/requests.json?service_request_id=99999999999999999999,0")

    assert response.status_code == 200 and response.get_json() == []
    too_many = client.get("/open311/v2/requests.json?service_request_id="
                          + ",".join(str(i) for i in range(1, 1002)))
    assert too_many.status_code == 400 and "at most 1000" in too_many.get_json()[0]["description"]


def test_open311_lists_by_status(client, city, tokens, clean_db):
    for description in ("一", "二"):
        client.post("/open311/v2/requests.json", data={
            "api_key": tokens["inspector"], "service_code": "road_damage", "lat": "32.99",
            "long": "107.75", "description": description})
    signed = _auth(tokens["inspector"])
    first = client.get("/open311/v2/requests.json", headers=signed).get_json()[-1][
        "service_request_id"]
    with clean_db.begin() as conn:
        create_user(conn, "zhang", "张受理", "inspector", duties=("dispatcher",))
        dispatcher = _auth(issue_token(conn, "zhang"))
    refused = client.post(f"/api/cases/{first}/steps", headers={**dispatcher, "If-Match": '"1"'},
                          json={"action": "refuse", "note": "已修复，不予立案"})
    assert refused.status_code == 200, refused.get_json()

    closed = client.get("/open311/v2/requests.json?status=closed", headers=signed).get_json()
    assert [(r["service_request_id"], r["status_notes"]) for r in closed] == [
        (first, "已修复，不予立案")]
    assert len(client.get("/open311/v2/requests.json?status=open",
                          headers=signed).get_json()) == 1


def test_fifty_concurrent_updates_lose_nothing(live_server, city, tokens, clean_db):
    """50 clients each add a note to one project, retrying on 409: every accepted update
    is in the history, and the version counts them all."""
    project = city["DL-001"]
    url = f"{live_server}/api/projects/{project}"

    def client(n: int) -> int:
        accepted = 0
        for _ in range(200):  # retries are bounded; with 50 clients this is ample
            with urllib.request.urlopen(url) as response:
                etag = response.headers["ETag"]
            body = json.dumps({"note": f"巡查记录 {n}"}).encode()
            request = urllib.request.Request(url, data=body, method="PATCH", headers={
                "Content-Type": "application/json", "If-Match": etag,
                "Authorization": f"Bearer {tokens['inspector']}"})
            try:
                with urllib.request.urlopen(request):
                    return accepted + 1
            except urllib.error.HTTPError as error:
                assert error.code == 409, error.read()
        return accepted

    with ThreadPoolExecutor(max_workers=50) as pool:
        accepted = sum(pool.map(client, range(50)))

    with clean_db.connect() as conn:
        notes = conn.scalars(sa.text(
            "SELECT note FROM project_events WHERE project_id = :p AND kind = 'note'"),
            {"p": project}).all()
        version = conn.scalar(sa.text("SELECT version FROM projects WHERE id = :p"),
                              {"p": project})
    assert accepted == 50
    assert sorted(notes) == sorted(f"巡查记录 {n}" for n in range(50))
    assert version == 1 + 50
