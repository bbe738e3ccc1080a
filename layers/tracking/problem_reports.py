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
from layers import clock
from layers.cases import categories as case_categories
from layers.cases.cases import StepRefused, clock_of, new_tracking_code, overdue_condition
from layers.cases.lifecycle import RATINGS, STEPS, steps_from
from layers.cases.working_time import load_calendar
from layers.storage.catalogue import LAYERS, REPORT_STATUSES
from layers.storage.models import (
    LAYER_TABLES,
    STORAGE_SRID,
    attachments,
    grid_cells,
    projects,
    report_events,
    reports,
)
from layers.storage.models import case_categories as categories_table
from layers.storage.text import text_problem
from layers.tracking.accounts import User, require

_GEOGRAPHY = Geography(srid=STORAGE_SRID)
#: Statuses a reader who is not signed in never sees: not yet filed, or refused.
UNPUBLISHED = ("reported", "refused")
#: An open report of the same category this close (metres) is suggested as a duplicate.
DUPLICATE_RADIUS_M = 50.0
_STATUS = {c.code: (c, open_closed) for c, open_closed in REPORT_STATUSES}


def statuses_where(open311_status: str) -> list[str]:
    """Our statuses that Open311 calls *open311_status* (``open`` or ``closed``)."""
    return [code for code, (_, oc) in _STATUS.items() if oc == open311_status]


OPEN_STATUSES = tuple(statuses_where("open"))


class InvalidReport(InvalidInput):
    """A report that cannot be filed or changed as given."""


class StatusByStep(StepRefused):
    """A status change asked outside the case's steps; says which steps are next."""


def file_report(engine: sa.Engine, user: User | None, *, category: str, lon: float, lat: float,
                description: str, address: str | None = None, photo_id: str | None = None,
                reporter_name: str | None = None, reporter_contact: str | None = None,
                project_id: int | None = None, feature_layer: str | None = None,
                feature_fid: str | None = None, intake: dict[str, str] | None = None
                ) -> dict[str, Any]:
    """File a report (上报: the first step of a case) and return it, with the unit its
    category's rules suggest, its cell, community and street office, its tracking code and
    duplicate suggestions."""
    lon, lat = _position(lon, lat)
    if not isinstance(category, str):
        raise InvalidReport("category (service_code) must be text")
    if not (description or "").strip():
        raise InvalidReport("description is required: say what is wrong and where")
    _no_nul(description=description, address=address, reporter_name=reporter_name,
            reporter_contact=reporter_contact, feature_fid=feature_fid)
    point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), STORAGE_SRID)
    now = clock.now()  # the one clock (a test travelling in time moves it too)
    with engine.begin() as conn:
        try:
            definition = case_categories.get_category(conn, category)
        except NotFound:
            definition = None
        if definition is None or not definition["active"]:
            raise InvalidReport(
                f"unknown category (service_code) {category!r}; the services are: "
                + ", ".join(c["code"] for c in case_categories.list_categories(conn)))
        if feature_layer is not None or feature_fid is not None:
            _check_feature(conn, feature_layer, feature_fid)
        if project_id is not None:
            _must_exist(conn, projects, project_id, "project")
        if photo_id is not None and (not isinstance(photo_id, str) or conn.scalar(
                sa.select(attachments.c.id).where(attachments.c.id == photo_id)) is None):
            raise NotFound(f"no uploaded photo {photo_id!r}; upload it first to /api/photos")
        department, rule = case_categories.unit_for(conn, definition, lon, lat)
        where = locate(conn, lon, lat)
        tracking_code = new_tracking_code()
        report_id = conn.execute(reports.insert().values(
            category=category, category_version=definition["version"],
            description=description.strip()[:4000], department=department,
            assigned_by=rule, address=address, geom=point, photo_id=photo_id,
            reporter_id=user.id if user else None, reporter_name=reporter_name,
            reporter_contact=reporter_contact, project_id=project_id,
            tracking_code=tracking_code, feature_layer=feature_layer,
            feature_fid=feature_fid, **where, **(intake or {}),
            requested_at=now, updated_at=now,
        ).returning(reports.c.id)).scalar_one()
        conn.execute(report_events.insert().values(
            report_id=report_id, at=now, actor=user.label if user else (reporter_name or "公众"),
            actor_id=user.id if user else None, action="report", status="reported",
            photo_id=photo_id, geom=point,
            note=f"建议责任单位：{department}（{rule}）"))
    report = get_report(engine, report_id)
    report["duplicate_candidates"] = duplicate_candidates(engine, report_id)
    report["tracking_code"] = tracking_code  # for the reporter only: never listed
    return report


