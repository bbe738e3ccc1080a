"""A field inspection route request, checked: which sites, from where, within what day.

A request names its stops three ways, which add up (an explicit stop first, a repeat dropped):

* ``projects``: a filter on the ledger (``status``, ``campaign``, ``department``,
  ``overdue``, and ``not_inspected_days``: no note or photo event in the last N days);
* ``reports``: open problem reports (submitted / assigned / in progress), by status and
  department;
* ``stops``: an explicit list of ``{"project_id"}``, ``{"report_id"}``, ``{"layer", "fid"}``
  or ``{"lon", "lat", "name"}``, each with an optional ``service_min`` and a time window
  (``earliest`` / ``latest``, clock times ``HH:MM``).

:func:`parse_route_request` turns the JSON of ``POST /api/routes/inspection`` into a
:class:`RouteRequest`, or raises :class:`InvalidRouteRequest` (400) naming the field, the
value and what is allowed.  Nothing here reads the database: :mod:`layers.inspection.planning` finds
the sites and plans.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.errors import InvalidInput, LianchuangError
from geo.inspection_problem import DAY_MIN, MAX_SNAP_M, SERVICE_MIN
from layers.serving.query import InvalidQuery, ProjectFilter, choice_code, plain_text
from layers.storage.catalogue import REPORT_STATUSES, UnknownLayer, get_layer
from layers.tracking.problem_reports import OPEN_STATUSES

#: Most stops one plan may hold; a larger selection is refused (narrow the filter).
MAX_STOPS = 200
MAX_INSPECTORS = 20
#: Longest solver search a request may ask for, in seconds.
MAX_TIME_LIMIT_S = 30.0
#: Farthest a request may allow a stop from the streets (``max_snap_m``), in metres.
MAX_SNAP_LIMIT_M = 5000.0
MAX_NOT_INSPECTED_DAYS = 3650
#: The server's depot setting, ``lon,lat,name``.
DEPOT_SETTING = "LIANCHUANG_DEPOT"

_REQUEST_KEYS = ("projects", "reports", "stops", "depot", "inspectors", "service_min",
                 "day_start", "day_min", "objective", "time_limit_s", "max_snap_m", "today")
_PROJECT_KEYS = ("status", "campaign", "department", "overdue", "not_inspected_days")
_REPORT_KEYS = ("status", "department")
_STOP_KEYS = ("project_id", "report_id", "layer", "fid", "lon", "lat", "name", "service_min",
              "earliest", "latest")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_REPORT_STATUS_CHOICES = tuple(choice for choice, _ in REPORT_STATUSES)


class InvalidRouteRequest(InvalidInput):
    """A route request that is malformed or out of range."""


class DepotSettingInvalid(LianchuangError):
    """``LIANCHUANG_DEPOT`` is set but is not ``lon,lat,name``: the server's, not the caller's."""

    status = 500


@dataclass(frozen=True)
class Place:
    """A named lon/lat position; ``source`` says where a depot came from."""

    lon: float
    lat: float
    name: str
    source: str = "request"


@dataclass(frozen=True)
class StopRef:
    """One explicit stop: ``kind`` is project, report, feature or point."""

    kind: str
    key: Any
    name: str | None = None
    service_min: float | None = None
    earliest: str | None = None
    latest: str | None = None


@dataclass(frozen=True)
class StopSelection:
    """Which stops: a project filter, open reports, explicit stops (any of the three)."""

    projects: ProjectFilter | None = None
    not_inspected_days: int | None = None
    report_statuses: tuple[str, ...] | None = None
    report_department: str | None = None
    stops: tuple[StopRef, ...] = ()


@dataclass(frozen=True)
class RouteRequest:
    """A validated route request (see :func:`parse_route_request`)."""

    selection: StopSelection
    depot: Place | None = None
    inspectors: int = 1
    service_min: float = SERVICE_MIN
    day_start: str = "08:30"
    day_min: float = DAY_MIN
    objective: str = "travel_time"
    time_limit_s: float | None = None
    max_snap_m: float = MAX_SNAP_M
    today: dt.date | None = None


def parse_route_request(body: Any) -> RouteRequest:
    """Check a route request (the JSON object of ``POST /api/routes/inspection``).

    Raises :class:`InvalidRouteRequest` naming the field, the value and what is allowed.
    """
    body = _object(body, "the request", _REQUEST_KEYS)
    day_start = _clock(body.get("day_start", "08:30"), "day_start")
    day_min = _number(body, "day_min", DAY_MIN, 1, 1440)
    if minutes_of_day(day_start) + day_min > 1440:
        raise InvalidRouteRequest(f"the working day from {day_start} for {day_min:g} min ends "
                                  f"after midnight; shorten day_min or start earlier")
    objective = body.get("objective", "travel_time")
    if objective not in ("travel_time", "length"):
        raise InvalidRouteRequest(f"objective {objective!r}: use 'travel_time' or 'length'")
    selection = parse_selection(body)
    for index, ref in enumerate(selection.stops):
        if ref.latest is not None and minutes_of_day(ref.latest) < minutes_of_day(day_start):
            raise InvalidRouteRequest(f"stops[{index}].latest {ref.latest} is before the "
                                      f"working day starts at {day_start}")
    return RouteRequest(
        selection=selection,
        depot=_place(_object(body["depot"], "depot", ("lon", "lat", "name")), "depot")
        if body.get("depot") is not None else None,
        inspectors=int(_number(body, "inspectors", 1, 1, MAX_INSPECTORS, whole=True)),
        service_min=_number(body, "service_min", SERVICE_MIN, 0, day_min),
        day_start=day_start, day_min=day_min, objective=objective,
        time_limit_s=_number(body, "time_limit_s", None, 0.1, MAX_TIME_LIMIT_S),
        max_snap_m=_number(body, "max_snap_m", MAX_SNAP_M, 1, MAX_SNAP_LIMIT_M),
        today=parse_date(body.get("today"), "today"),
    )


def parse_selection(body: Mapping[str, Any]) -> StopSelection:
    """The ``projects``, ``reports`` and ``stops`` members of a request, checked."""
    projects_filter, days = _project_selection(body.get("projects"))
    statuses, department = _report_selection(body.get("reports"))
    selection = StopSelection(projects_filter, days, statuses, department,
                              _stop_list(body.get("stops")))
    if projects_filter is None and statuses is None and not selection.stops:
        raise InvalidRouteRequest('say which sites to visit: "projects" (a filter such as '
                                  '{"overdue": true}), "reports" (true for open reports) '
                                  'and/or "stops" (a list)')
    return selection


def _project_selection(value: Any) -> tuple[ProjectFilter | None, int | None]:
    if value is None:
        return None, None
    wanted = _object(value, "projects", _PROJECT_KEYS)
    overdue = wanted.get("overdue")
    if overdue is not None and not isinstance(overdue, bool):
        raise InvalidRouteRequest(f"projects.overdue must be true or false; got {overdue!r}")
    department = wanted.get("department")
    try:
        projects_filter = ProjectFilter(
            statuses=_texts(wanted.get("status"), "projects.status"),
            campaigns=_texts(wanted.get("campaign"), "projects.campaign"),
            department=_text(department, "projects.department") if department else None,
            overdue=overdue)
    except InvalidQuery as exc:
        raise InvalidRouteRequest(f"projects: {exc}") from None
    days = _number(wanted, "not_inspected_days", None, 1, MAX_NOT_INSPECTED_DAYS, whole=True,
                   prefix="projects.")
    return projects_filter, int(days) if days is not None else None


def _report_selection(value: Any) -> tuple[tuple[str, ...] | None, str | None]:
    if value is None or value is False:
        return None, None
    wanted = {} if value is True else _object(value, "reports", _REPORT_KEYS)
    try:
        statuses = tuple(choice_code(_REPORT_STATUS_CHOICES, status, "report status")
                         for status in _texts(wanted.get("status"), "reports.status"))
    except InvalidQuery as exc:
        raise InvalidRouteRequest(f"reports: {exc}") from None
    closed = [status for status in statuses if status not in OPEN_STATUSES]
    if closed:
        raise InvalidRouteRequest(f"reports.status {closed[0]!r}: only open reports are "
                                  f"inspected; use {', '.join(OPEN_STATUSES)} (or name a "
                                  f"closed report in stops as {{\"report_id\": …}})")
    department = wanted.get("department")
    return (statuses or OPEN_STATUSES,
            _text(department, "reports.department") if department else None)


def _stop_list(value: Any) -> tuple[StopRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRouteRequest("stops must be a list of objects")
    if len(value) > MAX_STOPS:
        raise InvalidRouteRequest(f"stops lists {len(value)} stops; at most {MAX_STOPS} fit in "
                                  f"one plan")
    return tuple(_stop_ref(item, f"stops[{i}]") for i, item in enumerate(value))


def _stop_ref(item: Any, where: str) -> StopRef:
    item = _object(item, where, _STOP_KEYS)
    common = {"service_min": _number(item, "service_min", None, 0, 1440, prefix=where + "."),
              "earliest": _clock(item["earliest"], f"{where}.earliest")
              if item.get("earliest") is not None else None,
              "latest": _clock(item["latest"], f"{where}.latest")
              if item.get("latest") is not None else None,
              "name": _text(item["name"], f"{where}.name") if item.get("name") else None}
    if common["earliest"] and common["latest"] and \
            minutes_of_day(common["earliest"]) > minutes_of_day(common["latest"]):
        raise InvalidRouteRequest(f"{where}: earliest {common['earliest']} is after latest "
                                  f"{common['latest']}")
    if "project_id" in item or "report_id" in item:
        kind = "project" if "project_id" in item else "report"
        key = item[f"{kind}_id"]
        if isinstance(key, bool) or not isinstance(key, int) or not 1 <= key < 2**31:
            raise InvalidRouteRequest(f"{where}.{kind}_id must be a positive whole number; "
                                      f"got {key!r}")
        return StopRef(kind, key, **common)
    if "layer" in item or "fid" in item:
        layer, fid = item.get("layer"), item.get("fid")
        try:
            get_layer(layer if isinstance(layer, str) else "")
        except UnknownLayer as exc:
            raise InvalidRouteRequest(f"{where}.layer: {exc}") from None
        return StopRef("feature", (layer, _text(fid, f"{where}.fid")), **common)
    if "lon" in item or "lat" in item:
        place = _place(item, where)
        return StopRef("point", (place.lon, place.lat), **common)
    raise InvalidRouteRequest(f'{where} must name a site: {{"project_id"}}, {{"report_id"}}, '
                              f'{{"layer", "fid"}} or {{"lon", "lat", "name"}}')


def _object(value: Any, what: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRouteRequest(f"{what} must be a JSON object with: {', '.join(allowed)}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise InvalidRouteRequest(f"{what}: unknown member(s) {', '.join(map(repr, unknown))}; "
                                  f"use: {', '.join(allowed)}")
    return value


def _number(body: Mapping[str, Any], name: str, default: float | None, low: float,
            high: float, *, whole: bool = False, prefix: str = "") -> float | None:
    value = body.get(name)
    if value is None:
        return default
    kind = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or (whole and value != int(value)):
        raise InvalidRouteRequest(f"{prefix}{name} must be {kind}; got {value!r}")
    if not low <= value <= high:
        raise InvalidRouteRequest(f"{prefix}{name}={value:g} is out of range; give "
                                  f"{low:g} to {high:g}")
    return float(value)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidRouteRequest(f"{what} must be text; got {value!r}")
    try:
        text = plain_text(value, what)
    except InvalidQuery as exc:
        raise InvalidRouteRequest(str(exc)) from None
    if len(text) > 200:
        raise InvalidRouteRequest(f"{what} is {len(text)} characters long; at most 200")
    return text


def _texts(value: Any, what: str) -> tuple[str, ...]:
    """A list of codes or labels, or one text of them separated by commas."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise InvalidRouteRequest(f"{what} must be a list of texts")
    return tuple(_text(item, what) for item in items)


