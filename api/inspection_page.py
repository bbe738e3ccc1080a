"""``/inspection``: the inspectors' route page (its scripts are served by ``webmap.static``)."""

from __future__ import annotations

from flask import Response, current_app, request, url_for

from api import params
from api.guards import csp_nonce
from api.i18n import page_language
from api.openapi import Blueprint
from webmap.inspection_page import render_inspection_page

bp = Blueprint("inspection_page", __name__, description="The inspectors' route page.")


class InspectionPageQuery(params.LangQuery):
    today = params.Day(metadata={"description": "Judge overdue on this date "
                                                "(YYYY-MM-DD) instead of the server's."})


@bp.get("/inspection")
@bp.query(InspectionPageQuery)
@bp.content(200, "The page", "text/html", schema={"type": "string"})
def inspection(query: dict) -> Response:
    """The inspection route page

    Plan and print field inspection routes (HTML), in Chinese unless `lang=en` (or the
    browser prefers English); `today` judges "overdue" on that date instead of the server's.
    """
    lang = page_language()
    today = query.get("today")
    html = render_inspection_page(lang, current_app.config["BASEMAP"],
                                  api_root=request.script_root + "/api",
                                  static_root=url_for("webmap.static", filename=""),
                                  home=request.script_root + "/", today=today,
                                  script_nonce=csp_nonce())
    return Response(html, mimetype="text/html")
