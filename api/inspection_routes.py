"""``/api/routes/inspection``: plan field inspection routes and download them.

``POST`` plans a route (the JSON request of :func:`layers.inspection.route_request.parse_route_request`)
and answers 201 with its GeoJSON and a ``Location``; the stored route is then readable as
GeoJSON, GPX (for the inspector's phone), KML and a printable HTML stop list.
``GET …/stops`` previews which sites a selection holds, and the default depot, without
planning. The work is in :mod:`layers.inspection.planning`; this is the HTTP adapter.
:data:`OPENAPI_PATHS` and :data:`OPENAPI_PARAMETERS` describe these routes for
``api/openapi.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.datastructures import MultiDict

from api import params
from api.auth import require_user
from api.database import get_engine
from api.render import GEOJSON, json_response
from layers.inspection import planning, route_request
from layers.serving.query import InvalidQuery
from layers.storage.catalogue import CAMPAIGNS, STATUSES
from layers.tracking.problem_reports import OPEN_STATUSES

bp = Blueprint("inspection_routes", __name__, url_prefix="/api/routes")

GPX = "application/gpx+xml"
KML = "application/vnd.google-earth.kml+xml"
#: Downloads of a stored route: media type, file extension, served as an attachment.
_FILES = {"gpx": (GPX, "gpx", True), "kml": (KML, "kml", True),
          "html": ("text/html", "html", False)}
#: Query parameters of the stops preview.
STOPS_PARAMS = ("projects", "status", "campaign", "department", "overdue", "not_inspected_days",
                "reports", "report_status", "report_department", "today")


@bp.post("/inspection")
def plan() -> Response:
    """Plan an inspection route, store it, answer 201 with its GeoJSON and links."""
    # A plan is stored and may search for up to MAX_TIME_LIMIT_S: a write, for inspectors.
    user = require_user("inspector")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidQuery("send the route request as a JSON object with Content-Type: "
                           "application/json (see /api/docs)")
    planned = route_request.parse_route_request(body)
    document = planning.plan_inspection(
        get_engine(), planned, raw=body, depot_setting=_depot_setting(),
        created_by=user.label)
    response = json_response(_with_links(document), GEOJSON, status=201)
    response.headers["Location"] = url_for("inspection_routes.route", route_id=document["id"],
                                           _external=True)
    return response


@bp.get("/inspection/stops")
def stops() -> Response:
    """The sites a selection holds (GeoJSON points), those without a location, and the
    default depot: what a plan of the same selection would start from."""
    args = request.args
    params.check_known(args, STOPS_PARAMS)
    selection = route_request.parse_selection(_selection_body(args))
    today = route_request.parse_date(_single(args, "today"), "today") or dt.date.today()
    engine = get_engine()
    found = planning.select_stops(engine, selection, today=today)
    try:
        with engine.connect() as conn:
            depot = dataclasses.asdict(planning.default_depot(conn, _depot_setting()))
    except planning.CannotPlanRoute:
        depot = None
    features = [{"type": "Feature", "id": stop.stop_id,
                 "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                 "properties": _stop_properties(stop)} for stop in found.stops]
    return json_response({
        "type": "FeatureCollection", "today": today.isoformat(), "features": features,
        "numberReturned": len(features), "more": found.more,
        "without_location": [_stop_properties(stop) for stop in found.without_location],
        "depot": depot}, GEOJSON)


@bp.get("/inspection/<route_id>")
def route(route_id: str) -> Response:
    """A planned route as GeoJSON, with links to its files."""
    params.check_known(request.args, ())
    document = planning.stored_route(get_engine(), route_id)
    return json_response(_with_links(document), GEOJSON)


def route_file(route_id: str, part: str) -> Response:
    """A planned route's GPX or KML (attachments) or its printable stop list."""
    params.check_known(request.args, ())
    mimetype, extension, attachment = _FILES[part]
    response = Response(planning.stored_route(get_engine(), route_id, part), mimetype=mimetype)
    if attachment:
        response.headers["Content-Disposition"] = \
            f'attachment; filename="inspection-route-{route_id}.{extension}"'
    return response


for _part in _FILES:
    bp.add_url_rule(f"/inspection/<route_id>.{_part}", endpoint=f"route_{_part}",
                    view_func=route_file, defaults={"part": _part}, methods=["GET"])


