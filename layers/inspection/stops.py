"""Which stops a route request selects from the stored data: project sites, reports, points.

A project is visited at its **sites**: each feature of a mission layer it is linked to
(road segments, parks, watercourses, shantytown zones, water-source areas, facilities;
:data:`SITE_LAYERS`) is a stop of its own, at PostGIS's ``ST_PointOnSurface`` of that
feature (inside a polygon, on a line, the point itself), named after the project and the
site, with the id ``project:<id>/<layer>:<fid>``.  A link to a reference layer (a community
社区, residential land, the built-up area, other green space) says where the work belongs,
not where to go: it gives no stop.  A project without a site has no place and is listed in
``without_location`` (``project:<id>``).

Every site is offered; which are *selected* by default: all the sites of an overdue project
(three pocket parks past due are three visits), one site of any other project (its first:
mission layers in catalogue order, then fid), as one stop per project was before sites.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from geo.errors import Unprocessable
from layers.inspection.request_fields import SITE_LAYERS
from layers.inspection.route_request import StopRef, StopSelection
from layers.serving.query import overdue_condition
from layers.storage.models import (
    case_categories,
    grid_cells,
    layer_table,
    project_events,
    project_features,
    projects,
    reports,
    users,
)

#: Most stops a preview (:func:`select_stops`) lists.
MAX_CANDIDATES = 2000
#: Events that count as an inspection of a project (a note or a photo from the field).
INSPECTION_EVENTS = ("note", "photo")


class CannotPlanRoute(Unprocessable):
    """A well-formed request the stored data cannot answer (nothing selected, no streets...)."""


@dataclass
class Stop:
    """A site to visit; ``lon``/``lat`` are None when it has no location; ``selected`` says
    whether a plan of the selection visits it (an unselected site is only offered)."""

    stop_id: str
    name: str
    lon: float | None
    lat: float | None
    source: str
    address: str = ""
    note: str = ""
    service_min: float | None = None
    earliest: str | None = None
    latest: str | None = None
    selected: bool = True
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class SelectedStops:
    """Stops with a location, in order, and those without one; ``more`` when cut at a limit."""

    stops: list[Stop]
    without_location: list[Stop]
    more: bool = False

    @property
    def chosen(self) -> list[Stop]:
        """The located stops a plan visits (the selected ones)."""
        return [stop for stop in self.stops if stop.selected]


def select_stops(engine: sa.Engine, selection: StopSelection, *, today: dt.date,
                 limit: int = MAX_CANDIDATES) -> SelectedStops:
    """The stops *selection* offers: explicit stops first, then the sites of the projects
    by code, then reports by id; a stop named twice is kept once (where it came first).

    Raises :class:`CannotPlanRoute` for an explicit project, site, report or feature that
    does not exist.
    """
    with engine.connect() as conn:
        found = [stop for index, ref in enumerate(selection.stops, start=1)
                 for stop in _explicit_stops(conn, ref, index, today)]
        batches = []
        if selection.projects is not None:
            batches.append(project_sites(conn, _project_conditions(selection, today), today,
                                         limit + 1))
        if selection.report_statuses is not None:
            conditions = [reports.c.status.in_(selection.report_statuses)]
            if selection.report_department:
                conditions.append(reports.c.department == selection.report_department)
            if selection.report_supervisor:
                conditions.append(reports.c.cell_id.in_(
                    _supervised_cells(conn, selection.report_supervisor)))
            batches.append(_report_stops(conn, conditions, limit + 1))
    first: dict[str, Stop] = {}
    for stop in [*found, *(stop for batch in batches for stop in batch)]:
        first.setdefault(stop.stop_id, stop)
    located = [stop for stop in first.values() if stop.lon is not None]
    cut = any(len(batch) > limit for batch in batches)
    return SelectedStops(located[:limit], [stop for stop in first.values() if stop.lon is None],
                         more=cut or len(located) > limit)


def _project_conditions(selection: StopSelection, today: dt.date) -> list[sa.ColumnElement]:
    conditions = selection.projects.conditions(projects, today)
    if selection.not_inspected_days is not None:
        since = today - dt.timedelta(days=selection.not_inspected_days)
        conditions.append(~sa.exists().where(project_events.c.project_id == projects.c.id,
                                             project_events.c.kind.in_(INSPECTION_EVENTS),
                                             project_events.c.at >= since))
    return conditions


# --- project sites --------------------------------------------------------------------------

def _sites() -> sa.Subquery:
    """Each project's sites: ``project_id``, ``layer``, ``fid``, ``site_name``, ``rank`` (the
    layer's place in :data:`SITE_LAYERS`), ``lon``, ``lat`` (the point on surface)."""
    parts = []
    for rank, layer in enumerate(SITE_LAYERS):
        table = layer_table(layer)
        point = sa.func.ST_PointOnSurface(table.c.geom)
        parts.append(
            sa.select(project_features.c.project_id, sa.literal(layer).label("layer"),
                      table.c.fid, sa.func.coalesce(table.c.name, table.c.fid).label("site_name"),
                      sa.literal(rank).label("rank"), sa.func.ST_X(point).label("lon"),
                      sa.func.ST_Y(point).label("lat"))
            .join(table, sa.and_(project_features.c.layer == layer,
                                 table.c.fid == project_features.c.fid)))
    return sa.union_all(*parts).subquery("sites")


