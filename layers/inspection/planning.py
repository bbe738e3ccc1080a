"""Field inspection routes (督查巡查路线) from the stored data: from where, the plan, stored.

The request (which sites, from where, within what day) is checked by
:mod:`layers.inspection.route_request`; :mod:`layers.inspection.stops` finds its sites in the
stored data (a project's sites: one stop per linked feature of a mission layer, all of an
overdue project's selected); this module plans a route through the selected ones.

The depot, where every inspector starts and ends, is the request's ``depot``, else the
setting ``LIANCHUANG_DEPOT="lon,lat,name"``, else the point on surface of the built-up area
(建成区), named "县创建办（默认）" because the campaign office sits in town: set the real
address with ``LIANCHUANG_DEPOT``.

:func:`plan_inspection` orders the visits with :func:`geo.routing.inspection_route` on the
street graph of the ``streets`` layer, which is built once per version of that layer (its
change stamp: row count and newest row version) and kept in a small cache, and stores the answer in
``inspection_routes`` with its GPX, KML and printable stop list. A request the stored data
cannot answer raises :class:`CannotPlanRoute` (422) with a message saying what to change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import sqlalchemy as sa
from shapely import Point

from geo.errors import GeoInputError, NotFound
from geo.export_route import clock, route_geojson, route_gpx, route_kml, stop_list_html
from geo.inspection_plan import InspectionRoute
from geo.routing import inspection_route
from geo.street_graph import street_graph
from layers import clock as county
from layers.green.load import read_layer
from layers.inspection.route_request import (
    DEPOT_SETTING,
    MAX_STOPS,
    Place,
    RouteRequest,
    StopSelection,
    depot_from_setting,
    minutes_of_day,
)
from layers.inspection.stops import (
    MAX_CANDIDATES,
    CannotPlanRoute,
    SelectedStops,
    Stop,
    select_stops,
)
from layers.storage.db import change_stamp
from layers.storage.models import STORAGE_SRID, inspection_routes, layer_table

DEFAULT_DEPOT_NAME = "县创建办（默认）"
#: Street graphs kept built, one per streets-layer version and database.
GRAPH_CACHE_SIZE = 4

_ROUTE_ID = re.compile(r"^[0-9a-f]{16}$")
#: Stored column of each downloadable part of a route.
ROUTE_PARTS = {"geojson": inspection_routes.c.geojson, "gpx": inspection_routes.c.gpx,
               "kml": inspection_routes.c.kml, "html": inspection_routes.c.stop_list}


# --- the depot ----------------------------------------------------------------------------

def default_depot(conn: sa.Connection, setting: str | None = None) -> Place:
    """The depot when a request gives none (module docstring: setting, then built-up area)."""
    if setting and setting.strip():
        return depot_from_setting(setting)
    area = layer_table("built_up_area").c.geom
    point = sa.func.ST_PointOnSurface(sa.func.ST_Collect(area))
    found = conn.execute(sa.select(sa.func.ST_X(point), sa.func.ST_Y(point))).one()
    if found[0] is None:
        raise CannotPlanRoute(f'no depot: give one in the request ("depot": {{"lon", "lat", '
                              f'"name"}}), set {DEPOT_SETTING}=lon,lat,name on the server, '
                              f'or import the built_up_area layer')
    return Place(found[0], found[1], DEFAULT_DEPOT_NAME, "built_up_area")


# --- the street graph ------------------------------------------------------------------------

_graphs: OrderedDict[tuple, nx.MultiDiGraph] = OrderedDict()
_graphs_lock = threading.Lock()


def street_graph_of(engine: sa.Engine) -> nx.MultiDiGraph:
    """The routable graph of the stored ``streets`` layer, rebuilt only when it changed.

    The version of the layer is its change stamp (:func:`layers.storage.db.change_stamp`:
    an import or an edit on the map changes it); the last :data:`GRAPH_CACHE_SIZE` graphs
    are kept.  Raises :class:`CannotPlanRoute` when the layer is empty or cannot be routed on.
    """
    with engine.connect() as conn:
        stamp = change_stamp(conn, [layer_table("streets")])
    (_, count, _), = stamp
    if not count:
        raise CannotPlanRoute("the streets layer (街道路网) is empty, so there is nothing to "
                              "route on: import it first, e.g. `lianchuang import streets.shp "
                              "--layer streets`")
    key = (engine.url.render_as_string(hide_password=True), stamp)
    with _graphs_lock:
        if key in _graphs:
            _graphs.move_to_end(key)
            return _graphs[key]
        with engine.connect() as conn:
            lines = read_layer(conn, "streets").set_index("fid")
        try:
            graph = street_graph(lines)
        except GeoInputError as exc:
            raise CannotPlanRoute(f"the streets layer cannot be routed on: {exc}") from None
        _graphs[key] = graph
        while len(_graphs) > GRAPH_CACHE_SIZE:
            _graphs.popitem(last=False)
        return graph


# --- the plan ----------------------------------------------------------------------------------

def plan_inspection(engine: sa.Engine, request: RouteRequest, *, raw: Mapping[str, Any],
                    depot_setting: str | None = None,
                    created_by: str | None = None) -> dict[str, Any]:
    """Plan the route *request* asks for, store it, and return its GeoJSON document.

    Parameters
    ----------
    engine
        The database.
    request
        From :func:`parse_route_request`; "overdue" and "not inspected" are judged on its
        ``today``, else on the server's date.
    raw
        The request as sent, stored with the route.
    depot_setting
        ``LIANCHUANG_DEPOT`` (used when the request has no depot).
    created_by
        Who asked, when known.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection (:func:`geo.export_route.route_geojson`) with the
        route's ``id``, ``summary``, ``depot``, and the stops left out: ``unreachable``,
        ``dropped`` and ``without_location``.
    """
    today = request.today or county.today()
    selected = _stops_to_plan(engine, request.selection, today)
    if request.depot is None:
        with engine.connect() as conn:
            depot = default_depot(conn, depot_setting)
    else:
        depot = request.depot
    graph = street_graph_of(engine)
    try:
        route = inspection_route(
            graph, _stop_frame(selected.stops, request.day_start), Point(depot.lon, depot.lat),
            depot_name=depot.name, inspectors=request.inspectors, day_min=request.day_min,
            service_min=request.service_min, max_snap_m=request.max_snap_m,
            objective=request.objective, time_limit_s=request.time_limit_s)
    except GeoInputError as exc:
        raise CannotPlanRoute(str(exc)) from None
    document = _document(secrets.token_hex(8), route, request, selected, depot, today)
    _store(engine, document, route, raw=raw, created_by=created_by,
           day_start=request.day_start, today=today)
    return document


def _stops_to_plan(engine: sa.Engine, selection: StopSelection,
                   today: dt.date) -> SelectedStops:
    """The selected stops of *selection* (an offered site left unselected is not visited)."""
    offered = select_stops(engine, selection, today=today)
    chosen = offered.chosen
    if offered.more or len(chosen) > MAX_STOPS:
        many = MAX_CANDIDATES if offered.more else MAX_STOPS
        raise CannotPlanRoute(f"the selection holds more than {many} sites with a location; "
                              f"narrow the filter (status, campaign, department) or split the "
                              f"work into several plans")
    if not chosen:
        missing = f" ({len(offered.without_location)} selected project(s) have no location: " \
                  f"link features of a mission layer to them)" if offered.without_location \
            else ""
        raise CannotPlanRoute(f"no site to visit matches the selection on {today.isoformat()}"
                              f"{missing}; widen the filter or list stops")
    return SelectedStops(chosen, offered.without_location)


def _store(engine: sa.Engine, document: dict[str, Any], route: InspectionRoute, *,
           raw: Mapping[str, Any], created_by: str | None, day_start: str,
           today: dt.date) -> None:
    """Keep the route with its files (Chinese titles: the files go to the inspectors)."""
    title = f"督查巡查路线 {today.isoformat()}"
    with engine.begin() as conn:
        conn.execute(inspection_routes.insert().values(
            id=document["id"], created_by=created_by, request=dict(raw), geojson=document,
            gpx=route_gpx(route, title=title, day_start=day_start),
            kml=route_kml(route, title=title, day_start=day_start),
            stop_list=stop_list_html(route, title=f"督查巡查点位清单 {today.isoformat()}",
                                     day_start=day_start)))


def _stop_frame(stops: list[Stop], day_start: str) -> gpd.GeoDataFrame:
    """The stops as routing wants them: time windows in minutes from the day's start."""
    start = minutes_of_day(day_start)

    def after_start(clock_time: str | None) -> float | None:
        return None if clock_time is None else float(max(minutes_of_day(clock_time) - start, 0))

    return gpd.GeoDataFrame(
        {"name": [s.name for s in stops], "address": [s.address for s in stops],
         "note": [s.note for s in stops], "service_min": [s.service_min for s in stops],
         "earliest_min": [after_start(s.earliest) for s in stops],
         "latest_min": [after_start(s.latest) for s in stops]},
        index=[s.stop_id for s in stops],
        geometry=[Point(s.lon, s.lat) for s in stops], crs=STORAGE_SRID)


