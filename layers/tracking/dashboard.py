"""The dashboard's figures (看板): progress by campaign and by department, overdue projects,
problem reports counted by status, category and department, and the latest status changes.

Framework-free: each function takes the engine (and *today*, which decides "overdue" as in
:func:`layers.serving.query.overdue_condition`) and returns plain JSON-ready rows with codes, not
labels; ``api/dashboard.py`` and ``api/feeds.py`` label and render them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from layers import clock
from layers.cases.categories import labels as category_labels
from layers.serving.query import overdue_condition
from layers.storage.catalogue import CAMPAIGNS, REPORT_STATUSES, STATUSES
from layers.storage.models import case_categories, project_events, projects, report_events, reports
from layers.tracking.projects import json_value

#: How projects can be grouped for the progress charts.
_GROUPINGS = ("campaign", "department")


@dataclass
class GroupProgress:
    """Projects of one campaign (所属创建) or one department (责任单位)."""

    key: str
    projects: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    progress_sum: int = 0
    overdue: int = 0

    @property
    def mean_progress(self) -> float:
        """Average progress (%) of the group's projects; 0 for an empty group."""
        return self.progress_sum / self.projects if self.projects else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "projects": self.projects, "by_status": self.by_status,
                "mean_progress": round(self.mean_progress, 1), "overdue": self.overdue}


def progress_by(engine: sa.Engine, grouping: str, today: dt.date | None = None
                ) -> list[dict[str, Any]]:
    """Projects per campaign or per department: count by status, mean progress, overdue.

    Parameters
    ----------
    grouping
        ``campaign`` (a project of several campaigns counts in each, every campaign of the
        catalogue listed in its order, even with no project) or ``department`` (most
        projects first, then by name).
    today
        The date "overdue" is judged on (the server's date by default).
    """
    if grouping not in _GROUPINGS:
        raise ValueError(f"grouping must be one of {_GROUPINGS}; got {grouping!r}")
    today = today or clock.today()
    key = (sa.func.unnest(projects.c.campaigns) if grouping == "campaign"
           else projects.c.department)
    # The set-returning unnest() may not appear in GROUP BY: expand in a subquery first.
    expanded = sa.select(key.label("key"), projects.c.status, projects.c.progress,
                         overdue_condition(projects, today).label("overdue")).subquery()
    query = (sa.select(expanded.c.key, expanded.c.status, sa.func.count().label("n"),
                       sa.func.sum(expanded.c.progress).label("progress"),
                       sa.func.count().filter(expanded.c.overdue).label("overdue"))
             .group_by(expanded.c.key, expanded.c.status))
    groups: dict[str, GroupProgress] = {}
    if grouping == "campaign":
        groups = {c.code: GroupProgress(c.code) for c in CAMPAIGNS}
    with engine.connect() as conn:
        for row in conn.execute(query):
            group = groups.setdefault(row.key, GroupProgress(row.key))
            group.projects += row.n
            group.by_status[row.status] = row.n
            group.progress_sum += int(row.progress or 0)
            group.overdue += row.overdue
    ordered = list(groups.values())
    if grouping == "department":
        ordered.sort(key=lambda g: (-g.projects, g.key))
    return [g.as_dict() for g in ordered]


def totals(engine: sa.Engine, today: dt.date | None = None) -> dict[str, Any]:
    """Headline numbers: projects, by status, mean progress, overdue; open reports."""
    today = today or clock.today()
    open_statuses = [c.code for c, open_closed in REPORT_STATUSES if open_closed == "open"]
    with engine.connect() as conn:
        by_status = dict(conn.execute(sa.select(projects.c.status, sa.func.count())
                                      .group_by(projects.c.status)).all())
        mean = conn.scalar(sa.select(sa.func.avg(projects.c.progress)))
        overdue = conn.scalar(sa.select(sa.func.count()).select_from(projects)
                              .where(overdue_condition(projects, today)))
        open_reports = conn.scalar(sa.select(sa.func.count()).select_from(reports)
                                   .where(reports.c.status.in_(open_statuses)))
    return {"projects": sum(by_status.values()),
            "by_status": {s.code: by_status.get(s.code, 0) for s in STATUSES},
            "mean_progress": round(float(mean or 0), 1), "overdue": overdue,
            "open_reports": open_reports}


