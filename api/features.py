"""``/api/layers``: the layer catalogue and each layer's features as GeoJSON."""

from __future__ import annotations

from flask import Response, url_for

from api import params, schemas
from api.database import get_engine
from api.openapi import Blueprint
from api.render import GEOJSON, json_response, page_links
from layers.serving import features

bp = Blueprint("layers", __name__, url_prefix="/api/layers",
               description="The layer catalogue and each layer's features (GeoJSON).")


@bp.get("")
@bp.query()
@bp.response(200, schemas.Catalogue)
def catalogue() -> Response:
    """The layer catalogue

    Titles (zh/en), geometry type, field schema, feature count, extent (EPSG:4326) and
    style of every layer; mission layers add status colours.
    """
    layers = features.layer_catalogue(get_engine())
    for layer in layers:
        layer["links"] = [{"rel": "items", "type": GEOJSON,
                           "href": url_for(".feature_collection", layer=layer["name"],
                                           _external=True)}]
    return json_response({"layers": layers})


@bp.get("/<layer>/features", parameters=[params.LAYER])
@bp.query(params.FeatureListQuery)
@bp.response(200, schemas.FeatureCollection, content_type=GEOJSON)
@bp.errors(404)
def feature_collection(query: dict, layer: str) -> Response:
    """Features of a layer

    GeoJSON FeatureCollection, ordered by fid. Project filters keep features with at least
    one linked project passing them, and each feature's `projects` then lists the passing
    projects only. `display_status` is the status needing most attention.
    """
    collection = features.query_features(
        get_engine(), layer, bbox=query.get("bbox"), projects_filter=query["filter"],
        q=query.get("q"), page=query["page"])
    collection["links"] = page_links(query["page"], collection["numberMatched"],
                                     collection["numberReturned"], GEOJSON)
    return json_response(collection, mimetype=GEOJSON)


@bp.get("/<layer>/features/<path:fid>", parameters=[params.LAYER, params.FID])
@bp.query()
@bp.response(200, schemas.Feature, content_type=GEOJSON)
@bp.errors(404)
def feature(layer: str, fid: str) -> Response:
    """One feature

    A GeoJSON Feature with every project linked to it.
    """
    return json_response(features.get_feature(get_engine(), layer, fid), mimetype=GEOJSON)