def project_sites(conn: sa.Connection, conditions: list, today: dt.date, limit: int, *,
                  site: tuple[str, str] | None = None) -> list[Stop]:
    """The sites of the projects passing *conditions*, by project code then site (at most
    *limit*), selected by default as the module docstring says; a project without a site is
    one stop without a location.  *site* (``(layer, fid)``) keeps only that site."""
    sites = _sites()
    inspected = (sa.select(sa.func.max(project_events.c.at))
                 .where(project_events.c.project_id == projects.c.id,
                        project_events.c.kind.in_(INSPECTION_EVENTS)).scalar_subquery())
    first = sa.func.row_number().over(partition_by=projects.c.id,
                                      order_by=(sites.c.rank, sites.c.fid)) == 1
    query = (sa.select(projects.c.id, projects.c.code, projects.c.name, projects.c.status,
                       projects.c.department, projects.c.due_date,
                       overdue_condition(projects, today).label("overdue"),
                       inspected.label("inspected"), sites.c.layer, sites.c.fid,
                       sites.c.site_name, sites.c.lon, sites.c.lat, first.label("first"))
             .select_from(projects.outerjoin(sites, sites.c.project_id == projects.c.id))
             .where(*conditions)
             .order_by(projects.c.code, sites.c.rank, sites.c.fid).limit(limit))
    if site is not None:
        query = query.where(sites.c.layer == site[0], sites.c.fid == site[1])
    return [_site_stop(row) for row in conn.execute(query)]


def _site_stop(row: sa.Row) -> Stop:
    facts = [f"责任单位 {row.department}"]
    if row.due_date:
        facts.append(f"完成时限 {row.due_date.isoformat()}" + ("（逾期）" if row.overdue else ""))
    facts.append(f"上次巡查 {row.inspected.date().isoformat()}" if row.inspected else "尚无巡查记录")
    project = f"{row.code} {row.name}"
    properties = {
        "project_id": row.id, "code": row.code, "project": project, "status": row.status,
        "department": row.department, "overdue": bool(row.overdue),
        "due_date": row.due_date.isoformat() if row.due_date else None,
        "last_inspected": row.inspected.isoformat() if row.inspected else None}
    if row.layer is None:
        return Stop(f"project:{row.id}", project, None, None, "project", note="；".join(facts),
                    properties=properties)
    site = f"{row.layer}:{row.fid}"
    return Stop(f"project:{row.id}/{site}", f"{project} · {row.site_name}", row.lon, row.lat,
                "project", note="；".join(facts), selected=bool(row.overdue or row.first),
                properties={**properties, "site": site, "site_name": row.site_name,
                            "layer": row.layer, "fid": row.fid})


# --- reports, features, points ----------------------------------------------------------------

