"""The dashboard page's content: the figures of :mod:`layers.tracking.dashboard`, labelled in the
page's language and laid out as bar charts (:mod:`webmap.charts`) for the template
``api/templates/dashboard.html``.

Colours are the map's: project statuses as in its legend, report statuses as its report
markers (:mod:`webmap.colors`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from layers.i18n import check_language
from layers.storage.catalogue import (
    CAMPAIGNS,
    OVERDUE_COLOR,
    REPORT_STATUSES,
    STATUS_COLORS,
    STATUSES,
)
from webmap.charts import BarChart, Part, Row, horizontal_bars
from webmap.colors import PLAIN_BAR_COLOR, REPORT_STATUS_COLORS


def labels(lang: str) -> dict[str, dict[str, str]]:
    """Code → label in *lang* for statuses, campaigns and report statuses (the categories
    are data: their labels come with the figures)."""
    check_language(lang)
    return {
        "status": {c.code: getattr(c, lang) for c in STATUSES},
        "campaign": {c.code: getattr(c, lang) for c in CAMPAIGNS},
        "report_status": {c.code: getattr(c, lang) for c, _ in REPORT_STATUSES},
    }


def progress_chart(groups: list[dict[str, Any]], lang: str, names: dict[str, str] | None = None
                   ) -> BarChart:
    """Projects per group stacked by status (in workflow order), mean progress after each
    bar; *names* labels the group keys (campaign codes), else the key is the label."""
    status_labels = labels(lang)["status"]
    rows = []
    for group in groups:
        parts = tuple(Part(group["by_status"].get(s.code, 0), STATUS_COLORS[s.code],
                           f"{status_labels[s.code]} {group['by_status'].get(s.code, 0)}")
                      for s in STATUSES)
        value = f"{group['mean_progress']:.0f}%" if group["projects"] else "—"
        rows.append(Row((names or {}).get(group["key"], group["key"]), parts, value))
    return horizontal_bars(rows)


def count_chart(counts: list[dict[str, Any]], names: dict[str, str] | None = None,
                colors: dict[str, str] | None = None) -> BarChart:
    """One bar per key with its count written after it."""
    rows = []
    for item in counts:
        label = (names or {}).get(item["key"], item["key"])
        color = (colors or {}).get(item["key"], PLAIN_BAR_COLOR)
        rows.append(Row(label, (Part(item["count"], color, f"{label} {item['count']}"),),
                        str(item["count"])))
    return horizontal_bars(rows)


def dashboard_view(figures: dict[str, Any], lang: str, today: dt.date) -> dict[str, Any]:
    """Everything the template shows, from *figures* (the :mod:`layers.tracking.dashboard` results
    under the keys ``totals``, ``by_campaign``, ``by_department``, ``overdue``,
    ``reports_by_status``, ``reports_by_category``, ``reports_by_department``, ``changes``).
    """
    names = labels(lang)
    return {
        "lang": lang,
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "today": today.isoformat(),
        "labels": names,
        "status_colors": STATUS_COLORS,
        "overdue_color": OVERDUE_COLOR,
        "report_status_colors": REPORT_STATUS_COLORS,
        "statuses": [{"code": s.code, "label": names["status"][s.code],
                      "color": STATUS_COLORS[s.code]} for s in STATUSES],
        "totals": figures["totals"],
        "by_campaign": progress_chart(figures["by_campaign"], lang, names["campaign"]),
        "by_department": progress_chart(figures["by_department"], lang),
        "overdue": figures["overdue"],
        "reports_total": sum(r["count"] for r in figures["reports_by_status"]),
        "reports_by_status": count_chart(figures["reports_by_status"], names["report_status"],
                                         REPORT_STATUS_COLORS),
        "reports_by_category": count_chart(
            figures["reports_by_category"],
            {r["key"]: r["label"][lang] for r in figures["reports_by_category"] if "label" in r}),
        "reports_by_department": count_chart(figures["reports_by_department"]),
        "changes": figures["changes"],
    }
