"""The working-time clock of cases: time limits count working minutes, not wall-clock ones.

A case's time limit (issue 14, item 3) runs only while the county's offices work: in the
working periods of a day (Xixiang: 08:30-12:00 and 14:30-18:00), on working days.  Which
days are worked is decided, in this order, by

1. the county's override file (``data/working_calendar.json``, or ``LIANCHUANG_CALENDAR``):
   its ``holidays`` are rested and its ``workdays`` worked, whatever the nation says;
2. China's statutory holidays and adjusted working days (调休) from the ``chinesecalendar``
   package, which carries the State Council's yearly notices;
3. for a year the package does not know yet (it knows a year once the State Council has
   published its notice, usually in November): Monday to Friday.  Such a year is remembered
   in :attr:`WorkingCalendar.unknown_years`, and :meth:`WorkingCalendar.years_without_national_data`
   answers it for a span, so a caller can warn that the limit may move once the notice is out.

Everything is computed in the county's zone (:mod:`layers.clock`); instants given in any
other zone are converted, naive ones refused.  Arithmetic is done in whole microseconds on
UTC instants, so counting back the minutes that :meth:`~WorkingCalendar.add_working_minutes`
added gives them again.

Pure computation: no Flask, no SQL.  The case tables and API build on this module.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import numbers
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

from geo.errors import InvalidInput
from layers import clock

#: Xixiang's office hours (summer); the county sets its own in the override file's ``hours``
#: or in ``LIANCHUANG_WORK_HOURS``.
DEFAULT_HOURS = "08:30-12:00,14:30-18:00"
#: The county's override file when neither the caller nor ``LIANCHUANG_CALENDAR`` names one.
DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "working_calendar.json"
#: The fields the override file may have.
FILE_FIELDS = ("hours", "workdays", "holidays", "note")
#: The units a time limit may be given in (:meth:`WorkingCalendar.limit_minutes`).
UNITS = ("working_hours", "working_days")

_ONE_US = dt.timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_ONE_DAY = dt.timedelta(days=1)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PERIOD = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")

Period = tuple[dt.time, dt.time]


class WorkingCalendarInvalid(InvalidInput):
    """The override file, ``LIANCHUANG_WORK_HOURS`` or ``LIANCHUANG_CALENDAR`` is malformed:
    the server's setting, not the caller's, so the API answers 503 (as for ``LIANCHUANG_TZ``)
    until the admin fixes it; the message names the file, the field and the value."""

    status = 503


@functools.lru_cache(maxsize=8192)
def _national_workday(day: dt.date) -> bool | None:
    """Whether the nation works on *day* (statutory holidays, 调休), ``None`` for a year
    ``chinesecalendar`` has no data for."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _hhmm(t: dt.time) -> str:
    return t.strftime("%H:%M")


def _periods_problem(periods: tuple[Period, ...]) -> str | None:
    """What is wrong with *periods* (``None`` if nothing): at least one, each ending after it
    starts, sorted, not overlapping, whole minutes of a day without zone."""
    if not periods:
        return "no working period; give at least one, e.g. " + repr(DEFAULT_HOURS)
    for start, end in periods:
        for t in (start, end):
            if not isinstance(t, dt.time) or t.tzinfo is not None or t.second or t.microsecond:
                return f"{t!r} is not a time of day in whole minutes (HH:MM, no zone)"
        if end <= start:
            return (f"the period {_hhmm(start)}-{_hhmm(end)} does not end after it starts "
                    "(a period cannot run past midnight)")
    for (a0, a1), (b0, b1) in zip(periods, periods[1:]):
        if b0 < a0:
            return (f"the periods are not in the order of the day: {_hhmm(b0)}-{_hhmm(b1)} "
                    f"comes after {_hhmm(a0)}-{_hhmm(a1)}")
        if b0 < a1:
            return f"the periods {_hhmm(a0)}-{_hhmm(a1)} and {_hhmm(b0)}-{_hhmm(b1)} overlap"
    return None


