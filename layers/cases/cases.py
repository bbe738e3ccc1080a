"""Taking a step of a case (:mod:`layers.cases.lifecycle`) on the stored case, on the clock.

Every step is checked (the status allows it, the user holds the duty, the step carries what
it needs, the version is the one the caller read), then written with one immutable event
(who, when, where, photo, note) in one transaction.  The clock runs in working time
(:mod:`layers.cases.working_time`) while the unit has the case (``dispatched``): it starts at
派遣, stops at 处置, resumes at 返工 and 恢复, pauses at 挂账; 延期 adds to the limit.  The
case keeps the minutes used, when the clock last started, and the instants it reaches 80 %
of its limit and the limit (``warn_at``, ``deadline_at``), so "overdue" is a plain SQL
comparison for lists and scoring.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import threading
import urllib.request
from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geography

from geo.errors import Conflict, InvalidInput, NotFound, Unprocessable
from layers import clock
from layers.cases import categories, lifecycle
from layers.cases.working_time import WorkingCalendar, load_calendar
from layers.storage.models import STORAGE_SRID, attachments, report_events, reports
from layers.storage.text import text_problem
from layers.tracking.accounts import Forbidden, NotAuthenticated, User
from layers.tracking.workflow import StaleVersion

log = logging.getLogger(__name__)
_GEOGRAPHY = Geography(srid=STORAGE_SRID)
#: Share of the limit at which a case is flagged (预警).
WARN_SHARE = 0.8
#: Longest extension one request may ask: 30 working days of 8 hours.
MAX_EXTENSION_MIN = 30 * 8 * 60


def verify_distance_m() -> float:
    """How far (metres) a supervisor may stand from the case to verify it on site
    (``LIANCHUANG_VERIFY_DISTANCE_M``, 100 by default)."""
    raw = os.environ.get("LIANCHUANG_VERIFY_DISTANCE_M", "100")
    try:
        value = float(raw)
    except ValueError:
        raise Unprocessable(f"LIANCHUANG_VERIFY_DISTANCE_M={raw!r} is not a number of metres"
                            ) from None
    if not value > 0:
        raise Unprocessable(f"LIANCHUANG_VERIFY_DISTANCE_M={raw!r} must be more than 0")
    return value


class StepRefused(Conflict):
    """The step cannot be taken from the case's status; says which can."""

    def __init__(self, message: str, status: str, allowed: list[str]):
        super().__init__(message)
        self.case_status = status
        self.allowed = allowed

    def body_members(self) -> dict[str, Any]:
        return {"status": self.case_status, "allowed_steps": self.allowed}


class InvalidStep(InvalidInput):
    """A step missing what it needs, or carrying a malformed value."""


