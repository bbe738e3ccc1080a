"""``/dashboard``: the campaign dashboard page.

The figures come from :mod:`layers.tracking.dashboard`, their labels and chart layout from
:mod:`webmap.dashboard`; this module only reads the request and renders.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, render_template, request, url_for

from api import params
from api.database import get_engine
from api.i18n import page_language
from api.openapi import Blueprint
from layers import clock
from layers.cases import scoring
from layers.exchange import ledger_export
from layers.tracking import dashboard
from webmap.dashboard import dashboard_view

bp = Blueprint("dashboard", __name__, description="The campaign dashboard page.")

#: How many of the latest status changes the page lists.
RECENT_CHANGES = 12


@bp.get("/dashboard")
@bp.query(params.LangQuery)
@bp.content(200, "The page", "text/html", schema={"type": "string"})
def dashboard_page(query: dict) -> Response:
    """The dashboard page

    The campaign dashboard (HTML), in Chinese unless `lang=en` (or the browser prefers
    English).
    """
    lang = page_language()
    engine, today = get_engine(), clock.today()
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
    month = today.strftime("%Y-%m")
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    since, until = scoring.period_of_month(month)
    with engine.connect() as conn:
        rows = scoring.score(conn, since, until, "unit")
    scores = {"month": month, "rows": rows,
              "bulletin_url": url_for("cases.case_bulletin", month=month),
              "last_bulletin_url": url_for("cases.case_bulletin", month=last_month)}
    other = "zh" if lang == "en" else "en"
    html = render_template(
        "dashboard.html", **dashboard_view(figures, lang, today), scores=scores,
        map_url=request.script_root + "/" + ("?lang=en" if lang == "en" else ""),
        other_url=url_for("dashboard.dashboard_page", lang=other),
        css_url=url_for("webmap.static", filename="dashboard.css"),
        static_root=url_for("webmap.static", filename="").rstrip("/"),
        feed_url=url_for("feeds.changes", lang=lang if lang == "en" else None),
        export_urls={fmt: url_for("projects.export_ledger", format=fmt)
                     for fmt in ledger_export.FORMATS})
    return Response(html, mimetype="text/html")

