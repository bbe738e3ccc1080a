"""``/``: the planners' web map, and ``/static/…``: its scripts, styles and vendored libraries."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for

from api import params
from layers.serving.query import InvalidQuery
from webmap.assets import STATIC_DIR
from webmap.i18n import LANGUAGES
from webmap.page import render_page

bp = Blueprint("webmap", __name__, static_folder=STATIC_DIR, static_url_path="/static")


@bp.get("/")
def index() -> Response:
    """The map page, in Chinese unless ``?lang=en``."""
    params.check_known(request.args, ("lang",))
    lang = request.args.get("lang", "zh")
    if lang not in LANGUAGES:
        raise InvalidQuery(f"lang must be one of: {', '.join(LANGUAGES)}; got {lang!r}")
    html = render_page(lang, current_app.config["BASEMAP"],
                       api_root=request.script_root + "/api",
                       static_root=url_for("webmap.static", filename=""))
    return Response(html, mimetype="text/html")
