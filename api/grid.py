"""``/api/grid`` and ``/api/cases/hotspots``: the unit grid (万米单元网格) and where cases
gather.

The grid's cells come as GeoJSON with their code, community, street office and supervisor;
admins assign supervisors.  The hot-spot map counts the cases reported in a period per grid
cell or per hexagon, by category.  The work is :mod:`layers.cases.grid`'s.
"""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from flask import Response

from api import params, schemas
from api.auth import current_user
from api.database import get_engine
from api.openapi import Blueprint
from api.render import GEOJSON, json_response
from geo.errors import InvalidInput
from layers import clock
from layers.cases import grid
from layers.serving.query import plain_text

bp = Blueprint("grid", __name__, url_prefix="/api",
               description="The unit grid (万米单元网格): cells, supervisors and hot spots.")

_WRITE = {"security": [{"token": []}]}


class GridQuery(params.QuerySchema):
    community = params.Text(metadata={"description": "Only this community's cells (社区)."})
    street = params.Text(metadata={"description": "Only this street office's cells (街道)."})
    supervisor = params.Text(metadata={"description": "Only the cells of this supervisor "
                                                      "(username)."})
    bbox = params.BBoxField(metadata={"description": "minx,miny,maxx,maxy in lon/lat "
                                                     "(EPSG:4326); cells intersecting it."})


class HotspotQuery(params.QuerySchema):
    since = params.Day(required=True, metadata={"description": "First day of the period."})
    until = params.Day(required=True, metadata={"description": "Last day of the period "
                                                               "(included)."})
    category = params.Text(metadata={"description": "Only this category (service_code)."})
    size = params.Choice(("cell", "hex"), load_default="cell", metadata={
        "description": "Count per grid cell, or per hexagon."})
    hex_size = params.Whole(load_default=200, validate=ma.validate.Range(
        int(grid.HEX_RANGE_M[0]), int(grid.HEX_RANGE_M[1]),
        error="must be between {min} and {max} metres; got {input}"), metadata={
        "description": "size=hex: the hexagons' edge in metres."})


class SupervisorBody(ma.Schema):
    supervisor = params.Text(required=True, metadata={
        "description": "Username of a user holding the supervisor duty (监督员)."})
    cells = ma.fields.List(params.Text(), metadata={"description": "Cell codes."})
    community = params.Text(metadata={"description": "Every cell of this community."})
    street = params.Text(metadata={"description": "Every cell of this street office."})


@bp.get("/grid")
@bp.query(GridQuery)
@bp.response(200, schemas.FeatureCollection, content_type=GEOJSON)
def cells(query: dict) -> Response:
    """Grid cells

    The unit grid's cells as GeoJSON polygons with code (CJ/T 213), community, street
    office and supervisor.
    """
    with get_engine().connect() as conn:
        found = grid.cells_geojson(
            conn, community=_text(query, "community"), street=_text(query, "street"),
            supervisor=_text(query, "supervisor"), bbox=query.get("bbox"))
    return json_response(found, GEOJSON)


@bp.get("/cases/hotspots")
@bp.query(HotspotQuery)
@bp.response(200, schemas.FeatureCollection, content_type=GEOJSON)
def hotspots(query: dict) -> Response:
    """Hot spots of cases

    The cases reported in the period (refused and duplicates left out), counted per grid
    cell or per hexagon: GeoJSON polygons with ``count`` and ``by_category``, most first.
    """
    if query["until"] < query["since"]:
        raise InvalidInput(f"until ({query['until']}) comes before since ({query['since']})")
    since = clock.day_start(query["since"])
    until = clock.day_start(query["until"] + dt.timedelta(days=1))
    with get_engine().connect() as conn:
        found = grid.hotspots(conn, since, until, category=_text(query, "category"),
                              size=query["size"], hex_size_m=query["hex_size"])
    found.update(since=query["since"].isoformat(), until=query["until"].isoformat())
    return json_response(found, GEOJSON)


@bp.post("/grid/supervisors")
@bp.arguments(params.NoQuery, location="query")
@bp.arguments(SupervisorBody)
@bp.response(200, schemas.Document)
@bp.errors(400, 401, 403, 404)
@bp.doc(**_WRITE)
def assign(query: dict, body: dict) -> Response:
    """Assign a supervisor

    Admins only: the supervisor (a user with the supervisor duty) of the cells given by
    code, or of every cell of a community or a street office.
    """
    found = grid.assign_supervisor(
        get_engine(), current_user(), supervisor=plain_text(body["supervisor"], "supervisor"),
        cells=[plain_text(code, "cells") for code in body.get("cells") or ()] or None,
        community=_text(body, "community"), street=_text(body, "street"))
    return json_response(found)


def _text(values: dict, name: str) -> str | None:
    return plain_text(values[name], name) if name in values else None
