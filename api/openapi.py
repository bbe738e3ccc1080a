"""The OpenAPI 3 description of the API, as data.

Layer names, status codes and campaign codes are taken from the catalogue, so the document
cannot drift from what the service accepts.  ``/api/openapi.json`` serves it and
``/api/docs`` renders it as a page.
"""

from __future__ import annotations

from typing import Any

from api import dashboard, green_page, inspection_routes, metrics
from layers.serving.project_links import DISPLAY_PRIORITY
from layers.serving.query import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, MAX_SEARCH_LENGTH
from layers.storage.catalogue import (
    CAMPAIGNS,
    REPORT_CATEGORIES,
    REPORT_STATUSES,
    STATUSES,
    layer_names,
)


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.0 document."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Lianchuang 联创 API",
            "version": "0.1.0",
            "description": (
                "Campaign projects of 六城（县）联创 and the layers they act on (roads, parks, "
                "watercourses, shantytown zones, water-source areas, facilities). Geometries "
                "are GeoJSON (RFC 7946) in EPSG:4326. Every error answers "
                '`{"error": {"status", "code", "message"}}` with a message saying what to fix.'
            ),
        },
        "paths": {
            "/api/layers": {"get": _operation(
                "The layer catalogue",
                "Titles (zh/en), geometry type, field schema, feature count, extent "
                "(EPSG:4326) and style of every layer; mission layers add status colours.",
                [], _ok("Layer catalogue", "Catalogue"))},
            "/api/layers/{layer}/features": {"get": _operation(
                "Features of a layer",
                "GeoJSON FeatureCollection, ordered by fid. Project filters keep features "
                "with at least one linked project passing them, and each feature's "
                "`projects` then lists the passing projects only. `display_status` is the "
                "status needing most attention: " + " > ".join(DISPLAY_PRIORITY) + ".",
                ["layer", "bbox", *_PROJECT_FILTERS, "q", "limit", "offset"],
                _ok("Features", "FeatureCollection", "application/geo+json"), not_found=True)},
            "/api/layers/{layer}/features/{fid}": {"get": _operation(
                "One feature", "A GeoJSON Feature with all its linked projects.",
                ["layer", "fid"], _ok("Feature", "Feature", "application/geo+json"),
                not_found=True)},
            "/api/projects": {"get": _operation(
                "Projects", "The project ledger, ordered by code.",
                [*_PROJECT_FILTERS, "q", "limit", "offset"], _ok("Projects", "ProjectList")),
                "post": _write("Create a project", "Ledger fields; the planner's own "
                               "department (admins: any).", [], _PROJECT_NEW,
                               {"description": "Created (ETag: its version)", "content": {
                                   "application/json": {"schema": _ref("ProjectDetail")}}},
                               status="201", conflict=True)},
            "/api/projects/{project_id}": {
                "get": _operation(
                    "One project",
                    "A project with links to its features' GeoJSON and its history, newest "
                    "first; the ETag header is its version.",
                    ["project_id"], _ok("Project", "ProjectDetail"), not_found=True),
                "patch": _write(
                    "Change a project",
                    "Status (one workflow step at a time; acceptance needs a note or photo), "
                    "progress, fields, or a note/photo. Send If-Match (or `version`): a "
                    "stale version gets 409 with the current state.",
                    ["project_id", _IF_MATCH], _PROJECT_CHANGE,
                    _ok("Project", "ProjectDetail")["200"], conflict=True)},
            "/api/departments": {"get": _operation(
                "Departments", "Responsible departments (责任单位) with their project counts.",
                [], _ok("Departments", "Departments"))},
            "/api/layers/{layer}/export": {"get": _operation(
                "Export a layer",
                "The layer, or the selection its filters make, as a file: GeoPackage, "
                "zipped Shapefile (with .prj and .cpg; UTF-8 or GBK), GeoJSON, KML or CSV.",
                ["layer", "export_format", "encoding", "csv_geometry", "export_crs", "bbox",
                 *_PROJECT_FILTERS, "q"],
                {"200": {"description": "The file", "content": {
                    "application/octet-stream": {"schema": {"type": "string",
                                                            "format": "binary"}}}}},
                not_found=True)},
            "/tiles/{layer}/{z}/{x}/{y}.mvt": {"get": _operation(
                "Vector tile", "Mapbox Vector Tile (ST_AsMVT) in Web Mercator; ETag and "
                "Cache-Control, 304 on If-None-Match. Takes the project filters.",
                ["layer", "z", "x", "y", *_PROJECT_FILTERS],
                {"200": {"description": "The tile", "content": {
                    "application/vnd.mapbox-vector-tile": {"schema": {
                        "type": "string", "format": "binary"}}}},
                 "304": {"description": "Unchanged since the ETag sent"}},
                not_found=True)},
            "/tiles/{layer}.json": {"get": _operation(
                "TileJSON", "TileJSON 3.0 of a layer's vector tiles.", ["layer"],
                {"200": {"description": "TileJSON", "content": {"application/json": {
                    "schema": {"type": "object"}}}}}, not_found=True)},
            **_TRACKING_PATHS,
            **_OPEN311_PATHS,
            **inspection_routes.OPENAPI_PATHS,
            **metrics.OPENAPI_PATHS,
            **green_page.OPENAPI_PATHS,
            **dashboard.OPENAPI_PATHS,
            "/healthz": {"get": {
                "summary": "Health",
                "description": "200 when the database answers; 503 with the reason when not. "
                               "Recovers by itself when the database is back.",
                "responses": {
                    "200": _ok("Healthy", "Health")["200"],
                    "503": {"description": "Database unreachable or not configured",
                            "content": {"application/json": {"schema": _ref("Health")}}},
                },
            }},
        },
        "components": {"parameters": _PARAMETERS, "schemas": _SCHEMAS,
                       "securitySchemes": {"token": {
                           "type": "http", "scheme": "bearer",
                           "description": "An API token from `lianchuang user add` / "
                                          "`lianchuang user token`."}},
                       "responses": {"Error": {
                           "description": "The request cannot be answered; see the message",
                           "content": {"application/json": {"schema": _ref("Error")}}}}},
    }


