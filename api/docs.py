"""``/api/openapi.json`` and ``/api/docs``: the API described, as data and as a page.

The page is rendered on the server from the same document (no Swagger UI: the service
must work without reaching any CDN).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, render_template
from markupsafe import Markup, escape

from api.openapi import openapi_document
from api.render import json_response

bp = Blueprint("docs", __name__, url_prefix="/api")


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document."""
    return json_response(openapi_document(), mimetype="application/vnd.oai.openapi+json")


@bp.get("/docs")
def docs() -> str:
    """The OpenAPI document as a readable page, one section per operation."""
    document = openapi_document()
    return render_template("docs.html", info=document["info"],
                           operations=_operations(document))


@bp.app_template_filter("code_spans")
def code_spans(text: str) -> Markup:
    """*text* escaped, with its Markdown-style `code` spans set as ``<code>``."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = document["components"]["parameters"]
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations.append({
                "method": method.upper(), "path": path,
                "summary": operation["summary"], "description": operation["description"],
                "parameters": [parameters[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
                               for p in operation.get("parameters", [])],
                "responses": operation["responses"],
            })
    return operations
