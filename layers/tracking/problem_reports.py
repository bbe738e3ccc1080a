"""Problem reports (问题上报): filing, automatic assignment, duplicates, status with notes.

The records follow Open311 GeoReport v2's service requests (``api/open311.py`` renders
them); categories are its services.  A report is assigned to a department by rule
(:data:`layers.storage.catalogue.REPORT_DEPARTMENTS`): inside a drinking-water-source protection
zone it goes to the environment bureau; otherwise by category, and "street" categories
to the street office (街道办事处) whose community holds the point.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geography

from geo.errors import InvalidInput, NotFound
from layers.storage.catalogue import (
    FALLBACK_DEPARTMENT,
    REPORT_CATEGORIES,
    REPORT_DEPARTMENTS,
    REPORT_STATUSES,
    WATER_SOURCE_DEPARTMENT,
)
from layers.storage.models import LAYER_TABLES, STORAGE_SRID, projects, report_events, reports
from layers.storage.text import text_problem
from layers.tracking.accounts import User, require

_GEOGRAPHY = Geography(srid=STORAGE_SRID)
#: An open report of the same category this close (metres) is suggested as a duplicate.
DUPLICATE_RADIUS_M = 50.0
_CATEGORY = {c.code: c for c in REPORT_CATEGORIES}
_STATUS = {c.code: (c, open_closed) for c, open_closed in REPORT_STATUSES}


def statuses_where(open311_status: str) -> list[str]:
    """Our statuses that Open311 calls *open311_status* (``open`` or ``closed``)."""
    return [code for code, (_, oc) in _STATUS.items() if oc == open311_status]


OPEN_STATUSES = tuple(statuses_where("open"))


class InvalidReport(InvalidInput):
    """A report that cannot be filed or changed as given."""


def file_report(engine: sa.Engine, user: User | None, *, category: str, lon: float, lat: float,
                description: str, address: str | None = None, photo_id: str | None = None,
                reporter_name: str | None = None, reporter_contact: str | None = None,
                project_id: int | None = None) -> dict[str, Any]:
    """File a report and return it, with its assigned department and duplicate suggestions."""
    if category not in _CATEGORY:
        raise InvalidReport(f"unknown category (service_code) {category!r}; the services are: "
                            + ", ".join(_CATEGORY))
    lon, lat = _position(lon, lat)
    if not (description or "").strip():
        raise InvalidReport("description is required: say what is wrong and where")
    _no_nul(description=description, address=address, reporter_name=reporter_name,
            reporter_contact=reporter_contact)
    point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), STORAGE_SRID)
    with engine.begin() as conn:
        department, rule = assign_department(conn, category, lon, lat)
        report_id = conn.execute(reports.insert().values(
            category=category, description=description.strip()[:4000], department=department,
            assigned_by=rule, address=address, geom=point, photo_id=photo_id,
            reporter_id=user.id if user else None, reporter_name=reporter_name,
            reporter_contact=reporter_contact, project_id=project_id,
        ).returning(reports.c.id)).scalar_one()
        conn.execute(report_events.insert().values(
            report_id=report_id, actor=user.label if user else (reporter_name or "公众"),
            status="submitted", note=f"派单：{department}（{rule}）"))
    report = get_report(engine, report_id)
    report["duplicate_candidates"] = duplicate_candidates(engine, report_id)
    return report


def assign_department(conn: sa.Connection, category: str, lon: float, lat: float
                      ) -> tuple[str, str]:
    """The department a report at (lon, lat) goes to, and the rule that decided it."""
    point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), STORAGE_SRID)
    zones = LAYER_TABLES["water_source_areas"]
    zone = conn.scalar(sa.select(zones.c.name).where(sa.func.ST_Intersects(zones.c.geom, point))
                       .order_by(zones.c.zone_level).limit(1))
    if zone:
        return WATER_SOURCE_DEPARTMENT, f"位于饮用水水源保护区 {zone}"
    department = REPORT_DEPARTMENTS[category]
    if department != "@street":
        return department, f"按类别 {_CATEGORY[category].zh}"
    communities = LAYER_TABLES["communities"]
    found = conn.execute(sa.select(communities.c.street, communities.c.name)
                         .where(sa.func.ST_Intersects(communities.c.geom, point)).limit(1)).first()
    if found:
        return f"{found.street}办事处", f"位于{found.name}（{found.street}）"
    return FALLBACK_DEPARTMENT, "不在任何社区范围内"


def duplicate_candidates(engine: sa.Engine, report_id: int) -> list[dict[str, Any]]:
    """Open reports of the same category within DUPLICATE_RADIUS_M of this one, nearest first."""
    other = reports.alias("other")
    distance = sa.func.ST_Distance(sa.cast(other.c.geom, _GEOGRAPHY),
                                   sa.cast(reports.c.geom, _GEOGRAPHY))
    query = (sa.select(other.c.id, other.c.description, distance.label("distance_m"))
             .select_from(reports.join(other, sa.and_(
                 other.c.id != reports.c.id, other.c.category == reports.c.category,
                 other.c.status.in_(OPEN_STATUSES),
                 sa.func.ST_DWithin(sa.cast(other.c.geom, _GEOGRAPHY),
                                    sa.cast(reports.c.geom, _GEOGRAPHY), DUPLICATE_RADIUS_M))))
             .where(reports.c.id == report_id).order_by(distance))
    with engine.connect() as conn:
        return [{"id": r.id, "description": r.description, "distance_m": round(r.distance_m, 1)}
                for r in conn.execute(query)]


def update_report(engine: sa.Engine, report_id: int, user: User | None, *,
                  status: str | None = None, note: str | None = None,
                  project_id: int | None = None, duplicate_of: int | None = None
                  ) -> dict[str, Any]:
    """Change a report's status (with a note), link it to a project, or mark it a duplicate."""
    user = require(user, "inspector")
    _no_nul(note=note)
    if status is not None and status not in _STATUS:
        raise InvalidReport(f"unknown status {status!r}; statuses are: {', '.join(_STATUS)}")
    if duplicate_of is not None:
        status = "duplicate"
    values: dict[str, Any] = {}
    with engine.begin() as conn:
        if conn.scalar(sa.select(reports.c.id).where(reports.c.id == report_id)
                       .with_for_update()) is None:
            raise NotFound(f"no report {report_id}")
        if project_id is not None:
            _must_exist(conn, projects, project_id, "project")
            values["project_id"] = project_id
        if duplicate_of is not None:
            if duplicate_of == report_id:
                raise InvalidReport("a report cannot be a duplicate of itself")
            _must_exist(conn, reports, duplicate_of, "report")
            values["duplicate_of"] = duplicate_of
        if status is not None:
            values["status"] = status
        if note:
            values["status_notes"] = note.strip()[:4000]
        if not values:
            raise InvalidReport("nothing to change: give status, note, project_id or duplicate_of")
        conn.execute(reports.update().where(reports.c.id == report_id).values(
            **values, updated_at=sa.func.now(), version=reports.c.version + 1))
        conn.execute(report_events.insert().values(
            report_id=report_id, actor=user.label, status=status, note=note,
            data={k: v for k, v in values.items() if k != "status_notes"}))
    return get_report(engine, report_id)