def _with_links(document: dict[str, Any]) -> dict[str, Any]:
    route_id = document["id"]
    links = [{"rel": "self", "type": GEOJSON, "title": "GeoJSON",
              "href": url_for("inspection_routes.route", route_id=route_id, _external=True)}]
    links += [{"rel": "alternate", "type": mimetype, "title": extension.upper(),
               "href": url_for(f"inspection_routes.route_{part}", route_id=route_id, _external=True)}
              for part, (mimetype, extension, _) in _FILES.items()]
    return {**document, "links": links}


def _stop_properties(stop: planning.Stop) -> dict[str, Any]:
    return {"stop_id": stop.stop_id, "name": stop.name, "source": stop.source,
            "address": stop.address, "note": stop.note, **stop.properties}


def _selection_body(args: MultiDict) -> dict[str, Any]:
    """The query string of the stops preview as the ``projects`` / ``reports`` members of a
    route request: projects when ``projects=true`` or any project filter is given."""
    body: dict[str, Any] = {}
    project_filter = params.parse_projects_filter(args)
    days = _single(args, "not_inspected_days")
    if _flag(args, "projects") or project_filter.active or days is not None:
        body["projects"] = {"status": list(project_filter.statuses),
                            "campaign": list(project_filter.campaigns),
                            "department": project_filter.department,
                            "overdue": project_filter.overdue}
        if days is not None:
            body["projects"]["not_inspected_days"] = _whole(days, "not_inspected_days")
    if _flag(args, "reports") or args.get("report_status") or args.get("report_department"):
        body["reports"] = {"status": _single(args, "report_status"),
                           "department": _single(args, "report_department")}
    return body


