"""Reports from the public (群众上报): no account, an optional phone number, rate-limited.

A citizen files from a phone page without a token.  What keeps the intake usable is a limit
per sending address and per device (the page's own random id), counted over the reports
already stored (so every server process sees the same counts); the address and the device
are kept only as salted hashes.  A public report is a case at its first step (reported): it
is not published (Open311 lists, the map for readers who are not signed in) until a
dispatcher files it.  The reporter follows it with its tracking code and rates it once
closed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from typing import Any

import sqlalchemy as sa

from geo.errors import InvalidInput, LianchuangError, NotFound
from layers import clock
from layers.cases.cases import take_step
from layers.cases.lifecycle import RATINGS, STEPS
from layers.storage.models import case_categories, report_events, reports

_PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class TooManyReports(LianchuangError):
    """The sender or the device filed as many reports as the limit allows for now (429)."""

    status = 429

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


def limits() -> tuple[int, int]:
    """(per hour, per day) reports one address or one device may file:
    ``LIANCHUANG_PUBLIC_REPORTS`` as ``HOUR/DAY``, 5/20 by default."""
    raw = os.environ.get("LIANCHUANG_PUBLIC_REPORTS", "5/20")
    try:
        hour, day = (int(x) for x in raw.split("/"))
    except ValueError:
        raise InvalidInput(f"LIANCHUANG_PUBLIC_REPORTS={raw!r}: write HOUR/DAY, e.g. 5/20"
                           ) from None
    return hour, day


def _hash(kind: str, value: str) -> str:
    salt = os.environ.get("LIANCHUANG_INTAKE_SALT", "lianchuang-intake")
    return hashlib.sha256(f"{salt}:{kind}:{value}".encode()).hexdigest()[:32]


def check_rate(conn: sa.Connection, address: str, device: str | None,
               now: dt.datetime) -> dict[str, str]:
    """The intake hashes of this sender, if it may file now; else :class:`TooManyReports`."""
    hashes = {"intake_ip_hash": _hash("ip", address or "unknown")}
    if device is not None:
        if not isinstance(device, str) or not _DEVICE.match(device):
            raise InvalidInput("device must be 8-64 letters, digits, - or _ (the page's own id)")
        hashes["intake_device_hash"] = _hash("device", device)
    per_hour, per_day = limits()
    for column, value in hashes.items():
        for window, allowed, wait in ((dt.timedelta(hours=1), per_hour, 3600),
                                      (dt.timedelta(days=1), per_day, 86400)):
            sent = conn.scalar(sa.select(sa.func.count()).select_from(reports).where(
                reports.c[column] == value, reports.c.requested_at > now - window))
            if sent >= allowed:
                who = "this address" if column == "intake_ip_hash" else "this phone"
                raise TooManyReports(
                    f"{who} has filed {sent} reports in the last "
                    f"{'hour' if wait == 3600 else 'day'}, the most allowed; try again later "
                    "or call the 创建办 (12319)", wait)
    return hashes


def file_public_report(engine: sa.Engine, *, category: str, lon: float, lat: float,
                       description: str, address: str | None, phone: str | None,
                       photo: tuple[bytes, str | None, str | None] | None, sender: str,
                       device: str | None) -> dict[str, Any]:
    """File a citizen's report (*photo*: its bytes, declared type and file name); returns
    its tracking code and what the page shows.  The limits are checked before the photo is
    stored."""
    from layers.tracking.attachments import save_photo
    from layers.tracking.problem_reports import file_report

    if phone is not None and phone != "":
        if not isinstance(phone, str) or not _PHONE.match(phone.strip()):
            raise InvalidInput("phone must be a phone number (digits, spaces, -, a leading +)")
        phone = phone.strip()
    else:
        phone = None
    with engine.connect() as conn:
        intake = check_rate(conn, sender, device, clock.now())
    photo_id = None
    if photo is not None:
        content, declared, name = photo
        photo_id = save_photo(engine, content, declared_type=declared, original_name=name,
                              user=None)["id"]
    report = file_report(engine, None, category=category, lon=lon, lat=lat,
                         description=description, address=address, photo_id=photo_id,
                         reporter_name="群众", reporter_contact=phone, intake=intake)
    return {"tracking_code": report["tracking_code"], **public_view(engine,
                                                                    report["tracking_code"])}


def public_view(engine: sa.Engine, code: str) -> dict[str, Any]:
    """What the reporter sees of the case with tracking *code*: no names, no contacts."""
    if not isinstance(code, str) or not re.fullmatch(r"[0-9A-Za-z]{6,16}", code):
        raise NotFound("no case with that tracking code; check the code you were given")
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(reports.c.id, reports.c.status, reports.c.department,
                      reports.c.requested_at, reports.c.closed_at, reports.c.rating,
                      reports.c.status_notes, case_categories.c.name, case_categories.c.name_en)
            .join(case_categories, case_categories.c.code == reports.c.category)
            .where(reports.c.tracking_code == code.upper())).first()
        if row is None:
            raise NotFound("no case with that tracking code; check the code you were given")
        events = conn.execute(sa.select(report_events.c.action, report_events.c.at)
                              .where(report_events.c.report_id == row.id,
                                     report_events.c.action.is_not(None),
                                     report_events.c.action.notin_(("note", "migrate")))
                              .order_by(report_events.c.id)).all()
    from layers.tracking.problem_reports import _STATUS

    status, open_closed = _STATUS[row.status]
    return {
        "category": {"zh": row.name, "en": row.name_en},
        "status": row.status, "status_label": {"zh": status.zh, "en": status.en},
        "open311_status": open_closed, "unit": row.department if row.status != "reported"
        else None, "requested_at": row.requested_at.isoformat(),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "reason": row.status_notes if row.status == "refused" else None,
        "steps": [{"action": e.action, "label": _label(e.action), "at": e.at.isoformat()}
                  for e in events],
        "rating": row.rating, "can_rate": row.status == "closed" and row.rating is None,
        "ratings": [{"code": k, "zh": zh, "en": en} for k, (zh, en) in RATINGS.items()],
    }


def rate(engine: sa.Engine, code: str, rating: str, note: str | None) -> dict[str, Any]:
    """The reporter's rating of a closed case (once)."""
    view_code = code.upper() if isinstance(code, str) else code
    public_view(engine, view_code)  # 404 for an unknown code, before anything else
    with engine.connect() as conn:
        case_id, version = conn.execute(sa.select(reports.c.id, reports.c.version).where(
            reports.c.tracking_code == view_code)).one()
    take_step(engine, case_id, None, "rate", version=version, rating=rating, note=note,
              tracking_code=view_code)
    return public_view(engine, view_code)


def _label(action: str) -> dict[str, str]:
    step = STEPS.get(action)
    if step:
        return {"zh": step.zh, "en": step.en}
    return {"zh": "上报", "en": "Reported"}