def _supervised_cells(conn: sa.Connection, username: str) -> sa.Select:
    """The ids of the grid cells *username* supervises (a query); an unknown user, or one
    with no cell, is refused naming what to do."""
    user_id = conn.scalar(sa.select(users.c.id).where(users.c.username == username))
    if user_id is None:
        raise CannotPlanRoute(f"reports.supervisor: no user {username!r}")
    cells = sa.select(grid_cells.c.id).where(grid_cells.c.supervisor_id == user_id)
    if conn.scalar(sa.select(sa.func.count()).select_from(cells.subquery())) == 0:
        raise CannotPlanRoute(f"reports.supervisor: {username} supervises no grid cell; "
                              "assign cells with `lianchuang grid assign`")
    return cells


def _report_stops(conn: sa.Connection, conditions: list, limit: int) -> list[Stop]:
    query = (sa.select(reports.c.id, reports.c.category, reports.c.description,
                       reports.c.address, reports.c.status, reports.c.department,
                       case_categories.c.name.label("category_name"),
                       sa.func.ST_X(reports.c.geom).label("lon"),
                       sa.func.ST_Y(reports.c.geom).label("lat"))
             .join(case_categories, case_categories.c.code == reports.c.category)
             .where(*conditions).order_by(reports.c.id).limit(limit))
    return [Stop(f"report:{row.id}", f"问题上报 #{row.id} {row.category_name}",
                 row.lon, row.lat, "report", address=row.address or "",
                 note=f"{row.department}：{_shorten(row.description)}",
                 properties={"report_id": row.id, "category": row.category,
                             "status": row.status, "department": row.department})
            for row in conn.execute(query)]


def _explicit_stops(conn: sa.Connection, ref: StopRef, index: int,
                    today: dt.date) -> list[Stop]:
    """The stops of one explicit request item: a project's selected sites (or the one site
    named), a report, a feature or a point; all of them selected."""
    if ref.kind == "project":
        found = [stop for stop in project_sites(conn, [projects.c.id == ref.key], today,
                                                MAX_CANDIDATES) if stop.selected]
    elif ref.kind == "site":
        found = project_sites(conn, [projects.c.id == ref.key[0]], today, 1, site=ref.key[1:])
    elif ref.kind == "report":
        found = _report_stops(conn, [reports.c.id == ref.key], 1)
    elif ref.kind == "feature":
        found = _feature_stop(conn, *ref.key)
    else:
        found = [Stop(f"point:{index}", f"点位 {index}", ref.key[0], ref.key[1], "point")]
    if not found:
        raise CannotPlanRoute(f"stops[{index - 1}]: {_missing(conn, ref)}")
    for stop in found:
        stop.selected = True
        if ref.name:  # the request's name for the place; several sites keep their own
            site = stop.properties.get("site_name")
            stop.name = f"{ref.name} · {site}" if len(found) > 1 else ref.name
        stop.service_min, stop.earliest, stop.latest = ref.service_min, ref.earliest, ref.latest
    return found


def _missing(conn: sa.Connection, ref: StopRef) -> str:
    """What an explicit stop names that is not there, and what is."""
    if ref.kind != "site":
        what = "/".join(ref.key) if ref.kind == "feature" else ref.key
        return f"there is no {ref.kind} {what}"
    project_id, layer, fid = ref.key
    known = [stop.properties["site"] for stop in
             project_sites(conn, [projects.c.id == project_id], dt.date.min, MAX_CANDIDATES)
             if stop.lon is not None]
    if not conn.scalar(sa.select(sa.func.count()).where(projects.c.id == project_id)):
        return f"there is no project {project_id}"
    return (f"project {project_id} has no site {layer}:{fid}; its sites are "
            f"{', '.join(known) if known else 'none (link a feature of a mission layer)'}")


def _feature_stop(conn: sa.Connection, layer: str, fid: str) -> list[Stop]:
    table = layer_table(layer)
    point = sa.func.ST_PointOnSurface(table.c.geom)
    row = conn.execute(sa.select(sa.func.coalesce(table.c.name, table.c.fid).label("name"),
                                 sa.func.ST_X(point), sa.func.ST_Y(point))
                       .where(table.c.fid == fid)).first()
    if row is None:
        return []
    return [Stop(f"{layer}/{fid}", row[0], row[1], row[2], "feature",
                 properties={"layer": layer, "fid": fid})]


def _shorten(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"
