"""``/api/openapi.json`` and ``/api/docs``: the API described, as data and as a page.

The document is generated from the blueprints' schemas (:mod:`api.openapi`); the page is
rendered on the server from it (no Swagger UI: the service must work without reaching
any CDN).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, render_template, url_for
from markupsafe import Markup, escape

from api.openapi import Blueprint, openapi_document
from api.render import json_response

bp = Blueprint("docs", __name__, url_prefix="/api", description="This description.")


@bp.get("/openapi.json")
@bp.query()
@bp.content(200, "The OpenAPI 3 document", "application/vnd.oai.openapi+json",
            schema={"type": "object"})
def openapi() -> Response:
    """The OpenAPI document

    This API described in OpenAPI 3, generated from the schemas that validate requests.
    """
    return json_response(openapi_document(), mimetype="application/vnd.oai.openapi+json")


@bp.get("/docs")
@bp.query()
@bp.content(200, "The page", "text/html", schema={"type": "string"})
def docs() -> str:
    """The API reference page

    The OpenAPI document as a readable page, one section per operation.
    """
    document = openapi_document()
    # static_root links the favicon: without it the browser asks for /favicon.ico (a 404).
    return render_template("docs.html", info=document["info"],
                           operations=_operations(document),
                           static_root=url_for("webmap.static", filename="").rstrip("/"))


@bp.app_template_filter("code_spans")
def code_spans(text: str) -> Markup:
    """*text* escaped, with its Markdown-style `code` spans set as ``<code>``."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    components = document.get("components", {})
    operations = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            operations.append({
                "method": method.upper(), "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [_resolve(components, p)
                               for p in [*shared, *operation.get("parameters", [])]],
                "body": _body(components, operation.get("requestBody")),
                "responses": {code: _resolve(components, r)
                              for code, r in operation["responses"].items()},
            })
    return operations


def _resolve(components: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """*item*, or the component its ``$ref`` names."""
    if "$ref" not in item:
        return item
    _, _, kind, name = item["$ref"].split("/")
    return components[kind][name]


def _body(components: dict[str, Any], body: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The members of a request body: name, type, required."""
    if not body:
        return []
    media, content = next(iter(body["content"].items()))
    schema = _resolve(components, content["schema"])
    required = set(schema.get("required", ()))
    return [{"name": name, "in": media, "required": name in required,
             "schema": _resolve(components, prop), "description": prop.get("description", "")}
            for name, prop in schema.get("properties", {}).items()]