def _document(route_id: str, route: InspectionRoute, request: RouteRequest,
              selected: SelectedStops, depot: Place, today: dt.date) -> dict[str, Any]:
    collection = route_geojson(route)
    by_id = {stop.stop_id: stop for stop in selected.stops}
    for feature in collection["features"]:
        properties = feature["properties"]
        stop = by_id.get(properties.get("stop_id"))
        if stop is not None:
            properties["source"] = stop.source
            properties.update(stop.properties)
        if properties["kind"] == "visit":
            properties["arrival"] = clock(properties["arrival_min"], request.day_start)
            properties["departure"] = clock(properties["departure_min"], request.day_start)
    used = [r for r in route.routes if r.visits]
    return {
        "type": "FeatureCollection",
        "id": route_id,
        "summary": {
            "today": today.isoformat(), "day_start": request.day_start,
            "day_min": request.day_min, "objective": route.objective, "solver": route.solver,
            "inspectors": request.inspectors, "inspectors_used": len(used),
            "selected": len(selected.stops) + len(selected.without_location),
            "visited": sum(len(r.visits) for r in route.routes),
            "unreachable": len(route.unreachable), "dropped": len(route.dropped),
            "without_location": len(selected.without_location),
            "distance_m": round(route.distance_m, 1),
            "duration_min": round(route.duration_min, 1),
            "back_at": clock(max((r.return_min for r in used), default=0.0),
                             request.day_start),
        },
        "depot": {**dataclasses.asdict(depot), "name": route.depot.name,
                  "snap_distance_m": round(route.depot.snap_distance_m, 1)},
        "unreachable": [dataclasses.asdict(stop) for stop in route.unreachable],
        "dropped": [dataclasses.asdict(stop) for stop in route.dropped],
        "without_location": [{"stop_id": stop.stop_id, "name": stop.name,
                              "reason": "no_location",
                              "detail": "no feature of a mission layer (a road segment, "
                                        "park, watercourse, shantytown zone, water-source "
                                        "area or facility) is linked to this project, so it "
                                        "has no site to visit; link one to plan a visit"}
                             for stop in selected.without_location],
        "features": collection["features"],
    }


# --- stored routes -----------------------------------------------------------------------------

def stored_route(engine: sa.Engine, route_id: str, part: str = "geojson") -> Any:
    """One stored part of a planned route: ``geojson`` (dict), ``gpx``, ``kml`` or ``html``."""
    column = ROUTE_PARTS[part]
    value = None
    if _ROUTE_ID.match(route_id):
        with engine.connect() as conn:
            value = conn.scalar(sa.select(column).where(inspection_routes.c.id == route_id))
    if value is None:
        raise NotFound(f"no inspection route {route_id!r}; plan one with "
                       f"POST /api/routes/inspection")
    return value
