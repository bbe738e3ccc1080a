"""The public: report without an account, rate-limited, unpublished until filed, followed by
tracking code and rated once closed; Open311 in XML as well as JSON."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import sqlalchemy as sa

from layers.storage.models import attachments, reports
from layers.tracking.accounts import issue_token
from tests.images import PNG
from tests.test_cases import LAT, LON, at, people, photo, step  # noqa: F401 (fixtures)

pytest_plugins = ["tests.factories"]


def public_report(client, address="10.0.0.1", **form):
    data = {"category": "garbage", "lon": str(LON), "lat": str(LAT),
            "description": "河堤边垃圾堆积", **form}
    return client.post("/api/public/reports", data=data,
                       environ_base={"REMOTE_ADDR": address})


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(reports))


def test_a_citizen_reports_without_an_account_and_follows_by_code(clean_db, client):
    filed = public_report(client, phone="138 0000 0000")
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    code = body["tracking_code"]
    assert len(code) == 10
    assert (body["status"], body["unit"], [s["action"] for s in body["steps"]]) == (
        "reported", None, ["report"])
    followed = client.get(f"/api/public/cases/{code.lower()}").get_json()
    assert followed["status_label"]["zh"] == "已上报"
    assert "138" not in str(followed) and "群众" not in str(followed)  # no contact, no name
    with clean_db.connect() as conn:
        row = conn.execute(sa.select(reports.c.reporter_contact, reports.c.reporter_id,
                                     reports.c.intake_ip_hash)).one()
    assert row.reporter_contact == "138 0000 0000" and row.reporter_id is None
    assert "10.0.0.1" not in row.intake_ip_hash  # only a hash is kept
    assert client.get("/api/public/cases/NOSUCHCODE").status_code == 404


def test_a_public_report_with_a_photo(clean_db, client, tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    filed = client.post("/api/public/reports", data={
        "category": "garbage", "lon": str(LON), "lat": str(LAT), "description": "垃圾",
        "photo": (__import__("io").BytesIO(PNG), "p.png", "image/png")},
        content_type="multipart/form-data")
    assert filed.status_code == 201, filed.get_json()
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(attachments)) == 1


def test_bad_public_reports_are_refused_and_write_nothing(clean_db, client):
    for form, field in (({"phone": "call me"}, "phone"), ({"device": "x"}, "device"),
                        ({"category": "ufo"}, "category"), ({"lon": "abc"}, "lon"),
                        ({"description": ""}, "description")):
        refused = public_report(client, **form)
        assert refused.status_code == 400, form
        assert field in refused.get_json()["error"]["message"], form
    assert count(clean_db) == 0


def test_reports_are_rate_limited_per_address_and_per_device(clean_db, client, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_PUBLIC_REPORTS", "2/3")
    assert public_report(client, "10.0.0.1").status_code == 201
    assert public_report(client, "10.0.0.1", device="phone-aaaaaaaa").status_code == 201
    third = public_report(client, "10.0.0.1")
    assert third.status_code == 429 and third.headers["Retry-After"] == "3600"
    assert "this address" in third.get_json()["error"]["message"]
    # The same phone from another address: its device already sent one; one more is allowed.
    assert public_report(client, "10.0.0.2", device="phone-aaaaaaaa").status_code == 201
    moved = public_report(client, "10.0.0.3", device="phone-aaaaaaaa")
    assert moved.status_code == 429 and "this phone" in moved.get_json()["error"]["message"]
    assert public_report(client, "10.0.0.4").status_code == 201  # others are not held up
    assert count(clean_db) == 4


def test_a_report_is_published_once_filed(clean_db, client, people):
    code = public_report(client).get_json()["tracking_code"]
    with clean_db.begin() as conn:
        token = issue_token(conn, "li")
        case_id = conn.scalar(sa.select(reports.c.id))
    signed = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/reports").get_json()["features"] == []
    assert client.get("/open311/v2/requests.json").get_json() == []
    assert client.get(f"/api/cases/{case_id}").status_code == 404
    assert len(client.get("/api/reports", headers=signed).get_json()["features"]) == 1

    step(clean_db, {"id": case_id}, people["dispatcher"], "accept", at("2026-11-02", "09:00"))
    assert [f["id"] for f in client.get("/api/reports").get_json()["features"]] == [case_id]
    assert client.get(f"/api/public/cases/{code}").get_json()["unit"] == "县城市管理局"


def test_the_reporter_rates_once_the_case_is_closed(clean_db, client, people, photo):
    code = public_report(client).get_json()["tracking_code"]
    with clean_db.connect() as conn:
        case_id = conn.scalar(sa.select(reports.c.id))
    case = {"id": case_id}
    early = client.post(f"/api/public/cases/{code}/rating", json={"rating": "satisfied"})
    assert early.status_code == 409 and early.get_json()["allowed_steps"] == [
        "accept", "refuse", "duplicate"]
    step(clean_db, case, people["dispatcher"], "accept", at("2026-11-02", "09:00"))
    step(clean_db, case, people["dispatcher"], "dispatch", at("2026-11-02", "09:00"))
    step(clean_db, case, people["handler"], "handle", at("2026-11-02", "10:00"), photo_id=photo)
    step(clean_db, case, people["supervisor"], "verify", at("2026-11-02", "10:30"),
         photo_id=photo, lon=LON, lat=LAT)
    step(clean_db, case, people["dispatcher"], "close", at("2026-11-02", "11:00"))
    assert client.get(f"/api/public/cases/{code}").get_json()["can_rate"] is True
    rated = client.post(f"/api/public/cases/{code}/rating",
                        json={"rating": "fair", "note": "处理及时"})
    assert rated.status_code == 200 and rated.get_json()["rating"] == "fair"
    assert rated.get_json()["can_rate"] is False
    again = client.post(f"/api/public/cases/{code}/rating", json={"rating": "satisfied"})
    assert again.status_code == 409
    assert client.post(f"/api/public/cases/{code}/rating",
                       json={"rating": "great"}).status_code == 400
    assert client.post("/api/public/cases/NOSUCHCODE/rating",
                       json={"rating": "fair"}).status_code == 404


def test_open311_answers_in_xml_too(clean_db, client, people):
    services = ET.fromstring(client.get("/open311/v2/services.xml").data)
    assert services.tag == "services"
    codes = [s.findtext("service_code") for s in services.findall("service")]
    assert "garbage" in codes and "road_damage" in codes
    case = public_report(client).get_json()
    with clean_db.connect() as conn:
        case_id = conn.scalar(sa.select(reports.c.id))
    step(clean_db, {"id": case_id}, people["dispatcher"], "accept", at("2026-11-02", "09:00"))
    step(clean_db, {"id": case_id}, people["dispatcher"], "dispatch", at("2026-11-02", "09:00"))
    listed = ET.fromstring(client.get("/open311/v2/requests.xml").data)
    (request,) = listed.findall("request")
    assert request.findtext("service_request_id") == str(case_id)
    assert request.findtext("status") == "open"
    # Dispatched Monday 09:00 with 2 working hours: expected 11:00 that day.
    assert request.findtext("expected_datetime").startswith("2026-11-02T11:00:00+08:00")
    one = ET.fromstring(client.get(f"/open311/v2/requests/{case_id}.xml").data)
    assert one.find("request").findtext("service_code") == "garbage"
    missing = client.get("/open311/v2/requests/999.xml")
    assert missing.status_code == 404
    assert ET.fromstring(missing.data).find("error").findtext("code") == "404"
    assert case["tracking_code"] not in client.get("/open311/v2/requests.json").get_data(True)
