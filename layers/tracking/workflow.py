"""Changing projects: the status workflow, progress and notes, links to features.

Every change is one transaction that checks the caller's version (optimistic concurrency:
a stale version is refused with :class:`Conflict`, so no update is ever lost), updates the
project's current state, bumps its version and appends one event to its history.  Events
are never updated or deleted.

Which status may follow which is :mod:`layers.tracking.status_flow`; acceptance needs
evidence: a note or a photo.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from geo.errors import Conflict, NotFound, Unprocessable
from layers.exchange.ledger_import import COLUMNS, campaign_codes
from layers.storage.catalogue import STATUSES, get_layer
from layers.storage.models import (
    attachments,
    layer_table,
    project_events,
    project_features,
    projects,
)
from layers.storage.text import text_problem
from layers.tracking.accounts import User, require, require_department
from layers.tracking.projects import get_project
from layers.tracking.status_flow import allowed_transitions, suspended_from

#: Fields a planner may edit directly (status and progress go through their own checks).
EDITABLE = ("name", "category", "campaigns", "department", "responsible", "budget_wan",
            "start_date", "due_date", "description")
_FIELDS = {c.name: c for c in COLUMNS}


class StaleVersion(Conflict):
    """The project changed since the caller read it; ``current`` is its state now."""

    def __init__(self, message: str, current: dict[str, Any]):
        super().__init__(message)
        self.current = current

    def body_members(self) -> dict[str, Any]:
        return {"current": self.current}

    def headers(self) -> dict[str, str]:
        return {"ETag": '"{}"'.format(self.current["version"])} if self.current else {}


class _Stale(Exception):
    """Raised inside a transaction; turned into :class:`Conflict` once it is closed, so the
    current state is read on a fresh connection instead of a second one held alongside."""


class WorkflowError(Unprocessable):
    """A change the workflow does not allow (a skipped stage, acceptance without evidence)."""


def update_project(engine: sa.Engine, project_id: int, user: User | None, version: int,
                   changes: dict[str, Any]) -> dict[str, Any]:
    """Apply *changes* (``status``, ``progress``, ``note``, ``photo_id`` and EDITABLE fields)
    to the project if it is still at *version*; return its new state with history.

    Inspectors may add notes and photos; planners change their department's projects;
    admins change any.
    """
    unknown = set(changes) - {"status", "progress", "note", "photo_id", *EDITABLE}
    if unknown:
        raise WorkflowError(f"cannot change {', '.join(sorted(unknown))}; changeable fields: "
                            f"status, progress, note, photo_id, {', '.join(EDITABLE)}")
    note = changes.get("note")
    if note is not None:
        problem = text_problem(note) if isinstance(note, str) else "must be text"
        if problem:
            raise WorkflowError(f"note {problem}")
    only_notes = set(changes) <= {"note", "photo_id"}
    user = require(user, "inspector" if only_notes else "planner")
    with _transaction(engine, project_id) as conn:
        current = _lock(conn, project_id)
        if not only_notes:
            require_department(user, current["department"])
        _check_version(current, version)
        values = _new_values(conn, current, changes)
        if not values and not changes.get("note") and not changes.get("photo_id"):
            raise WorkflowError("nothing to change: give status, progress, a note or a photo")
        conn.execute(projects.update().where(projects.c.id == project_id).values(
            **values, version=projects.c.version + 1, updated_at=sa.func.now()))
        conn.execute(project_events.insert().values(
            project_id=project_id, actor=user.label, kind=_event_kind(values, changes),
            status=values.get("status", current["status"]),
            progress=values.get("progress", current["progress"]),
            note=changes.get("note"), photo_id=changes.get("photo_id"),
            data={k: [_plain(current[k]), _plain(v)] for k, v in values.items()}))
    return get_project(engine, project_id)


def link_feature(engine: sa.Engine, project_id: int, user: User | None, version: int,
                 layer: str, fid: str, *, unlink: bool = False) -> dict[str, Any]:
    """Link the project to feature *layer*:*fid* (or unlink it), recorded as an event."""
    user = require(user, "planner")
    table = layer_table(get_layer(layer).name)
    with _transaction(engine, project_id) as conn:
        current = _lock(conn, project_id)
        require_department(user, current["department"])
        _check_version(current, version)
        key = ((project_features.c.project_id == project_id)
               & (project_features.c.layer == layer) & (project_features.c.fid == fid))
        linked = conn.scalar(sa.select(sa.func.count()).select_from(project_features).where(key))
        if unlink:
            if not linked:
                raise NotFound(f"project {project_id} is not linked to {layer}:{fid}")
        else:
            if not conn.scalar(sa.select(sa.func.count()).select_from(table)
                               .where(table.c.fid == fid)):
                raise NotFound(f"no feature {fid!r} in layer {layer}")
            if linked:
                raise WorkflowError(f"project {project_id} is already linked to {layer}:{fid}")
        record_link(conn, {"id": project_id, **current}, user.label, layer, fid,
                    unlink=unlink)
    return get_project(engine, project_id)


def record_link(conn: sa.Connection, project: dict[str, Any], actor: str, layer: str,
                fid: str, *, unlink: bool = False) -> None:
    """Link *project* (its ``id``, ``status`` and ``progress``) to feature *layer*:*fid*, or
    unlink it, as an event of its history and a new version of the project; the caller has
    checked that it may."""
    key = ((project_features.c.project_id == project["id"])
           & (project_features.c.layer == layer) & (project_features.c.fid == fid))
    if unlink:
        conn.execute(project_features.delete().where(key))
    else:
        conn.execute(project_features.insert().values(project_id=project["id"], layer=layer,
                                                      fid=fid))
    conn.execute(projects.update().where(projects.c.id == project["id"]).values(
        version=projects.c.version + 1, updated_at=sa.func.now()))
    conn.execute(project_events.insert().values(
        project_id=project["id"], actor=actor, kind="unlink" if unlink else "link",
        status=project["status"], progress=project["progress"],
        data={"feature": f"{layer}:{fid}"}))


def create_project(engine: sa.Engine, user: User | None, values: dict[str, Any]
                   ) -> dict[str, Any]:
    """Create a project from ledger-style *values*; its first event records them."""
    user = require(user, "planner")
    defaults = {"status": "planned", "progress": 0}
    row = {name: _coerce(name, values.get(name, defaults.get(name)))
           for name in ("code", "name", "category", "campaigns", "department", "responsible",
                        "status", "progress", "budget_wan", "start_date", "due_date",
                        "description")}
    require_department(user, row["department"])
    with engine.begin() as conn:
        if conn.scalar(sa.select(projects.c.id).where(projects.c.code == row["code"])):
            raise Conflict(f"a project with code {row['code']!r} exists already")
        project_id = conn.execute(projects.insert().values(**row).returning(projects.c.id)
                                  ).scalar_one()
        conn.execute(project_events.insert().values(
            project_id=project_id, actor=user.label, kind="create", status=row["status"],
            progress=row["progress"], data={k: [None, _plain(v)] for k, v in row.items()}))
    return get_project(engine, project_id)


def _lock(conn: sa.Connection, project_id: int) -> dict[str, Any]:
    row = conn.execute(sa.select(projects).where(projects.c.id == project_id)
                       .with_for_update()).mappings().first()
    if row is None:
        raise NotFound(f"no project with id {project_id}; list them at /api/projects")
    return dict(row)


@contextmanager
def _transaction(engine: sa.Engine, project_id: int) -> Iterator[sa.Connection]:
    """One transaction on a project; a stale version becomes a :class:`Conflict` carrying
    the project's current state."""
    try:
        with engine.begin() as conn:
            yield conn
    except _Stale as stale:
        raise StaleVersion(str(stale), get_project(engine, project_id)) from None


