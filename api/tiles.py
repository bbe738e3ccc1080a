"""``/tiles``: Mapbox vector tiles of each layer and their TileJSON (work in :mod:`layers.serving.tiles`).

Tiles carry a strong ETag (a hash of their bytes) and may be cached for
:data:`MAX_AGE` seconds; after that a client revalidates with ``If-None-Match`` and gets a
``304`` while the tile is unchanged.  The age is short because a tile shows project status,
which planners change during the day.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, url_for

from api import params
from api.database import get_engine
from api.render import json_response
from layers.serving import tiles
from layers.serving.query import InvalidQuery

bp = Blueprint("tiles", __name__, url_prefix="/tiles")

#: The API token in the URL, for services where reading needs one (``LIANCHUANG_READ``).
TOKEN_PARAM = "api_key"
#: A client's cache-buster (the web map's, after it changed a project), ignored here.
CACHE_BUSTER = "_"
#: Seconds a client or proxy may reuse a tile without asking again.
MAX_AGE = 60


@bp.get("/<layer>/<z>/<x>/<y>.mvt")
def tile(layer: str, z: str, x: str, y: str) -> Response:
    """One tile: 400 for a bad address, 404 for an unknown layer, 304 when unchanged.

    The features API's project filters (``status``, ``campaign``, ``department``,
    ``overdue``) apply, so the map can show the same selection as tiles.
    """
    params.check_known(request.args, (*params.PROJECT_FILTERS, TOKEN_PARAM, CACHE_BUSTER))
    zoom, column, row = tiles.tile_address(z, x, y)
    found = tiles.vector_tile(get_engine(), layer, zoom, column, row,
                              projects_filter=params.parse_projects_filter(request.args))
    response = current_app.response_class(found.data, mimetype=tiles.MEDIA_TYPE)
    response.set_etag(found.etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.if_none_match.contains_weak(found.etag):
        response.status_code = 304
        response.set_data(b"")
    return response


@bp.get("/<layer>.json")
def tilejson(layer: str) -> Response:
    """TileJSON 3.0: the tile URL template, zooms, bounds and the fields of the layer."""
    params.check_known(request.args, ("lang", *params.PROJECT_FILTERS, TOKEN_PARAM))
    lang = request.args.get("lang", "zh")
    if lang not in ("zh", "en"):
        raise InvalidQuery(f"lang={lang!r} is not offered; use lang=zh or lang=en")
    params.parse_projects_filter(request.args)  # a bad filter is refused here, not per tile
    # The tiles' URL keeps the filters (and token) this TileJSON was asked with.
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    template = (url_for(".tile", layer=layer, z="Z", x="X", y="Y", _external=True)
                .replace("/Z/X/Y.mvt", "/{z}/{x}/{y}.mvt"))
    if kept:
        template += "?" + urlencode(kept)
    return json_response(tiles.tilejson(get_engine(), layer, template, lang))
