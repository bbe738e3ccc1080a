"""Property-based fuzzing of the whole API from its own OpenAPI document: no input, however
malformed, may produce a 5xx, and every answer must match the schema documented for its
status (schemathesis generates the requests; bounded and seeded, so a failure found in CI
is found again on a developer's machine).  Each operation is tried as an admin, so writes
reach their validation and their database work, and with no token at all, as the public
meets it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.app import create_app
from api.openapi import openapi_document
from layers.tracking.accounts import create_user, issue_token
from tests.factories import build_city

#: Examples per operation: enough to reach odd corners, small enough for CI.
EXAMPLES = 30
#: The seed of the generated requests.
SEED = 20261130
#: The checks every answer must pass.
CHECKS = [not_a_server_error, response_schema_conformance]


def documented_operations(app, skip_prefixes: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """``(path, METHOD)`` of every operation in *app*'s document (the static files and
    the OGC landing page, whose answers are not ours to shape, left out)."""
    with app.test_request_context():
        paths = openapi_document()["paths"]
    return [(path, method.upper()) for path, item in paths.items() for method in item
            if method != "parameters" and path not in ("/static/{filename}", "/ogc")
            and not path.startswith(skip_prefixes)]


#: Computed without a database: the document needs none.
OPERATIONS = documented_operations(create_app({"DATABASE_URL": "postgresql://unused/none",
                                               "LIANCHUANG_TILES": "none"}),
                                   skip_prefixes=("/api/routes/",))


def fuzz(app, path: str, method: str, headers: dict[str, str]) -> list:
    """Failures of :data:`CHECKS` over generated requests to one operation."""
    operation = schemathesis.openapi.from_wsgi("/api/openapi.json", app)[path][method]
    failures = []

    @given(case=operation.as_strategy())
    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.headers = {**(case.headers or {}), **headers}
        response = case.call()
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as exc:  # schemathesis' failure groups are AssertionErrors
            failures.append((case.path_parameters, case.query, case.body,
                             response.status_code, response.text[:300], str(exc)[:500]))

    check()
    return failures


@pytest.fixture
def fuzzed_app(clean_db, database_url):
    """The known city and an admin token, so writes get past authentication too."""
    build_city(clean_db)
    with clean_db.begin() as conn:
        create_user(conn, "fuzz", "fuzz", "admin")
        token = issue_token(conn, "fuzz")
    return create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none"}), token


@pytest.mark.parametrize("caller", ["admin", "anonymous"])
@pytest.mark.parametrize("path, method", OPERATIONS)
def test_no_request_produces_a_5xx_or_an_undocumented_answer(fuzzed_app, path, method, caller,
                                                             tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    app, token = fuzzed_app
    headers = {"Authorization": f"Bearer {token}"} if caller == "admin" else {}
    assert fuzz(app, path, method, headers) == []