def _single(args: MultiDict, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise InvalidQuery(f"{name} was given {len(values)} times; give it once")
    return values[0] if values else None


def _flag(args: MultiDict, name: str) -> bool:
    text = _single(args, name)
    if text is None or text.strip().lower() in ("false", "0", "no"):
        return False
    if text.strip().lower() in ("true", "1", "yes"):
        return True
    raise InvalidQuery(f"{name} must be true or false; got {text!r}")


def _whole(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidQuery(f"{name} must be a whole number; got {text!r}") from None


def _depot_setting() -> str | None:
    return current_app.config.get(route_request.DEPOT_SETTING) or \
        os.environ.get(route_request.DEPOT_SETTING)


# --- OpenAPI -------------------------------------------------------------------------------

_ERROR = {"$ref": "#/components/responses/Error"}
_POINT = {"type": "object", "description": "GeoJSON Point", "properties": {
    "type": {"type": "string", "enum": ["Point"]},
    "coordinates": {"type": "array", "items": {"type": "number"}}}}
_CLOCK = {"type": "string", "pattern": "^([01]?[0-9]|2[0-3]):[0-5][0-9]$", "example": "08:30"}
_LEFT_OUT = {"type": "array", "items": {"type": "object", "properties": {
    "stop_id": {"type": "string"}, "name": {"type": "string"},
    "lon": {"type": "number"}, "lat": {"type": "number"},
    "reason": {"type": "string",
               "enum": ["too_far", "unreachable", "no_return", "dropped", "no_location"]},
    "detail": {"type": "string"}, "snap_distance_m": {"type": "number"}}}}
_STOP_ITEM = {"type": "object", "description": (
    "One site: `{project_id}`, `{report_id}`, `{layer, fid}` or `{lon, lat, name}`, with an "
    "optional `service_min` and time window (`earliest`, `latest`, clock times)."),
    "properties": {
        "project_id": {"type": "integer", "minimum": 1},
        "report_id": {"type": "integer", "minimum": 1},
        "layer": {"type": "string"}, "fid": {"type": "string"},
        "lon": {"type": "number", "minimum": 73, "maximum": 136},
        "lat": {"type": "number", "minimum": 3, "maximum": 54},
        "name": {"type": "string", "maxLength": 200},
        "service_min": {"type": "number", "minimum": 0},
        "earliest": _CLOCK, "latest": _CLOCK}}
_ROUTE_REQUEST = {"type": "object", "additionalProperties": False, "properties": {
    "projects": {"type": "object", "description": (
        "Projects passing this filter: `status` and `campaign` (codes or labels), "
        "`department`, `overdue`, `not_inspected_days` (no note or photo event in that many "
        "days). `{}` means every project."), "properties": {
            "status": {"type": "array", "items": {"type": "string",
                                                  "enum": [s.code for s in STATUSES]}},
            "campaign": {"type": "array", "items": {"type": "string",
                                                    "enum": [c.code for c in CAMPAIGNS]}},
            "department": {"type": "string"}, "overdue": {"type": "boolean"},
            "not_inspected_days": {"type": "integer", "minimum": 1,
                                   "maximum": route_request.MAX_NOT_INSPECTED_DAYS}}},
    "reports": {"description": "Open problem reports: `true`, or a filter.", "oneOf": [
        {"type": "boolean"},
        {"type": "object", "properties": {
            "status": {"type": "array", "items": {"type": "string",
                                                  "enum": list(OPEN_STATUSES)}},
            "department": {"type": "string"}}}]},
    "stops": {"type": "array", "maxItems": route_request.MAX_STOPS, "items": _STOP_ITEM},
    "depot": {"type": "object", "required": ["lon", "lat"], "description": (
        "Start and end of every route; default: the server's LIANCHUANG_DEPOT, else the "
        "point on surface of the built-up area (县创建办（默认）)."), "properties": {
            "lon": {"type": "number"}, "lat": {"type": "number"}, "name": {"type": "string"}}},
    "inspectors": {"type": "integer", "minimum": 1, "maximum": route_request.MAX_INSPECTORS,
                   "default": 1},
    "service_min": {"type": "number", "minimum": 0, "default": 10,
                    "description": "Minutes on site per stop."},
    "day_start": {**_CLOCK, "default": "08:30"},
    "day_min": {"type": "number", "minimum": 1, "maximum": 1440, "default": 480,
                "description": "Length of the working day in minutes."},
    "objective": {"type": "string", "enum": ["travel_time", "length"],
                  "default": "travel_time"},
    "time_limit_s": {"type": "number", "minimum": 0.1,
                     "maximum": route_request.MAX_TIME_LIMIT_S,
                     "description": "Solver search time; by default 1 to 2.5 s."},
    "max_snap_m": {"type": "number", "minimum": 1, "maximum": route_request.MAX_SNAP_LIMIT_M,
                   "default": 250, "description": "Farthest a stop may be from the streets."},
    "today": {"type": "string", "format": "date",
              "description": "Date that overdue and not-inspected are judged on."}}}
_ROUTE = {"type": "object", "description": (
    "GeoJSON FeatureCollection: features of kind `depot`, `visit` (order, arrival…), "
    "`skipped` (reason) and `route` (one line per inspector)."), "properties": {
    "type": {"type": "string", "enum": ["FeatureCollection"]},
    "id": {"type": "string"},
    "summary": {"type": "object", "properties": {
        "today": {"type": "string", "format": "date"}, "day_start": {"type": "string"},
        "selected": {"type": "integer"}, "visited": {"type": "integer"},
        "unreachable": {"type": "integer"}, "dropped": {"type": "integer"},
        "without_location": {"type": "integer"}, "inspectors_used": {"type": "integer"},
        "distance_m": {"type": "number"}, "duration_min": {"type": "number"},
        "back_at": {"type": "string"}}},
    "depot": {"type": "object"},
    "unreachable": _LEFT_OUT, "dropped": _LEFT_OUT, "without_location": _LEFT_OUT,
    "features": {"type": "array", "items": {"type": "object", "properties": {
        "type": {"type": "string"}, "geometry": {"type": "object"},
        "properties": {"type": "object"}}}},
    "links": {"type": "array", "items": {"type": "object", "properties": {
        "rel": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"},
        "href": {"type": "string"}}}}}}


def _download(summary: str, description: str, mimetype: str) -> dict[str, Any]:
    return {"get": {
        "summary": summary, "description": description,
        "parameters": [{"$ref": "#/components/parameters/route_id"}],
        "responses": {"200": {"description": summary, "content": {
            mimetype: {"schema": {"type": "string"}}}}, "404": _ERROR}}}


#: OpenAPI 3 path items of this blueprint (their parameters are in OPENAPI_PARAMETERS).
OPENAPI_PATHS: dict[str, Any] = {
    "/api/routes/inspection": {"post": {
        "summary": "Plan an inspection route",
        "description": (
            "Orders visits to the sites named by `projects` (a filter), `reports` (open "
            "reports) and `stops` (a list), from the depot and back, for one or several "
            "inspectors within the working day, on the `streets` layer. Stores the route "
            f"and answers 201 with its GeoJSON and `Location`. At most {route_request.MAX_STOPS} "
            "stops; stops too far from the streets, cut off, or not fitting in the day are "
            "listed with the reason. Needs an inspector's (or a planner's or admin's) token: "
            "the route is stored under the name of who asked."),
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": _ROUTE_REQUEST}}},
        "responses": {
            "201": {"description": "Planned; `Location` is the route's URL", "headers": {
                "Location": {"schema": {"type": "string"}}},
                "content": {"application/geo+json": {"schema": _ROUTE}}},
            "400": _ERROR, "401": _ERROR, "403": _ERROR, "422": _ERROR, "503": _ERROR}}},
    "/api/routes/inspection/stops": {"get": {
        "summary": "Preview the stops of a selection",
        "description": (
            "The sites a selection holds, as GeoJSON points (projects at the point on "
            "surface of their features), the selected projects without a location, and "
            "the default depot. Projects are included with `projects=true` or any project "
            "filter; open reports with `reports=true`."),
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in (
            "stops_projects", "status", "campaign", "department", "overdue",
            "not_inspected_days", "stops_reports", "stops_report_status",
            "stops_report_department", "today")],
        "responses": {"200": {"description": "The stops", "content": {
            "application/geo+json": {"schema": {"type": "object", "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "today": {"type": "string", "format": "date"},
                "features": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "geometry": _POINT,
                    "properties": {"type": "object"}}}},
                "numberReturned": {"type": "integer"}, "more": {"type": "boolean"},
                "without_location": {"type": "array", "items": {"type": "object"}},
                "depot": {"type": "object", "nullable": True}}}}}},
            "400": _ERROR, "422": _ERROR, "503": _ERROR}}},
    "/api/routes/inspection/{route_id}": {"get": {
        "summary": "A planned route",
        "description": "The stored route as GeoJSON, with links to its GPX, KML and stop list.",
        "parameters": [{"$ref": "#/components/parameters/route_id"}],
        "responses": {"200": {"description": "The route", "content": {
            "application/geo+json": {"schema": _ROUTE}}}, "400": _ERROR, "404": _ERROR}}},
    "/api/routes/inspection/{route_id}.gpx": _download(
        "A planned route as GPX", "GPX 1.1: a waypoint per stop, a route and a track per "
        "inspector (an attachment).", GPX),
    "/api/routes/inspection/{route_id}.kml": _download(
        "A planned route as KML", "KML 2.2: numbered stop placemarks and the line driven "
        "(an attachment).", KML),
    "/api/routes/inspection/{route_id}.html": _download(
        "A planned route's stop list", "A printable HTML list of the stops in order, with "
        "arrival times, and the stops left out.", "text/html"),
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


#: Components of OPENAPI_PATHS, for ``components.parameters`` (the project filters
#: ``status``, ``campaign``, ``department`` and ``overdue`` are the shared ones).
OPENAPI_PARAMETERS: dict[str, Any] = {
    "route_id": {"name": "route_id", "in": "path", "required": True,
                 "description": "The route's id, from its POST.",
                 "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}},
    "stops_projects": _query("projects", "true: include projects (also implied by any "
                             "project filter).", {"type": "boolean"}),
    "not_inspected_days": _query("not_inspected_days", "Projects with no note or photo "
                                 "event in this many days.", {
                                     "type": "integer", "minimum": 1,
                                     "maximum": route_request.MAX_NOT_INSPECTED_DAYS}),
    "stops_reports": _query("reports", "true: include open problem reports.",
                            {"type": "boolean"}),
    "stops_report_status": _query("report_status", "Open report statuses, separated by "
                                  "commas: " + ", ".join(OPEN_STATUSES) + ".",
                                  {"type": "string"}),
    "stops_report_department": _query("report_department", "Reports of this department.",
                                      {"type": "string"}),
    "today": _query("today", "Date that overdue and not-inspected are judged on "
                    "(default: the server's).", {"type": "string", "format": "date"}),
}
