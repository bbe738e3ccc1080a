"""Property-based fuzzing of the inspection route API from its OpenAPI paths (merged into
the app's document, as ``api/openapi.py`` will): no input may produce a 500."""

from __future__ import annotations

import copy

import pytest
import schemathesis
from flask import jsonify
from hypothesis import HealthCheck, given, settings

from api import inspection_routes
from api.app import create_app
from api.openapi import openapi_document
from layers.inspection import route_request
from tests.test_inspection_town import with_inspection

pytest_plugins = ["tests.factories", "tests.test_inspection_town"]

EXAMPLES = 30
OPERATIONS = [(path, method.upper()) for path, item in inspection_routes.OPENAPI_PATHS.items()
              for method in item]


@pytest.fixture
def inspector(town, clean_db) -> dict[str, str]:
    """An inspector's header: without it every plan would stop at the 401."""
    from layers.tracking.accounts import create_user, issue_token
    with clean_db.begin() as conn:
        create_user(conn, "fuzz", "模糊测试", "inspector")
        return {"Authorization": f"Bearer {issue_token(conn, 'fuzz')}"}


@pytest.fixture
def fuzzed_app(town, database_url):
    app = with_inspection(create_app({"DATABASE_URL": database_url,
                                      "LIANCHUANG_TILES": "none"}))
    document = copy.deepcopy(openapi_document())  # its components are module globals
    document["paths"].update(inspection_routes.OPENAPI_PATHS)
    document["components"]["parameters"].update(inspection_routes.OPENAPI_PARAMETERS)
    app.add_url_rule("/fuzz/openapi.json", "fuzz_openapi", lambda: jsonify(document))
    return app


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_no_route_request_produces_a_500(fuzzed_app, inspector, path, method, monkeypatch):
    # A solver search of up to 30 s per generated request would make this test take hours.
    monkeypatch.setattr(route_request, "MAX_TIME_LIMIT_S", 0.5)
    operation = schemathesis.openapi.from_wsgi("/fuzz/openapi.json", fuzzed_app)[path][method]
    failures = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=inspector)
        if response.status_code >= 500:
            failures.append((case.path_parameters, case.query, case.body,
                             response.status_code, response.text[:300]))

    check()
    assert failures == []