_PROJECT_FILTERS = ("status", "campaign", "department", "overdue")
_IF_MATCH = "if_match"


def _ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def _ok(description: str, schema: str, mimetype: str = "application/json") -> dict[str, Any]:
    return {"200": {"description": description, "content": {mimetype: {"schema": _ref(schema)}}}}


def _operation(summary: str, description: str, parameters: list[str], responses: dict,
               not_found: bool = False) -> dict[str, Any]:
    error = {"$ref": "#/components/responses/Error"}
    responses = {**responses, "400": error, "503": error}
    if not_found:
        responses["404"] = error
    return {
        "summary": summary,
        "description": description,
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
        "responses": dict(sorted(responses.items())),
    }


def _query(name: str, description: str, schema: dict, explode: bool = True) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, "style": "form", "explode": explode}


def _choices(choices) -> str:
    return ", ".join(f"`{c.code}` ({c.zh})" for c in choices)


_PARAMETERS: dict[str, Any] = {
    "layer": {"name": "layer", "in": "path", "required": True,
              "description": "Catalogue layer name.",
              "schema": {"type": "string", "enum": list(layer_names())}},
    "fid": {"name": "fid", "in": "path", "required": True,
            "description": "The feature's id (fid).", "schema": {"type": "string"}},
    "project_id": {"name": "project_id", "in": "path", "required": True,
                   "description": "The project's numeric id.",
                   "schema": {"type": "integer", "minimum": 1}},
    "bbox": _query("bbox", "minx,miny,maxx,maxy in longitude/latitude (EPSG:4326); keeps "
                   "features intersecting it.",
                   {"type": "array", "items": {"type": "number"}, "minItems": 4,
                    "maxItems": 4}, explode=False),
    "status": _query("status", "Project status, code or label; repeat or separate by commas "
                     "for any of several: " + _choices(STATUSES) + ".",
                     {"type": "array", "items": {"type": "string"}}),
    "campaign": _query("campaign", "Campaign, code or label; several mean any of them: "
                       + _choices(CAMPAIGNS) + ".",
                       {"type": "array", "items": {"type": "string"}}),
    "department": _query("department", "Responsible department, exact name (see "
                         "/api/departments).", {"type": "string"}),
    "overdue": _query("overdue", "true: due date passed and not completed or accepted; "
                      "false: the others.", {"type": "boolean"}),
    "q": _query("q", "Text searched (case-insensitive) in feature names and project names "
                "and codes.", {"type": "string", "maxLength": MAX_SEARCH_LENGTH}),
    "limit": _query("limit", "Page size.", {"type": "integer", "minimum": 1,
                                            "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    "offset": _query("offset", "Items to skip.", {"type": "integer", "minimum": 0,
                                                  "maximum": MAX_OFFSET, "default": 0}),
}