def locate(conn: sa.Connection, lon: float, lat: float) -> dict[str, Any]:
    """The unit grid cell, community and street office at (lon, lat) (None where none)."""
    point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), STORAGE_SRID)
    cell = conn.execute(sa.select(grid_cells.c.id, grid_cells.c.community, grid_cells.c.street)
                        .where(sa.func.ST_Intersects(grid_cells.c.geom, point))
                        .order_by(grid_cells.c.id).limit(1)).first()
    found = case_categories.community_at(conn, point)
    return {"cell_id": cell.id if cell else None,
            "community": found.name if found else (cell.community if cell else None),
            "street": found.street if found else (cell.street if cell else None)}


def feature_point(engine: sa.Engine, layer: Any, fid: Any) -> tuple[float, float]:
    """A point on feature *fid* of *layer* (lon, lat): where a case about it is placed."""
    with engine.connect() as conn:
        _check_feature(conn, layer, fid)
        table = LAYER_TABLES[layer]
        point = sa.func.ST_PointOnSurface(table.c.geom)
        found = conn.execute(sa.select(sa.func.ST_X(point), sa.func.ST_Y(point))
                             .where(table.c.fid == fid)).one()
    return float(found[0]), float(found[1])


def _check_feature(conn: sa.Connection, layer: Any, fid: Any) -> None:
    names = [spec.name for spec in LAYERS]
    if not isinstance(layer, str) or layer not in names:
        raise InvalidReport(f"feature_layer must be one of the layers: {', '.join(names)}")
    if not isinstance(fid, str) or not fid:
        raise InvalidReport("feature_fid must be the feature's id, as text")
    table = LAYER_TABLES[layer]
    if conn.scalar(sa.select(table.c.fid).where(table.c.fid == fid)) is None:
        raise InvalidReport(f"no feature {fid!r} in layer {layer}: pick it on the map")


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
    """Add a note to a report or link it to a project (inspector or above).  Its status
    changes only by the steps of a case (``POST /api/cases/{id}/steps``)."""
    user = require(user, "inspector")
    _no_nul(note=note)
    if status is not None or duplicate_of is not None:
        current = conn_status(engine, report_id)
        raise StatusByStep(
            f"a case's status changes by its steps, one at a time: POST "
            f"/api/cases/{report_id}/steps with one of: "
            + (", ".join(steps_from(current)) or "none (the case is done)"),
            current, steps_from(current))
    values: dict[str, Any] = {}
    with engine.begin() as conn:
        if conn.scalar(sa.select(reports.c.id).where(reports.c.id == report_id)
                       .with_for_update()) is None:
            raise NotFound(f"no report {report_id}")
        if project_id is not None:
            _must_exist(conn, projects, project_id, "project")
            values["project_id"] = project_id
        if note:
            values["status_notes"] = note.strip()[:4000]
        if not values:
            raise InvalidReport("nothing to change: give a note or project_id")
        now = clock.now()
        conn.execute(reports.update().where(reports.c.id == report_id).values(
            **values, updated_at=now, version=reports.c.version + 1))
        conn.execute(report_events.insert().values(
            report_id=report_id, at=now, actor=user.label, actor_id=user.id, action="note",
            note=note, data={k: v for k, v in values.items() if k != "status_notes"}))
    return get_report(engine, report_id)


def conn_status(engine: sa.Engine, report_id: int) -> str:
    with engine.connect() as conn:
        status = conn.scalar(sa.select(reports.c.status).where(reports.c.id == report_id))
    if status is None:
        raise NotFound(f"no report {report_id}")
    return status


def get_report(engine: sa.Engine, report_id: int, *, published_only: bool = False
               ) -> dict[str, Any]:
    """One report with its history, newest event first (*published_only*: see
    :func:`list_reports`)."""
    found = list_reports(engine, ids=[report_id], published_only=published_only)
    if not found:
        raise NotFound(f"no report {report_id}")
    report = found[0]
    with engine.connect() as conn:
        report["history"] = [
            {"at": e.at.isoformat(), "actor": e.actor, "status": e.status, "note": e.note,
             "action": e.action, "action_label": _step_label(e.action),
             "from_status": e.from_status, "photo_id": e.photo_id,
             "position": [e.lon, e.lat] if e.lon is not None else None,
             "data": e.data or {}}
            for e in conn.execute(sa.select(
                report_events, sa.func.ST_X(report_events.c.geom).label("lon"),
                sa.func.ST_Y(report_events.c.geom).label("lat")).where(
                report_events.c.report_id == report_id).order_by(report_events.c.id.desc()))]
    return report


