"""``/tiles``: Mapbox vector tiles of each layer and their TileJSON (work in :mod:`layers.serving.tiles`).

Tiles carry a strong ETag (a hash of their bytes) and may be cached for
:data:`MAX_AGE` seconds; after that a client revalidates with ``If-None-Match`` and gets a
``304`` while the tile is unchanged.  The age is short because a tile shows project status,
which planners change during the day.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, current_app, request, url_for

from api import params
from api.database import get_engine
from api.i18n import page_language
from api.openapi import Blueprint
from api.render import json_response
from layers.serving import tiles

bp = Blueprint("tiles", __name__, url_prefix="/tiles",
               description="Mapbox vector tiles of each layer and their TileJSON.")

#: Seconds a client or proxy may reuse a tile without asking again.
MAX_AGE = 60
_TILE_ADDRESS = [{"in": "path", "name": name, "schema": {"type": "integer", "minimum": 0}}
                 for name in ("z", "x", "y")]


class TileQuery(params.ProjectFilters):
    cache_buster = params.Text(data_key="_", metadata={
        "description": "A client's cache-buster (the web map's, after it changed a "
                       "project); ignored."})


class TileJsonQuery(params.ProjectFilters, params.LangQuery):
    pass


@bp.get("/<layer>/<z>/<x>/<y>.mvt", parameters=[params.LAYER, *_TILE_ADDRESS])
@bp.query(TileQuery)
@bp.content(200, "The tile", tiles.MEDIA_TYPE)
@bp.doc(responses={"304": {"description": "Unchanged since the ETag sent"}})
@bp.errors(404)
def tile(query: dict, layer: str, z: str, x: str, y: str) -> Response:
    """Vector tile

    One Mapbox Vector Tile (ST_AsMVT) in Web Mercator: 400 for a bad address, 404 for an
    unknown layer; ETag and Cache-Control, 304 on If-None-Match. The features API's
    project filters (`status`, `campaign`, `department`, `overdue`) apply, so the map can
    show the same selection as tiles.
    """
    zoom, column, row = tiles.tile_address(z, x, y)
    found = tiles.vector_tile(get_engine(), layer, zoom, column, row,
                              projects_filter=query["filter"])
    response = current_app.response_class(found.data, mimetype=tiles.MEDIA_TYPE)
    response.set_etag(found.etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.if_none_match.contains_weak(found.etag):
        response.status_code = 304
        response.set_data(b"")
    return response


@bp.get("/<layer>.json", parameters=[params.LAYER])
@bp.query(TileJsonQuery)
@bp.content(200, "TileJSON 3.0", "application/json", schema={"type": "object"})
@bp.errors(404)
def tilejson(query: dict, layer: str) -> Response:
    """TileJSON

    TileJSON 3.0 of a layer's vector tiles: the tile URL template (keeping the filters
    and token it was asked with), zooms, bounds and the fields of the layer.
    """
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    template = (url_for(".tile", layer=layer, z="Z", x="X", y="Y", _external=True)
                .replace("/Z/X/Y.mvt", "/{z}/{x}/{y}.mvt"))
    if kept:
        template += "?" + urlencode(kept)
    return json_response(tiles.tilejson(get_engine(), layer, template, page_language()))
