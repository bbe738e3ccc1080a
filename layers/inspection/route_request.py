"""A field inspection route request, checked: which sites, from where, within what day.

A request names its stops three ways, which add up (an explicit stop first, a repeat dropped):

* ``projects``: a filter on the ledger (``status``, ``campaign``, ``department``,
  ``overdue``, and ``not_inspected_days``: no note or photo event in the last N days);
* ``reports``: open problem reports (submitted / assigned / in progress), by status and
  department;
* ``stops``: an explicit list of ``{"project_id"}`` (the project's sites selected by
  default), ``{"project_id", "site"}`` (one site, ``<layer>:<fid>``), ``{"report_id"}``,
  ``{"layer", "fid"}`` or ``{"lon", "lat", "name"}``, each with an optional ``service_min``
  and a time window (``earliest`` / ``latest``, clock times ``HH:MM``).

:func:`parse_route_request` turns the JSON of ``POST /api/routes/inspection`` into a
:class:`RouteRequest`, or raises :class:`InvalidRouteRequest` (400) naming the field, the
value and what is allowed.  Nothing here reads the database: :mod:`layers.inspection.planning` finds
the sites and plans.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma

from geo.errors import InvalidInput, LianchuangError
from geo.inspection_problem import DAY_MIN, MAX_SNAP_M, SERVICE_MIN
from layers.inspection.request_fields import Clock, Day, Flag, Id, Number, Site, Text, Texts
from layers.serving.query import InvalidQuery, ProjectFilter, choice_code
from layers.serving.schema_errors import schema_error_message
from layers.storage.catalogue import (
    CAMPAIGNS,
    REPORT_STATUSES,
    STATUSES,
    UnknownLayer,
    get_layer,
    layer_names,
)
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
    """One explicit stop: ``kind`` is project, site (``key`` project id, layer, fid), report,
    feature or point."""

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
    #: Only reports in the grid cells of this supervisor (username).
    report_supervisor: str | None = None


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
    return _load(RouteRequestSchema(), body)


def parse_selection(body: Mapping[str, Any]) -> StopSelection:
    """The ``projects``, ``reports`` and ``stops`` members of a request, checked."""
    return _load(SelectionSchema(), body)


def _load(schema: ma.Schema, body: Any) -> Any:
    if not isinstance(body, dict):
        raise InvalidRouteRequest("the request must be a JSON object with: "
                                  + ", ".join(schema.fields))
    try:
        return schema.load(body)
    except ma.ValidationError as exc:
        raise InvalidRouteRequest(schema_error_message(exc.messages, body, schema)) from None


class Stops(ma.fields.List):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ma.ValidationError("stops must be a list of objects")
        if len(value) > MAX_STOPS:
            raise ma.ValidationError(f"stops lists {len(value)} stops; at most {MAX_STOPS} fit "
                                     f"in one plan")
        return super()._deserialize(value, attr, data, **kwargs)


# --- schemas --------------------------------------------------------------------------------


class _Object(ma.Schema):
    """A JSON object whose members are all known; a member that is null is left out."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _without_nulls(self, data: Any, **kwargs) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) \
            else data


class PlaceSchema(_Object):
    """A lon/lat position in China (WGS84 degrees) with an optional name."""

    lon = Number(-math.inf, math.inf, metadata={"minimum": 73, "maximum": 136})
    lat = Number(-math.inf, math.inf, metadata={"minimum": 3, "maximum": 54})
    name = Text()

    @ma.post_load
    def _place(self, data: dict[str, Any], **kwargs) -> Place:
        return _place(data)