def new_tracking_code() -> str:
    """A code the reporter follows the case with: 10 characters, no 0/O or 1/I to misread."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def take_step(engine: sa.Engine, case_id: int, user: User | None, action: str, *,
              version: int | None, note: str | None = None, unit: str | None = None,
              photo_id: str | None = None, lon: float | None = None, lat: float | None = None,
              minutes: float | None = None, duplicate_of: int | None = None,
              rating: str | None = None, tracking_code: str | None = None,
              now: dt.datetime | None = None, calendar: WorkingCalendar | None = None
              ) -> dict[str, Any]:
    """Take step *action* on case *case_id* and return the case as it is then."""
    step = lifecycle.STEPS.get(action) if isinstance(action, str) else None
    if step is None:
        raise InvalidStep(f"unknown step {action!r}; the steps are: "
                          + ", ".join(lifecycle.STEPS))
    now = now or clock.now()
    calendar = calendar or load_calendar()
    for name, text in (("note", note), ("unit", unit)):
        if text is not None and (not isinstance(text, str) or (problem := text_problem(text))):
            raise InvalidStep(f"{name} {problem if isinstance(text, str) else 'must be text'}")
    note = (note or "").strip()[:4000] or None
    try:
        with engine.begin() as conn:
            row = conn.execute(sa.select(reports, sa.func.ST_X(reports.c.geom).label("lon"),
                                         sa.func.ST_Y(reports.c.geom).label("lat"))
                               .where(reports.c.id == case_id).with_for_update()).first()
            if row is None:
                raise NotFound(f"no case {case_id}")
            duties = _duties_for(step, user, row, tracking_code)
            if row.status not in step.sources:
                allowed = lifecycle.steps_from(row.status)
                raise StepRefused(
                    f"case {case_id} is {row.status}: {action} ({step.zh}) is not a next step; "
                    "the next steps are: " + (", ".join(allowed) or "none (the case is done)"),
                    row.status, allowed)
            if not lifecycle.may_take(step, duties, admin=bool(user and user.role == "admin")):
                raise Forbidden(_who_may(step, user))
            if version is None:
                raise _Precondition(f"send the case's version (its ETag) as If-Match or "
                                    f"'version'; it is {row.version}")
            if version != row.version:
                raise _Stale(f"case {case_id} is at version {row.version}, not {version}: "
                             "someone took a step since you read it; reload it and retry")
            values, data, position = _apply(conn, step, row, user, now, calendar, note=note,
                                            unit=unit, photo_id=photo_id, lon=lon, lat=lat,
                                            minutes=minutes, duplicate_of=duplicate_of,
                                            rating=rating)
            if step.target:
                values["status"] = step.target
            if note and step.action not in ("rate",):
                values["status_notes"] = note
            conn.execute(reports.update().where(reports.c.id == case_id).values(
                **values, updated_at=now, version=reports.c.version + 1))
            conn.execute(report_events.insert().values(
                report_id=case_id, at=now, actor=_actor_label(user, row, step),
                actor_id=user.id if user else None, action=step.action,
                from_status=row.status, status=step.target or row.status, note=note,
                data=data or None, photo_id=photo_id if "photo" in step.needs else None,
                geom=position))
    except _Stale as stale:
        from layers.tracking.problem_reports import get_report
        raise StaleVersion(str(stale), get_report(engine, case_id)) from None
    if step.action == "escalate":
        notify_webhook({"event": "escalate", "case_id": case_id, "note": note,
                        "by": user.label if user else None})
    from layers.tracking.problem_reports import get_report
    return get_report(engine, case_id)


class _Stale(Exception):
    pass


class _Precondition(Conflict):
    status = 428


def _duties_for(step: lifecycle.Step, user: User | None, row, tracking_code: str | None
                ) -> tuple[str, ...]:
    if step.duties == (lifecycle.REPORTER,):
        if tracking_code is not None and row.tracking_code and secrets.compare_digest(
                str(tracking_code).upper(), row.tracking_code):
            return (lifecycle.REPORTER,)
        if user is not None and row.reporter_id == user.id:
            return (lifecycle.REPORTER,)
        if user is None and tracking_code is None:
            raise NotAuthenticated("rating a case needs its tracking code (查询码) or the "
                                   "reporter's sign-in")
        return ()
    if user is None:
        raise NotAuthenticated(f"{step.action} ({step.zh}) needs a signed-in "
                               + " or ".join(step.duties))
    duties = user.duties
    if lifecycle.HANDLER in duties and user.department != row.department and \
            user.role != "admin":
        duties = tuple(d for d in duties if d != lifecycle.HANDLER)
    return duties


def _who_may(step: lifecycle.Step, user: User | None) -> str:
    who = " or ".join(step.duties)
    if step.duties == (lifecycle.REPORTER,):
        return f"{step.action} ({step.zh}) is for the reporter, with the case's tracking code"
    if lifecycle.HANDLER in step.duties and user and lifecycle.HANDLER in user.duties:
        return (f"{step.action} ({step.zh}) is for the handling unit of this case; "
                f"{user.username} handles {user.department or 'no unit'}'s cases")
    return (f"{step.action} ({step.zh}) needs the duty {who}; {user.username if user else 'you'}"
            f" {'has ' + ', '.join(user.duties) if user and user.duties else 'has no case duty'}"
            "; an admin gives duties with `lianchuang user duties`")


def _actor_label(user: User | None, row, step: lifecycle.Step) -> str:
    if user is not None:
        return user.label
    return row.reporter_name or "公众（查询码）"


def _apply(conn: sa.Connection, step: lifecycle.Step, row, user: User | None,
           now: dt.datetime, calendar: WorkingCalendar, *, note, unit, photo_id, lon, lat,
           minutes, duplicate_of, rating) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """The case's new values, the event's data and the event's position for *step*."""
    needs = step.needs
    if "note" in needs and not note:
        raise InvalidStep(f"{step.action} ({step.zh}) needs a note: say why")
    if "photo" in needs:
        if not photo_id:
            raise InvalidStep(f"{step.action} ({step.zh}) needs a photo: upload it to "
                              "/api/photos and send its id as photo_id")
        if not isinstance(photo_id, str) or not conn.scalar(
                sa.select(attachments.c.id).where(attachments.c.id == photo_id)):
            raise NotFound(f"no uploaded photo {photo_id!r}; upload it first to /api/photos")
    position = None
    data: dict[str, Any] = {}
    if lon is not None or lat is not None or "position" in needs:
        lon, lat = _position(step, lon, lat)
        position = sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), STORAGE_SRID)
        data["position"] = [lon, lat]
    if "position" in needs:
        distance = conn.scalar(sa.select(sa.func.ST_Distance(
            sa.cast(position, _GEOGRAPHY), sa.cast(reports.c.geom, _GEOGRAPHY)))
            .where(reports.c.id == row.id))
        limit = verify_distance_m()
        data["distance_m"] = round(distance, 1)
        if distance > limit:
            raise Unprocessable(
                f"{step.action} ({step.zh}) is done on site: you are {distance:.0f} m from the "
                f"case, more than {limit:.0f} m (LIANCHUANG_VERIFY_DISTANCE_M); go there, or "
                "check the phone's position")
    values: dict[str, Any] = {}
    action = step.action
    if action == "accept":
        values["filed_at"] = now
    elif action == "duplicate":
        if not isinstance(duplicate_of, int) or isinstance(duplicate_of, bool):
            raise InvalidStep("duplicate needs duplicate_of: the id of the case this repeats")
        if duplicate_of == row.id:
            raise InvalidStep("a case cannot be a duplicate of itself")
        if conn.scalar(sa.select(reports.c.id).where(reports.c.id == duplicate_of)) is None:
            raise NotFound(f"no case {duplicate_of} for duplicate_of")
        values["duplicate_of"] = duplicate_of
        data["duplicate_of"] = duplicate_of
    elif action in ("dispatch", "reassign"):
        if action == "dispatch" and not unit:
            category = categories.get_category(conn, row.category)
            unit, rule = categories.unit_for(conn, category, row.lon, row.lat)
            data["rule"] = rule
        if action == "reassign" or data.get("rule") is None:
            units = categories.known_units(conn)
            if unit not in units:
                raise InvalidStep(f"unknown unit {unit!r}; a case goes to one of: "
                                  + ", ".join(units))
        if action == "reassign" and unit == row.department:
            raise InvalidStep(f"the case is already with {unit}")
        values["department"] = unit
        data["unit"] = unit
        if action == "dispatch":
            category = categories.get_category(conn, row.category)
            limit_min = calendar.limit_minutes(category["time_limit"], category["time_unit"])
            values.update(time_limit_min=limit_min, category_version=category["version"],
                          dispatched_at=row.dispatched_at or now, clock_used_min=0.0,
                          extension_min=0)
            data["time_limit_min"] = limit_min
            values.update(_start(calendar, now, limit_min, 0, 0.0))
    elif action == "handle":
        values.update(_stop(calendar, row, now))
        total = (row.time_limit_min or 0) + row.extension_min
        values.update(handled_at=now, handler_id=user.id if user else None,
                      handled_on_time=(row.time_limit_min is None
                                       or values["clock_used_min"] <= total + 1e-6))
        data["used_min"] = round(values["clock_used_min"], 1)
    elif action in ("verify", "rework"):
        if user is not None and row.handler_id == user.id:
            raise Forbidden(f"{user.username} reported this case handled; a supervisor other "
                            "than the handler verifies it")
        if action == "rework":
            values["rework_count"] = row.rework_count + 1
            if row.time_limit_min is not None:
                values.update(_start(calendar, now, row.time_limit_min, row.extension_min,
                                     row.clock_used_min))
    elif action == "close":
        values["closed_at"] = now
    elif action == "request_extension":
        if row.extension_requested_min:
            raise Conflict(f"an extension of {row.extension_requested_min} working minutes is "
                           "already waiting for the dispatcher")
        if row.time_limit_min is None:
            raise Conflict("this case has no time limit to extend")
        asked = _minutes(minutes)
        values["extension_requested_min"] = asked
        data["minutes"] = asked
    elif action in ("approve_extension", "refuse_extension"):
        if not row.extension_requested_min:
            raise Conflict("no extension is waiting: the unit asks with request_extension")
        values["extension_requested_min"] = None
        data["minutes"] = row.extension_requested_min
        if action == "approve_extension":
            extension = row.extension_min + row.extension_requested_min
            values["extension_min"] = extension
            if row.clock_since is not None:
                values.update(_start(calendar, row.clock_since, row.time_limit_min, extension,
                                     row.clock_used_min))
    elif action == "suspend":
        values.update(_stop(calendar, row, now))
        values.update(deadline_at=None, warn_at=None)
    elif action == "resume":
        if row.time_limit_min is not None:
            values.update(_start(calendar, now, row.time_limit_min, row.extension_min,
                                 row.clock_used_min))
    elif action == "escalate":
        values["escalated_at"] = now
    elif action == "rate":
        if rating not in lifecycle.RATINGS:
            raise InvalidStep("rating must be one of: " + ", ".join(
                f"{code} ({zh})" for code, (zh, _) in lifecycle.RATINGS.items()))
        if row.rating:
            raise Conflict("this case is rated already")
        values.update(rating=rating, rated_at=now)
        data["rating"] = rating
    return values, data, position


