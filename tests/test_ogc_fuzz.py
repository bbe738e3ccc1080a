"""Property-based fuzzing of the OGC API from its own OpenAPI document (``/ogc/api``): no
query a GIS client or a prober can send — bboxes in any CRS, datetimes at the ends of
time, CRS URIs of any length, filters on every queryable — may produce a 5xx, and every
refusal is the OGC exception document.  Bounded and seeded, as the API's fuzz."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error

from api.app import create_app
from tests.factories import build_city

EXAMPLES = 60
SEED = 20261130


@pytest.fixture(scope="module")
def ogc_operations():
    """``(path, METHOD)`` of every operation of the OGC API document."""
    app = create_app({"DATABASE_URL": "postgresql://unused/none", "LIANCHUANG_TILES": "none"})
    schema = schemathesis.openapi.from_wsgi("/ogc/api?f=json", app)
    return [(op.path, op.method.upper()) for op in
            (result.ok() for result in schema.get_all_operations())]


def test_the_ogc_document_names_the_items_operations(ogc_operations):
    assert ("/collections/parks/items", "GET") in ogc_operations
    assert ("/collections/parks/items/{featureId}", "GET") in ogc_operations


@pytest.fixture
def ogc_app(clean_db, database_url):
    build_city(clean_db)
    return create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none"})


@pytest.mark.parametrize("layer", ["road_segments", "parks", "water_source_areas"])
def test_no_items_query_produces_a_5xx(ogc_app, layer):
    schema = schemathesis.openapi.from_wsgi("/ogc/api?f=json", ogc_app)
    failures = []
    for path in (f"/collections/{layer}/items", f"/collections/{layer}/items/{{featureId}}"):
        operation = schema[path]["GET"]

        @given(case=operation.as_strategy())
        @seed(SEED)
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call()
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except AssertionError as exc:
                failures.append((case.path, case.query, response.status_code,
                                 response.text[:300], str(exc)[:300]))
            if response.status_code == 400:
                assert response.json().keys() >= {"code", "description"}, response.text

        check()
    assert failures == []
