"""``/inspection``: the inspectors' route page (its scripts are served by ``webmap.static``)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for

from api import params
from api.i18n import page_language
from layers.inspection.route_request import parse_date
from webmap.inspection_page import render_inspection_page

bp = Blueprint("inspection_page", __name__)


@bp.get("/inspection")
def inspection() -> Response:
    """The route page, in Chinese unless ``?lang=en``; ``?today=YYYY-MM-DD`` judges
    "overdue" on that date instead of the server's."""
    params.check_known(request.args, ("lang", "today"))
    lang = page_language()
    today = parse_date(request.args.get("today"), "today")
    html = render_inspection_page(lang, current_app.config["BASEMAP"],
                                  api_root=request.script_root + "/api",
                                  static_root=url_for("webmap.static", filename=""),
                                  home=request.script_root + "/", today=today)
    return Response(html, mimetype="text/html")
