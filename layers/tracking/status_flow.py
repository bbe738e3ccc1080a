"""The project status workflow: which status may follow which (DESIGN.md).

规划 planned → 立项 approved → 在建 in_progress → 完工 completed → 验收 accepted, one step at
a time; 暂停 suspended from any stage before completion, resuming to the stage it left; a
completed project may go back to in_progress for rework.  A project that came in suspended
from a ledger, with no earlier stage in its history, may resume to any stage before
completion: nothing says which it left, so the planner chooses.
"""

from __future__ import annotations

import sqlalchemy as sa

from layers.storage.models import project_events

#: The stages in workflow order (暂停 suspended stands outside it).
ORDER = ("planned", "approved", "in_progress", "completed", "accepted")
#: Where a suspended project of unknown origin may resume to.
RESUMABLE = ("planned", "approved", "in_progress")


def allowed_transitions(status: str, suspended_from: str | None = None) -> set[str]:
    """The statuses a project in *status* may move to next (*suspended_from*: the stage a
    suspended project left, ``None`` when its history does not say)."""
    if status == "suspended":
        return {suspended_from} if suspended_from else set(RESUMABLE)
    if status == "accepted":
        return set()
    step = ORDER.index(status)
    allowed = {ORDER[step + 1]}
    if status == "completed":
        allowed.add("in_progress")
    else:
        allowed.add("suspended")
    return allowed


def suspended_from(conn: sa.Connection, project_id: int, status: str) -> str | None:
    """The stage a suspended project was in before its suspension, from its history."""
    if status != "suspended":
        return None
    return conn.scalar(
        sa.select(project_events.c.status)
        .where(project_events.c.project_id == project_id,
               project_events.c.status != "suspended")
        .order_by(project_events.c.id.desc()).limit(1))


def next_statuses(conn: sa.Connection, project_id: int, status: str) -> list[str]:
    """What the project may move to now, in workflow order (what a PATCH would accept)."""
    allowed = allowed_transitions(status, suspended_from(conn, project_id, status))
    return [code for code in (*ORDER, "suspended") if code in allowed]
