"""A title's readiness per community, and its first-level water-source zones, for the map.

Each community is judged on the title's own green items (``green:<indicator>`` items of
its checklist, e.g. 绿地率, 绿化覆盖率, 人均公园绿地) with its own values from
:func:`geo.green.green_indicators` (``Indicator.communities``, as ``GET /api/metrics/green``
gives them) against the title's thresholds; its colour is its worst status: 未达标, then
阈值待核实, then 缺数据, else 达标.  Each first-level water-source zone says whether a
boundary marker stands within the checklist's distance of its boundary and how many open
cases lie inside it.  Geometries in EPSG:4326.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from geo.errors import GeoInputError
from layers.readiness import judge
from layers.readiness.checklists import Checklist
from layers.readiness.measure import MARKER_KINDS, OPEN_STATUSES, Context

#: A community's colour is its worst item's status, in this order.
WORST_FIRST = ("fail", "unverified_threshold", "no_data", "pass")
#: The marker distance when the title has no water_source_markers item.
DEFAULT_WITHIN_M = 50.0


def community_readiness(context: Context, found: Checklist) -> dict[str, Any]:
    """``{"items": [...], "communities": [{fid, name, status, items: {key: {...}}}],
    "note": why there are none or None}``."""
    items = [item for item in found.items if item.kind == "layers"
             and item.measure["computation"].startswith("green:")]
    if not items:
        return {"items": [], "communities": [], "note": "the title has no green item"}
    try:
        report = context.green.report
    except GeoInputError as exc:
        return {"items": [i.key for i in items], "communities": [], "note": str(exc)}
    communities = []
    for fid, name in report.communities.items():
        judged = {}
        for item in items:
            indicator = report.indicators.get(item.measure["computation"][6:])
            measure = indicator.communities.get(fid) if indicator else None
            value = None if measure is None or measure.value is None else float(measure.value)
            judged[item.key] = {"value": value,
                                "status": judge.status(value, item.threshold, item.comparison)}
        worst = min((row["status"] for row in judged.values()), key=WORST_FIRST.index)
        communities.append({"fid": fid, "name": name, "status": worst, "items": judged})
    return {"items": [i.key for i in items], "communities": communities, "note": None}


def community_shapes(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    """Each community's geometry (GeoJSON, EPSG:4326) by fid."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT fid, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) FROM communities"))
        return {fid: json.loads(shape) for fid, shape in rows}


def level1_zones(engine: sa.Engine, found: Checklist) -> list[dict[str, Any]]:
    """Every first-level water-source zone: ``marked`` (a marker within the distance of the
    title's water_source_markers item, else :data:`DEFAULT_WITHIN_M`), ``open_cases``."""
    within = DEFAULT_WITHIN_M
    for item in found.items:
        if item.measure.get("computation") == "water_source_markers":
            within = float(item.measure.get("params", {}).get("within_m", within))
    query = sa.text(
        "SELECT z.fid, z.name, ST_AsGeoJSON(ST_Transform(z.geom, 4326), 6) AS shape, "
        "EXISTS (SELECT 1 FROM facilities f WHERE f.kind = ANY(:kinds) "
        "  AND (f.status IS NULL OR f.status = 'existing') "
        "  AND ST_DWithin(f.geom::geography, ST_Boundary(z.geom)::geography, :within)) "
        "AS marked, (SELECT count(*) FROM reports r WHERE r.status = ANY(:open) "
        "  AND ST_Intersects(z.geom, r.geom)) AS open_cases "
        "FROM water_source_areas z WHERE z.zone_level = 'level1' ORDER BY z.fid")
    with engine.connect() as conn:
        rows = conn.execute(query, {"kinds": list(MARKER_KINDS), "within": within,
                                    "open": list(OPEN_STATUSES)}).mappings().all()
    return [{"fid": row["fid"], "name": row["name"], "geometry": json.loads(row["shape"]),
             "marked": row["marked"], "open_cases": int(row["open_cases"]),
             "within_m": within} for row in rows]
