"""``/api/layers``: the layer catalogue and each layer's features as GeoJSON."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from api import params
from api.database import get_engine
from api.render import GEOJSON, json_response, page_links
from layers.serving import features

bp = Blueprint("layers", __name__, url_prefix="/api/layers")


@bp.get("")
def catalogue() -> Response:
    """Every layer with titles, schema, style, feature count and extent."""
    params.check_known(request.args, ())
    layers = features.layer_catalogue(get_engine())
    for layer in layers:
        layer["links"] = [{"rel": "items", "type": GEOJSON,
                           "href": url_for(".feature_collection", layer=layer["name"],
                                           _external=True)}]
    return json_response({"layers": layers})


@bp.get("/<layer>/features")
def feature_collection(layer: str) -> Response:
    """A page of the layer's features, filtered by bbox, linked projects and search text."""
    args = request.args
    params.check_known(args, params.FEATURE_LIST_PARAMS)
    page = params.parse_page(args)
    collection = features.query_features(
        get_engine(), layer, bbox=params.parse_bbox(args),
        projects_filter=params.parse_projects_filter(args), q=params.parse_search(args),
        page=page,
    )
    collection["links"] = page_links(page, collection["numberMatched"],
                                     collection["numberReturned"], GEOJSON)
    return json_response(collection, mimetype=GEOJSON)


@bp.get("/<layer>/features/<path:fid>")
def feature(layer: str, fid: str) -> Response:
    """One feature with every project linked to it."""
    params.check_known(request.args, ())
    return json_response(features.get_feature(get_engine(), layer, fid), mimetype=GEOJSON)
