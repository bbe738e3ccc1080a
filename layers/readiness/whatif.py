"""What a green scenario or a drawn project does to each title's checklist (issue 15 item 6).

Every title's items are measured twice: as today, and with the scenario's green layers in
place of the stored ones (:meth:`layers.readiness.measure.Context.with_green`).  Only the
items computed from the green layers can move; those from the cases, the entries and the
water-source layers are measured once and shown the same on both sides.

- :func:`readiness_whatif`: *changes* of a green scenario (the list
  ``POST /api/metrics/green/scenario`` takes), before = today, after = with the changes.
- :func:`project_whatif`: a project of the ledger whose drawn geometry is a park or green
  space it links (``project_features``): before = the layers without those features, after =
  the layers as they are, so the answer is what the project's green space brings to each
  item.  A project that links no park or green space has nothing to measure (422).

Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from geo.errors import Unprocessable
from geo.green import green_indicators
from geo.scenario import Change, RemoveFeature, apply_changes
from layers import clock
from layers.green.state import GreenState, current_state, scenario_sources
from layers.i18n import N_, translator
from layers.readiness import judge
from layers.readiness.checklists import Checklist, checklists
from layers.readiness.measure import Context, measure
from layers.readiness.readiness import STATUS_WORDS, VERDICT_WORDS, _judged
from layers.storage.models import layer_table, project_features
from layers.tracking.projects import get_project

#: Layers of a project's linked features that are its drawn green space.
GREEN_LAYERS = ("parks", "green_spaces")
#: What the two sides are, in words (the table's column heads).
SIDE_WORDS = {
    "scenario": (N_("Now"), N_("With the changes")),
    "project": (N_("Without the project"), N_("With the project")),
}


class NothingToMeasure(Unprocessable):
    """A project with no drawn park or green space: its effect cannot be computed (422)."""


def readiness_whatif(engine: sa.Engine, changes: list[Change], lang: str, *,
                     on: dt.date | None = None,
                     found: dict[str, Checklist] | None = None) -> dict[str, Any]:
    """Every title's items today and with *changes* applied to the green layers.

    Raises :class:`geo.errors.GeoInputError` (422) for a change the layers refuse (an
    empty, outside or too large polygon, an unknown feature).
    """
    today = current_state(engine, walking=False)
    after = _state(today, apply_changes(today.layers, changes,
                                        sources=scenario_sources(engine)))
    body = compare(engine, today, after, lang, on=on, found=found)
    return {"basis": "scenario", "changes": len(changes), **body,
            "sides": _sides("scenario", lang)}


def project_whatif(engine: sa.Engine, project_id: int, lang: str, *,
                   on: dt.date | None = None,
                   found: dict[str, Checklist] | None = None) -> dict[str, Any]:
    """Every title's items without and with the parks and green space project
    *project_id* links.  404 for an unknown project, 422 when it links none."""
    project = get_project(engine, project_id)
    today = current_state(engine, walking=False)
    drawn = _drawn_green(engine, project_id)
    if not drawn:
        raise NothingToMeasure(
            f"project {project_id} ({project['code']}) links no park or green space that is "
            "in the layers, so its effect on readiness cannot be computed: link its drawn "
            f"{' or '.join(GREEN_LAYERS)} feature to it, or draw it as a scenario on the "
            "green-space page")
    removals = [RemoveFeature(layer, fid) for layer, fid in drawn]
    without = _state(today, apply_changes(today.layers, removals))
    body = compare(engine, without, today, lang, on=on, found=found)
    return {"basis": "project", "changes": len(removals),
            "project": {"id": project["id"], "code": project["code"],
                        "name": project["name"], "status": project["status"],
                        "features": [{"layer": layer, "fid": fid} for layer, fid in drawn]},
            **body, "sides": _sides("project", lang)}


def compare(engine: sa.Engine, before: GreenState, after: GreenState, lang: str, *,
            on: dt.date | None = None,
            found: dict[str, Checklist] | None = None) -> dict[str, Any]:
    """Every title's items measured with *before*'s and *after*'s green layers."""
    on = on or clock.today()
    found = found or checklists()
    _ = translator(lang).gettext
    contexts = Context.with_green(engine, on, before), Context.with_green(engine, on, after)
    titles = []
    for title in found.values():
        rows, sides = [], ([], [])
        for item in title.items:
            green = item.kind == "layers" and item.measure["computation"].startswith("green:")
            first = _judged(item, measure(item, contexts[0]))
            second = _judged(item, measure(item, contexts[1])) if green else first
            sides[0].append(first)
            sides[1].append(second)
            rows.append({
                "key": item.key, "name": item.zh if lang == "zh" else item.en,
                "name_zh": item.zh, "veto": item.veto, "unit": item.unit, "kind": item.kind,
                "moves_with_green": green, "threshold": first["threshold"],
                "before": _side(first, _), "after": _side(second, _),
                "changed": first["value"] != second["value"],
                "status_changed": first["status"] != second["status"],
            })
        verdicts = [judge.verdict(side) for side in sides]
        titles.append({
            "key": title.key, "label": title.zh if lang == "zh" else title.en,
            "zh": title.zh, "en": title.en,
            "verdict": {"before": _verdict(verdicts[0], _), "after": _verdict(verdicts[1], _),
                        "changed": verdicts[0]["state"] != verdicts[1]["state"]},
            "items": rows,
        })
    return {"as_of": on.isoformat(), "titles": titles,
            "items_changed": sum(row["status_changed"] for t in titles for row in t["items"]),
            "verdicts_changed": sum(t["verdict"]["changed"] for t in titles)}


def _side(judged: dict[str, Any], _) -> dict[str, Any]:
    return {"value": judged["value"], "status": judged["status"],
            "status_words": _(STATUS_WORDS[judged["status"]]), "gap": judged["gap"],
            "note": judged["note"]}


def _verdict(verdict: dict[str, Any], _) -> dict[str, Any]:
    return {"state": verdict["state"], "words": _(VERDICT_WORDS[verdict["state"]]),
            "passed": verdict["state"] == "ready"}


def _sides(basis: str, lang: str) -> dict[str, str]:
    _ = translator(lang).gettext
    before, after = SIDE_WORDS[basis]
    return {"before": _(before), "after": _(after)}


def _state(today: GreenState, layers) -> GreenState:
    """A green state of *layers* (its indicators without the walking variant), dated as
    today's layers."""
    return GreenState(("what-if",), today.data_date, layers,
                      {False: green_indicators(layers, walking=False)}, walking=False)


def _drawn_green(engine: sa.Engine, project_id: int) -> list[tuple[str, str]]:
    """(layer, fid) of the parks and green space *project_id* links that are in the layers."""
    pf = project_features.c
    found = []
    with engine.connect() as conn:
        links = conn.execute(sa.select(pf.layer, pf.fid)
                             .where(pf.project_id == project_id, pf.layer.in_(GREEN_LAYERS))
                             .order_by(pf.layer, pf.fid)).all()
        for layer, fid in links:
            table = layer_table(layer)
            if conn.scalar(sa.select(sa.exists().where(table.c.fid == fid))):
                found.append((layer, fid))
    return found
