"""``/api/openapi.json``: valid OpenAPI 3 covering every route; ``/api/docs`` shows it."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

pytest_plugins = ["tests.factories"]

#: The pages and the feed, documented with the media type they answer.
_NOT_JSON = {"/": "text/html", "/green": "text/html", "/inspection": "text/html",
             "/dashboard": "text/html", "/api/docs": "text/html",
             "/feeds/changes.atom": "application/atom+xml"}


def _documented_elsewhere(route: str) -> bool:
    """Below its landing page, /ogc is described by its own document, /ogc/api."""
    return route.startswith("/ogc/")


def test_openapi_document_is_valid(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    validate(response.get_json())


def test_every_route_is_documented(app, client):
    documented = set(client.get("/api/openapi.json").get_json()["paths"])
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()}
    assert {r for r in routes if not _documented_elsewhere(r)} == documented


def test_pages_and_feed_are_documented_with_their_media_type(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path, media_type in _NOT_JSON.items():
        assert media_type in paths[path]["get"]["responses"]["200"]["content"], path


def test_ogc_landing_links_to_its_own_document(client):
    landing = client.get("/api/openapi.json").get_json()["paths"]["/ogc"]["get"]
    assert "/ogc/api" in landing["description"]
    ogc_document = client.get("/ogc/api?f=json").get_json()
    assert "/collections/parks/items" in ogc_document["paths"]


def test_docs_page_lists_every_operation_without_external_links(client):
    page = client.get("/api/docs").get_data(as_text=True)
    for path in client.get("/api/openapi.json").get_json()["paths"]:
        assert f"<code>{path}</code>" in page
    assert not re.search(r'(?:src|href)="https?://', page)