def _check_version(current: dict, version: int) -> None:
    if current["version"] != version:
        raise _Stale(
            f"project {current['code']} is at version {current['version']}, not {version}: "
            "someone changed it since you read it; reload, re-apply your change and retry")


def _new_values(conn: sa.Connection, current: dict, changes: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for name in EDITABLE:
        if name in changes:
            value = _coerce(name, changes[name])
            if value != current[name]:
                values[name] = value
    if changes.get("photo_id") and not conn.scalar(
            sa.select(attachments.c.id).where(attachments.c.id == changes["photo_id"])):
        raise NotFound(f"no uploaded photo {changes['photo_id']!r}; upload it first")
    if "progress" in changes:
        progress = _coerce("progress", changes["progress"])
        if progress is not None and progress != current["progress"]:
            values["progress"] = progress
    status = changes.get("status")
    if status is not None:
        status = _coerce("status", status)
        if status != current["status"]:
            _check_transition(conn, current, status, changes)
            values["status"] = status
            if status in ("completed", "accepted"):
                values.setdefault("progress", 100)
    return values


def _check_transition(conn: sa.Connection, current: dict, status: str, changes: dict) -> None:
    allowed = allowed_transitions(current["status"],
                                  suspended_from(conn, current["id"], current["status"]))
    if status not in allowed:
        labels = {c.code: c.zh for c in STATUSES}
        raise WorkflowError(
            f"a project in {labels[current['status']]} ({current['status']}) cannot move to "
            f"{labels[status]} ({status}); next allowed: "
            + (", ".join(f"{labels[s]} ({s})" for s in sorted(allowed)) or "none, it is final"))
    if status == "accepted" and not (str(changes.get("note") or "").strip()
                                     or changes.get("photo_id")):
        raise WorkflowError("acceptance (验收) needs evidence: add a note or a photo")


def _coerce(name: str, value: Any) -> Any:
    field = _FIELDS[name]
    try:
        coerced = (campaign_codes(",".join(value) if isinstance(value, list) else value)
                   if name == "campaigns" else field.coerce(value))
        problems = field.check(coerced)
    except (TypeError, ValueError) as exc:
        problems = [str(exc)]
    if problems:
        raise WorkflowError(f"{name} ({field.zh}): {'; '.join(problems)}")
    return coerced


def _event_kind(values: dict, changes: dict) -> str:
    if "status" in values:
        return "status"
    if "progress" in values:
        return "progress"
    if values:
        return "edit"
    return "photo" if changes.get("photo_id") else "note"


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, list, type(None))) else str(value)
