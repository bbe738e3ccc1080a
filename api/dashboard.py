"""``/dashboard``: the campaign dashboard page; ``/api/projects/export``: the ledger as a file.

The figures come from :mod:`layers.tracking.dashboard`, their labels and chart layout from
:mod:`webmap.dashboard`, the file from :mod:`layers.exchange.ledger_export`; this module only reads
the request and renders.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for

from api import i18n, params
from api.database import get_engine
from layers.exchange import ledger_export
from layers.serving.query import InvalidQuery
from layers.tracking import dashboard
from webmap.dashboard import dashboard_view

bp = Blueprint("dashboard", __name__)

#: How many of the latest status changes the page lists.
RECENT_CHANGES = 12
#: ``api_key`` carries the API token where reading needs one (``LIANCHUANG_READ=viewer``).
EXPORT_PARAMS = ("format", *params.PROJECT_FILTERS, "q", "api_key")


@bp.get("/dashboard")
def dashboard_page() -> Response:
    """The dashboard, in Chinese unless ``?lang=en``."""
    params.check_known(request.args, ("lang",))
    lang = page_language()
    engine, today = get_engine(), dt.date.today()
    figures = {
        "totals": dashboard.totals(engine, today),
        "by_campaign": dashboard.progress_by(engine, "campaign", today),
        "by_department": dashboard.progress_by(engine, "department", today),
        "overdue": dashboard.overdue_projects(engine, today),
        "reports_by_status": dashboard.reports_by(engine, "status"),
        "reports_by_category": dashboard.reports_by(engine, "category"),
        "reports_by_department": dashboard.reports_by(engine, "department"),
        "changes": dashboard.status_changes(engine, RECENT_CHANGES),
    }
    other = "zh" if lang == "en" else "en"
    html = render_template(
        "dashboard.html", **dashboard_view(figures, lang, today),
        map_url=request.script_root + "/" + ("?lang=en" if lang == "en" else ""),
        other_url=url_for("dashboard.dashboard_page", lang=other),
        css_url=url_for("webmap.static", filename="dashboard.css"),
        static_root=url_for("webmap.static", filename="").rstrip("/"),
        feed_url=url_for("feeds.changes", lang=lang if lang == "en" else None),
        export_urls={fmt: url_for("dashboard.export_ledger", format=fmt)
                     for fmt in ledger_export.FORMATS})
    return Response(html, mimetype="text/html")


@bp.get("/api/projects/export")
def export_ledger() -> Response:
    """The ledger (``format=xlsx`` or ``csv``) with the county's headings, filtered like
    ``/api/projects``; it imports back with ``lianchuang import``."""
    args = request.args
    params.check_known(args, EXPORT_PARAMS)
    file_format = args.get("format", "xlsx")
    if file_format not in ledger_export.FORMATS:
        raise InvalidQuery(f"format must be one of: {', '.join(ledger_export.FORMATS)}; "
                           f"got {file_format!r}")
    data = ledger_export.export_ledger(get_engine(), file_format,
                                       params.parse_projects_filter(args),
                                       params.parse_search(args))
    media_type, suffix = ledger_export.FORMATS[file_format]
    name = f"lianchuang-ledger-{dt.date.today().isoformat()}{suffix}"
    return Response(data, headers={"Content-Type": media_type, "Cache-Control": "no-store",
                                   "Content-Disposition": f'attachment; filename="{name}"'})


def page_language() -> str:
    """``lang`` of the request: ``?lang=``, else Accept-Language, else ``zh`` (checked)."""
    return i18n.page_language()


_ERROR = {"$ref": "#/components/responses/Error"}

#: OpenAPI 3 path items of this blueprint's API routes, merged by ``api/openapi.py``.
OPENAPI_PATHS: dict[str, Any] = {
    "/api/projects/export": {"get": {
        "summary": "Export the project ledger",
        "description": (
            "The project ledger (台账), or the part the filters keep, as XLSX or CSV (UTF-8 "
            "with a byte-order mark) under the county's Chinese column headings: the same "
            "file `lianchuang import` reads back. Category, campaigns (separated by 、) and "
            "status are written by their Chinese labels, linked features as `layer:fid` "
            "items separated by `;`."),
        "parameters": [
            {"name": "format", "in": "query", "required": False,
             "description": "File format (xlsx by default).",
             "schema": {"type": "string", "enum": list(ledger_export.FORMATS),
                        "default": "xlsx"}},
            *({"$ref": f"#/components/parameters/{name}"}
              for name in (*params.PROJECT_FILTERS, "q")),
        ],
        "responses": {
            "200": {"description": "The ledger file, as an attachment", "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type, _ in ledger_export.FORMATS.values()}},
            "400": _ERROR, "401": _ERROR, "403": _ERROR}}},
}
