"""Judging a checklist item and a title: status, the gap in the item's own unit, the
verdict (veto items first; never a pass while a veto item fails or is unjudged), and the
projection of a series of values to the item's target date.  Pure computation."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from geo.assess import DISPLAY_DECIMALS

#: Item statuses: 达标, 未达标, 缺数据, 阈值待核实 (a value, but no threshold from any source).
STATUSES = ("pass", "fail", "no_data", "unverified_threshold")
#: Verdicts of a title, from the worst.
VERDICTS = ("veto_failed", "veto_unjudged", "no_veto_known", "open", "ready")


def passes(value: float | bool, threshold: float | bool, comparison: str) -> bool:
    """Whether *value* meets *threshold*, judged at the precision shown."""
    if isinstance(threshold, bool) or isinstance(value, bool):
        return bool(value) == bool(threshold)
    shown = round(float(value), DISPLAY_DECIMALS)
    return {">": shown > threshold, ">=": shown >= threshold, "<": shown < threshold,
            "<=": shown <= threshold, "==": shown == threshold}[comparison]


def status(value: float | bool | None, threshold: float | bool | None,
           comparison: str) -> str:
    if value is None:
        return "no_data"
    if threshold is None:
        return "unverified_threshold"
    return "pass" if passes(value, threshold, comparison) else "fail"


def gap(value: float | bool | None, threshold: float | bool | None, comparison: str,
        unit: str) -> dict[str, Any] | None:
    """What a failing item needs, in its own unit: ``{"amount", "unit", "direction",
    "strict"}`` (``more``/``less``), or for a yes/no item ``{"needs": true}``."""
    if value is None or threshold is None or passes(value, threshold, comparison):
        return None
    if isinstance(threshold, bool):
        return {"needs": threshold}
    more = comparison in (">", ">=", "==") and value < threshold
    amount = round(abs(threshold - float(value)), DISPLAY_DECIMALS)
    return {"amount": amount, "unit": unit, "direction": "more" if more else "less",
            "strict": comparison in (">", "<")}


def verdict(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The title's verdict from its judged items (each with ``veto``, ``status`` and
    ``threshold_verified``).  A failed veto sinks it; an unjudged one (no data, no threshold)
    forbids any pass; with no veto item known, no pass is claimed either."""
    vetoes = [item for item in items if item["veto"]]
    counts = {name: sum(item["status"] == name for item in items) for name in STATUSES}
    if any(item["status"] == "fail" for item in vetoes):
        state = "veto_failed"
    elif any(item["status"] != "pass" for item in vetoes):
        state = "veto_unjudged"
    elif not vetoes:
        state = "no_veto_known"
    elif counts["pass"] < len(items):
        state = "open"
    else:
        state = "ready"
    provisional = any(item["status"] == "pass" and not item["threshold_verified"]
                      for item in items)
    return {"state": state, "counts": counts, "veto_items": len(vetoes),
            "provisional": provisional}


def projection(series: Sequence[tuple[dt.date, float]], threshold: float | bool | None,
               comparison: str, target: dt.date) -> dict[str, Any] | None:
    """A straight line fitted (least squares) to *series* (date, value), continued to
    *target*: the value it projects there, the day it reaches *threshold*, and whether it
    does so by *target*.  ``None`` with fewer than two dates or for a yes/no item."""
    points = sorted((day, float(value)) for day, value in series if value is not None)
    if isinstance(threshold, bool) or len({day for day, _ in points}) < 2:
        return None
    first, last = points[0][0], points[-1][0]
    xs = [(day - first).days for day, _ in points]
    ys = [value for _, value in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
             / sum((x - mean_x) ** 2 for x in xs))
    intercept = mean_y - slope * mean_x

    def at(day: dt.date) -> float:
        return intercept + slope * (day - first).days

    found: dict[str, Any] = {
        "slope_per_day": round(slope, 6), "slope_per_30_days": round(slope * 30, 4),
        "target_date": target.isoformat(), "target_passed": target < last,
        "projected_at_target": round(at(target), 4) if target >= last else None,
        "reaches_on": None, "by_target": None}
    if threshold is None:
        return found
    if passes(at(last), threshold, comparison):
        found["reaches_on"] = last.isoformat()
    else:
        rising = comparison in (">", ">=", "==")
        if (slope > 0) if rising else (slope < 0):
            days = math.ceil((threshold - intercept) / slope - 1e-9)
            found["reaches_on"] = (first + dt.timedelta(days=days)).isoformat()
    if target >= last:
        found["by_target"] = passes(at(target), threshold, comparison)
    else:  # the target date is behind us: what counts is whether it passes now
        found["by_target"] = passes(ys[-1], threshold, comparison)
    return found
