"""How each checklist item gets its value: from the layers, from the cases, or entered.

Every measure answers the same shape: ``value`` (a number in the item's unit, a bool for a
yes/no item, or ``None``: 缺数据), ``note`` (why there is no value, in English) and ``why``
(its kind, which the page says in its language: :data:`layers.readiness.readiness.WHY_WORDS`) and ``details`` (what the value was made of, for the page and the
snapshot's reader).

- ``layers``: ``green:<indicator>`` is the indicator of :func:`geo.green.green_indicators`
  as ``GET /api/metrics/green`` computes it (:func:`layers.green.state.current_state`,
  cached while the layers are unchanged); ``water_source_markers`` the share of first-level
  water-source zones with a boundary marker (a facility of a marker kind) within
  ``params.within_m`` of their boundary; ``open_cases_in_level1`` the open cases inside a
  first-level zone.
- ``cases``: ``on_time_rate``, 按期结案率 in % of the item's categories over the last three
  months, from :func:`layers.cases.scoring.score` summed by :func:`scoring.totals`.
- ``entered``: the latest entry (by its date, then by when it was entered) on or before the
  day asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from geo.errors import GeoInputError
from layers import clock
from layers.cases import scoring
from layers.green.state import GreenState, current_state
from layers.readiness.checklists import Item
from layers.storage.catalogue import FACILITY_KINDS, REPORT_STATUSES
from layers.storage.models import readiness_entries

#: Facility kinds that count as a water-source boundary marker (界碑/警示牌).
MARKER_KINDS = ("marker",)
#: Statuses of a case still open.
OPEN_STATUSES = tuple(choice.code for choice, side in REPORT_STATUSES if side == "open")
#: Months of cases the on-time rate covers (a quarter), ending on the day asked.
CASE_MONTHS = 3


@dataclass
class Context:
    """What measuring one title on one day shares: the engine, the day, the green layers
    (read once, only if an item needs them)."""

    engine: sa.Engine
    on: dt.date
    _green: GreenState | None = field(default=None, repr=False)

    @classmethod
    def with_green(cls, engine: sa.Engine, on: dt.date, state: GreenState) -> Context:
        """A context whose green layers are *state* (a what-if's), not the stored ones: the
        items computed from the green layers change, cases and entries stay."""
        return cls(engine, on, _green=state)

    @property
    def green(self) -> GreenState:
        if self._green is None:
            self._green = current_state(self.engine, walking=False)
        return self._green


def measure(item: Item, context: Context) -> dict[str, Any]:
    kind, how = item.kind, item.measure
    if kind == "entered":
        return _entered(item, context)
    if kind == "cases":
        return _on_time_rate(how["categories"], context)
    name = how["computation"]
    if name.startswith("green:"):
        return _green(name.removeprefix("green:"), context)
    if name == "water_source_markers":
        return _water_source_markers(float(how.get("params", {}).get("within_m", 50)), context)
    return _open_cases_in_level1(context)


def _green(key: str, context: Context) -> dict[str, Any]:
    try:
        report = context.green.report
    except GeoInputError as exc:  # an empty built-up area, no population...: 缺数据, said why
        return {"value": None, "note": str(exc), "why": "layers", "details": {}}
    indicator = report.indicators.get(key)
    if indicator is None:
        return {"value": None, "note": f"the green indicators have no {key}", "why": "layers",
                "details": {}}
    data_date = context.green.data_date
    details = {"numerator": indicator.numerator, "denominator": indicator.denominator,
               "numerator_unit": indicator.numerator_unit,
               "denominator_unit": indicator.denominator_unit, "method": indicator.method,
               "data_date": data_date.date().isoformat() if data_date else None}
    # A data warning (green coverage below the green space ratio: a layer likely missing)
    # travels with the value, in the note and the details; it never withholds the value.
    warnings = [{"code": w.code, "zones": list(w.zones), "missing": list(w.missing),
                 "message": w.message} for w in indicator.warnings]
    if warnings:
        details["warnings"] = warnings
    if indicator.value is None:
        return {"value": None, "details": details,
                "note": "; ".join([*indicator.notes, *(w["message"] for w in warnings)])
                or "the layers give no value", "why": "layers"}
    return {"value": float(indicator.value),
            "note": "; ".join(w["message"] for w in warnings) or None, "details": details}


def _water_source_markers(within_m: float, context: Context) -> dict[str, Any]:
    kinds = {choice.code for choice in FACILITY_KINDS}
    missing = [kind for kind in MARKER_KINDS if kind not in kinds]
    if missing:
        return {"value": None, "details": {"missing_kinds": missing}, "why": "marker_kind",
                "note": "the facilities layer has no boundary-marker kind: add "
                        + ", ".join(missing) + " to FACILITY_KINDS"}
    query = sa.text(
        "SELECT z.fid, z.name, EXISTS (SELECT 1 FROM facilities f "
        "  WHERE f.kind = ANY(:kinds) AND (f.status IS NULL OR f.status = 'existing') "
        "  AND ST_DWithin(f.geom::geography, ST_Boundary(z.geom)::geography, :within)) "
        "AS marked FROM water_source_areas z WHERE z.zone_level = 'level1' ORDER BY z.fid")
    with context.engine.connect() as conn:
        zones = conn.execute(query, {"kinds": list(MARKER_KINDS), "within": within_m}).all()
    if not zones:
        return {"value": None, "details": {"zones": 0}, "why": "level1_zone",
                "note": "water_source_areas has no first-level zone (zone_level level1)"}
    unmarked = [{"fid": fid, "name": name} for fid, name, marked in zones if not marked]
    return {"value": round(100.0 * (len(zones) - len(unmarked)) / len(zones), 4), "note": None,
            "details": {"zones": len(zones), "unmarked": unmarked, "within_m": within_m,
                        "marker_kinds": list(MARKER_KINDS)}}


def _open_cases_in_level1(context: Context) -> dict[str, Any]:
    with context.engine.connect() as conn:
        zones = conn.scalar(sa.text(
            "SELECT count(*) FROM water_source_areas WHERE zone_level = 'level1'"))
        if not zones:
            return {"value": None, "details": {"zones": 0}, "why": "level1_zone",
                    "note": "water_source_areas has no first-level zone (zone_level level1)"}
        ids = conn.scalars(sa.text(
            "SELECT DISTINCT r.id FROM reports r JOIN water_source_areas z "
            "ON z.zone_level = 'level1' AND ST_Intersects(z.geom, r.geom) "
            "WHERE r.status = ANY(:open) ORDER BY r.id"), {"open": list(OPEN_STATUSES)}).all()
    return {"value": float(len(ids)), "note": None,
            "details": {"zones": zones, "case_ids": list(ids[:50])}}


def _on_time_rate(categories: list[str] | None, context: Context) -> dict[str, Any]:
    until_day = context.on + dt.timedelta(days=1)
    since_day = _months_before(context.on, CASE_MONTHS) + dt.timedelta(days=1)
    since, until = clock.day_start(since_day), clock.day_start(until_day)
    with context.engine.connect() as conn:
        total = scoring.totals(scoring.score(conn, since, until, "unit",
                                             categories=categories))
    details = {"since": since_day.isoformat(), "until": context.on.isoformat(),
               "dispatched": total["dispatched"], "closed_on_time": total["closed_on_time"],
               "categories": categories}
    if not total["dispatched"]:
        return {"value": None, "details": details, "why": "cases",
                "note": "no case of these categories was dispatched in the period"}
    return {"value": round(total["on_time_rate"] * 100, 2), "note": None, "details": details}


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _entered(item: Item, context: Context) -> dict[str, Any]:
    e = readiness_entries.c
    with context.engine.connect() as conn:
        row = conn.execute(
            sa.select(readiness_entries)
            .where(e.title == item.title, e.item == item.key, e.as_of <= context.on)
            .order_by(e.as_of.desc(), e.id.desc()).limit(1)).mappings().first()
        count = conn.scalar(sa.select(sa.func.count()).select_from(readiness_entries)
                            .where(e.title == item.title, e.item == item.key))
    if row is None:
        return {"value": None, "note": "nothing entered yet", "why": "entered",
                "details": {"entries": count}}
    value = row["value_bool"] if item.yes_no else row["value_number"]
    return {"value": value, "note": None, "details": {
        "entry_id": row["id"], "as_of": row["as_of"].isoformat(),
        "evidence_id": row["evidence_id"], "evidence_text": row["evidence_text"],
        "entered_by": row["entered_by"], "entered_at": row["entered_at"].isoformat(),
        "note": row["note"], "entries": count}}
