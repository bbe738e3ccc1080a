"""The OpenAPI 3.0 document of the OGC API – Features service (``/ogc/api``), generated
from the layer catalogue (:mod:`layers.storage.catalogue`): one items path per collection,
with a query parameter per field of its spec.  This is the only description of ``/ogc``;
the main API's document links to it.
"""

from __future__ import annotations

from typing import Any

from layers.serving import ogc
from layers.serving.ogc import GEOJSON, HTML, JSON_MEDIA, JSON_TYPES
from layers.serving.query import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from layers.storage.catalogue import LAYERS


def openapi_document(base: str) -> dict[str, Any]:
    """OpenAPI 3.0 description of the service, one items path per collection."""
    paths: dict[str, Any] = {
        "/": _get("Landing page", "LandingPage", ["f", "lang"]),
        "/conformance": _get("Conformance classes", "Conformance", ["f"]),
        "/collections": _get("Collections", "Collections", ["f", "lang"]),
        "/api": _get("This OpenAPI document", "OpenAPI", ["f"]),
    }
    for spec in LAYERS:
        here = f"/collections/{spec.name}"
        fields = [{"name": f.name, "in": "query", "required": False,
                   "description": f"{f.zh} / {f.en}: equal to this value"
                                  + (" (code or label)" if f.choices else ""),
                   "schema": {"type": JSON_TYPES[f.type]}} for f in spec.fields]
        paths[here] = _get(f"{spec.zh} {spec.en}", "Collection", ["f", "lang"])
        paths[f"{here}/queryables"] = _get(f"Queryables of {spec.name}", "Schema", [])
        paths[f"{here}/schema"] = _get(f"Feature schema of {spec.name}", "Schema", [])
        items_op = _get(f"Items of {spec.name}", "FeatureCollection",
                        ["f", "lang", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset"],
                        geojson=True)
        items_op["get"]["parameters"] += fields
        items_op["post"] = _write(f"Add a feature to {spec.name}", "201", "Created: Location "
                                  "and ETag of the new feature")
        paths[f"{here}/items"] = items_op
        item_op = _get(f"One item of {spec.name}", "Feature", ["f", "lang", "crs"],
                       geojson=True)
        item_op["get"]["parameters"].insert(0, {"$ref": "#/components/parameters/featureId"})
        for method, summary, status in (("put", "Replace", "200"),
                                        ("patch", "Merge-patch (RFC 7396)", "200"),
                                        ("delete", "Delete", "204")):
            item_op[method] = _write(f"{summary} a feature of {spec.name}", status,
                                     "Done; 412 when If-Match is stale",
                                     body=method != "delete", if_match=True)
        paths[f"{here}/items/{{featureId}}"] = item_op
        versions_op = _get(f"Every version of one item of {spec.name}", "FeatureCollection",
                           ["f"], geojson=True)
        versions_op["get"]["parameters"].insert(
            0, {"$ref": "#/components/parameters/featureId"})
        paths[f"{here}/items/{{featureId}}/versions"] = versions_op
    return {
        "openapi": "3.0.3",
        "info": {"title": "Lianchuang 联创 OGC API – Features", "version": "1.0.0",
                 "description": ogc.__doc__.split("\n\n")[0]},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"parameters": _PARAMETERS, "securitySchemes": {
            "token": {"type": "http", "scheme": "bearer"}}, "schemas": {
            "exception": {"type": "object", "required": ["code"],
                          "properties": {"code": {"type": "string"},
                                         "description": {"type": "string"}}}}},
    }


def _get(summary: str, what: str, parameters: list[str], geojson: bool = False):
    media = GEOJSON if geojson else JSON_MEDIA
    error = {"description": "An OGC exception {code, description}",
             "content": {JSON_MEDIA: {"schema": {"$ref": "#/components/schemas/exception"}}}}
    return {"get": {
        "summary": summary,
        "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in parameters],
        "responses": {"200": {"description": what,
                              "content": {media: {"schema": {"type": "object"}},
                                          HTML: {"schema": {"type": "string"}}}},
                      "400": error, "404": error, "500": error},
    }}


def _write(summary: str, status: str, what: str, *, body: bool = True,
           if_match: bool = False) -> dict[str, Any]:
    """A Part 4 write: a GeoJSON Feature body, a token, and the answers it can get."""
    error = {"description": "An OGC exception {code, description}",
             "content": {JSON_MEDIA: {"schema": {"$ref": "#/components/schemas/exception"}}}}
    parameters = [{"$ref": "#/components/parameters/featureId"}] if if_match else []
    if if_match:
        parameters.append({"name": "If-Match", "in": "header", "required": False,
                           "description": "The ETag of the item as last read",
                           "schema": {"type": "string"}})
    operation: dict[str, Any] = {
        "summary": summary, "parameters": parameters,
        "security": [{"token": []}],
        "responses": {status: {"description": what}, "400": error, "401": error, "403": error,
                      "404": error, "409": error, "412": error},
    }
    if body:
        operation["requestBody"] = {"required": True, "content": {
            GEOJSON: {"schema": {"type": "object"}},
            "application/merge-patch+json": {"schema": {"type": "object"}}}}
    return operation


_PARAMETERS = {
    "f": {"name": "f", "in": "query", "required": False, "description": "Output format",
          "schema": {"type": "string", "enum": ["json", "html"]}},
    "lang": {"name": "lang", "in": "query", "required": False,
             "description": "Language of titles and descriptions (default: Accept-Language, "
                            "else zh)", "schema": {"type": "string", "enum": ["zh", "en"]}},
    "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form",
             "explode": False, "description": "minx,miny,maxx,maxy in bbox-crs axis order "
                                              "(CRS84: lon,lat)",
             "schema": {"type": "array", "minItems": 4, "maxItems": 6,
                        "items": {"type": "number"}}},
    "bbox-crs": {"name": "bbox-crs", "in": "query", "required": False,
                 "description": "CRS of bbox (a URI from the collection's crs list)",
                 "schema": {"type": "string", "format": "uri"}},
    "crs": {"name": "crs", "in": "query", "required": False,
            "description": "CRS of the returned coordinates (a URI from the collection's crs "
                           "list), in that CRS's axis order",
            "schema": {"type": "string", "format": "uri"}},
    "datetime": {"name": "datetime", "in": "query", "required": False,
                 "description": "An RFC 3339 date-time instant: the layer as it was then "
                                "(from the features' versions). A date (the whole day in "
                                "the county's zone) or an interval: features whose "
                                "imported_at falls in it", "schema": {"type": "string"}},
    "limit": {"name": "limit", "in": "query", "required": False,
              "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                         "default": DEFAULT_LIMIT}},
    "offset": {"name": "offset", "in": "query", "required": False,
               "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET,
                          "default": 0}},
    "featureId": {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "string"}},
}
