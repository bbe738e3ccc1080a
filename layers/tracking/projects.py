"""Reading the project ledger (台账): filtered lists, one project with its features and history.

Every function takes the engine and returns plain JSON-ready dicts (dates as ISO text), so
the API, the CLI and tests share them.  ``overdue`` is computed against *today* (the server's
local date unless given): due before today and not completed or accepted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from geo.errors import NotFound
from layers import clock
from layers.serving.query import Page, ProjectFilter, overdue_condition, search_pattern
from layers.storage.catalogue import PROJECT_CATEGORIES, STATUSES
from layers.storage.models import layer_table, project_events, project_features, projects
from layers.storage.spec import Choice
from layers.tracking.status_flow import next_statuses

#: Project ids are PostgreSQL integers; a larger number cannot be one.
MAX_PROJECT_ID = 2**31 - 1
#: Project fields every summary carries, in the web map's popup and the feature properties.
SUMMARY_FIELDS = ("id", "code", "name", "status", "progress", "due_date", "campaigns",
                  "department")


def query_projects(engine: sa.Engine, *, projects_filter: ProjectFilter = ProjectFilter(),
                   q: str | None = None, page: Page = Page(),
                   today: dt.date | None = None) -> dict[str, Any]:
    """Projects passing *projects_filter* and the name/code search *q*, ordered by code.

    Returns
    -------
    dict
        ``projects`` (one page of full project records), ``numberMatched`` and
        ``numberReturned``.
    """
    today = today or clock.today()
    conditions = project_conditions(projects_filter, q, today)
    rows_query = (_project_select(today).where(*conditions).order_by(projects.c.code)
                  .limit(page.limit).offset(page.offset))
    count_query = sa.select(sa.func.count()).select_from(projects).where(*conditions)
    with engine.connect() as conn:
        matched = conn.scalar(count_query)
        rows = conn.execute(rows_query).mappings().all()
    records = [project_record(row) for row in rows]
    return {"projects": records, "numberMatched": matched, "numberReturned": len(records)}


def project_conditions(projects_filter: ProjectFilter, q: str | None,
                       today: dt.date) -> list[sa.ColumnElement]:
    """WHERE conditions on ``projects`` for *projects_filter* and the search text *q*
    (matched in the name or the code)."""
    conditions = projects_filter.conditions(projects, today)
    if q is not None:
        pattern = search_pattern(q)
        conditions.append(sa.or_(projects.c.name.ilike(pattern, escape="\\"),
                                 projects.c.code.ilike(pattern, escape="\\")))
    return conditions


def get_project(engine: sa.Engine, project_id: int, today: dt.date | None = None) -> dict:
    """One project with its linked ``features`` (layer, fid, name), its ``history`` and the
    ``next_statuses`` it may move to.

    The history lists every event, newest first.  Raises :class:`NotFound` for an unknown id.
    """
    today = today or clock.today()
    with engine.connect() as conn:
        row = None
        if 1 <= project_id <= MAX_PROJECT_ID:
            row = conn.execute(
                _project_select(today).where(projects.c.id == project_id)
            ).mappings().first()
        if row is None:
            raise NotFound(f"no project with id {project_id}; list them at /api/projects")
        record = project_record(row)
        record["features"] = _linked_features(conn, project_id)
        record["history"] = _history(conn, project_id)
        record["next_statuses"] = next_statuses(conn, project_id, record["status"])
    return record


def departments(engine: sa.Engine) -> list[dict[str, Any]]:
    """Every responsible department (责任单位) with its number of projects, by name."""
    query = (sa.select(projects.c.department, sa.func.count().label("projects"))
             .group_by(projects.c.department).order_by(projects.c.department))
    with engine.connect() as conn:
        return [{"name": name, "projects": count} for name, count in conn.execute(query)]


def summary_json(today: dt.date) -> sa.ColumnElement:
    """A ``json_build_object`` of a project's summary fields (and ``overdue``) for SQL."""
    pairs = []
    for name in SUMMARY_FIELDS:
        pairs += [_json_key(name), projects.c[name]]
    pairs += [_json_key("overdue"), overdue_condition(projects, today)]
    return sa.func.json_build_object(*pairs)


def with_labels(project: dict[str, Any]) -> dict[str, Any]:
    """*project* with ``status_label`` (and ``category_label``) in Chinese and English."""
    project["status_label"] = _label(STATUSES, project["status"])
    if "category" in project:
        project["category_label"] = _label(PROJECT_CATEGORIES, project["category"])
    return project


def project_record(row: sa.RowMapping) -> dict[str, Any]:
    """A full project row as a JSON-ready dict with its labels."""
    return with_labels({key: json_value(value) for key, value in row.items()})


def _json_key(name: str) -> sa.ColumnElement:
    # A SQL literal, not a bind parameter: json_build_object's arguments are untyped.
    return sa.literal_column(f"'{name}'", sa.Text)


def _project_select(today: dt.date) -> sa.Select:
    return sa.select(projects, overdue_condition(projects, today).label("overdue"))


def _linked_features(conn: sa.Connection, project_id: int) -> list[dict[str, Any]]:
    links = conn.execute(
        sa.select(project_features.c.layer, project_features.c.fid)
        .where(project_features.c.project_id == project_id)
        .order_by(project_features.c.layer, project_features.c.fid)
    ).all()
    names: dict[tuple[str, str], str] = {}
    for layer in {layer for layer, _ in links}:
        table = layer_table(layer)
        fids = [fid for link_layer, fid in links if link_layer == layer]
        for fid, name in conn.execute(sa.select(table.c.fid, table.c.name)
                                      .where(table.c.fid.in_(fids))):
            names[layer, fid] = name
    # A link whose feature has not been imported (yet) keeps name None rather than vanishing.
    return [{"layer": layer, "fid": fid, "name": names.get((layer, fid))}
            for layer, fid in links]


def _history(conn: sa.Connection, project_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(project_events.c.id, project_events.c.at, project_events.c.actor,
                  project_events.c.kind, project_events.c.status, project_events.c.progress,
                  project_events.c.note, project_events.c.photo_id, project_events.c.data)
        .where(project_events.c.project_id == project_id)
        .order_by(project_events.c.at.desc(), project_events.c.id.desc())
    ).mappings().all()
    return [{key: json_value(value) for key, value in row.items()} for row in rows]


def _label(choices: tuple[Choice, ...], code: str) -> dict[str, str] | None:
    for choice in choices:
        if choice.code == code:
            return {"zh": choice.zh, "en": choice.en}
    return None


def json_value(value: Any) -> Any:
    """*value* as JSON can carry it: dates as ISO 8601 text, decimals as floats."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