_LABEL = {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}}
_LINKS = {"type": "array", "items": {"type": "object", "properties": {
    "rel": {"type": "string"}, "type": {"type": "string"}, "href": {"type": "string"}}}}
_DATE = {"type": "string", "format": "date", "nullable": True}

_PROJECT_SUMMARY = {
    "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
    "status": {"type": "string", "enum": [s.code for s in STATUSES]},
    "status_label": _LABEL, "progress": {"type": "integer", "minimum": 0, "maximum": 100},
    "due_date": _DATE, "overdue": {"type": "boolean"},
    "campaigns": {"type": "array", "items": {"type": "string",
                                             "enum": [c.code for c in CAMPAIGNS]}},
    "department": {"type": "string"},
}
_PROJECT = {
    **_PROJECT_SUMMARY,
    "category": {"type": "string"}, "category_label": _LABEL,
    "responsible": {"type": "string", "nullable": True},
    "budget_wan": {"type": "number", "nullable": True, "description": "万元 (10,000 CNY)"},
    "start_date": _DATE, "description": {"type": "string", "nullable": True},
    "version": {"type": "integer"}, "updated_at": {"type": "string", "format": "date-time"},
}

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["status", "code", "message"], "properties": {
            "status": {"type": "integer"}, "code": {"type": "string"},
            "message": {"type": "string"}}}}},
    "Health": {"type": "object", "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "database": {"type": "string"}, "error": _ref("Error")}},
    "Layer": {"type": "object", "properties": {
        "name": {"type": "string"}, "title": _LABEL, "description": _LABEL,
        "mission": {"type": "boolean"},
        "geometry": {"type": "array", "items": {"type": "string",
                                                "enum": ["point", "line", "polygon"]}},
        "fields": {"type": "array", "items": {"type": "object"}},
        "feature_count": {"type": "integer"},
        "extent": {"type": "array", "items": {"type": "number"}, "nullable": True,
                   "description": "minx, miny, maxx, maxy in EPSG:4326"},
        "style": {"type": "object"}, "links": _LINKS}},
    "Catalogue": {"type": "object", "properties": {
        "layers": {"type": "array", "items": _ref("Layer")}}},
    "ProjectSummary": {"type": "object", "properties": _PROJECT_SUMMARY},
    "Feature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"},
        "geometry": {"type": "object", "description": "GeoJSON geometry"},
        "properties": {"type": "object", "properties": {
            "layer": {"type": "string"},
            "projects": {"type": "array", "items": _ref("ProjectSummary")},
            "display_status": {"type": "string", "nullable": True,
                               "enum": [*DISPLAY_PRIORITY, None]}},
            "additionalProperties": True}}},
    "FeatureCollection": {"type": "object", "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": _ref("Feature")},
        "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
        "links": _LINKS}},
    "Project": {"type": "object", "properties": _PROJECT},
    "ProjectList": {"type": "object", "properties": {
        "projects": {"type": "array", "items": _ref("Project")},
        "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
        "links": _LINKS}},
    "ProjectDetail": {"allOf": [_ref("Project"), {"type": "object", "properties": {
        "features": {"type": "array", "items": {"type": "object", "properties": {
            "layer": {"type": "string"}, "fid": {"type": "string"},
            "name": {"type": "string", "nullable": True}, "href": {"type": "string"}}}},
        "history": {"type": "array", "items": {"type": "object", "properties": {
            "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"},
            "kind": {"type": "string"}, "status": {"type": "string", "nullable": True},
            "progress": {"type": "integer", "nullable": True},
            "note": {"type": "string", "nullable": True},
            "data": {"type": "object", "nullable": True}}}}}}]},
    "User": {"type": "object", "properties": {
        "username": {"type": "string"}, "display_name": {"type": "string"},
        "role": {"type": "string"}, "department": {"type": "string", "nullable": True}}},
    "Conflict": {"allOf": [_ref("Error"), {"type": "object", "properties": {
        "current": _ref("ProjectDetail")}}]},
    "Photo": {"type": "object", "properties": {
        "id": {"type": "string"}, "content_type": {"type": "string"},
        "size": {"type": "integer"}}},
    "Report": {"type": "object", "additionalProperties": True, "properties": {
        "id": {"type": "integer"}, "category": {"type": "string"},
        "description": {"type": "string"}, "status": {"type": "string"},
        "department": {"type": "string"}, "lon": {"type": "number"},
        "lat": {"type": "number"}}},
    "Open311Errors": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "integer"}, "description": {"type": "string"}}}},
    "Open311Service": {"type": "object", "properties": {
        "service_code": {"type": "string"}, "service_name": {"type": "string"},
        "description": {"type": "string"}, "metadata": {"type": "boolean"},
        "type": {"type": "string"}, "keywords": {"type": "string"},
        "group": {"type": "string"}}},
    "Open311Receipt": {"type": "object", "properties": {
        "service_request_id": {"type": "string"}, "service_notice": {"type": "string"},
        "account_id": {"type": "string", "nullable": True}}},
    "Open311Request": {"type": "object", "additionalProperties": True, "properties": {
        "service_request_id": {"type": "string"}, "status": {"type": "string"},
        "service_code": {"type": "string"}, "description": {"type": "string"},
        "agency_responsible": {"type": "string"}, "lat": {"type": "number"},
        "long": {"type": "number"}}},
    "Departments": {"type": "object", "properties": {"departments": {
        "type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "projects": {"type": "integer"}}}}}},
}


# Writes (tracking) and Open311.

def _write(summary: str, description: str, parameters: list[str], body: dict | None,
           ok: dict, *, status: str = "200", conflict: bool = False) -> dict[str, Any]:
    """An operation that needs a token: 401/403 besides the usual errors."""
    error = {"$ref": "#/components/responses/Error"}
    responses = {status: ok, "400": error, "401": error, "403": error, "404": error,
                 "422": error, "503": error}
    if conflict:
        responses["409"] = {"description": "Stale version: the body's `current` is the state "
                                           "now", "content": {"application/json": {
                                               "schema": _ref("Conflict")}}}
        responses["428"] = error
    operation = {"summary": summary, "description": description,
                 "security": [{"token": []}],
                 "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in parameters],
                 "responses": dict(sorted(responses.items()))}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


def _json_body(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"application/json": {"schema": schema}}


_PROJECT_CHANGE = _json_body({
    "status": {"type": "string", "enum": [s.code for s in STATUSES]},
    "progress": {"type": "integer", "minimum": 0, "maximum": 100},
    "note": {"type": "string"}, "photo_id": {"type": "string"},
    "version": {"type": "integer", "description": "Instead of If-Match"},
    "name": {"type": "string"}, "due_date": {"type": "string", "format": "date"},
    "budget_wan": {"type": "number"}, "responsible": {"type": "string"},
    "description": {"type": "string"}})
_PROJECT_NEW = _json_body({
    "code": {"type": "string"}, "name": {"type": "string"}, "category": {"type": "string"},
    "campaigns": {"type": "array", "items": {"type": "string"}},
    "department": {"type": "string"}, "responsible": {"type": "string"},
    "status": {"type": "string"}, "progress": {"type": "integer"},
    "budget_wan": {"type": "number"}, "start_date": {"type": "string", "format": "date"},
    "due_date": {"type": "string", "format": "date"}, "description": {"type": "string"}},
    ["code", "name", "category", "campaigns", "department"])
_REPORT_CHANGE = _json_body({
    "status": {"type": "string", "enum": [c.code for c, _ in REPORT_STATUSES]},
    "note": {"type": "string"}, "project_id": {"type": "integer"},
    "duplicate_of": {"type": "integer"}})
_PHOTO = {"multipart/form-data": {"schema": {"type": "object", "required": ["photo"],
                                             "properties": {"photo": {"type": "string",
                                                                      "format": "binary"}}}}}
_OPEN311_FORM = {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["service_code", "lat", "long", "description"],
    "properties": {
        "api_key": {"type": "string"}, "service_code": {"type": "string",
                                                        "enum": [c.code for c in REPORT_CATEGORIES]},
        "lat": {"type": "number"}, "long": {"type": "number"},
        "description": {"type": "string"}, "address_string": {"type": "string"},
        "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "email": {"type": "string"}, "phone": {"type": "string"}}}}}


def _open311(summary: str, description: str, parameters: list[str], items: dict,
             status: str = "200") -> dict[str, Any]:
    error = {"description": "Open311 error list",
             "content": {"application/json": {"schema": _ref("Open311Errors")}}}
    return {"summary": summary, "description": description,
            "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in parameters],
            "responses": {status: {"description": summary, "content": {"application/json": {
                "schema": {"type": "array", "items": items}}}},
                "400": error, "401": error, "404": error}}


_TRACKING_PATHS: dict[str, Any] = {
    "/api/me": {"get": _write("Who am I", "The user of the token sent.", [], None,
                              _ok("User", "User")["200"])},
    "/api/projects/{project_id}/features": {"post": _write(
        "Link a feature", "Links `{layer, fid}` to the project (planner of its department).",
        ["project_id", _IF_MATCH],
        _json_body({"layer": {"type": "string", "enum": list(layer_names())},
                    "fid": {"type": "string"}, "version": {"type": "integer"}},
                   ["layer", "fid"]),
        _ok("Project", "ProjectDetail")["200"], conflict=True)},
    "/api/projects/{project_id}/features/{layer}/{fid}": {"delete": _write(
        "Unlink a feature", "Removes the link (planner of its department).",
        ["project_id", "layer", "fid", _IF_MATCH], None,
        _ok("Project", "ProjectDetail")["200"], conflict=True)},
    "/api/photos": {"post": _write(
        "Upload a photo", "JPEG, PNG or WebP, checked by content; returns its id.", [],
        _PHOTO, {"description": "Stored", "content": {"application/json": {
            "schema": _ref("Photo")}}}, status="201")},
    "/api/photos/{photo_id}": {"get": {
        "summary": "A photo", "description": "The stored image, as uploaded.",
        "parameters": [{"$ref": "#/components/parameters/photo_id"}],
        "responses": {"200": {"description": "The image", "content": {
            "image/*": {"schema": {"type": "string", "format": "binary"}}}},
            "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/reports": {"get": _operation(
        "Problem reports", "Reports as GeoJSON points, newest first.",
        ["report_status", "category", "department"],
        _ok("Reports", "FeatureCollection", "application/geo+json"))},
    "/api/reports/{report_id}": {
        "get": _operation("One report", "A report with its history, newest first.",
                          ["report_id"], _ok("Report", "Report"), not_found=True),
        "patch": _write("Change a report", "Status with a note, project link, or duplicate "
                        "(inspector or above).", ["report_id"], _REPORT_CHANGE,
                        _ok("Report", "Report")["200"])},
}

_OPEN311_PATHS: dict[str, Any] = {
    "/open311/v2/services.json": {"get": _open311(
        "Open311 services", "The report categories.", ["lang"], _ref("Open311Service"))},
    "/open311/v2/services/{code}.json": {"get": {
        "summary": "Open311 service definition", "description": "No extra attributes.",
        "parameters": [{"$ref": "#/components/parameters/service_code"}],
        "responses": {"200": {"description": "Definition", "content": {"application/json": {
            "schema": {"type": "object"}}}},
            "404": {"description": "Unknown service", "content": {"application/json": {
                "schema": _ref("Open311Errors")}}}}}},
    "/open311/v2/requests.json": {
        "get": _open311("Open311 service requests", "Filtered by id, service, status "
                        "(open/closed) and dates.",
                        ["service_request_id", "service_code_q", "open311_status",
                         "start_date", "end_date"], _ref("Open311Request")),
        "post": {**_open311("File a service request", "Needs an API token (api_key).", [],
                            _ref("Open311Receipt"), status="201"),
                 "requestBody": {"required": True, "content": _OPEN311_FORM}}},
    "/open311/v2/requests/{request_id}.json": {"get": _open311(
        "One Open311 service request", "As a one-element array.", ["request_id"],
        _ref("Open311Request"))},
}

_PARAMETERS.update({
    _IF_MATCH: {"name": "If-Match", "in": "header", "required": False,
                "description": 'The ETag ("<version>") of the project as last read.',
                "schema": {"type": "string"}},
    "photo_id": {"name": "photo_id", "in": "path", "required": True,
                 "schema": {"type": "string"}},
    "report_id": {"name": "report_id", "in": "path", "required": True,
                  "schema": {"type": "integer", "minimum": 1}},
    "request_id": {"name": "request_id", "in": "path", "required": True,
                   "schema": {"type": "string"}},
    "code": {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
    "report_status": _query("status", "Report status codes: " + ", ".join(
        c.code for c, _ in REPORT_STATUSES) + ".", {"type": "string"}),
    "category": _query("category", "Report categories: " + _choices(REPORT_CATEGORIES) + ".",
                       {"type": "string"}),
    "lang": _query("lang", "`en` for English service names.", {"type": "string",
                                                                "enum": ["zh", "en"]}),
    "service_request_id": _query("service_request_id", "Ids separated by commas.",
                                 {"type": "string"}),
    "service_code_q": _query("service_code", "Service codes separated by commas.",
                             {"type": "string"}),
    "open311_status": _query("status", "open or closed.", {"type": "string",
                                                          "enum": ["open", "closed"]}),
    "start_date": _query("start_date", "W3C date-time.", {"type": "string",
                                                          "format": "date-time"}),
    "end_date": _query("end_date", "W3C date-time.", {"type": "string", "format": "date-time"}),
})
_PARAMETERS.update({
    "export_format": _query("format", "gpkg, shp (zipped), geojson, kml or csv.",
                            {"type": "string", "enum": ["gpkg", "shp", "geojson", "kml", "csv"]}),
    "encoding": _query("encoding", "Text encoding of a Shapefile's .dbf.",
                       {"type": "string", "enum": ["utf-8", "gbk"]}),
    "export_crs": _query("crs", "CRS of the file: EPSG:4326 (WGS84), EPSG:4490 (CGCS2000) or "
                         "gk, the CGCS2000 Gauss-Krüger zone of the data (gpkg, shp, csv).",
                         {"type": "string", "default": "EPSG:4326"}),
    "csv_geometry": _query("geometry", "CSV geometry as WKT or lon/lat columns (points).",
                           {"type": "string", "enum": ["wkt", "lonlat"]}),
    **{name: {"name": name, "in": "path", "required": True,
              "schema": {"type": "integer", "minimum": 0}} for name in ("z", "x", "y")},
})
_PARAMETERS["service_code"] = _PARAMETERS.pop("code")
_PARAMETERS["service_code"]["name"] = "code"
_PARAMETERS.update(inspection_routes.OPENAPI_PARAMETERS)