def get_report(engine: sa.Engine, report_id: int) -> dict[str, Any]:
    """One report with its history, newest event first."""
    found = list_reports(engine, ids=[report_id])
    if not found:
        raise NotFound(f"no report {report_id}")
    report = found[0]
    with engine.connect() as conn:
        report["history"] = [
            {"at": e.at.isoformat(), "actor": e.actor, "status": e.status, "note": e.note}
            for e in conn.execute(sa.select(report_events).where(
                report_events.c.report_id == report_id).order_by(report_events.c.id.desc()))]
    return report


def list_reports(engine: sa.Engine, *, ids: list[int] | None = None,
                 statuses: list[str] | None = None, categories: list[str] | None = None,
                 department: str | None = None, since: dt.datetime | None = None,
                 until: dt.datetime | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """Reports matching every given filter, newest first."""
    conditions = []
    if ids:
        conditions.append(reports.c.id.in_(ids))
    if statuses:
        conditions.append(reports.c.status.in_(statuses))
    if categories:
        conditions.append(reports.c.category.in_(categories))
    if department:
        conditions.append(reports.c.department == department)
    if since:
        conditions.append(reports.c.requested_at >= since)
    if until:
        conditions.append(reports.c.requested_at <= until)
    query = (sa.select(reports, sa.func.ST_X(reports.c.geom).label("lon"),
                       sa.func.ST_Y(reports.c.geom).label("lat"))
             .where(*conditions).order_by(reports.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        return [_record(row) for row in conn.execute(query).mappings()]


def _record(row) -> dict[str, Any]:
    category = _CATEGORY[row["category"]]
    status, open_closed = _STATUS[row["status"]]
    return {
        "id": row["id"], "category": row["category"],
        "category_label": {"zh": category.zh, "en": category.en},
        "description": row["description"], "status": row["status"],
        "status_label": {"zh": status.zh, "en": status.en}, "open311_status": open_closed,
        "status_notes": row["status_notes"], "department": row["department"],
        "assigned_by": row["assigned_by"], "address": row["address"],
        "lon": row["lon"], "lat": row["lat"], "photo_id": row["photo_id"],
        "project_id": row["project_id"], "duplicate_of": row["duplicate_of"],
        "requested_at": row["requested_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(), "version": row["version"],
    }


def _position(lon: Any, lat: Any) -> tuple[float, float]:
    """*lon*, *lat* as numbers, checked to be a WGS84 position in China."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidReport("lat and long must be numbers (WGS84 degrees)") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidReport(f"lat {lat}, long {lon} is not a WGS84 position")
    if not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise InvalidReport(f"lat {lat}, long {lon} is outside China: are lat and long swapped?")
    return lon, lat


def _no_nul(**texts: str | None) -> None:
    for name, text in texts.items():
        if text is not None and not isinstance(text, str):
            raise InvalidReport(f"{name} must be text")
        if text and (problem := text_problem(text)):
            raise InvalidReport(f"{name} {problem}")


def _must_exist(conn: sa.Connection, table: sa.Table, key: int, what: str) -> None:
    if conn.scalar(sa.select(table.c.id).where(table.c.id == key)) is None:
        raise NotFound(f"no {what} {key}")

