"""The ledger's projects that move a checklist item, and the items a project moves.

The rule is data: an item's ``moved_by`` in ``checklists.json``.  A project moves the item
when any one of these holds:

- ``categories``: its 项目类别 is one of them (园林绿化 moves the green indicators);
- ``layers``: it is linked to a feature of one of these layers (a park, other green space,
  a water-source zone);
- ``within: water_source_level1``: one of its linked features, of any layer, intersects a
  first-level water-source protection zone.

Each project says why it was listed (``because``: ``category``, ``layer:<name>`` or
``within:water_source_level1``), so a planner can check the rule.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from layers.readiness.checklists import Checklist, checklists
from layers.storage.models import LAYER_TABLES, project_features, projects

#: The ``within`` rules a ``moved_by`` may name.
WITHIN = ("water_source_level1",)


def _ledger(conn: sa.Connection, project_id: int | None = None) -> list[dict[str, Any]]:
    """Every project (or one) with its linked layers and whether it lies in a level-1 zone."""
    f = project_features.c
    layers = (sa.select(sa.func.array_agg(sa.distinct(f.layer)))
              .where(f.project_id == projects.c.id).scalar_subquery())
    query = sa.select(projects.c.id, projects.c.code, projects.c.name, projects.c.category,
                      projects.c.status, projects.c.progress, projects.c.due_date,
                      layers.label("layers")).order_by(projects.c.code)
    if project_id is not None:
        query = query.where(projects.c.id == project_id)
    rows = [dict(row) for row in conn.execute(query).mappings()]
    inside = _in_level1(conn, project_id) if rows else set()
    for row in rows:
        row["layers"] = row["layers"] or []
        row["in_level1"] = row["id"] in inside
        row["due_date"] = row["due_date"].isoformat() if row["due_date"] else None
    return rows


def _in_level1(conn: sa.Connection, project_id: int | None) -> set[int]:
    """Projects with a linked feature intersecting a first-level water-source zone."""
    zones = LAYER_TABLES["water_source_areas"].alias("zone")
    found: set[int] = set()
    for name, table in LAYER_TABLES.items():
        query = (sa.select(project_features.c.project_id).distinct()
                 .join(table, sa.and_(project_features.c.layer == name,
                                      table.c.fid == project_features.c.fid))
                 .join(zones, sa.and_(zones.c.zone_level == "level1",
                                      sa.func.ST_Intersects(zones.c.geom, table.c.geom))))
        if project_id is not None:
            query = query.where(project_features.c.project_id == project_id)
        found.update(conn.scalars(query))
    return found


def _because(rule: dict[str, Any], project: dict[str, Any]) -> list[str]:
    why = []
    if project["category"] in rule.get("categories", ()):
        why.append("category")
    why += [f"layer:{name}" for name in rule.get("layers", ()) if name in project["layers"]]
    if rule.get("within") == "water_source_level1" and project["in_level1"]:
        why.append("within:water_source_level1")
    return why


def movers(engine: sa.Engine, found: Checklist) -> dict[str, list[dict[str, Any]]]:
    """For each item of *found* with a ``moved_by`` rule, the projects that move it (by
    code); items without a rule are left out."""
    rules = {item.key: item.moved_by for item in found.items if item.moved_by}
    if not rules:
        return {}
    with engine.connect() as conn:
        ledger = _ledger(conn)
    result = {}
    for key, rule in rules.items():
        result[key] = [{**_public(project), "because": because} for project in ledger
                       if (because := _because(rule, project))]
    return result


def moved_by_project(engine: sa.Engine, project_id: int) -> list[dict[str, Any]]:
    """Every (title, item) that project *project_id* moves, in the checklists' order
    (empty for an unknown project: the caller says 404)."""
    with engine.connect() as conn:
        ledger = _ledger(conn, project_id)
    if not ledger:
        return []
    project = ledger[0]
    return [{"title": title.key, "title_zh": title.zh, "title_en": title.en, "item": item.key,
             "zh": item.zh, "en": item.en, "veto": item.veto,
             "because": _because(item.moved_by, project)}
            for title in checklists().values() for item in title.items
            if item.moved_by and _because(item.moved_by, project)]


def _public(project: dict[str, Any]) -> dict[str, Any]:
    return {key: project[key] for key in ("id", "code", "name", "category", "status",
                                          "progress", "due_date")}
