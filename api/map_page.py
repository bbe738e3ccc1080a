"""``/``: the planners' web map, and ``/static/…``: its scripts, styles and vendored libraries."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, current_app, request, url_for

from api import params
from api.database import get_engine
from api.guards import csp_nonce
from api.i18n import page_language
from api.openapi import Blueprint
from layers.serving.project_links import projects_extent
from webmap.assets import STATIC_DIR
from webmap.page import render_page

bp = Blueprint("webmap", __name__, static_folder=STATIC_DIR, static_url_path="/static",
               description="The planners' web map and its static files.")

#: The page's files in ``/api/openapi.json`` (Flask serves them; no view of ours).
STATIC_OPERATION = {"get": {
    "summary": "Static files of the pages",
    "description": "Scripts, styles, icons and the vendored map libraries of the pages.",
    "responses": {"200": {"description": "The file", "content": {"*/*": {"schema": {
        "type": "string", "format": "binary"}}}},
                  "404": {"description": "No such file"}}}}


@bp.get("/")
@bp.query(params.LangQuery)
@bp.content(200, "The page", "text/html", schema={"type": "string"})
def index(query: dict) -> Response:
    """The web map page

    Every campaign project on one map (HTML), in Chinese unless `lang=en` (or the browser
    prefers English).
    """
    lang = page_language()
    html = render_page(lang, current_app.config["BASEMAP"], start_extent=_start_extent(),
                       api_root=request.script_root + "/api",
                       static_root=url_for("webmap.static", filename=""),
                       script_nonce=csp_nonce())
    return Response(html, mimetype="text/html")


def _start_extent() -> list[float] | None:
    if current_app.config["START_VIEW"] != "projects":
        return None
    try:
        return projects_extent(get_engine())
    except sa.exc.OperationalError:  # the page still opens, and its script says why it is empty
        return None
