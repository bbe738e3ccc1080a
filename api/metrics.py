"""``/api/metrics/green``: green-space indicators judged against a title's thresholds,
what-if scenarios, and the residential land no park serves.

The work is in :mod:`layers.green` (the layers and indicators kept while the data is
unchanged, judging and the words of the answers, the scenario request); this module parses
requests and calls it.  A malformed request answers 400, a geometry or feature the
computation refuses 422, a body over :data:`MAX_BODY_BYTES` 413.
:data:`OPENAPI_PATHS` describes these routes for ``api/openapi.py``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from api import params
from api.database import get_engine
from api.render import GEOJSON, json_response
from geo.scenario import GREEN_CLASSES
from geo.thresholds import load_thresholds
from layers.green.judging import DEFAULT_TITLE, assessed_body, scenario_answer, unserved_collection
from layers.green.scenario_request import MAX_CHANGES, MAX_VERTICES, parse_changes
from layers.green.state import current_state, run_scenario
from layers.i18n import LANGUAGES
from layers.serving.query import InvalidQuery

bp = Blueprint("metrics", __name__, url_prefix="/api/metrics")

#: Largest scenario request body (a drawn polygon of a few thousand corners fits easily).
MAX_BODY_BYTES = 256 * 1024


# --- routes ---------------------------------------------------------------------------------


@bp.get("/green")
def green() -> Response:
    """Every indicator for the built-up area and each community, judged against a title."""
    args = request.args
    params.check_known(args, ("title", "walking", "lang"))
    title, lang = parse_title(args), parse_lang(args)
    state = current_state(get_engine(), walking=parse_flag(args, "walking", True))
    return json_response(assessed_body(state, title, lang))


@bp.post("/green/scenario")
def scenario() -> Response:
    """Indicators before and after the changes in the JSON body; nothing is stored."""
    args = request.args
    params.check_known(args, ("title", "walking", "lang"))
    title, lang, walking = parse_title(args), parse_lang(args), parse_flag(args, "walking", True)
    state, result = run_scenario(get_engine(), parse_changes(_json_body()), walking=walking)
    return json_response(scenario_answer(state, result, title, lang))


@bp.get("/green/unserved")
def unserved() -> Response:
    """The residential land no park serves, per community, as GeoJSON."""
    args = request.args
    params.check_known(args, ("walking",))
    walking = parse_flag(args, "walking", False)
    state = current_state(get_engine(), walking=walking)
    return json_response(unserved_collection(state, walking), GEOJSON)


# --- request parsing ------------------------------------------------------------------------


def parse_title(args: MultiDict) -> str:
    title = single_parameter(args, "title") or DEFAULT_TITLE
    titles = load_thresholds()["titles"]
    if title not in titles:
        raise InvalidQuery(f"unknown title {title!r}; the thresholds file knows: "
                           + ", ".join(titles))
    return title


def parse_lang(args: MultiDict) -> str:
    lang = single_parameter(args, "lang") or "zh"
    if lang not in LANGUAGES:
        raise InvalidQuery(f"lang must be one of: {', '.join(LANGUAGES)}; got {lang!r}")
    return lang


def parse_flag(args: MultiDict, name: str, default: bool) -> bool:
    text = single_parameter(args, name)
    if text is None:
        return default
    if text.strip().lower() not in ("true", "false"):
        raise InvalidQuery(f"{name} must be true or false; got {text!r}")
    return text.strip().lower() == "true"


def single_parameter(args: MultiDict, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise InvalidQuery(f"{name} was given {len(values)} times; give it once")
    return values[0] if values else None


def _json_body() -> Any:
    request.max_content_length = MAX_BODY_BYTES  # a larger body is refused with 413
    text = request.get_data(cache=False)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidQuery(f"the body is not JSON ({exc}); send "
                           '{"changes": [...]} with Content-Type: application/json') from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


# --- OpenAPI --------------------------------------------------------------------------------

_ERROR = {"$ref": "#/components/responses/Error"}
_NUMBER = {"type": "number", "nullable": True}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


_TITLE = _query("title", "Thresholds title to judge against (a key of geo/thresholds.json: "
                "national_garden_old, national_garden, gb55014_2021, provincial_eco_garden).",
                {"type": "string", "default": DEFAULT_TITLE})
_WALKING = _query("walking", "true: also compute the walking-distance variant of the park "
                  "service coverage (needs streets).", {"type": "boolean", "default": True})
_LANG = _query("lang", "Language of titles and gap messages.",
               {"type": "string", "enum": list(LANGUAGES), "default": "zh"})
_VERDICT = {
    "assessed": {"type": "boolean", "description": "The title has a threshold row for it"},
    "passed": {"type": "boolean", "nullable": True,
               "description": "null: not assessed, threshold unknown, or no value"},
    "veto": {"type": "boolean"},
    "gap": {"type": "object", "nullable": True, "properties": {
        "more": {"type": "number"}, "more_unit": {"type": "string"},
        "max_population": {"type": "integer", "nullable": True}}},
    "message": {"type": "string", "description": "passes, or what it needs to pass"},
}
_MEASURE = {"value": _NUMBER, "numerator": {"type": "number"},
            "denominator": {"type": "number"}}
_THRESHOLD = {"type": "object", "nullable": True, "properties": {
    "value": _NUMBER, "comparison": {"type": "string", "enum": [">", ">="]},
    "standard": {"type": "string"}, "clause": {"type": "string", "nullable": True},
    "verified": {"type": "boolean"}, "source": {"type": "string"},
    "veto": {"type": "boolean"}}}
_ABOUT = {
    "title": {"type": "object", "properties": {"key": {"type": "string"},
                                               "label": {"type": "string"}}},
    "titles": {"type": "array", "items": {"type": "object"}},
    "thresholds_version": {"type": "string"},
    "data_date": {"type": "string", "format": "date-time", "nullable": True,
                  "description": "Latest imported_at of the layers read"},
    "epsg": {"type": "integer", "nullable": True, "description": "CRS areas were measured in"},
    "walking": {"type": "boolean"},
    "service_radius_rules": {"type": "object"},
}
_POLYGON = {"type": "object", "required": ["type", "coordinates"],
            "description": "GeoJSON Polygon or MultiPolygon in EPSG:4326 (lon, lat)",
            "properties": {"type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
                           "coordinates": {"type": "array", "items": {"type": "array"}}}}
_CLASS = {"type": "string", "enum": list(GREEN_CLASSES), "default": "G12"}
_CHANGE = {"oneOf": [
    {"type": "object", "required": ["op", "geometry"], "additionalProperties": False,
     "properties": {"op": {"type": "string", "enum": ["add_green"]}, "geometry": _POLYGON,
                    "class": _CLASS, "name": {"type": "string", "maxLength": 100},
                    "historic": {"type": "boolean"},
                    "veg_ratio": {"type": "number", "minimum": 0, "maximum": 1}}},
    {"type": "object", "required": ["op", "layer", "fid"], "additionalProperties": False,
     "properties": {"op": {"type": "string", "enum": ["convert"]},
                    "layer": {"type": "string", "example": "shantytown_zones"},
                    "fid": {"type": "string"}, "class": _CLASS,
                    "historic": {"type": "boolean"},
                    "veg_ratio": {"type": "number", "minimum": 0, "maximum": 1}}},
    {"type": "object", "required": ["op", "layer", "fid"], "additionalProperties": False,
     "properties": {"op": {"type": "string", "enum": ["remove"]},
                    "layer": {"type": "string", "enum": ["parks", "green_spaces",
                                                         "residential_land"]},
                    "fid": {"type": "string"}}},
]}
_SIDE = {"type": "object", "nullable": True, "properties": {**_MEASURE, **_VERDICT}}

#: OpenAPI 3 path items of this blueprint (self-contained but for the shared Error response).
OPENAPI_PATHS: dict[str, Any] = {
    "/api/metrics/green": {"get": {
        "summary": "Green-space indicators against a title",
        "description": (
            "Every indicator of geo.green for the built-up area (建成区) and each community: "
            "value, numerator and denominator with units, the title's threshold (with "
            "standard, clause and whether its text was verified), pass/fail, veto flag and "
            "the gap to pass; the thresholds file version and the data date."),
        "parameters": [_TITLE, _WALKING, _LANG],
        "responses": {"200": {"description": "The indicators", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                **_ABOUT,
                "vetoed": {"type": "boolean", "description": "A veto item fails"},
                "built_up": {"type": "object", "properties": {
                    "area_m2": {"type": "number"},
                    "indicators": {"type": "array", "items": {"type": "object", "properties": {
                        "key": {"type": "string"}, "title": {"type": "string"},
                        "title_zh": {"type": "string"}, **_MEASURE,
                        "unit": {"type": "string"}, "numerator_unit": {"type": "string"},
                        "denominator_unit": {"type": "string"},
                        "method": {"type": "string"}, "approximation": {"type": "boolean"},
                        "notes": {"type": "array", "items": {"type": "string"}},
                        "threshold": _THRESHOLD, **_VERDICT}}}}},
                "communities": {"type": "array", "items": {"type": "object", "properties": {
                    "fid": {"type": "string"}, "name": {"type": "string"},
                    "vetoed": {"type": "boolean"},
                    "indicators": {"type": "object", "additionalProperties": {
                        "type": "object", "properties": {**_MEASURE, **_VERDICT}}}}}},
            }}}}},
            "400": _ERROR, "422": _ERROR, "503": _ERROR}}},
    "/api/metrics/green/scenario": {"post": {
        "summary": "What if: indicators before and after changes",
        "description": (
            "Applies the changes in order to the stored layers (nothing is written) and "
            "answers every indicator before and after, with the difference and the verdict "
            "against the title. `add_green` draws new green space (G11–G14 make it a park), "
            "`convert` turns a feature (e.g. of shantytown_zones) into green space, `remove` "
            "takes a park, green space or residential land away. New green space replaces "
            f"the residential land under it. At most {MAX_CHANGES} changes, "
            f"{MAX_VERTICES} corners per polygon and {MAX_BODY_BYTES // 1024} KB of body; "
            "an empty, invalid, outside or too large polygon, or an unknown layer or "
            "feature, answers 422."),
        "parameters": [_TITLE, _WALKING, _LANG],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["changes"], "additionalProperties": False,
            "properties": {"changes": {"type": "array", "minItems": 1,
                                       "maxItems": MAX_CHANGES, "items": _CHANGE}}}}}},
        "responses": {"200": {"description": "Before, after and deltas", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                **_ABOUT,
                "vetoed": {"type": "object", "properties": {
                    "before": {"type": "boolean"}, "after": {"type": "boolean"}}},
                "indicators": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"}, "title": {"type": "string"},
                    "unit": {"type": "string"}, "threshold": _THRESHOLD,
                    "before": _SIDE, "after": _SIDE,
                    "delta": {"type": "object", "nullable": True, "properties": _MEASURE}}}},
                "communities": {"type": "array", "items": {"type": "object"}}}}}}},
            "400": _ERROR, "413": _ERROR, "422": _ERROR, "503": _ERROR}}},
    "/api/metrics/green/unserved": {"get": {
        "summary": "Residential land no park serves",
        "description": (
            "The residential land inside the built-up area outside every park's service "
            "radius, one MultiPolygon feature per community (id `outside` for land in no "
            "community), by the straight-line method or, with walking=true, by walking "
            "distance on the streets. Its area is the coverage indicator's denominator less "
            "its numerator."),
        "parameters": [_query("walking", "true: the walking-distance method.",
                              {"type": "boolean", "default": False})],
        "responses": {"200": {"description": "GeoJSON FeatureCollection", "content": {
            "application/geo+json": {"schema": {"type": "object", "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "method": {"type": "string", "enum": ["buffer", "walking"]},
                "residential_m2": {"type": "number"}, "unserved_m2": {"type": "number"},
                "coverage": _NUMBER,
                "data_date": {"type": "string", "format": "date-time", "nullable": True},
                "features": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"},
                    "geometry": {"type": "object", "description": "GeoJSON MultiPolygon"},
                    "properties": {"type": "object", "properties": {
                        "community": {"type": "string", "nullable": True},
                        "name": {"type": "string", "nullable": True},
                        "residential_m2": {"type": "number"},
                        "unserved_m2": {"type": "number"}}}}}}}}}}},
            "400": _ERROR, "422": _ERROR, "503": _ERROR}}},
}
