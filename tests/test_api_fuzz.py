"""Property-based fuzzing of the whole API from its own OpenAPI document: no input,
however malformed, may produce a 500 (schemathesis generates the requests; bounded)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from api.openapi import openapi_document
from layers.tracking.accounts import create_user, issue_token
from tests.factories import build_city

#: Examples per operation: enough to reach odd corners, small enough for CI.
EXAMPLES = 30
OPERATIONS = [(path, method.upper()) for path, item in openapi_document()["paths"].items()
              for method in item]


@pytest.fixture
def fuzzed_app(clean_db, database_url):
    """The known city and an admin token, so writes get past authentication too."""
    build_city(clean_db)
    with clean_db.begin() as conn:
        create_user(conn, "fuzz", "fuzz", "admin")
        token = issue_token(conn, "fuzz")
    return create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none"}), token


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_no_request_produces_a_500(fuzzed_app, path, method, tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    app, token = fuzzed_app
    operation = schemathesis.openapi.from_wsgi("/api/openapi.json", app)[path][method]
    failures = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        response = case.call()
        if response.status_code >= 500:
            failures.append((case.path_parameters, case.query, case.body,
                             response.status_code, response.text[:300]))

    check()
    assert failures == []
