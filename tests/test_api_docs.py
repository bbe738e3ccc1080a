"""``/api/openapi.json``: valid OpenAPI 3 covering every route; ``/api/docs`` shows it."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

pytest_plugins = ["tests.factories"]

#: Routes that are not part of the API proper; /ogc is described by its own /ogc/api.
_NOT_API = {"/", "/inspection", "/green", "/dashboard", "/feeds/changes.atom", "/static/{filename}",
            "/api/openapi.json", "/api/docs"}


def _documented_elsewhere(route: str) -> bool:
    return route == "/ogc" or route.startswith("/ogc/")


def test_openapi_document_is_valid(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    validate(response.get_json())


def test_every_route_is_documented(app, client):
    documented = set(client.get("/api/openapi.json").get_json()["paths"])
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()}
    assert {r for r in routes - _NOT_API if not _documented_elsewhere(r)} == documented


def test_docs_page_lists_every_operation_without_external_links(client):
    page = client.get("/api/docs").get_data(as_text=True)
    for path in client.get("/api/openapi.json").get_json()["paths"]:
        assert f"<code>{path}</code>" in page
    assert not re.search(r'(?:src|href)="https?://', page)
