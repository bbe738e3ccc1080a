"""``/api/metrics/green``: green-space indicators judged against a title's thresholds,
what-if scenarios, and the residential land no park serves.

The computation is :mod:`geo.green`, :mod:`geo.assess`, :mod:`geo.scenario` and
:mod:`geo.service_gaps` on the layers :mod:`layers.green.load` reads; this module parses
requests and shapes answers (the page and the assessors' report are :mod:`api.green_page`).
The layers and their indicators are kept between requests while the tables are unchanged
(same row counts and latest ``imported_at``), so opening the page, switching the title and
asking for the report compute once.

A :class:`geo.errors.GeoInputError` (a geometry, layer or feature the computation refuses)
answers 422 with its message; a malformed request 400; a body over :data:`MAX_BODY_BYTES`
413.  :data:`OPENAPI_PATHS` describes these routes for ``api/openapi.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from api import params
from api.database import get_engine
from api.render import GEOJSON, json_response
from geo import green as geo_green
from geo.assess import Assessment, TitleAssessment, assess, load_thresholds
from geo.errors import GeoInputError
from geo.green_model import GreenLayers, GreenReport, Indicator
from geo.scenario import (
    GREEN_CLASSES,
    AddGreen,
    Change,
    ConvertFeature,
    RemoveFeature,
    ScenarioResult,
    what_if,
)
from geo.service_gaps import unserved_residential
from layers.green.load import SCENARIO_SOURCES, load_green_layers, read_layer
from layers.i18n import LANGUAGES, translator
from layers.serving.query import InvalidQuery
from layers.storage.db import unreachable
from layers.storage.models import layer_table
from webmap.green_page import GAP_WHAT, indicator_name

bp = Blueprint("metrics", __name__, url_prefix="/api/metrics")

#: The title judged when none is asked for: the mandatory national code.
DEFAULT_TITLE = "gb55014_2021"
#: Largest scenario request body (a drawn polygon of a few thousand corners fits easily).
MAX_BODY_BYTES = 256 * 1024
#: Most changes in one scenario.
MAX_CHANGES = 20
#: Most corners of one drawn polygon.
MAX_VERTICES = 5000
#: The layers :func:`layers.green.load.load_green_layers` reads (their latest import dates the data).
READ_LAYERS = ("built_up_area", "parks", "green_spaces", "communities", "residential_land",
               "streets", "road_segments", "watercourses")
#: Decimal places of output coordinates: 1e-7 degrees is about 1 cm.
COORDINATE_DECIMALS = 7
_CHANGE_KEYS = {
    "add_green": {"op", "geometry", "class", "name", "historic", "veg_ratio"},
    "convert": {"op", "layer", "fid", "class", "historic", "veg_ratio"},
    "remove": {"op", "layer", "fid"},
}


# --- routes ---------------------------------------------------------------------------------


@bp.get("/green")
def green() -> Response:
    """Every indicator for the built-up area and each community, judged against a title."""
    args = request.args
    params.check_known(args, ("title", "walking", "lang"))
    title, lang = parse_title(args), parse_lang(args)
    state = current_state(walking=parse_flag(args, "walking", True))
    return json_response(assessed_body(state, title, lang))


@bp.post("/green/scenario")
def scenario() -> Response:
    """Indicators before and after the changes in the JSON body; nothing is stored."""
    args = request.args
    params.check_known(args, ("title", "walking", "lang"))
    title, lang, walking = parse_title(args), parse_lang(args), parse_flag(args, "walking", True)
    changes = parse_changes(_json_body())
    state = current_state(walking=walking)
    try:
        with get_engine().connect() as conn:
            sources = {name: read_layer(conn, name) for name in SCENARIO_SOURCES}
    except sa.exc.OperationalError as exc:
        raise unreachable(exc) from None
    result = what_if(state.layers, changes, sources=sources, walking=walking)
    return json_response(_scenario_answer(state, result, title, lang))


@bp.get("/green/unserved")
def unserved() -> Response:
    """The residential land no park serves, per community, as GeoJSON."""
    args = request.args
    params.check_known(args, ("walking",))
    walking = parse_flag(args, "walking", False)
    state = current_state(walking=walking)
    return json_response(_unserved_collection(state, walking), GEOJSON)


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


def parse_changes(body: Any) -> list[Change]:
    """The scenario changes of a request body ``{"changes": [...]}``.

    Raises
    ------
    layers.serving.query.InvalidQuery
        A body or change of the wrong shape (400), naming the change and the field.
    geo.errors.GeoInputError
        A geometry that is not a polygon or not in lon/lat (422).
    """
    if not isinstance(body, dict) or set(body) != {"changes"}:
        raise InvalidQuery('send a JSON object {"changes": [...]}; title, walking and lang '
                           "go in the query string")
    changes = body["changes"]
    if not isinstance(changes, list) or not changes:
        raise InvalidQuery("changes must be a non-empty list of {\"op\": \"add_green\" | "
                           "\"convert\" | \"remove\", ...} objects")
    if len(changes) > MAX_CHANGES:
        raise InvalidQuery(f"{len(changes)} changes given; a scenario holds at most "
                           f"{MAX_CHANGES}")
    return [_change(change, f"change {number}")
            for number, change in enumerate(changes, start=1)]


def _change(change: Any, where: str) -> Change:
    if not isinstance(change, dict) or change.get("op") not in _CHANGE_KEYS:
        raise InvalidQuery(f"{where}: give an object with op add_green, convert or remove")
    op = change["op"]
    unknown = sorted(set(change) - _CHANGE_KEYS[op])
    if unknown:
        raise InvalidQuery(f"{where}: unknown field(s) {', '.join(unknown)} for op {op}; "
                           f"it takes: {', '.join(sorted(_CHANGE_KEYS[op]))}")
    if op == "remove":
        return RemoveFeature(_text(change, "layer", where), _fid(change, where))
    green = {"green_class": _green_class(change, where),
             "historic": _typed(change, "historic", bool, False, where),
             "veg_ratio": _veg_ratio(change, where)}
    if op == "convert":
        return ConvertFeature(_text(change, "layer", where), _fid(change, where), **green)
    name = _typed(change, "name", str, "规划绿地", where)[:100]
    return AddGreen(parse_polygon(change.get("geometry"), where), crs="EPSG:4326", name=name,
                    **green)


def _text(change: dict, key: str, where: str) -> str:
    value = change.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise InvalidQuery(f"{where}: {key} must be a non-empty text of at most 100 "
                           f"characters; got {value!r:.60}")
    return value


def _fid(change: dict, where: str) -> str:
    value = change.get("fid")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(change, "fid", where)


def _typed(change: dict, key: str, kind: type, default: Any, where: str) -> Any:
    value = change.get(key, default)
    if not isinstance(value, kind):
        raise InvalidQuery(f"{where}: {key} must be {kind.__name__}; got {value!r:.60}")
    return value


def _green_class(change: dict, where: str) -> str:
    value = change.get("class", "G12")
    if value not in GREEN_CLASSES:
        raise InvalidQuery(f"{where}: class must be one of {', '.join(GREEN_CLASSES)} "
                           f"(CJJ/T 85-2017); got {value!r:.60}")
    return value


def _veg_ratio(change: dict, where: str) -> float | None:
    value = change.get("veg_ratio")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidQuery(f"{where}: veg_ratio must be a number from 0 to 1; got {value!r:.60}")
    return float(value)


def parse_polygon(geometry: Any, where: str) -> shapely.Geometry:
    """A GeoJSON Polygon or MultiPolygon in lon/lat as a shapely geometry.

    Validity, emptiness, extent and size are judged by :mod:`geo.scenario`; here only the
    GeoJSON itself: its type, the nesting of its coordinates, finite lon/lat numbers and at
    most :data:`MAX_VERTICES` corners.
    """
    if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), str):
        raise InvalidQuery(f"{where}: geometry must be a GeoJSON object "
                           '{"type": "Polygon", "coordinates": [...]} in EPSG:4326')
    kind = geometry["type"]
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeoInputError(f"{where}: a {kind} cannot be green space; draw a polygon")
    depth = 3 if kind == "Polygon" else 4
    positions = _positions(geometry.get("coordinates"), depth, where)
    if len(positions) > MAX_VERTICES:
        raise GeoInputError(f"{where}: the polygon has {len(positions)} corners, more than "
                            f"{MAX_VERTICES}; simplify it")
    xy = np.asarray(positions, dtype=float).reshape(-1, 2) if positions else np.zeros((0, 2))
    if ((np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)).any():
        raise GeoInputError(f"{where}: coordinates must be longitude, latitude in degrees "
                            "(EPSG:4326, RFC 7946): some lie outside ±180, ±90")
    try:
        return shapely.geometry.shape(geometry)
    except (ValueError, TypeError) as exc:  # e.g. a ring of fewer than four positions
        raise GeoInputError(f"{where}: not a polygon: {exc}") from None


def _positions(value: Any, depth: int, where: str) -> list[tuple[float, float]]:
    """The (lon, lat) positions of a GeoJSON coordinates array nested *depth* deep."""
    if depth == 1:
        numbers = (isinstance(v, (int, float)) and not isinstance(v, bool) for v in
                   (value if isinstance(value, list) else ()))
        if not isinstance(value, list) or not 2 <= len(value) <= 3 or not all(numbers):
            raise InvalidQuery(f"{where}: a position must be [longitude, latitude] numbers; "
                               f"got {value!r:.60}")
        return [(value[0], value[1])]
    if not isinstance(value, list):
        raise InvalidQuery(f"{where}: geometry coordinates must be nested lists "
                           f"({depth} deep here); got {value!r:.60}")
    return [position for item in value for position in _positions(item, depth - 1, where)]


# --- the layers and their indicators, kept while the data is unchanged ------------------------


@dataclass
class GreenState:
    """The loaded layers, the date of their latest import, and indicators computed on them."""

    stamp: tuple
    data_date: dt.datetime | None
    layers: GreenLayers
    reports: dict[bool, GreenReport] = field(default_factory=dict)
    walking: bool = True

    @property
    def report(self) -> GreenReport:
        return self.reports[self.walking]


_states: dict[str, GreenState] = {}
_states_lock = threading.Lock()


def current_state(*, walking: bool) -> GreenState:
    """The layers and their report (with or without the walking variant), from the cache
    when the tables have not changed since they were read."""
    engine = get_engine()
    try:
        stamp, data_date = _data_stamp(engine)
        key = engine.url.render_as_string(hide_password=False)
        with _states_lock:  # one computation at a time; the others then find it done
            state = _states.get(key)
            if state is None or state.stamp != stamp:
                state = GreenState(stamp, data_date, load_green_layers(engine))
                _states[key] = state
            if walking not in state.reports:
                state.reports[walking] = geo_green.green_indicators(state.layers,
                                                                    walking=walking)
    except sa.exc.OperationalError as exc:
        raise unreachable(exc) from None
    return dataclasses.replace(state, walking=walking)


def _data_stamp(engine: sa.Engine) -> tuple[tuple, dt.datetime | None]:
    """Row count and latest import of each layer read, and the latest import of all."""
    selects = [sa.select(sa.literal(name), sa.func.count(), sa.func.max(table.c.imported_at))
               .select_from(table) for name in READ_LAYERS
               for table in (layer_table(name),)]
    with engine.connect() as conn:
        rows = conn.execute(sa.union_all(*selects)).all()
    stamp = tuple(sorted(tuple(row) for row in rows))
    dates = [row[2] for row in rows if row[2] is not None]
    return stamp, max(dates, default=None)


# --- answers --------------------------------------------------------------------------------


def assessed_body(state: GreenState, title: str, lang: str) -> dict[str, Any]:
    """The body of ``GET /api/metrics/green``."""
    table = load_thresholds()
    report = state.report
    whole = assess(report, title, table=table)
    return {
        **_about(state, title, lang, table),
        "vetoed": whole.vetoed,
        "built_up": {"area_m2": report.built_up_area_m2,
                     "indicators": [_indicator_row(indicator, whole, lang)
                                    for indicator in report.indicators.values()]},
        "communities": [
            {"fid": fid, "name": name, **_community_judged(report, fid, title, table, lang)}
            for fid, name in report.communities.items()],
    }


def _about(state: GreenState, title: str, lang: str, table: dict[str, Any]) -> dict[str, Any]:
    titles = table["titles"]
    rules = table["service_radius_rules"]
    return {
        "title": {"key": title, "label": titles[title][lang], **titles[title]},
        "titles": [{"key": key, "label": value[lang]} for key, value in titles.items()],
        "thresholds_version": table["version"],
        "thresholds_updated": table.get("updated"),
        "data_date": state.data_date.isoformat() if state.data_date else None,
        "epsg": state.report.epsg,
        "walking": state.walking,
        "service_radius_rules": {"rules": rules["rules"], "verified": rules["verified"],
                                 "standard": rules["standard"]},
    }


def _indicator_row(indicator: Indicator, judged: TitleAssessment,
                   lang: str) -> dict[str, Any]:
    item = _item(judged, indicator.key)
    return {
        "key": indicator.key,
        "title": indicator_name(indicator.key, lang, indicator.title_zh),
        "title_zh": indicator.title_zh,
        "value": indicator.value,
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "unit": indicator.unit,
        "numerator_unit": indicator.numerator_unit,
        "denominator_unit": indicator.denominator_unit,
        "method": indicator.method,
        "approximation": indicator.approximation,
        "notes": list(indicator.notes),
        "threshold": None if item is None else {
            "value": item.threshold, "comparison": item.comparison, "standard": item.standard,
            "clause": item.clause, "verified": item.verified, "source": item.source},
        **_verdict(item, indicator.key, lang),
    }


def _verdict(item: Assessment | None, key: str, lang: str) -> dict[str, Any]:
    """passed, veto, gap and message of one judged indicator (``item`` None: no row)."""
    if item is None:
        return {"assessed": False, "passed": None, "veto": False, "gap": None,
                "message": translator(lang).gettext("not assessed for this title")}
    return {"assessed": True, "passed": item.passed, "veto": item.veto,
            "gap": dataclasses.asdict(item.gap) if item.gap else None,
            "message": gap_message(item, key, lang)}


def gap_message(item: Assessment, key: str, lang: str) -> str:
    """What the indicator needs to pass, in *lang* (English: :mod:`geo.assess`'s words)."""
    _ = translator(lang).gettext
    if item.passed:
        return _("passes")
    if item.threshold is None:
        return _("no threshold known for this title yet")
    if item.gap is None:
        return item.message if lang == "en" else _("cannot be judged: no data")
    if lang == "en":
        return item.message
    template = (_("needs more than {more} {unit} more {what}") if item.comparison == ">"
                else _("needs {more} {unit} more {what}"))
    what = _(GAP_WHAT[key]) if key in GAP_WHAT else key
    text = template.format(what=what, more=f"{math.ceil(item.gap.more):,}",
                           unit=item.gap.more_unit)
    if item.gap.max_population is not None:
        text += _(", or a population of at most {people}").format(
            people=f"{item.gap.max_population:,}")
    return text


def _item(judged: TitleAssessment, key: str) -> Assessment | None:
    return next((item for item in judged.items if item.indicator == key), None)


def _community_judged(report: GreenReport, fid: str, title: str, table: dict[str, Any],
                      lang: str) -> dict[str, Any]:
    """A community's measures judged against the title, as the whole area's are."""
    measures = _community_indicators(report, fid)
    judged = assess(measures, title, table=table)
    return {"vetoed": judged.vetoed, "indicators": {
        key: {"value": m.value, "numerator": m.numerator, "denominator": m.denominator,
              **_verdict(_item(judged, key), key, lang)}
        for key, m in measures.items()}}


def _community_indicators(report: GreenReport, fid: str) -> dict[str, Indicator]:
    """Each indicator with the community's measure in place of the whole area's."""
    return {key: dataclasses.replace(indicator, value=m.value, numerator=m.numerator,
                                     denominator=m.denominator, communities={})
            for key, indicator in report.indicators.items()
            if (m := indicator.communities.get(fid)) is not None}


def _scenario_answer(state: GreenState, result: ScenarioResult, title: str,
                     lang: str) -> dict[str, Any]:
    """The body of ``POST /api/metrics/green/scenario``."""
    table = load_thresholds()
    before, after = assess(result.before, title, table=table), assess(result.after, title,
                                                                        table=table)
    rows = []
    for key, indicator in result.after.indicators.items():
        old = result.before.indicators.get(key)
        rows.append({
            "key": key,
            "title": indicator_name(key, lang, indicator.title_zh),
            "unit": indicator.unit,
            "threshold": _threshold_of(after, key),
            "before": _side(old, before, lang) if old else None,
            "after": _side(indicator, after, lang),
            "delta": dataclasses.asdict(result.deltas[key]) if key in result.deltas else None,
        })
    return {**_about(state, title, lang, table),
            "vetoed": {"before": before.vetoed, "after": after.vetoed},
            "indicators": rows,
            "communities": [
                {"fid": fid, "name": name, "indicators": {
                    key: {"before": _measure(result.before, key, fid),
                          "after": _measure(result.after, key, fid)}
                    for key in result.after.indicators}}
                for fid, name in result.after.communities.items()]}


def _threshold_of(judged: TitleAssessment, key: str) -> dict[str, Any] | None:
    item = _item(judged, key)
    return None if item is None else {"value": item.threshold, "comparison": item.comparison,
                                      "verified": item.verified, "veto": item.veto}


def _side(indicator: Indicator, judged: TitleAssessment,
          lang: str) -> dict[str, Any]:
    return {"value": indicator.value, "numerator": indicator.numerator,
            "denominator": indicator.denominator,
            **_verdict(_item(judged, indicator.key), indicator.key, lang)}


def _measure(report: GreenReport, key: str, fid: str) -> float | None:
    indicator = report.indicators.get(key)
    measure = indicator.communities.get(fid) if indicator else None
    return measure.value if measure else None


def _unserved_collection(state: GreenState, walking: bool) -> dict[str, Any]:
    """The body of ``GET /api/metrics/green/unserved``."""
    method = "walking" if walking else "buffer"
    gaps = unserved_residential(state.layers, method=method)
    indicator = state.report.indicators["park_service_coverage"
                                        + ("_walking" if walking else "")]
    features = [{
        "type": "Feature",
        "id": row.community or "outside",
        "geometry": _geojson(row.geometry),
        "properties": {"community": row.community, "name": row.name,
                       "residential_m2": row.residential_m2, "unserved_m2": row.unserved_m2},
    } for row in gaps.itertuples()]
    return {"type": "FeatureCollection", "method": method,
            "residential_m2": indicator.denominator,
            "unserved_m2": float(gaps["unserved_m2"].sum()),
            "coverage": indicator.value,
            "data_date": state.data_date.isoformat() if state.data_date else None,
            "features": features}


def _geojson(geometry: shapely.Geometry) -> dict[str, Any]:
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    return json.loads(shapely.to_geojson(rounded))


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
