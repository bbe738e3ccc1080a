"""Snapshots: every item's value on a date (``lianchuang snapshot``, monthly), read back as
each item's series for the trend and the projection."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from layers import clock
from layers.readiness.checklists import checklists
from layers.readiness.readiness import measured_items
from layers.storage.models import readiness_snapshots


def take_snapshot(engine: sa.Engine, on: dt.date | None = None,
                  titles: list[str] | None = None) -> dict[str, int]:
    """Store every item's value of *titles* (default all) as of *on* (default today); a
    second snapshot the same day replaces that day's.  Returns items stored per title."""
    on = on or clock.today()
    done = {}
    for title in titles or list(checklists()):
        items = measured_items(engine, title, on)
        rows = [{"title": title, "item": item["key"], "taken_on": on,
                 "value": _number(item["value"]), "status": item["status"],
                 "threshold": _number(item["threshold"]["value"])} for item in items]
        statement = insert(readiness_snapshots).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["title", "item", "taken_on"],
            set_={"value": statement.excluded.value, "status": statement.excluded.status,
                  "threshold": statement.excluded.threshold, "taken_at": sa.func.now()})
        with engine.begin() as conn:
            conn.execute(statement)
        done[title] = len(rows)
    return done


def series(engine: sa.Engine, title: str) -> dict[str, list[dict[str, Any]]]:
    """Each item's snapshots of *title*, oldest first: ``{item: [{date, value, status}]}``."""
    s = readiness_snapshots.c
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with engine.connect() as conn:
        for row in conn.execute(sa.select(s.item, s.taken_on, s.value, s.status)
                                .where(s.title == title).order_by(s.item, s.taken_on)):
            found[row.item].append({"date": row.taken_on.isoformat(), "value": row.value,
                                    "status": row.status})
    return dict(found)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value)  # a bool: 1.0 or 0.0
