"""Scoring the handling of cases for a period (考核), and the monthly bulletin (通报).

For a period [since, until) and a grouping (the responsible unit, the street office or the
community), one SQL aggregation over the cases **dispatched in the period** (应结案数):

- ``dispatched``: cases dispatched (派遣) in the period;
- ``closed``: of those, closed (结案) before the period's end; ``closed_on_time``: closed,
  and the last 处置 came within the time limit (with approved extensions);
- ``reworked``: sent back for rework (返工) at least once before the period's end;
  ``reworks``: how many times in all;
- ``overdue``: not on time at the period's end (or now, for the current period): closed
  late, handled late, still running past the deadline, or suspended after using up the limit;
- ``avg_handling_hours``: mean working time the unit held the case, over those it reported
  handled;
- 结案率 = closed / dispatched; 按期结案率 = closed_on_time / dispatched;
  返工率 = reworked / dispatched; 满意率 = (satisfied + fair) / rated.

Units are ranked by 按期结案率, then 结案率 (both higher first), then 返工率 (lower first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from geo.errors import InvalidInput
from layers import clock
from layers.storage.models import report_events, reports

GROUPS = {"unit": reports.c.department, "street": reports.c.street,
          "community": reports.c.community}


def period_of_month(month: str) -> tuple[dt.datetime, dt.datetime]:
    """[since, until) of calendar month ``YYYY-MM`` in the county's zone."""
    try:
        first = dt.datetime.strptime(month, "%Y-%m").date()
    except (TypeError, ValueError):
        raise InvalidInput(f"month must be YYYY-MM, e.g. 2026-11; got {month!r}") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return clock.day_start(first), clock.day_start(following)


