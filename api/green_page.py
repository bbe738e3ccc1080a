"""``/green``: the planners' green-space page, and ``/api/metrics/green/report``: the
report a county hands to its assessors.

The page is built by :mod:`webmap.green_page` (its script reads the JSON of
:mod:`api.metrics`).  The report's content is :mod:`layers.green.report`; here it is
rendered: ``format=html`` is the template ``api/templates/green_report.html`` with the map
of :func:`webmap.green_page.report_map_svg`, ``format=pdf`` that page printed by headless
Chromium (:mod:`webmap.pdf`), ``format=xlsx`` the workbook (without the map).
"""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app, render_template, request, url_for

from api import params
from api.database import get_engine
from api.guards import csp_nonce
from api.i18n import page_language
from api.metrics import Title
from api.openapi import Blueprint
from api.render import attachment
from layers.green.judging import COUNTY_TITLE, DEFAULT_TITLE
from layers.green.report import report_context, report_xlsx
from layers.green.state import current_state
from layers.tracking.projects import MAX_PROJECT_ID
from webmap.green_page import render_green_page, report_map_svg
from webmap.pdf import print_pdf

bp = Blueprint("green_page", __name__, description="The green-space page and the "
                                                   "assessors' report.")

REPORT_FORMATS = ("html", "pdf", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class GreenPageQuery(params.LangQuery):
    title = Title(load_default=COUNTY_TITLE)
    project = params.Whole(validate=ma.validate.Range(min=1, max=MAX_PROJECT_ID), metadata={
        "description": "A project whose effect on readiness (its drawn parks and green "
                       "space, GET /api/readiness/whatif) the page shows at once."})


class ReportQuery(params.QuerySchema):
    format = params.Choice(REPORT_FORMATS, fold_case=True, load_default="html")
    title = Title(load_default=DEFAULT_TITLE)
    walking = params.YesNo(load_default=True, metadata={
        "description": "Include the walking-distance service coverage."})


@bp.get("/green")
@bp.query(GreenPageQuery)
@bp.content(200, "The page", "text/html", schema={"type": "string"})
def page(query: dict) -> Response:
    """The green-space page

    Green-space indicators on a map (HTML), in Chinese unless `lang=en` (or the browser
    prefers English); `title` selects the thresholds title first shown (by default the
    county's own, LIANCHUANG_TITLE); `project` shows that project's effect on readiness.
    """
    html = render_green_page(page_language(), current_app.config["BASEMAP"],
                             api_root=request.script_root + "/api",
                             static_root=url_for("webmap.static", filename=""),
                             home=request.script_root + "/", title=query["title"],
                             script_nonce=csp_nonce(), project=query.get("project"))
    return Response(html, mimetype="text/html")


@bp.get("/api/metrics/green/report")
@bp.query(ReportQuery)
@bp.content(200, "The report", "text/html", "application/pdf", XLSX)
@bp.errors(422, 503)
def report(query: dict) -> Response:
    """The green-space report for the assessors

    In Chinese: the indicators with thresholds, verdicts and gaps, a map of parks and
    unserved residential land, per-community values, the method, the data date, the
    thresholds version and which thresholds are verified. `html` is a printable page,
    `pdf` the same printed by headless Chromium (503 where Chromium or Playwright is
    missing), `xlsx` a workbook without the map.
    """
    title = query["title"]
    state = current_state(get_engine(), walking=query["walking"])
    context = report_context(state, title)
    filename = f"green-report-{title}-{context['data_day']}"
    if query["format"] == "xlsx":
        return attachment(report_xlsx(context), XLSX, f"{filename}.xlsx")
    html = render_template("green_report.html", **context,
                           map_svg=report_map_svg(context["map_layers"], epsg=context["epsg"]))
    if query["format"] == "pdf":
        return attachment(print_pdf(html), "application/pdf", f"{filename}.pdf")
    return Response(html, mimetype="text/html")
