"""Before any route: a write needs a token (401 first), bodies are bounded (413 before they
are read), ids beyond the column's range are 404s, and a malformed member is a 400."""

from __future__ import annotations

import io
import re
import socket
import threading

import pytest
from werkzeug.serving import make_server

from api.guards import PUBLIC_WRITES
from layers.tracking.accounts import create_user, issue_token

pytest_plugins = ["tests.factories"]

#: Values a JSON member may be sent as that its schema does not expect.
ODD_VALUES = [{}, [], 1, True, None, "x" * 5000, "\u0000"]


def _write_rules(app) -> list[tuple[str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            if rule.endpoint not in PUBLIC_WRITES:
                path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", lambda m: {
                    "layer": "parks", "fid": "P1"}.get(m.group(1), "1"), rule.rule)
                rules.append((method, path))
    return rules


@pytest.fixture
def admin(clean_db) -> dict[str, str]:
    with clean_db.begin() as conn:
        create_user(conn, "adm", "管理员", "admin")
        return {"Authorization": f"Bearer {issue_token(conn, 'adm')}"}


def test_every_write_without_a_token_is_a_401_whatever_its_body(app, client, clean_db):
    rules = _write_rules(app)
    assert len(rules) >= 8

    for method, path in rules:
        for body in ({"status": {}}, None):
            response = client.open(path, method=method, json=body)
            assert response.status_code == 401, (method, path, response.get_data(as_text=True))


def test_a_body_over_the_limit_is_refused_before_it_is_read(app, admin):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
            sock.sendall(b"POST /api/projects HTTP/1.1\r\nHost: x\r\n"
                         b"Authorization: " + admin["Authorization"].encode() + b"\r\n"
                         b"Content-Type: application/json\r\n"
                         b"Content-Length: 268435456\r\n\r\n{")  # 256 MiB announced, 1 byte sent
            answer = sock.recv(4096).decode()
    finally:
        server.shutdown()
    assert answer.startswith("HTTP/1.1 413")


@pytest.mark.parametrize("path", ["/api/reports/99999999999", "/api/projects/99999999999",
                                  "/api/reports/0"])
def test_an_id_beyond_the_columns_range_is_a_404(client, clean_db, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("value", ODD_VALUES)
def test_a_report_status_of_the_wrong_kind_is_a_400(client, admin, value):
    response = client.patch("/api/reports/1", json={"status": value}, headers=admin)

    assert response.status_code in (400, 404), response.get_data(as_text=True)
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("member", ["name", "category", "department", "responsible",
                                    "description", "status", "code"])
@pytest.mark.parametrize("value", ODD_VALUES)
def test_no_member_of_a_new_project_can_make_a_500(client, admin, member, value):
    body = {"code": "T-1", "name": "测试", "category": "road", "campaigns": ["national_sanitary"],
            "department": "住建局", member: value}

    response = client.post("/api/projects", json=body, headers=admin)

    assert response.status_code < 500, response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/green", "/dashboard", "/api/layers", "/healthz",
                                  "/api/openapi.json", "/ogc", "/static/favicon.svg",
                                  "/nothing-here"])
def test_every_answer_carries_the_security_headers(client, clean_db, path):
    headers = client.get(path).headers

    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_a_photo_is_served_with_nosniff(client, admin, tmp_path, monkeypatch):
    from tests.images import PNG
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    saved = client.post("/api/photos", headers=admin,
                        data={"photo": (io.BytesIO(PNG), "a.png", "image/png")}).get_json()

    response = client.get(f"/api/photos/{saved['id']}")

    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