def score(conn: sa.Connection, since: dt.datetime, until: dt.datetime, by: str = "unit",
          now: dt.datetime | None = None,
          categories: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One row of figures per unit (or street office, community) for [since, until),
    ranked; a group's cases with no street or community count under ``None``.  With
    *categories*, only the cases of those category codes count (readiness's sanitation
    items)."""
    if by not in GROUPS:
        raise InvalidInput(f"by must be one of: {', '.join(GROUPS)}; got {by!r}")
    if not since < until:
        raise InvalidInput("the period's start must come before its end")
    at = min(until, now or clock.now())
    r, e = reports.c, report_events.c
    in_period = sa.and_(r.dispatched_at >= since, r.dispatched_at < until)
    if categories is not None:
        in_period = sa.and_(in_period, r.category.in_(list(categories)))
    # Reworks before the period's end, counted per case in one pass over the partial index
    # ix_report_events_reworks and joined to the period's cases.  (A count per case in a
    # scalar subquery ran once per case and per aggregate using it, twice, and its inflated
    # cost estimate made PostgreSQL compile the query, ~200 ms of JIT, every time; keeping
    # only the period's cases here costs a second pass over them and saves nothing, as
    # the index is read in full either way.)
    rework_counts = (sa.select(e.report_id, sa.func.count().label("n"))
                     .where(e.action == "rework", e.at < until)
                     .group_by(e.report_id).subquery("reworks"))
    reworks = sa.func.coalesce(rework_counts.c.n, 0)
    closed = sa.and_(r.closed_at.is_not(None), r.closed_at < until)
    handled = sa.and_(r.handled_at.is_not(None), r.handled_at < until)
    overdue = sa.or_(
        sa.and_(closed, r.handled_on_time.is_(False)),
        sa.and_(sa.not_(sa.func.coalesce(closed, False)), sa.or_(
            sa.and_(r.clock_since.is_not(None), r.deadline_at < at),
            sa.and_(r.clock_since.is_(None), r.status.in_(("handled", "verified", "closed")),
                    r.handled_on_time.is_(False)),
            sa.and_(r.status == "suspended",
                    r.clock_used_min > r.time_limit_min + r.extension_min))))
    inner = (sa.select(GROUPS[by].label("key"), reworks.label("reworks"),
                       closed.label("closed"), handled.label("handled"),
                       r.handled_on_time, r.clock_used_min, r.rating,
                       overdue.label("overdue"))
             .select_from(reports.outerjoin(rework_counts, rework_counts.c.report_id == r.id))
             .where(in_period).subquery())
    c = inner.c

    def count_if(condition):
        return sa.func.count().filter(condition)

    query = (sa.select(
        c.key, sa.func.count().label("dispatched"),
        count_if(c.closed).label("closed"),
        count_if(sa.and_(c.closed, c.handled_on_time)).label("closed_on_time"),
        count_if(c.reworks > 0).label("reworked"),
        sa.func.coalesce(sa.func.sum(c.reworks), 0).label("reworks"),
        count_if(c.overdue).label("overdue"),
        sa.func.avg(c.clock_used_min).filter(c.handled).label("avg_handling_min"),
        count_if(c.rating == "satisfied").label("satisfied"),
        count_if(c.rating == "fair").label("fair"),
        count_if(c.rating == "dissatisfied").label("dissatisfied"))
        .group_by(c.key))
    rows = [_figures(row) for row in conn.execute(query).mappings()]
    rows.sort(key=lambda f: (-(f["on_time_rate"] or 0), -(f["closing_rate"] or 0),
                             f["rework_rate"] or 0, f["key"] or ""))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of all *rows* together (counts summed, rates recomputed)."""
    keys = ("dispatched", "closed", "closed_on_time", "reworked", "reworks", "overdue",
            "satisfied", "fair", "dissatisfied", "rated")
    total = {key: sum(row[key] for row in rows) for key in keys}
    dispatched = total["dispatched"]
    total.update(closing_rate=_rate(total["closed"], dispatched),
                 on_time_rate=_rate(total["closed_on_time"], dispatched),
                 rework_rate=_rate(total["reworked"], dispatched),
                 satisfaction_rate=_rate(total["satisfied"] + total["fair"], total["rated"]))
    return total


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _figures(row) -> dict[str, Any]:
    dispatched = row["dispatched"]
    rated = row["satisfied"] + row["fair"] + row["dissatisfied"]
    avg = row["avg_handling_min"]
    return {
        "key": row["key"], "dispatched": dispatched, "closed": row["closed"],
        "closed_on_time": row["closed_on_time"], "reworked": row["reworked"],
        "reworks": int(row["reworks"]), "overdue": row["overdue"],
        "avg_handling_hours": round(avg / 60, 2) if avg is not None else None,
        "satisfied": row["satisfied"], "fair": row["fair"],
        "dissatisfied": row["dissatisfied"], "rated": rated,
        "closing_rate": _rate(row["closed"], dispatched),
        "on_time_rate": _rate(row["closed_on_time"], dispatched),
        "rework_rate": _rate(row["reworked"], dispatched),
        "satisfaction_rate": _rate(row["satisfied"] + row["fair"], rated),
    }


#: What each figure means, for the API, the page and the bulletin (zh, en).
DEFINITIONS: dict[str, dict[str, str]] = {
    "dispatched": {"zh": "应结案数：本期派遣的案件", "en": "Cases dispatched in the period"},
    "closed": {"zh": "结案数：其中期末前结案", "en": "Of those, closed before the period's end"},
    "closed_on_time": {"zh": "按期结案数：结案且处置未超时限（含批准延期）",
                       "en": "Closed, and handled within the limit (with extensions)"},
    "reworked": {"zh": "返工案件数：期末前至少返工一次", "en": "Sent back for rework at least once"},
    "reworks": {"zh": "返工次数", "en": "Reworks in all"},
    "overdue": {"zh": "超期数：超时结案、超时处置，或期末仍超时未处置",
                "en": "Closed or handled late, or still running past the deadline"},
    "avg_handling_hours": {"zh": "平均处置用时（工作小时）",
                           "en": "Mean working hours the unit held a case it handled"},
    "closing_rate": {"zh": "结案率 = 结案数 ÷ 应结案数", "en": "Closed ÷ dispatched"},
    "on_time_rate": {"zh": "按期结案率 = 按期结案数 ÷ 应结案数",
                     "en": "Closed on time ÷ dispatched"},
    "rework_rate": {"zh": "返工率 = 返工案件数 ÷ 应结案数", "en": "Reworked ÷ dispatched"},
    "satisfaction_rate": {"zh": "满意率 = （满意 + 基本满意）÷ 已评价数",
                          "en": "(Satisfied + fairly satisfied) ÷ rated"},
}
