"""Shaping answers: JSON and GeoJSON responses and the paging links of a listing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, request

from layers.serving.query import Page

GEOJSON = "application/geo+json"


def json_response(data: Any, mimetype: str = "application/json", status: int = 200) -> Response:
    """*data* as JSON with the app's settings (UTF-8 text, keys in their given order)."""
    return current_app.response_class(current_app.json.dumps(data) + "\n", status=status,
                                      mimetype=mimetype)


def attachment(content: bytes, mimetype: str, filename: str) -> Response:
    """*content* as a file the browser saves as *filename*."""
    response = current_app.response_class(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def with_etag(response: Response, record: dict) -> Response:
    """*response* with the ETag of *record* (``"<version>"``), for If-Match."""
    response.headers["ETag"] = f'"{record["version"]}"'
    return response


def page_links(page: Page, matched: int, returned: int, mimetype: str) -> list[dict[str, str]]:
    """``self``, and ``next`` / ``prev`` when there are pages after / before this one."""
    links = [_link("self", page.offset, mimetype)]
    if page.offset + returned < matched:
        links.append(_link("next", page.offset + page.limit, mimetype))
    if page.offset > 0:
        links.append(_link("prev", max(0, page.offset - page.limit), mimetype))
    return links


def _link(rel: str, offset: int, mimetype: str) -> dict[str, str]:
    args = request.args.copy()
    args["offset"] = str(offset)
    return {"rel": rel, "type": mimetype,
            "href": f"{request.base_url}?{urlencode(list(args.items(multi=True)))}"}
