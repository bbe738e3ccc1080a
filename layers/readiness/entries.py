"""Entered figures (填报): a value for an ``entered`` item, with its date and evidence.

Every entry is kept (never updated or deleted); the latest by date, then by entry, counts.
What is wrong with an entry is a 400 naming the field and the fix.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import sqlalchemy as sa

from geo.errors import InvalidInput
from layers import clock
from layers.readiness.checklists import checklist
from layers.storage.models import attachments, readiness_entries
from layers.tracking.accounts import User, require

#: Who may enter figures.
ENTER_ROLE = "planner"
MAX_TEXT = 500


def add_entry(engine: sa.Engine, user: User | None, title: str, body: dict[str, Any]
              ) -> dict[str, Any]:
    """Keep one entry for *title*'s item ``body["item"]``; return it as stored.

    ``body``: ``item``, ``value`` (a number in the item's unit, or true/false for a yes/no
    item), ``as_of`` (a date, not in the future), ``evidence_id`` (an uploaded attachment)
    and/or ``evidence_text`` (a document's title and number), optional ``note``."""
    user = require(user, ENTER_ROLE)
    found = checklist(title)
    key = body.get("item")
    if not key:
        raise InvalidInput("item: required; one of: " + ", ".join(
            i.key for i in found.items if i.kind == "entered"))
    item = found.item(str(key))
    if item.kind != "entered":
        raise InvalidInput(f"item: {item.key} is measured from the {item.kind}, not entered; "
                           "entered items: " + ", ".join(
                               i.key for i in found.items if i.kind == "entered"))
    value = body.get("value")
    row: dict[str, Any] = {"title": title, "item": item.key}
    if item.yes_no:
        if not isinstance(value, bool):
            raise InvalidInput(f"value: {item.key} is a yes/no item: send true or false; "
                               f"got {value!r}")
        row["value_bool"] = value
    else:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
                value):
            raise InvalidInput(f"value: {item.key} takes a number in {item.unit}; got {value!r}")
        if item.unit == "%" and not 0 <= value <= 100:
            raise InvalidInput(f"value: a percentage is between 0 and 100; got {value}")
        row["value_number"] = float(value)
    row["as_of"] = _day(body.get("as_of"))
    evidence_id = _text(body.get("evidence_id"), "evidence_id")
    evidence_text = _text(body.get("evidence_text"), "evidence_text")
    if not evidence_id and not evidence_text:
        raise InvalidInput("evidence: send evidence_id (an uploaded photo or document, "
                           "POST /api/photos) or evidence_text (the document's title and number)")
    note = _text(body.get("note"), "note")
    with engine.begin() as conn:
        if evidence_id and conn.scalar(sa.select(attachments.c.id)
                                       .where(attachments.c.id == evidence_id)) is None:
            raise InvalidInput(f"evidence_id: no uploaded file {evidence_id!r}; upload it "
                               "first (POST /api/photos) and send the id it answers")
        stored = conn.execute(readiness_entries.insert().returning(readiness_entries), {
            **row, "evidence_id": evidence_id, "evidence_text": evidence_text, "note": note,
            "entered_by": user.label, "entered_by_id": user.id}).mappings().one()
    return _entry(stored)


def list_entries(engine: sa.Engine, title: str, item: str | None = None
                 ) -> list[dict[str, Any]]:
    """Every entry of *title* (or of one item), newest first."""
    checklist(title)
    e = readiness_entries.c
    query = sa.select(readiness_entries).where(e.title == title)
    if item:
        query = query.where(e.item == item)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(e.as_of.desc(), e.id.desc())).mappings().all()
    return [_entry(row) for row in rows]


def _entry(row) -> dict[str, Any]:
    value = row["value_bool"] if row["value_bool"] is not None else row["value_number"]
    return {"id": row["id"], "title": row["title"], "item": row["item"], "value": value,
            "as_of": row["as_of"].isoformat(), "evidence_id": row["evidence_id"],
            "evidence_text": row["evidence_text"], "note": row["note"],
            "entered_by": row["entered_by"], "entered_at": row["entered_at"].isoformat()}


def _day(value: Any) -> dt.date:
    if not value:
        raise InvalidInput("as_of: required, the date the value holds for (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"as_of: a date YYYY-MM-DD; got {value!r}") from None
    if day > clock.today():
        raise InvalidInput(f"as_of: {day} is in the future; enter a value once it holds")
    return day


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: text; got {value!r}")
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{name}: at most {MAX_TEXT} characters")
    return value or None
