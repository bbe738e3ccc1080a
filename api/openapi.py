"""The OpenAPI 3 description of the API, as data.

Layer names, status codes and campaign codes are taken from the catalogue, so the document
cannot drift from what the service accepts.  ``/api/openapi.json`` serves it and
``/api/docs`` renders it as a page.
"""

from __future__ import annotations

from typing import Any

from layers.catalogue import CAMPAIGNS, STATUSES, layer_names
from layers.features import DISPLAY_PRIORITY
from layers.query import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, MAX_SEARCH_LENGTH


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
                [*_PROJECT_FILTERS, "q", "limit", "offset"], _ok("Projects", "ProjectList"))},
            "/api/projects/{project_id}": {"get": _operation(
                "One project",
                "A project with links to its features' GeoJSON and its history, newest first.",
                ["project_id"], _ok("Project", "ProjectDetail"), not_found=True)},
            "/api/departments": {"get": _operation(
                "Departments", "Responsible departments (责任单位) with their project counts.",
                [], _ok("Departments", "Departments"))},
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
                       "responses": {"Error": {
                           "description": "The request cannot be answered; see the message",
                           "content": {"application/json": {"schema": _ref("Error")}}}}},
    }


_PROJECT_FILTERS = ("status", "campaign", "department", "overdue")


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
    "Departments": {"type": "object", "properties": {"departments": {
        "type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "projects": {"type": "integer"}}}}}},
}
