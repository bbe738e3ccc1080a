"""``/green``: the planners' green-space page, and ``/api/metrics/green/report``: the
report a county hands to its assessors.

The page is built by :mod:`webmap.green_page` (its script reads the JSON of
:mod:`api.metrics`).  The report's content is :mod:`layers.green.report`; here it is
rendered: ``format=html`` is the template ``api/templates/green_report.html`` with the map
of :func:`webmap.green_page.report_map_svg`, ``format=pdf`` that page printed by headless
Chromium (:mod:`webmap.pdf`), ``format=xlsx`` the workbook (without the map).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from api import params
from api.database import get_engine
from api.metrics import parse_flag, parse_lang, parse_title, single_parameter
from layers.green.judging import COUNTY_TITLE, DEFAULT_TITLE
from layers.green.report import report_context, report_xlsx
from layers.green.state import current_state
from layers.serving.query import InvalidQuery
from webmap.green_page import render_green_page, report_map_svg
from webmap.pdf import print_pdf

bp = Blueprint("green_page", __name__)

REPORT_FORMATS = ("html", "pdf", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/green")
def page() -> Response:
    """The green-space page, in Chinese unless ``?lang=en``; ``?title=`` selects the
    thresholds title first shown."""
    params.check_known(request.args, ("lang", "title"))
    lang = parse_lang(request.args)
    title = parse_title(request.args) if "title" in request.args else COUNTY_TITLE
    html = render_green_page(lang, current_app.config["BASEMAP"],
                             api_root=request.script_root + "/api",
                             static_root=url_for("webmap.static", filename=""),
                             home=request.script_root + "/", title=title)
    return Response(html, mimetype="text/html")


@bp.get("/api/metrics/green/report")
def report() -> Response:
    """The assessors' report: HTML, PDF (printed by headless Chromium) or XLSX."""
    args = request.args
    params.check_known(args, ("format", "title", "walking"))
    fmt = (single_parameter(args, "format") or "html").lower()
    if fmt not in REPORT_FORMATS:
        raise InvalidQuery(f"format must be one of: {', '.join(REPORT_FORMATS)}; got {fmt!r}")
    title = parse_title(args)
    state = current_state(get_engine(), walking=parse_flag(args, "walking", True))
    context = report_context(state, title)
    filename = f"green-report-{title}-{context['data_day']}"
    if fmt == "xlsx":
        return _attachment(report_xlsx(context), XLSX, f"{filename}.xlsx")
    html = render_template("green_report.html", **context,
                           map_svg=report_map_svg(context["map_layers"], epsg=context["epsg"]))
    if fmt == "pdf":
        return _attachment(print_pdf(html), "application/pdf", f"{filename}.pdf")
    return Response(html, mimetype="text/html")


def _attachment(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


#: OpenAPI 3 path item of the report (the page itself is not part of the API).
OPENAPI_PATHS: dict[str, Any] = {
    "/api/metrics/green/report": {"get": {
        "summary": "The green-space report for the assessors",
        "description": (
            "In Chinese: the indicators with thresholds, verdicts and gaps, a map of parks "
            "and unserved residential land, per-community values, the method, the data "
            "date, the thresholds version and which thresholds are verified. `html` is a "
            "printable page, `pdf` the same printed by headless Chromium (503 where "
            "Chromium or Playwright is missing), `xlsx` a workbook without the map."),
        "parameters": [
            {"name": "format", "in": "query", "required": False,
             "schema": {"type": "string", "enum": list(REPORT_FORMATS), "default": "html"}},
            {"name": "title", "in": "query", "required": False,
             "description": "Thresholds title (a key of geo/thresholds.json).",
             "schema": {"type": "string", "default": DEFAULT_TITLE}},
            {"name": "walking", "in": "query", "required": False,
             "description": "Include the walking-distance service coverage.",
             "schema": {"type": "boolean", "default": True}}],
        "responses": {
            "200": {"description": "The report", "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}}}},
            "400": {"$ref": "#/components/responses/Error"},
            "422": {"$ref": "#/components/responses/Error"},
            "503": {"$ref": "#/components/responses/Error"}}}},
}