def _start(calendar: WorkingCalendar, since: dt.datetime, limit_min: int, extension_min: int,
           used_min: float) -> dict[str, Any]:
    """Values that (re)start the clock at *since* with *used_min* already used."""
    total = limit_min + extension_min
    return {"clock_since": since, "clock_used_min": used_min,
            "deadline_at": calendar.add_working_minutes(since, max(0.0, total - used_min)),
            "warn_at": calendar.add_working_minutes(since,
                                                    max(0.0, WARN_SHARE * total - used_min))}


def _stop(calendar: WorkingCalendar, row, now: dt.datetime) -> dict[str, Any]:
    used = row.clock_used_min
    if row.clock_since is not None:
        used += calendar.working_minutes(row.clock_since, now)
    return {"clock_since": None, "clock_used_min": used}


def _position(step: lifecycle.Step, lon: Any, lat: Any) -> tuple[float, float]:
    if lon is None or lat is None:
        raise InvalidStep(f"{step.action} ({step.zh}) is done on site: send lon and lat "
                          "(WGS84 degrees) of where you stand")
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidStep("lon and lat must be numbers (WGS84 degrees)") from None
    if not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise InvalidStep(f"lon {lon}, lat {lat} is outside China: are they swapped?")
    return lon, lat


def _minutes(minutes: Any) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)):
        raise InvalidStep("minutes must be a number: the working minutes to add")
    if not 1 <= minutes <= MAX_EXTENSION_MIN:
        raise InvalidStep(f"minutes must be between 1 and {MAX_EXTENSION_MIN} "
                          "(30 working days)")
    return int(round(minutes))