def list_reports(engine: sa.Engine, *, ids: list[int] | None = None,
                 statuses: list[str] | None = None, categories: list[str] | None = None,
                 department: str | None = None, since: dt.datetime | None = None,
                 until: dt.datetime | None = None, limit: int = 1000, offset: int = 0,
                 cell: int | None = None, community: str | None = None,
                 street: str | None = None, overdue: bool | None = None,
                 feature: tuple[str, str] | None = None,
                 now: dt.datetime | None = None, published_only: bool = False,
                 warning: bool | None = None) -> list[dict[str, Any]]:
    """Reports (cases) matching every given filter, newest first; *published_only*: not
    those still waiting to be filed or refused (what a reader who is not signed in sees)."""
    now = now or clock.now()
    conditions = []
    if published_only:
        conditions.append(reports.c.status.notin_(UNPUBLISHED))
    if cell is not None:
        conditions.append(reports.c.cell_id == cell)
    if community:
        conditions.append(reports.c.community == community)
    if street:
        conditions.append(reports.c.street == street)
    if overdue is not None:
        condition = overdue_condition(now)
        conditions.append(condition if overdue else sa.not_(sa.func.coalesce(condition, False)))
    if warning is not None:
        due_soon = sa.and_(reports.c.clock_since.is_not(None), reports.c.warn_at <= now,
                           reports.c.deadline_at >= now)
        conditions.append(due_soon if warning else sa.not_(sa.func.coalesce(due_soon, False)))
    if feature:
        conditions.append(sa.and_(reports.c.feature_layer == feature[0],
                                  reports.c.feature_fid == feature[1]))
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
                       sa.func.ST_Y(reports.c.geom).label("lat"),
                       categories_table.c.name.label("category_zh"),
                       categories_table.c.name_en.label("category_en"),
                       categories_table.c.kind.label("category_kind"),
                       categories_table.c.major_code, categories_table.c.minor_code)
             .join(categories_table, categories_table.c.code == reports.c.category)
             .where(*conditions).order_by(reports.c.id.desc()).limit(limit).offset(offset))
    calendar = load_calendar()
    with engine.connect() as conn:
        return [_record(row, now, calendar) for row in conn.execute(query).mappings()]


def _record(row, now: dt.datetime, calendar) -> dict[str, Any]:
    status, open_closed = _STATUS[row["status"]]
    record = {
        "id": row["id"], "category": row["category"],
        "category_label": {"zh": row["category_zh"], "en": row["category_en"]},
        "category_code": {"kind": row["category_kind"], "major": row["major_code"],
                          "minor": row["minor_code"]},
        "description": row["description"], "status": row["status"],
        "status_label": {"zh": status.zh, "en": status.en}, "open311_status": open_closed,
        "status_notes": row["status_notes"], "department": row["department"],
        "assigned_by": row["assigned_by"], "address": row["address"],
        "lon": row["lon"], "lat": row["lat"], "photo_id": row["photo_id"],
        "project_id": row["project_id"], "duplicate_of": row["duplicate_of"],
        "requested_at": row["requested_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(), "version": row["version"],
        "cell_id": row["cell_id"], "community": row["community"], "street": row["street"],
        "feature": ({"layer": row["feature_layer"], "fid": row["feature_fid"]}
                    if row["feature_layer"] else None),
        "rework_count": row["rework_count"],
        "escalated_at": _iso(row["escalated_at"]), "filed_at": _iso(row["filed_at"]),
        "dispatched_at": _iso(row["dispatched_at"]), "handled_at": _iso(row["handled_at"]),
        "closed_at": _iso(row["closed_at"]), "rating": row["rating"],
        "rating_label": ({"zh": RATINGS[row["rating"]][0], "en": RATINGS[row["rating"]][1]}
                         if row["rating"] else None),
        "next_steps": steps_from(row["status"]),
    }
    record["clock"] = clock_of(dict(row), now, calendar)
    return record


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _step_label(action: str | None) -> dict[str, str] | None:
    step = STEPS.get(action or "")
    if step:
        return {"zh": step.zh, "en": step.en}
    return {"report": {"zh": "上报", "en": "Reported"}, "note": {"zh": "备注", "en": "Note"},
            "migrate": {"zh": "迁移", "en": "Migrated"}}.get(action or "")


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

