"""A title's readiness: every checklist item measured and judged, veto items first, with the
verdict, each item's trend (its snapshots) and the projection to its target date.

The body of ``GET /api/readiness/<title>`` and of the page ``/readiness``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from layers import clock
from layers.green.state import READ_LAYERS
from layers.i18n import N_, translator
from layers.readiness import judge
from layers.readiness.checklists import CHECKLISTS_FILE, Checklist, Item, checklists
from layers.readiness.checklists import checklist as checklist_of
from layers.readiness.measure import Context, measure
from layers.storage.db import change_stamp, unreachable
from layers.storage.models import (
    layer_table,
    readiness_entries,
    readiness_snapshots,
    report_events,
    reports,
)

#: Item statuses in words (达标, 未达标, 缺数据, 阈值待核实).
STATUS_WORDS = {
    "pass": N_("Meets the threshold"),
    "fail": N_("Below the threshold"),
    "no_data": N_("No data"),
    "unverified_threshold": N_("Threshold to be verified"),
}
#: What is said of a title: never a pass while a veto item fails or is unjudged.
VERDICT_WORDS = {
    "veto_failed": N_("A veto item fails: the title cannot be passed"),
    "veto_unjudged": N_("Not every veto item can be judged yet: no pass can be claimed"),
    "no_veto_known": N_("The sources name no veto item for this title: no pass can be claimed"),
    "open": N_("Every veto item passes; some scored items fail or cannot be judged"),
    "ready": N_("Every item meets its threshold"),
}
#: Why an item has no value (``why`` of :mod:`layers.readiness.measure`), in words.
WHY_WORDS = {
    "layers": N_("The layers give no value (import the built-up area, green space, "
                 "communities with population)"),
    "marker_kind": N_("The facilities layer has no boundary-marker kind"),
    "level1_zone": N_("No first-level water-source zone in the layers"),
    "cases": N_("No case of these categories was dispatched in the last three months"),
    "entered": N_("Nothing entered yet"),
}
KIND_WORDS = {
    "layers": N_("From the map layers"),
    "cases": N_("From the cases"),
    "entered": N_("Entered with evidence"),
}


def measured_items(engine: sa.Engine, title: str, on: dt.date | None = None,
                   found: Checklist | None = None) -> list[dict[str, Any]]:
    """Every item of *title* measured as of *on* (default today) and judged, veto first."""
    found = found or checklist_of(title)
    context = Context(engine, on or clock.today())
    return [_judged(item, measure(item, context)) for item in found.items]


def _judged(item: Item, measured: dict[str, Any]) -> dict[str, Any]:
    value = measured["value"]
    return {
        "key": item.key, "veto": item.veto, "unit": item.unit, "kind": item.kind,
        "computation": item.measure.get("computation"),
        "value": value, "note": measured["note"], "why": measured.get("why"),
        "details": measured["details"],
        "status": judge.status(value, item.threshold, item.comparison),
        "threshold": {"value": item.threshold, "comparison": item.comparison,
                      "verified": item.threshold_verified, "source": item.threshold_source},
        "threshold_verified": item.threshold_verified,
        "gap": judge.gap(value, item.threshold, item.comparison, item.unit),
    }


def readiness_body(engine: sa.Engine, title: str, lang: str, *, on: dt.date | None = None,
                   found: Checklist | None = None, history: dict | None = None
                   ) -> dict[str, Any]:
    """The whole answer for *title* in *lang*: title, phases, verdict and items.

    Asked for today (no *on*, *found* or *history*), the answer comes from
    :func:`cached_readiness_body`: computed again only when something it reads has changed.
    """
    if on is None and found is None and history is None:
        return cached_readiness_body(engine, title, lang)
    from layers.readiness.snapshots import series  # (snapshots reads this module)

    found = found or checklist_of(title)
    on = on or clock.today()
    _ = translator(lang).gettext
    items = measured_items(engine, title, on, found)
    verdict = judge.verdict(items)
    history = series(engine, title) if history is None else history
    documents = _documents()
    for item, spec in zip(items, found.items):
        item.update(
            name=spec.zh if lang == "zh" else spec.en, name_zh=spec.zh,
            status_words=_(STATUS_WORDS[item["status"]]), kind_words=_(KIND_WORDS[item["kind"]]),
            why_words=_(WHY_WORDS[item["why"]]) if item["why"] else None,
            clause={**spec.clause, "document_name": documents[spec.clause["document"]][lang]},
            target={"date": spec.phase.end.isoformat(), "phase": spec.phase.key,
                    "phase_name": spec.phase.zh if lang == "zh" else spec.phase.en,
                    "passed": spec.phase.end < on},
            trend=history.get(spec.key, []))
        points = [(dt.date.fromisoformat(p["date"]), p["value"]) for p in item["trend"]]
        item["projection"] = judge.projection(points, spec.threshold, spec.comparison,
                                              spec.phase.end)
    current = found.phase_on(on)
    return {
        "title": {"key": found.key, "zh": found.zh, "en": found.en,
                  "label": found.zh if lang == "zh" else found.en},
        "titles": [{"key": c.key, "label": c.zh if lang == "zh" else c.en}
                   for c in checklists().values()],
        "as_of": on.isoformat(),
        "phase": {"key": current.key, "name": current.zh if lang == "zh" else current.en,
                  "start": current.start.isoformat(), "end": current.end.isoformat(),
                  "quote": current.quote},
        "phases": [{"key": p.key, "name": p.zh if lang == "zh" else p.en,
                    "start": p.start.isoformat(), "end": p.end.isoformat(), "quote": p.quote,
                    "document": documents[p.document][lang]} for p in found.phases],
        "veto_note": found.veto_note[lang] if found.veto_note else None,
        "verdict": {**verdict, "words": _(VERDICT_WORDS[verdict["state"]]),
                    "passed": verdict["state"] == "ready"},
        "items": items,
    }


@lru_cache(maxsize=1)
def _documents() -> dict[str, dict[str, str]]:
    """The source documents' names (the checklists file's ``documents``)."""
    return json.loads(CHECKLISTS_FILE.read_text(encoding="utf-8"))["documents"]


# --- the answers kept while nothing they read has changed ------------------------------------

#: Layers an item reads: the green layers (as :mod:`layers.green.state` stamps them) and the
#: water-source zones with their boundary markers.
STAMPED_LAYERS = (*READ_LAYERS, "water_source_areas", "facilities")

_bodies: dict[tuple, tuple[tuple, dict[str, Any]]] = {}
_bodies_lock = threading.Lock()


def readiness_stamp(engine: sa.Engine) -> tuple:
    """What the answers depend on (:func:`layers.storage.db.change_stamp`): each layer read,
    the cases, case steps, entries and snapshots."""
    tables = [layer_table(name) for name in STAMPED_LAYERS] + [
        reports, report_events, readiness_entries, readiness_snapshots]
    try:
        with engine.connect() as conn:
            return change_stamp(conn, tables)
    except sa.exc.OperationalError as exc:
        raise unreachable(exc) from None


def cached_readiness_body(engine: sa.Engine, title: str, lang: str, *,
                          stamp: tuple | None = None) -> dict[str, Any]:
    """:func:`readiness_body` of *title* in *lang* today, computed again only when the day,
    the layers, the cases, the entries or the snapshots have changed
    (:func:`readiness_stamp`; give *stamp* to share one reading between titles)."""
    checklist_of(title)  # an unknown title: 404 before anything is read
    day = clock.today()
    stamp = (day, readiness_stamp(engine) if stamp is None else stamp)
    key = (engine.url.render_as_string(hide_password=True), title, lang)
    with _bodies_lock:
        kept = _bodies.get(key)
    if kept is None or kept[0] != stamp:
        kept = (stamp, readiness_body(engine, title, lang, on=day))
        with _bodies_lock:
            _bodies[key] = kept
    return copy.deepcopy(kept[1])


def all_readiness(engine: sa.Engine, lang: str) -> dict[str, dict[str, Any]]:
    """Every title's :func:`readiness_body` today, the stamp read once for all."""
    stamp = readiness_stamp(engine)
    return {title: cached_readiness_body(engine, title, lang, stamp=stamp)
            for title in checklists()}


def forget_readiness() -> None:
    """Drop every kept answer (the benchmark's cold start)."""
    with _bodies_lock:
        _bodies.clear()