def clock_of(record: dict[str, Any], now: dt.datetime | None = None,
             calendar: WorkingCalendar | None = None) -> dict[str, Any]:
    """The case's clock as a reader sees it: limit, used, remaining (working minutes), the
    deadline, and 按期 / 预警 / 超期."""
    limit = record.get("time_limit_min")
    if limit is None:
        return {"state": "none", "judgement": None}
    now = now or clock.now()
    calendar = calendar or load_calendar()
    total = limit + record["extension_min"]
    used = record["clock_used_min"]
    since = record["clock_since"]
    if since is not None:
        used += calendar.working_minutes(since, now)
    if since is None and record.get("handled_on_time") is not None and \
            record["status"] in ("handled", "verified", "closed"):
        judgement = "on_time" if record["handled_on_time"] else "overdue"
    elif used > total + 1e-6:
        judgement = "overdue"
    elif used >= WARN_SHARE * total:
        judgement = "warning"
    else:
        judgement = "on_time"
    deadline = record.get("deadline_at") if since is not None else None
    # Years the national holiday list does not know yet count Monday to Friday: say so.
    gaps = (calendar.years_without_national_data(since.astimezone(clock.zone()).date(),
                                                 deadline.astimezone(clock.zone()).date())
            if since is not None and deadline is not None else [])
    return {"state": "running" if since is not None else "stopped",
            "calendar_gaps": gaps,
            "limit_min": limit, "extension_min": record["extension_min"],
            "extension_requested_min": record.get("extension_requested_min"),
            "used_min": round(used, 1), "remaining_min": round(total - used, 1),
            "share": round(used / total, 3) if total else None,
            "deadline": deadline.astimezone(clock.zone()).isoformat() if deadline else None,
            "judgement": judgement}


