"""Property-based fuzzing of the inspection route API from the app's generated OpenAPI
document: no input may produce a 5xx or an answer its documented schema does not allow."""

from __future__ import annotations

import pytest

from api.app import create_app
from layers.inspection import route_request
from tests.test_api_fuzz import documented_operations, fuzz
from tests.test_inspection_town import with_inspection

pytest_plugins = ["tests.factories", "tests.test_inspection_town"]

OPERATIONS = [(path, method) for path, method in documented_operations(
    create_app({"DATABASE_URL": "postgresql://unused/none", "LIANCHUANG_TILES": "none"}))
    if path.startswith("/api/routes/")]


@pytest.fixture
def inspector(town, clean_db) -> dict[str, str]:
    """An inspector's header: without it every plan would stop at the 401."""
    from layers.tracking.accounts import create_user, issue_token
    with clean_db.begin() as conn:
        create_user(conn, "fuzz", "模糊测试", "inspector")
        return {"Authorization": f"Bearer {issue_token(conn, 'fuzz')}"}


@pytest.fixture
def fuzzed_app(town, database_url):
    return with_inspection(create_app({"DATABASE_URL": database_url,
                                       "LIANCHUANG_TILES": "none"}))


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_no_route_request_produces_a_5xx_or_an_undocumented_answer(fuzzed_app, inspector,
                                                                   path, method, monkeypatch):
    # A solver search of up to 30 s per generated request would make this test take hours.
    monkeypatch.setattr(route_request, "MAX_TIME_LIMIT_S", 0.5)
    assert fuzz(fuzzed_app, path, method, inspector) == []