@dataclass(frozen=True)
class WorkingCalendar:
    """When the county works: the working periods of a day and which days are worked."""

    #: The working periods of a working day, e.g. ((08:30, 12:00), (14:30, 18:00)); sorted,
    #: not overlapping, each ending after it starts on the same day.
    periods: tuple[Period, ...]
    #: County override: days worked although the national calendar says rest.
    extra_workdays: frozenset[dt.date] = frozenset()
    #: County override: days rested although the national calendar says work.
    extra_holidays: frozenset[dt.date] = frozenset()
    #: The county's zone (``LIANCHUANG_TZ``, see :mod:`layers.clock`).
    tz: ZoneInfo = field(default_factory=clock.zone)
    #: Years asked about that ``chinesecalendar`` has no data for (Monday-Friday was assumed).
    #: Grows as the calendar is used; a cached calendar shares it among its callers.
    unknown_years: set[int] = field(default_factory=set, init=False, compare=False,
                                    hash=False, repr=False)

    def __post_init__(self) -> None:
        periods = tuple(tuple(p) for p in self.periods)
        if any(len(p) != 2 for p in periods):
            raise ValueError(f"working periods are (start, end) pairs of times, not {periods!r}")
        problem = _periods_problem(periods)
        if problem:
            raise ValueError(f"working periods: {problem}")
        both = set(self.extra_workdays) & set(self.extra_holidays)
        if both:
            raise ValueError("a day cannot be both an extra workday and an extra holiday: "
                             + ", ".join(d.isoformat() for d in sorted(both)))
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))

    # -- days -------------------------------------------------------------------------------

    def is_workday(self, day: dt.date) -> bool:
        """Whether *day* is worked: the county's override first, then the national calendar,
        then (for a year the national calendar does not know) Monday to Friday."""
        if isinstance(day, dt.datetime):
            day = self._utc(day, "day").astimezone(self.tz).date()
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        national = _national_workday(day)
        if national is None:
            self.unknown_years.add(day.year)
            return day.weekday() < 5
        return national

    def years_without_national_data(self, start: dt.date, end: dt.date) -> list[int]:
        """The years from *start*'s to *end*'s (inclusive) that ``chinesecalendar`` has no
        data for, where Monday to Friday is assumed: a limit running into them may move once
        the State Council's notice is out (upgrade the package, or add the days to the
        county's file)."""
        return [year for year in range(start.year, end.year + 1)
                if _national_workday(dt.date(year, 1, 1)) is None]

    # -- minutes ----------------------------------------------------------------------------

    @property
    def minutes_per_day(self) -> int:
        """The working minutes of a working day (the sum of the periods)."""
        return sum((dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start))
                   // dt.timedelta(minutes=1) for start, end in self.periods)

    def working_minutes(self, start: dt.datetime, end: dt.datetime) -> float:
        """The working minutes in [*start*, *end*); 0 if *end* is not after *start*.  Both
        must be aware (any zone)."""
        start_utc, end_utc = self._utc(start, "start"), self._utc(end, "end")
        if end_utc <= start_utc:
            return 0.0
        total = 0
        day, last = start_utc.astimezone(self.tz).date(), end_utc.astimezone(self.tz).date()
        while day <= last:
            for period_start, period_end in self._periods_on(day):
                lo, hi = max(period_start, start_utc), min(period_end, end_utc)
                if hi > lo:
                    total += (hi - lo) // _ONE_US
            day += _ONE_DAY
        return total / _US_PER_MINUTE

    def add_working_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """The instant (in the county's zone) when *minutes* working minutes after *start*
        have elapsed.  Outside working time, counting begins at the next period's start; a
        result exactly at a period's end is that end, not the next period's start.  With
        *minutes* 0 the answer is *start* itself (as an instant)."""
        start_utc = self._utc(start, "start")
        if isinstance(minutes, (bool, str, bytes)) or not isinstance(minutes, numbers.Number):
            raise TypeError(f"minutes must be a number, not {minutes!r}")
        if not math.isfinite(minutes) or minutes < 0:
            raise ValueError(f"minutes must be a finite number of 0 or more, not {minutes!r}")
        remaining = round(minutes * _US_PER_MINUTE)
        if remaining == 0:
            return start_utc.astimezone(self.tz)
        day = start_utc.astimezone(self.tz).date()
        while True:
            for period_start, period_end in self._periods_on(day):
                if period_end <= start_utc:
                    continue
                lo = max(period_start, start_utc)
                available = (period_end - lo) // _ONE_US
                if remaining <= available:
                    return (lo + remaining * _ONE_US).astimezone(self.tz)
                remaining -= available
            day += _ONE_DAY

    def limit_minutes(self, value: float, unit: str) -> int:
        """A time limit in working minutes: *value* ``working_hours`` or ``working_days``
        (a working day being :attr:`minutes_per_day`)."""
        if unit not in UNITS:
            raise ValueError(f"unit {unit!r} is not a unit of time limits; use one of "
                             + ", ".join(UNITS))
        if isinstance(value, (bool, str, bytes)) or not isinstance(value, numbers.Number):
            raise TypeError(f"a time limit must be a number, not {value!r}")
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"a time limit must be a finite number of 0 or more, not {value!r}")
        per_unit = 60 if unit == "working_hours" else self.minutes_per_day
        return round(value * per_unit)

    # -- helpers ----------------------------------------------------------------------------

    def _utc(self, moment: dt.datetime, name: str) -> dt.datetime:
        """*moment* as a UTC instant; a naive datetime is refused (its zone is unknown)."""
        if not isinstance(moment, dt.datetime):
            raise TypeError(f"{name} must be a datetime, not {moment!r}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name}={moment.isoformat()} is a naive datetime: its zone is "
                             "unknown, so its working time is too; give an aware datetime, "
                             "e.g. with tzinfo=layers.clock.zone()")
        return moment.astimezone(dt.timezone.utc)

    def _periods_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working periods of *day* as UTC instants (none on a day off)."""
        if not self.is_workday(day):
            return []
        return [(dt.datetime.combine(day, start, tzinfo=self.tz).astimezone(dt.timezone.utc),
                 dt.datetime.combine(day, end, tzinfo=self.tz).astimezone(dt.timezone.utc))
                for start, end in self.periods]


# -- the county's settings ------------------------------------------------------------------


def parse_hours(text: str, where: str) -> tuple[Period, ...]:
    """Working periods from ``"08:30-12:00,14:30-18:00"``; *where* names the setting in the
    error."""
    how = f"write the periods as HH:MM-HH:MM separated by commas, e.g. {DEFAULT_HOURS!r}"
    if not isinstance(text, str):
        raise WorkingCalendarInvalid(f"{where}: {text!r} is not working hours; {how}")
    periods = []
    for part in text.split(","):
        match = _PERIOD.fullmatch(part.strip())
        if not match:
            raise WorkingCalendarInvalid(
                f"{where}: {part.strip()!r} in {text!r} is not a working period; {how}")
        h0, m0, h1, m1 = map(int, match.groups())
        try:
            periods.append((dt.time(h0, m0), dt.time(h1, m1)))
        except ValueError:
            raise WorkingCalendarInvalid(
                f"{where}: {part.strip()!r} in {text!r} is not a time of day (00:00 to "
                "23:59)") from None
    periods = tuple(periods)
    problem = _periods_problem(periods)
    if problem:
        raise WorkingCalendarInvalid(f"{where}: {text!r}: {problem}")
    return periods


def _dates(doc: dict, name: str, file: Path) -> frozenset[dt.date]:
    """The dates of the file's field *name* (a list of YYYY-MM-DD)."""
    values = doc.get(name, [])
    if not isinstance(values, list):
        raise WorkingCalendarInvalid(f"{file}: field {name!r} must be a list of dates "
                                     f"(YYYY-MM-DD), not {values!r}")
    days = set()
    for value in values:
        try:
            if not (isinstance(value, str) and _DATE.fullmatch(value)):
                raise ValueError
            days.add(dt.date.fromisoformat(value))
        except ValueError:
            raise WorkingCalendarInvalid(f"{file}: field {name!r}: {value!r} is not a date; "
                                         "write YYYY-MM-DD, e.g. '2027-02-07'") from None
    return frozenset(days)