class StopSchema(_Object):
    """One stop: ``{project_id}`` (its sites selected by default), ``{project_id, site}``,
    ``{report_id}``, ``{layer, fid}`` or ``{lon, lat, name}``, with an optional
    ``service_min`` and time window (``earliest``, ``latest``)."""

    project_id = Id()
    site = Site()
    report_id = Id()
    layer = ma.fields.Raw(metadata={"type": "string", "enum": list(layer_names())})
    fid = Text()
    lon = Number(-math.inf, math.inf, metadata={"minimum": 73, "maximum": 136})
    lat = Number(-math.inf, math.inf, metadata={"minimum": 3, "maximum": 54})
    name = Text()
    service_min = Number(0, 1440)
    earliest = Clock(metadata={"example": "08:30"})
    latest = Clock(metadata={"example": "17:30"})

    @ma.post_load
    def _stop(self, item: dict[str, Any], **kwargs) -> StopRef:
        common = {key: item.get(key) for key in ("service_min", "earliest", "latest", "name")}
        if common["earliest"] and common["latest"] and \
                minutes_of_day(common["earliest"]) > minutes_of_day(common["latest"]):
            raise ma.ValidationError(f"has earliest {common['earliest']}, which is after "
                                     f"latest {common['latest']}")
        if "site" in item:
            if "project_id" not in item:
                needs = (f"site {':'.join(item['site'])!r} needs the project_id it belongs "
                         f"to: {{\"project_id\": …, \"site\": …}}")
                raise ma.ValidationError({"site": [needs]})
            return StopRef("site", (item["project_id"], *item["site"]), **common)
        if "project_id" in item or "report_id" in item:
            kind = "project" if "project_id" in item else "report"
            return StopRef(kind, item[f"{kind}_id"], **common)
        if "layer" in item or "fid" in item:
            layer = item.get("layer")
            try:
                get_layer(layer if isinstance(layer, str) else "")
            except UnknownLayer as exc:
                raise ma.ValidationError({"layer": [f"layer: {exc}"]}) from None
            if "fid" not in item:
                raise ma.ValidationError({"fid": ["fid must be text; got None"]})
            return StopRef("feature", (layer, item["fid"]), **common)
        if "lon" in item or "lat" in item:
            place = _place(item)
            return StopRef("point", (place.lon, place.lat), **common)
        raise ma.ValidationError('must name a site: {"project_id"}, {"project_id", "site"}, '
                                 '{"report_id"}, {"layer", "fid"} or {"lon", "lat", "name"}')


class ProjectsSchema(_Object):
    """Projects passing this filter; ``{}`` means every project."""

    status = Texts(metadata={"type": "array", "items": {
        "type": "string", "enum": [s.code for s in STATUSES]}})
    campaign = Texts(metadata={"type": "array", "items": {
        "type": "string", "enum": [c.code for c in CAMPAIGNS]}})
    department = Text()
    overdue = Flag()
    not_inspected_days = Number(1, MAX_NOT_INSPECTED_DAYS, whole=True, metadata={
        "description": "No note or photo event in that many days."})

    @ma.post_load
    def _filter(self, wanted: dict[str, Any], **kwargs) -> tuple[ProjectFilter, int | None]:
        try:
            return ProjectFilter(statuses=wanted.get("status", ()),
                                 campaigns=wanted.get("campaign", ()),
                                 department=wanted.get("department") or None,
                                 overdue=wanted.get("overdue")), wanted.get("not_inspected_days")
        except InvalidQuery as exc:
            raise InvalidRouteRequest(f"projects: {exc}") from None


class ReportsSchema(_Object):
    """Open problem reports (cases) by status, department and supervisor's cells."""

    status = Texts(metadata={"type": "array", "items": {
        "type": "string", "enum": list(OPEN_STATUSES)}})
    department = Text()
    supervisor = Text(metadata={"description": "Only cases in the grid cells of this "
                                               "supervisor (username)."})

    @ma.post_load
    def _reports(self, wanted: dict[str, Any], **kwargs
                 ) -> tuple[tuple[str, ...], str | None, str | None]:
        try:
            statuses = tuple(choice_code(_REPORT_STATUS_CHOICES, status, "report status")
                             for status in wanted.get("status", ()))
        except InvalidQuery as exc:
            raise InvalidRouteRequest(f"reports: {exc}") from None
        closed = [status for status in statuses if status not in OPEN_STATUSES]
        if closed:
            raise InvalidRouteRequest(f"reports.status {closed[0]!r}: only open reports are "
                                      f"inspected; use {', '.join(OPEN_STATUSES)} (or name a "
                                      f"closed report in stops as {{\"report_id\": …}})")
        return (statuses or OPEN_STATUSES, wanted.get("department") or None,
                wanted.get("supervisor") or None)


