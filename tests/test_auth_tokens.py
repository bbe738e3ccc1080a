"""Where a token may travel: ``api_key`` on Open311 only, and never into a log line."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

import pytest

from api.log_redaction import RedactSecrets
from layers.tracking.accounts import create_user, issue_token
from tests.live_server import served

pytest_plugins = ["tests.factories"]

SECRET = "lc_SECRETsecretSECRETsecret0123456789"


@pytest.fixture
def planner(clean_db) -> str:
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王工", "planner", "交通局")
        return issue_token(conn, "wang")


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/projects"), ("GET", "/api/layers/parks/export?format=csv"),
    ("GET", "/feeds/changes.atom"), ("GET", "/ogc/collections"), ("GET", "/healthz"),
    ("PATCH", "/api/projects/1"), ("POST", "/api/projects")])
def test_api_key_outside_open311_is_a_400_naming_the_header(client, planner, method, path):
    separator = "&" if "?" in path else "?"

    response = client.open(f"{path}{separator}api_key={planner}", method=method, json={})

    assert response.status_code == 400
    body = response.get_json()  # ours, or the OGC API's own shape
    message = body["error"]["message"] if "error" in body else body["description"]
    assert "api_key" in message and "Authorization: Bearer <token>" in message


def test_open311_still_takes_its_api_key(client, city, planner):
    response = client.post("/open311/v2/requests.json", data={
        "api_key": planner, "service_code": "garbage", "lat": "32.99", "long": "107.75",
        "description": "垃圾"})

    assert response.status_code == 201


def test_the_api_documents_api_key_on_open311_only(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]

    with_key = {path for path, operations in paths.items()
                for operation in operations.values() if isinstance(operation, dict)
                for parameter in operation.get("parameters", ())
                if parameter.get("name") == "api_key"}

    assert with_key and all(path.startswith("/open311/") for path in with_key)


def test_no_token_reaches_a_log_line(app, city, caplog):
    caplog.set_level(logging.DEBUG)
    with served(app) as base:
        request = urllib.request.Request(f"{base}/open311/v2/services.json?api_key={SECRET}",
                                         headers={"Authorization": f"Bearer {SECRET}x"})
        assert urllib.request.urlopen(request, timeout=10).status == 200
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/open311/v2/requests/1.json?api_key={SECRET}",
                                   timeout=10)

    assert "/open311/v2/services.json" in caplog.text
    assert "SECRET" not in caplog.text


def test_the_filter_redacts_keys_and_bearer_tokens_in_messages_and_arguments():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               "header Authorization: Bearer %s; url %s", (
                                   "abc.def", f"/x?a=1&api_key={SECRET}&b=2"), None)

    RedactSecrets().filter(record)

    assert record.getMessage() == ("header Authorization: Bearer [redacted]; "
                                   "url /x?a=1&api_key=[redacted]&b=2")


def test_the_filter_redacts_a_token_split_between_message_and_argument():
    record = logging.LogRecord("api.app", logging.ERROR, __file__, 1,
                               "unhandled error on GET /open311?api_key=%s", ("abc123",), None)

    RedactSecrets().filter(record)

    assert record.getMessage() == "unhandled error on GET /open311?api_key=[redacted]"