@functools.lru_cache(maxsize=8)
def _load(file: Path, hours: str | None, hours_where: str, stamp: tuple, tz: ZoneInfo
          ) -> WorkingCalendar:
    """The calendar of *file* (cached while its *stamp*, the settings and the zone stay)."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkingCalendarInvalid(f"{file}: cannot read the working calendar ({exc})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkingCalendarInvalid(f"{file}: not valid JSON: {exc.msg} at line {exc.lineno} "
                                     f"column {exc.colno}") from None
    if not isinstance(doc, dict):
        raise WorkingCalendarInvalid(f"{file}: must be a JSON object with the fields "
                                     f"{', '.join(FILE_FIELDS)}, not {doc!r}")
    for key in doc:
        if key not in FILE_FIELDS:
            raise WorkingCalendarInvalid(f"{file}: unknown field {key!r}; the fields are "
                                         + ", ".join(FILE_FIELDS))
    if "note" in doc and not isinstance(doc["note"], str):
        raise WorkingCalendarInvalid(f"{file}: field 'note' must be a string, "
                                     f"not {doc['note']!r}")
    workdays, holidays = _dates(doc, "workdays", file), _dates(doc, "holidays", file)
    both = sorted(workdays & holidays)
    if both:
        raise WorkingCalendarInvalid(
            f"{file}: {both[0].isoformat()} is in both fields 'workdays' and 'holidays'; "
            "a day is either worked or rested: keep it in one of them")
    if hours is None:
        hours, hours_where = doc.get("hours", DEFAULT_HOURS), f"{file}: field 'hours'"
    return WorkingCalendar(periods=parse_hours(hours, hours_where), extra_workdays=workdays,
                           extra_holidays=holidays, tz=tz)


def load_calendar(path: Path | None = None, hours: str | None = None) -> WorkingCalendar:
    """The county's working calendar: the override file *path* (else ``LIANCHUANG_CALENDAR``,
    else ``data/working_calendar.json``) and the working *hours* (else
    ``LIANCHUANG_WORK_HOURS``, else the file's ``hours``, else :data:`DEFAULT_HOURS`).

    Cached while the file, the settings and ``LIANCHUANG_TZ`` stay the same.  A malformed
    file or setting raises :class:`WorkingCalendarInvalid` (an ``InvalidInput``) naming
    the file, the field and the value.
    """
    if path is None:
        path = Path(os.environ.get("LIANCHUANG_CALENDAR") or DEFAULT_FILE)
    file = Path(path).resolve()
    if hours is not None:
        hours_where = "working hours"
    elif os.environ.get("LIANCHUANG_WORK_HOURS"):
        hours, hours_where = os.environ["LIANCHUANG_WORK_HOURS"], "LIANCHUANG_WORK_HOURS"
    else:
        hours_where = ""
    try:
        stat = file.stat()
    except OSError as exc:
        raise WorkingCalendarInvalid(f"{file}: cannot read the working calendar "
                                     f"({exc.strerror}); set LIANCHUANG_CALENDAR to the "
                                     "county's file") from None
    return _load(file, hours, hours_where, (stat.st_mtime_ns, stat.st_size), clock.zone())