class Reports(ma.fields.Nested):
    """``true`` for every open report, or a :class:`ReportsSchema` filter."""

    def __init__(self, **kwargs):
        super().__init__(ReportsSchema, allow_none=True, metadata={
            "description": "Open problem reports: `true`, or a filter."}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value is False:
            return None
        return super()._deserialize({} if value is True else value, attr, data, **kwargs)


class SelectionSchema(_Object):
    """Which sites: ``projects`` (a filter), ``reports`` (open ones), ``stops`` (a list)."""

    class Meta:
        unknown = ma.EXCLUDE  # the rest of a route request

    projects = ma.fields.Nested(ProjectsSchema, allow_none=True)
    reports = Reports()
    stops = Stops(ma.fields.Nested(StopSchema), allow_none=True,
                  metadata={"maxItems": MAX_STOPS})

    @ma.post_load
    def _selection(self, body: dict[str, Any], **kwargs) -> StopSelection:
        return _selection(body)


class RouteRequestSchema(_Object):
    """A route request: the sites, the depot, the inspectors and their working day."""

    projects = ma.fields.Nested(ProjectsSchema, allow_none=True)
    reports = Reports()
    stops = Stops(ma.fields.Nested(StopSchema), allow_none=True,
                  metadata={"maxItems": MAX_STOPS})
    depot = ma.fields.Nested(PlaceSchema, allow_none=True, metadata={"description": (
        "Start and end of every route; default: the server's LIANCHUANG_DEPOT, else the "
        "point on surface of the built-up area.")})
    inspectors = Number(1, MAX_INSPECTORS, whole=True, load_default=1)
    service_min = Number(0, 1440, load_default=SERVICE_MIN,
                         metadata={"description": "Minutes on site per stop."})
    day_start = Clock(load_default="08:30")
    day_min = Number(1, 1440, load_default=DAY_MIN,
                     metadata={"description": "Length of the working day in minutes."})
    objective = ma.fields.Raw(load_default="travel_time", metadata={
        "type": "string", "enum": ["travel_time", "length"]})
    time_limit_s = Number(0.1, MAX_TIME_LIMIT_S, allow_none=True, metadata={
        "description": "Solver search time; by default 1 to 2.5 s."})
    max_snap_m = Number(1, MAX_SNAP_LIMIT_M, load_default=MAX_SNAP_M, metadata={
        "description": "Farthest a stop may be from the streets."})
    today = Day(allow_none=True, metadata={
        "description": "Date that overdue and not-inspected are judged on."})

    @ma.post_load
    def _request(self, body: dict[str, Any], **kwargs) -> RouteRequest:
        day_start, day_min = body["day_start"], body["day_min"]
        if minutes_of_day(day_start) + day_min > 1440:
            raise InvalidRouteRequest(f"the working day from {day_start} for {day_min:g} min "
                                      f"ends after midnight; shorten day_min or start earlier")
        if body["service_min"] > day_min:
            raise InvalidRouteRequest(f"service_min={body['service_min']:g} is out of range; "
                                      f"give 0 to {day_min:g} (the working day)")
        if body["objective"] not in ("travel_time", "length"):
            raise InvalidRouteRequest(f"objective {body['objective']!r}: use 'travel_time' or "
                                      f"'length'")
        selection = _selection(body)
        for index, ref in enumerate(selection.stops):
            if ref.latest is not None and minutes_of_day(ref.latest) < minutes_of_day(day_start):
                raise InvalidRouteRequest(f"stops.{index}.latest {ref.latest} is before the "
                                          f"working day starts at {day_start}")
        return RouteRequest(
            selection=selection, depot=body.get("depot"), inspectors=body["inspectors"],
            service_min=body["service_min"], day_start=day_start, day_min=day_min,
            objective=body["objective"], time_limit_s=body.get("time_limit_s"),
            max_snap_m=body["max_snap_m"], today=body.get("today"))


def _selection(body: dict[str, Any]) -> StopSelection:
    """The selection of loaded ``projects``, ``reports`` and ``stops`` members."""
    projects_filter, days = body.get("projects") or (None, None)
    statuses, department, supervisor = body.get("reports") or (None, None, None)
    selection = StopSelection(projects_filter, days, statuses, department,
                              tuple(body.get("stops") or ()), supervisor)
    if projects_filter is None and statuses is None and not selection.stops:
        raise InvalidRouteRequest('say which sites to visit: "projects" (a filter such as '
                                  '{"overdue": true}), "reports" (true for open reports) '
                                  'and/or "stops" (a list)')
    return selection


def minutes_of_day(clock_time: str) -> int:
    """Minutes since midnight of a checked clock time ``HH:MM``."""
    hours, minutes = clock_time.split(":")
    return int(hours) * 60 + int(minutes)


def _place(item: Mapping[str, Any]) -> Place:
    """A lon/lat position in China (WGS84 degrees) with an optional name."""
    lon, lat = item.get("lon"), item.get("lat")
    if lon is None or lat is None:
        raise ma.ValidationError("needs both lon and lat (WGS84 degrees)")
    if not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise ma.ValidationError(f"has lon {lon:g}, lat {lat:g}, which is outside China: are "
                                 f"lon and lat swapped, or the coordinates projected?")
    return Place(lon, lat, item.get("name") or "出发地点")


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