def overdue_condition(now: dt.datetime):
    """SQL: the case is 超期 at *now* (running past its deadline, or handled late)."""
    return sa.or_(
        sa.and_(reports.c.clock_since.is_not(None), reports.c.deadline_at < now),
        sa.and_(reports.c.clock_since.is_(None), reports.c.handled_on_time.is_(False),
                reports.c.status.in_(("handled", "verified", "closed"))),
        sa.and_(reports.c.status == "suspended",
                reports.c.clock_used_min > reports.c.time_limit_min + reports.c.extension_min))


def escalate_overdue(engine: sa.Engine, now: dt.datetime | None = None) -> list[int]:
    """督办: every case past its deadline and not yet escalated gets an escalation event (to
    its unit's leader: the feed and the webhook); returns their ids."""
    now = now or clock.now()
    with engine.begin() as conn:
        due = conn.execute(sa.select(reports.c.id, reports.c.department, reports.c.status)
                           .where(reports.c.status == "dispatched",
                                  reports.c.clock_since.is_not(None),
                                  reports.c.deadline_at < now, reports.c.escalated_at.is_(None))
                           .order_by(reports.c.id).with_for_update(skip_locked=True)).all()
        for case in due:
            note = f"超期自动督办：请{case.department}领导督促处置"
            conn.execute(reports.update().where(reports.c.id == case.id).values(
                escalated_at=now, version=reports.c.version + 1, updated_at=now))
            conn.execute(report_events.insert().values(
                report_id=case.id, at=now, actor="系统督办", action="escalate",
                from_status=case.status, status=case.status, note=note,
                data={"unit": case.department, "automatic": True}))
    for case in due:
        notify_webhook({"event": "escalate", "case_id": case.id, "unit": case.department,
                        "automatic": True})
    return [case.id for case in due]


def notify_webhook(payload: dict[str, Any]) -> None:
    """POST *payload* as JSON to ``LIANCHUANG_WEBHOOK_URL`` (if set), in the background;
    a failure is logged, never raised (the event is in the feed either way)."""
    url = os.environ.get("LIANCHUANG_WEBHOOK_URL")
    if not url:
        return
    body = json.dumps(payload, ensure_ascii=False).encode()

    def send() -> None:
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5):
                pass
        except Exception as exc:  # noqa: BLE001 - a webhook down must not stop the case
            log.warning("webhook %s failed: %s", url.split("?")[0], exc)

    threading.Thread(target=send, daemon=True).start()
