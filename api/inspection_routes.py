"""``/api/routes/inspection``: plan field inspection routes and download them.

``POST`` plans a route (the JSON request declared by
:class:`layers.inspection.route_request.RouteRequestSchema`) and answers 201 with its
GeoJSON and a ``Location``; the stored route is then readable as GeoJSON, GPX (for the
inspector's phone), KML and a printable HTML stop list.  ``GET …/stops`` previews which
sites a selection offers (every site of its projects, each ``selected`` or not by default),
and the default depot, without planning.  The work is in :mod:`layers.inspection.stops`
and :mod:`layers.inspection.planning`; this is the HTTP adapter.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import marshmallow as ma
from flask import Response, current_app, request, url_for

from api import params
from api.auth import require_user
from api.database import get_engine
from api.openapi import Blueprint
from api.render import GEOJSON, json_response
from api.solver_slots import planning_slot
from layers import clock
from layers.inspection import planning, route_request
from layers.inspection.stops import Stop, select_stops
from layers.tracking.problem_reports import OPEN_STATUSES

bp = Blueprint("inspection_routes", __name__, url_prefix="/api/routes",
               description="Field inspection routes: plan, preview, download.")

GPX = "application/gpx+xml"
KML = "application/vnd.google-earth.kml+xml"
#: Downloads of a stored route: media type, file extension, served as an attachment, and
#: what the document says of it.
_FILES = {"gpx": (GPX, "gpx", True, "GPX 1.1: a waypoint per stop, a route and a track per "
                                    "inspector (an attachment)."),
          "kml": (KML, "kml", True, "KML 2.2: numbered stop placemarks and the line driven "
                                    "(an attachment)."),
          "html": ("text/html", "html", False, "A printable HTML list of the stops in order, "
                                               "with arrival times, and the stops left out.")}
ROUTE_ID = {"in": "path", "name": "route_id", "description": "The route's id, from its POST.",
            "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}}


class StopsQuery(params.ProjectFilters):
    """A selection in the query string: projects when ``projects=true`` or any project
    filter is given, open reports when ``reports=true`` or a report filter is."""

    projects = params.YesNo(metadata={"description": "true: include projects (also implied "
                                                     "by any project filter)."})
    not_inspected_days = params.Whole(
        validate=ma.validate.Range(1, route_request.MAX_NOT_INSPECTED_DAYS,
                                   error="must be between {min} and {max}; got {input}"),
        metadata={"description": "Projects with no note or photo event in this many days."})
    reports = params.YesNo(metadata={"description": "true: include open problem reports."})
    report_status = params.Several(metadata={"description": "Open report statuses, separated "
                                                            "by commas: "
                                                            + ", ".join(OPEN_STATUSES) + "."})
    report_department = params.Text(metadata={"description": "Reports of this department."})
    report_supervisor = params.Text(metadata={
        "description": "Reports in the grid cells of this supervisor (username)."})
    today = params.Day(metadata={"description": "Date that overdue and not-inspected are "
                                                "judged on (default: the server's)."})


class RouteSummary(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(validate=ma.validate.OneOf(["FeatureCollection"]))
    id = ma.fields.String()
    summary = ma.fields.Dict()
    depot = ma.fields.Dict()
    features = ma.fields.List(ma.fields.Dict())
    links = ma.fields.List(ma.fields.Dict())


class StopsPreview(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(validate=ma.validate.OneOf(["FeatureCollection"]))
    today = ma.fields.String(metadata={"format": "date"})
    features = ma.fields.List(ma.fields.Dict(), metadata={"description": (
        "One point per site: a project's sites (id `project:<id>/<layer>:<fid>`, "
        "properties `project_id`, `site`, `site_name`, `overdue`...), reports and features; "
        "`selected` says whether a plan of the same selection visits it (every site of an "
        "overdue project, one of any other).")})
    numberReturned = ma.fields.Integer()
    numberSelected = ma.fields.Integer()
    more = ma.fields.Boolean()
    without_location = ma.fields.List(ma.fields.Dict())
    depot = ma.fields.Dict(allow_none=True)


@bp.post("/inspection")
@bp.arguments(route_request.RouteRequestSchema)
@bp.response(201, RouteSummary, content_type=GEOJSON,
             description="Planned; `Location` is the route's URL",
             headers={"Location": {"schema": {"type": "string"}}})
@bp.errors(401, 403, 422, 503)
@bp.doc(security=[{"token": []}])
def plan(planned: route_request.RouteRequest) -> Response:
    """Plan an inspection route

    Orders visits to the sites named by `projects` (a filter: a project's sites are its
    linked road segments, parks, watercourses, zones and facilities, every one of an overdue
    project visited, the first of another), `reports` (open reports) and `stops` (a list;
    `{"project_id", "site"}` names one site), from the depot and back, for one or several inspectors within the
    working day, on the `streets` layer. Stores the route and answers 201 with its GeoJSON
    and `Location`. Stops too far from the streets, cut off, or not fitting in the day are
    listed with the reason. Needs an inspector's (or a planner's or admin's) token: the
    route is stored under the name of who asked.
    """
    # A plan is stored and may search for up to MAX_TIME_LIMIT_S: a write, for inspectors.
    user = require_user("inspector")
    with planning_slot():  # a bounded pool: long searches never take every thread
        document = planning.plan_inspection(
            get_engine(), planned, raw=request.get_json(), depot_setting=_depot_setting(),
            created_by=user.label)
    response = json_response(_with_links(document), GEOJSON, status=201)
    response.headers["Location"] = url_for("inspection_routes.route", route_id=document["id"],
                                           _external=True)
    return response


@bp.get("/inspection/stops")
@bp.query(StopsQuery)
@bp.response(200, StopsPreview, content_type=GEOJSON)
@bp.errors(422)
def stops(query: dict) -> Response:
    """Preview the stops of a selection

    The sites a selection offers, as GeoJSON points: each site of its projects (a linked
    feature of a mission layer, at its point on surface; a community or other context layer
    is no site), with `selected` true for the sites a plan of the same selection visits
    (every site of an overdue project, the first of any other); the selected projects
    without a site; and the default depot, where such a plan would start.
    """
    selection = route_request.parse_selection(_selection_body(query))
    today = query.get("today") or clock.today()
    engine = get_engine()
    found = select_stops(engine, selection, today=today)
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
        "numberReturned": len(features), "numberSelected": len(found.chosen),
        "more": found.more,
        "without_location": [_stop_properties(stop) for stop in found.without_location],
        "depot": depot}, GEOJSON)


@bp.get("/inspection/<route_id>", parameters=[ROUTE_ID])
@bp.query()
@bp.response(200, RouteSummary, content_type=GEOJSON)
@bp.errors(404)
def route(route_id: str) -> Response:
    """A planned route

    The stored route as GeoJSON, with links to its GPX, KML and stop list.
    """
    document = planning.stored_route(get_engine(), route_id)
    return json_response(_with_links(document), GEOJSON)


def _route_file(part: str):
    mimetype, extension, attachment, description = _FILES[part]

    def route_file(route_id: str) -> Response:
        response = Response(planning.stored_route(get_engine(), route_id, part),
                            mimetype=mimetype)
        if attachment:
            response.headers["Content-Disposition"] = \
                f'attachment; filename="inspection-route-{route_id}.{extension}"'
        return response

    route_file.__doc__ = f"A planned route as {extension.upper()}\n\n{description}"
    route_file = bp.errors(404)(bp.content(200, description, mimetype,
                                           schema={"type": "string"})(route_file))
    return bp.query()(route_file)


for _part in _FILES:
    bp.route(f"/inspection/<route_id>.{_part}", endpoint=f"route_{_part}", methods=["GET"],
             parameters=[ROUTE_ID])(_route_file(_part))


def _with_links(document: dict[str, Any]) -> dict[str, Any]:
    route_id = document["id"]
    links = [{"rel": "self", "type": GEOJSON, "title": "GeoJSON",
              "href": url_for("inspection_routes.route", route_id=route_id, _external=True)}]
    links += [{"rel": "alternate", "type": mimetype, "title": extension.upper(),
               "href": url_for(f"inspection_routes.route_{part}", route_id=route_id,
                               _external=True)}
              for part, (mimetype, extension, _, _) in _FILES.items()]
    return {**document, "links": links}


def _stop_properties(stop: Stop) -> dict[str, Any]:
    return {"stop_id": stop.stop_id, "name": stop.name, "source": stop.source,
            "address": stop.address, "note": stop.note, "selected": stop.selected,
            **stop.properties}


def _selection_body(query: dict[str, Any]) -> dict[str, Any]:
    """The query of the stops preview as the ``projects`` / ``reports`` members of a route
    request."""
    body: dict[str, Any] = {}
    project_filter, days = query["filter"], query.get("not_inspected_days")
    if query.get("projects") or project_filter.active or days is not None:
        body["projects"] = {"status": list(project_filter.statuses),
                            "campaign": list(project_filter.campaigns),
                            "department": project_filter.department,
                            "overdue": project_filter.overdue}
        if days is not None:
            body["projects"]["not_inspected_days"] = days
    if (query.get("reports") or query.get("report_status") or query.get("report_department")
            or query.get("report_supervisor")):
        body["reports"] = {"status": list(query.get("report_status") or ()),
                           "department": query.get("report_department"),
                           "supervisor": query.get("report_supervisor")}
    return body


def _depot_setting() -> str | None:
    return current_app.config.get(route_request.DEPOT_SETTING) or \
        os.environ.get(route_request.DEPOT_SETTING)