def _clock(value: Any, what: str) -> str:
    match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise InvalidRouteRequest(f"{what} must be a clock time HH:MM (e.g. 08:30); "
                                  f"got {value!r}")
    return f"{int(match[1]):02d}:{match[2]}"


def minutes_of_day(clock_time: str) -> int:
    """Minutes since midnight of a checked clock time ``HH:MM``."""
    hours, minutes = clock_time.split(":")
    return int(hours) * 60 + int(minutes)


def parse_date(value: Any, what: str) -> dt.date | None:
    """*value* (``YYYY-MM-DD``) as a date, ``None`` when absent."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidRouteRequest(f"{what} must be a date YYYY-MM-DD; got {value!r}") from None


def _place(item: Mapping[str, Any], what: str) -> Place:
    """A lon/lat position in China (WGS84 degrees) with an optional name."""
    lon = _number(item, "lon", None, -math.inf, math.inf, prefix=what + ".")
    lat = _number(item, "lat", None, -math.inf, math.inf, prefix=what + ".")
    if lon is None or lat is None:
        raise InvalidRouteRequest(f"{what} needs both lon and lat (WGS84 degrees)")
    if not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise InvalidRouteRequest(f"{what} lon {lon:g}, lat {lat:g} is outside China: are lon "
                                  f"and lat swapped, or the coordinates projected?")
    name = _text(item["name"], f"{what}.name") if item.get("name") else "出发地点"
    return Place(lon, lat, name)


def depot_from_setting(setting: str) -> Place:
    """The depot of ``LIANCHUANG_DEPOT="lon,lat,name"`` (name optional)."""
    parts = [part.strip() for part in setting.split(",", 2)]
    try:
        lon, lat = float(parts[0]), float(parts[1])
        if not (73 <= lon <= 136 and 3 <= lat <= 54):
            raise ValueError
    except (ValueError, IndexError):
        raise DepotSettingInvalid(f"{DEPOT_SETTING}={setting!r} is not 'lon,lat,name' in "
                                  f"WGS84 degrees in China (e.g. 107.765,32.985,县创建办); "
                                  f"fix the server's setting") from None
    name = parts[2] if len(parts) > 2 and parts[2] else "县创建办"
    return Place(lon, lat, name, "setting")