def overdue_projects(engine: sa.Engine, today: dt.date | None = None,
                     department: str | None = None) -> list[dict[str, Any]]:
    """Projects past their due date and not finished, longest overdue first.

    Each row: ``id``, ``code``, ``name``, ``department``, ``due_date``, ``days_overdue``
    (whole days since the due date), ``status``, ``progress``, ``updated_at``.
    """
    today = today or clock.today()
    conditions = [overdue_condition(projects, today)]
    if department:
        conditions.append(projects.c.department == department)
    query = (sa.select(projects.c.id, projects.c.code, projects.c.name, projects.c.department,
                       projects.c.due_date, projects.c.status, projects.c.progress,
                       projects.c.updated_at)
             .where(*conditions).order_by(projects.c.due_date, projects.c.code))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{**{k: json_value(v) for k, v in row.items()},
             "days_overdue": (today - row["due_date"]).days} for row in rows]


def reports_by(engine: sa.Engine, grouping: str) -> list[dict[str, Any]]:
    """Problem reports counted by ``status`` (every status, in workflow order), or by
    ``category`` or ``department`` (those with reports, most first)."""
    column = {"status": reports.c.status, "category": reports.c.category,
              "department": reports.c.department}.get(grouping)
    if column is None:
        raise ValueError(f"grouping must be status, category or department; got {grouping!r}")
    with engine.connect() as conn:
        counts = dict(conn.execute(sa.select(column, sa.func.count()).group_by(column)).all())
        names = (category_labels(conn) if grouping == "category" else {})
    if grouping == "status":
        return [{"key": c.code, "count": counts.get(c.code, 0)} for c, _ in REPORT_STATUSES]
    return [{"key": key, "count": n,
             **({"label": {"zh": names[key][0], "en": names[key][1]}} if key in names else {})}
            for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def status_changes(engine: sa.Engine, limit: int = 50, department: str | None = None
                   ) -> list[dict[str, Any]]:
    """The latest project status changes, newest first.

    A status change is an event of kind ``status``, or any event (a ledger import) whose
    recorded changes move ``status`` from one value to another; a project's creation is
    not one.  Each row: the event (``id``, ``at``, ``actor``, ``status``,
    ``previous_status`` when recorded, ``progress``, ``note``, ``photo_id``) and its
    project (``project_id``, ``code``, ``name``, ``department``).
    """
    previous = project_events.c.data[("status", 0)].astext
    conditions = [sa.or_(project_events.c.kind == "status", previous.is_not(None))]
    if department:
        conditions.append(projects.c.department == department)
    query = (sa.select(project_events.c.id, project_events.c.at, project_events.c.actor,
                       project_events.c.status, previous.label("previous_status"),
                       project_events.c.progress, project_events.c.note,
                       project_events.c.photo_id, projects.c.id.label("project_id"),
                       projects.c.code, projects.c.name, projects.c.department)
             .join(projects, projects.c.id == project_events.c.project_id)
             .where(*conditions)
             .order_by(project_events.c.at.desc(), project_events.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        return [{k: json_value(v) for k, v in row.items()}
                for row in conn.execute(query).mappings()]


def case_escalations(engine: sa.Engine, limit: int = 50, department: str | None = None
                     ) -> list[dict[str, Any]]:
    """The latest 督办 (escalations of overdue cases), newest first: the event (``id``,
    ``at``, ``actor``, ``note``) and its case (``case_id``, ``department``, ``category``
    with its Chinese and English names)."""
    conditions = [report_events.c.action == "escalate"]
    if department:
        conditions.append(reports.c.department == department)
    query = (sa.select(report_events.c.id, report_events.c.at, report_events.c.actor,
                       report_events.c.note, reports.c.id.label("case_id"),
                       reports.c.department, reports.c.category,
                       case_categories.c.name.label("category_zh"),
                       case_categories.c.name_en.label("category_en"))
             .join(reports, reports.c.id == report_events.c.report_id)
             .join(case_categories, case_categories.c.code == reports.c.category)
             .where(*conditions)
             .order_by(report_events.c.at.desc(), report_events.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]
