"""The service's one clock: now and today in the county's time zone.

Whether a project is overdue, which day a feed or a route is for, and which instants a date
filter spans are decided here, in ``LIANCHUANG_TZ`` (an IANA zone name, default
Asia/Shanghai), never in the server's local zone: at 23:30 UTC it is already the next day
in Xixiang.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from geo.errors import LianchuangError

#: The zone when ``LIANCHUANG_TZ`` is unset: China Standard Time.
DEFAULT_ZONE = "Asia/Shanghai"


class ClockSettingInvalid(LianchuangError):
    """``LIANCHUANG_TZ`` names no time zone: the server's setting, not the caller's, so the
    service is unavailable (503) until the admin fixes it; the message says how."""

    status = 503


def zone() -> ZoneInfo:
    """The county's time zone, from ``LIANCHUANG_TZ``."""
    name = os.environ.get("LIANCHUANG_TZ") or DEFAULT_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClockSettingInvalid(f"LIANCHUANG_TZ={name!r} is not a time zone; use an IANA "
                                  "name such as Asia/Shanghai (or unset it)") from None


def now() -> dt.datetime:
    """The current instant, in the county's zone."""
    return dt.datetime.now(dt.timezone.utc).astimezone(zone())


def today() -> dt.date:
    """Today's date in the county."""
    return now().date()


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of *day* in the county (a date filter spans from it to the next)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone())
