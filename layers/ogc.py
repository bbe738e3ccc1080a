"""OGC API – Features (Part 1 core, Part 2 CRS) over the layer catalogue, framework-free.

Every catalogue layer is a collection.  This module builds the documents (landing page,
conformance, collections, queryables, feature schema, OpenAPI) as dicts and answers item
queries with GeoJSON text assembled by PostGIS, so a page of a thousand features never
passes through Python objects.  :mod:`api.ogc` adapts it to HTTP.

Coordinates and axis order (Part 2).  Items come in CRS84 (longitude, latitude) unless
``crs`` asks for another offered CRS; the coordinates are then in that CRS's axis order as
EPSG defines it: EPSG:4326 and EPSG:4490 are latitude, longitude; the CGCS2000 3-degree
Gauss-Krüger zones (EPSG:4534–4554, e.g. EPSG:4545 for Xixiang) are northing, easting (EPSG
names the first axis X, pointing north).  ``bbox`` is read in ``bbox-crs``'s axis order the
same way.  The order is read from the EPSG definition (pyproj), not listed by hand.

Time.  The only timestamp every layer has is ``imported_at`` (when the feature last changed
through an import), so ``datetime`` filters on it and the collections' temporal extent is
its range.  A date without a time (``2024-05-01``) means that whole day in UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any, Mapping

import sqlalchemy as sa
from pyproj import CRS
from pyproj.exceptions import CRSError
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by

from geo.crs import gauss_kruger_epsg
from geo.errors import GeoInputError
from layers.catalogue import LAYERS, UnknownLayer, get_layer
from layers.features import DISPLAY_PRIORITY
from layers.models import STORAGE_SRID, layer_table
from layers.query import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, BBox, InvalidQuery, NotFound, Page
from layers.spec import LayerSpec
from layers.tiles import linked_projects

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON_MEDIA = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
)
#: Geographic CRSs offered for every collection, besides the Gauss-Krüger zone of its data.
GEOGRAPHIC_CRS = (CRS84, "http://www.opengis.net/def/crs/EPSG/0/4326",
                  "http://www.opengis.net/def/crs/EPSG/0/4490")
#: The API token, for services that need one to read (``LIANCHUANG_READ=viewer``): clients
#: such as GDAL and QGIS can carry it in the URL more easily than in a header.
TOKEN_PARAM = "api_key"
#: Query parameters of ``/items`` besides the layer's own fields.
ITEMS_PARAMS = ("f", "lang", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset",
                TOKEN_PARAM)
#: Decimal places of output coordinates: 1e-7° is about 1 cm; projected metres to the mm.
_DEGREE_DIGITS, _METRE_DIGITS = 7, 3
_EPSG_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)$")
_CURIE = re.compile(r"^\[?EPSG:(\d+)\]?$", re.IGNORECASE)
_CRS84_NAMES = {CRS84, "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
                "http://www.opengis.net/def/crs/OGC/0/CRS84", "OGC:CRS84", "CRS84", "[OGC:CRS84]"}
_JSON_TYPES = {"text": "string", "integer": "integer", "real": "number", "boolean": "boolean",
               "date": "string"}


@dataclasses.dataclass(frozen=True)
class OutputCrs:
    """A CRS the service can answer in: its URI, PostGIS SRID and EPSG axis order."""

    uri: str
    srid: int
    #: True when EPSG's first axis points north (lat/lon, northing/easting): PostGIS
    #: always works easting-first, so coordinates are flipped on the way in and out.
    north_first: bool
    geographic: bool

    @property
    def digits(self) -> int:
        return _DEGREE_DIGITS if self.geographic else _METRE_DIGITS

    @property
    def header(self) -> str:
        """The ``Content-Crs`` header value."""
        return f"<{self.uri}>"


@dataclasses.dataclass(frozen=True)
class Interval:
    """A ``datetime`` filter: ``start`` and ``end`` inclusive, ``None`` for an open end.

    ``end_exclusive`` is set when the end came from a date (the day after, excluded).
    """

    start: dt.datetime | None
    end: dt.datetime | None
    end_exclusive: bool = False


@dataclasses.dataclass(frozen=True)
class ItemsQuery:
    """What ``/collections/{id}/items`` was asked for, validated."""

    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: OutputCrs | None = None
    crs: OutputCrs | None = None
    datetime: Interval | None = None
    properties: tuple[tuple[str, Any], ...] = ()
    page: Page = Page()


@dataclasses.dataclass(frozen=True)
class ItemsPage:
    """One page of items: the ``features`` array as JSON text, and the counts."""

    features: str
    matched: int
    returned: int


# --- CRS ----------------------------------------------------------------------------------


def parse_crs(text: str, parameter: str = "crs") -> OutputCrs:
    """The CRS a ``crs`` or ``bbox-crs`` value names (URI, or ``EPSG:n`` as a convenience)."""
    value = text.strip()
    if value in _CRS84_NAMES:
        return OutputCrs(CRS84, STORAGE_SRID, north_first=False, geographic=True)
    match = _EPSG_URI.match(value) or _CURIE.match(value)
    if not match:
        raise InvalidQuery(f"{parameter} {text!r} is not a CRS URI; use e.g. {CRS84} or "
                           "http://www.opengis.net/def/crs/EPSG/0/4326")
    return _epsg_crs(int(match.group(1)), parameter)


@lru_cache(maxsize=64)
def _epsg_crs(code: int, parameter: str) -> OutputCrs:
    try:
        crs = CRS.from_epsg(code)
    except CRSError:
        raise InvalidQuery(f"{parameter}: EPSG:{code} is not a known CRS") from None
    north_first = crs.axis_info[0].direction.lower() == "north"
    return OutputCrs(f"http://www.opengis.net/def/crs/EPSG/0/{code}", code, north_first,
                     crs.is_geographic)


def offered_crs(extent: list[float] | None) -> list[str]:
    """CRS URIs offered for a collection with this CRS84 *extent* (``None``: empty layer)."""
    offered = list(GEOGRAPHIC_CRS)
    zone = _zone_of(extent)
    if zone:
        offered.append(f"http://www.opengis.net/def/crs/EPSG/0/{zone}")
    return offered


def _zone_of(extent: list[float] | None) -> int | None:
    if not extent:
        return None
    try:
        return gauss_kruger_epsg((extent[0] + extent[2]) / 2)
    except GeoInputError:  # data outside China has no CGCS2000 zone to offer
        return None


# --- query parameters ---------------------------------------------------------------------


def items_query(spec: LayerSpec, args: Mapping[str, str], page: Page) -> ItemsQuery:
    """Validate the item query parameters in *args* (single values) for layer *spec*.

    Whether a projected ``crs`` is offered depends on the data, so :func:`items` checks it.
    """
    crs = parse_crs(args["crs"]) if "crs" in args else None
    bbox_crs = parse_crs(args["bbox-crs"], "bbox-crs") if "bbox-crs" in args else None
    if bbox_crs and "bbox" not in args:
        raise InvalidQuery("bbox-crs was given without bbox")
    bbox = _bbox(args["bbox"], bbox_crs) if "bbox" in args else None
    interval = parse_datetime(args["datetime"]) if "datetime" in args else None
    return ItemsQuery(bbox=bbox, bbox_crs=bbox_crs, crs=crs, datetime=interval,
                      properties=property_filters(spec, args), page=page)


def property_filters(spec: LayerSpec, args: Mapping[str, str]) -> tuple[tuple[str, Any], ...]:
    """``field=value`` equality filters on the layer's fields, values in the field's type.

    A coded field takes its code or either label (``road_class=主干路``); anything that is
    neither a field nor an item parameter is refused, naming what is accepted.
    """
    fields = {f.name: f for f in spec.fields}
    unknown = sorted(set(args) - set(fields) - set(ITEMS_PARAMS))
    if unknown:
        raise InvalidQuery(f"unknown parameter(s) {', '.join(map(repr, unknown))}; items of "
                           f"{spec.name} take {', '.join(ITEMS_PARAMS)} and its fields "
                           f"{', '.join(fields)}")
    filters = []
    for name in (n for n in fields if n in args):
        try:
            value = fields[name].coerce(args[name])
        except ValueError as exc:
            raise InvalidQuery(f"{name}: {exc}") from None
        if value is None:
            raise InvalidQuery(f"{name} is empty; give a value or leave the parameter out")
        filters.append((name, value))
    return tuple(filters)


def parse_datetime(text: str) -> Interval:
    """An RFC 3339 instant or interval (``a/b``, ``../b``, ``a/..``), or a date (whole day)."""
    if "/" not in text:
        start, end, is_date = _instant(text)
        return Interval(start, end, end_exclusive=is_date)
    first, _, second = text.partition("/")
    start = None if first in ("", "..") else _instant(first)[0]
    end, end_exclusive = None, False
    if second not in ("", ".."):
        _, end, end_exclusive = _instant(second)
    if start is None and end is None:
        raise InvalidQuery("datetime interval is open at both ends; leave datetime out instead")
    if start is not None and end is not None and start > end:
        raise InvalidQuery(f"datetime interval {text!r} ends before it starts")
    return Interval(start, end, end_exclusive)


def _instant(text: str) -> tuple[dt.datetime, dt.datetime, bool]:
    """(start, end, is_date) of one RFC 3339 value; a date spans its whole UTC day."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
            return start, start + dt.timedelta(days=1), True
        moment = dt.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or "T" not in value.upper():
        raise InvalidQuery(f"datetime {text!r} is not an RFC 3339 date-time or date; use e.g. "
                           "2024-05-01T08:00:00Z, 2024-05-01, or an interval 2024-01-01/..")
    if moment.tzinfo is None:
        raise InvalidQuery(f"datetime {text!r} has no time zone; add Z (UTC) or an offset "
                           "such as +08:00")
    return moment, moment, False


def _bbox(text: str, bbox_crs: OutputCrs | None) -> tuple[float, float, float, float]:
    """``bbox`` as (minx, miny, maxx, maxy) easting-first, in *bbox_crs* (CRS84 if none)."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # minx,miny,minz,maxx,maxy,maxz: heights play no part here
        numbers = numbers[0:2] + numbers[3:5]
    if len(numbers) != 4:
        raise InvalidQuery(f"bbox must be 4 (or 6) comma-separated numbers; got {text!r}")
    if bbox_crs and bbox_crs.north_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    if bbox_crs is None or bbox_crs.geographic:
        box = BBox(*numbers)  # checks ranges and order, with a message saying how
        return box.minx, box.miny, box.maxx, box.maxy
    if numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        raise InvalidQuery(f"bbox {text!r}: the lower corner must come first, in the axis "
                           f"order of {bbox_crs.uri}")
    return tuple(numbers)


# --- documents ----------------------------------------------------------------------------


def link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    found = {"href": href, "rel": rel, "type": media_type}
    if title:
        found["title"] = title
    return found


def landing_page(base: str, lang: str) -> dict[str, Any]:
    """The landing page: what the service is and where everything is."""
    zh = lang != "en"
    return {
        "title": "联创 OGC API 要素服务" if zh else "Lianchuang OGC API – Features",
        "description": ("六城（县）联创项目图层：道路、公园、水系、棚户区、水源地等"
                        if zh else "Layers of the 六城（县）联创 campaign: roads, parks, "
                        "watercourses, shantytown zones, water-source areas and more"),
        "links": [
            link(f"{base}?f=json", "self", JSON_MEDIA),
            link(f"{base}?f=html", "alternate", HTML),
            link(f"{base}/api", "service-desc", OPENAPI, "OpenAPI 3.0"),
            link(f"{base}/api?f=html", "service-doc", HTML, "API documentation"),
            link(f"{base}/conformance", "conformance", JSON_MEDIA),
            link(f"{base}/conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                 JSON_MEDIA),
            link(f"{base}/collections", "data", JSON_MEDIA),
            link(f"{base}/collections", "http://www.opengis.net/def/rel/ogc/1.0/data",
                 JSON_MEDIA),
        ],
    }


def conformance() -> dict[str, list[str]]:
    return {"conformsTo": list(CONFORMANCE)}


def collections(engine: sa.Engine, base: str, lang: str) -> dict[str, Any]:
    """Every catalogue layer as a collection, with extents (one query for all of them)."""
    with engine.connect() as conn:
        stats = {row.layer: row for row in conn.execute(_stats_query(LAYERS))}
    return {
        "links": [link(f"{base}/collections?f=json", "self", JSON_MEDIA),
                  link(f"{base}/collections?f=html", "alternate", HTML)],
        "collections": [_collection(spec, stats[spec.name], base, lang) for spec in LAYERS],
    }


def collection(engine: sa.Engine, layer: str, base: str, lang: str) -> dict[str, Any]:
    """One collection's description."""
    spec = collection_spec(layer)
    with engine.connect() as conn:
        stats = conn.execute(_stats_query([spec])).one()
    return _collection(spec, stats, base, lang)


def collection_spec(layer: str) -> LayerSpec:
    """The layer behind collection *layer*, or :class:`NotFound` naming the collections."""
    try:
        return get_layer(layer)
    except UnknownLayer as exc:
        raise NotFound(f"no collection {layer!r}; the collections are: "
                       + ", ".join(s.name for s in LAYERS)) from exc


def queryables(layer: str, base: str, lang: str) -> dict[str, Any]:
    """The layer's fields usable as ``?field=value`` filters, as JSON Schema (Part 3)."""
    spec = collection_spec(layer)
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{spec.name}/queryables",
        "type": "object",
        "title": spec.title(lang),
        "properties": {f.name: _field_schema(f, lang) for f in spec.fields},
        "additionalProperties": False,
    }


def feature_schema(layer: str, base: str, lang: str) -> dict[str, Any]:
    """JSON Schema of one GeoJSON feature of the layer (the ``describedby`` target).

    Clients such as GDAL build their field list from it, so every field keeps its type
    even when the first page of items has only empty values.
    """
    spec = collection_spec(layer)
    properties = {f.name: _field_schema(f, lang) for f in spec.fields}
    properties |= {
        "imported_at": {"type": "string", "format": "date-time",
                        "title": "导入时间" if lang != "en" else "Imported at"},
        "display_status": {"type": "string", "enum": list(DISPLAY_PRIORITY),
                           "title": "显示状态" if lang != "en" else "Display status"},
    }
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{spec.name}/schema",
        "title": spec.title(lang),
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"type": "object"},
            "properties": {"type": "object", "properties": properties},
        },
    }


def _field_schema(field, lang: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": field.en if lang == "en" else field.zh,
                              "type": _JSON_TYPES[field.type]}
    if field.type == "date":
        schema["format"] = "date"
    if field.choices:
        schema["enum"] = list(field.choice_codes)
    for bound, key in (("minimum", "minimum"), ("maximum", "maximum"),
                       ("max_length", "maxLength")):
        if getattr(field, bound) is not None:
            schema[key] = getattr(field, bound)
    return schema


def _stats_query(specs) -> sa.CompoundSelect | sa.Select:
    selects = []
    for spec in specs:
        table = layer_table(spec.name)
        extent = sa.func.ST_Extent(table.c.geom)
        selects.append(sa.select(
            sa.literal(spec.name).label("layer"), sa.func.count().label("count"),
            sa.func.ST_XMin(extent).label("minx"), sa.func.ST_YMin(extent).label("miny"),
            sa.func.ST_XMax(extent).label("maxx"), sa.func.ST_YMax(extent).label("maxy"),
            sa.func.min(table.c.imported_at).label("first"),
            sa.func.max(table.c.imported_at).label("last"),
        ).select_from(table))
    return sa.union_all(*selects) if len(selects) > 1 else selects[0]


def _collection(spec: LayerSpec, stats: sa.Row, base: str, lang: str) -> dict[str, Any]:
    here = f"{base}/collections/{spec.name}"
    extent = [stats.minx, stats.miny, stats.maxx, stats.maxy] if stats.count else None
    interval = [[_rfc3339(stats.first), _rfc3339(stats.last)]] if stats.count else [[None, None]]
    return {
        "id": spec.name,
        "title": spec.title(lang),
        "description": spec.description_en if lang == "en" else spec.description_zh,
        "itemType": "feature",
        "extent": {
            "spatial": {"bbox": [extent or [-180, -90, 180, 90]], "crs": CRS84},
            "temporal": {"interval": interval,
                         "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
        },
        "crs": offered_crs(extent),
        "storageCrs": CRS84,
        "links": [
            link(f"{here}?f=json", "self", JSON_MEDIA),
            link(f"{here}?f=html", "alternate", HTML),
            link(f"{here}/items?f=json", "items", GEOJSON),
            link(f"{here}/items?f=html", "items", HTML),
            link(f"{here}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                 SCHEMA),
            link(f"{here}/schema", "describedby", SCHEMA),
            # GDAL before 3.7 matches this relation with a capital B only.
            link(f"{here}/schema", "describedBy", SCHEMA),
        ],
    }


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


# --- items --------------------------------------------------------------------------------


def check_offered(conn: sa.Connection, spec: LayerSpec, crs: OutputCrs | None,
                  parameter: str) -> None:
    """Refuse a CRS the collection does not offer (a zone other than its data's, say)."""
    if crs is None or crs.uri in GEOGRAPHIC_CRS:
        return
    table = layer_table(spec.name)
    # The planner's estimate is instant and good enough to tell the zone; a table never
    # analysed has none, and is small enough then to measure.
    box = sa.func.coalesce(sa.func.ST_EstimatedExtent(spec.name, "geom"),
                           sa.select(sa.func.ST_Extent(table.c.geom)).scalar_subquery())
    west, east = conn.execute(sa.select(sa.func.ST_XMin(box), sa.func.ST_XMax(box))).one()
    offered = offered_crs(None if west is None else [west, 0, east, 0])
    if crs.uri not in offered:
        raise InvalidQuery(f"{parameter} {crs.uri} is not offered for collection {spec.name}; "
                           f"offered: {', '.join(offered)}")


def items(engine: sa.Engine, layer: str, query: ItemsQuery,
          today: dt.date | None = None) -> ItemsPage:
    """One page of the collection's items, ordered by fid, as GeoJSON features text."""
    spec = collection_spec(layer)
    table = layer_table(spec.name)
    conditions = _conditions(spec, table, query)
    features = _features(spec, table, conditions, query.crs, today, query.page)
    with engine.connect() as conn:
        serial(conn)
        check_offered(conn, spec, query.crs, "crs")
        check_offered(conn, spec, query.bbox_crs, "bbox-crs")
        returned, text = conn.execute(features).one()
        offset = query.page.offset
        if 0 < returned < query.page.limit or (returned == 0 and offset == 0):
            matched = offset + returned  # a short page is the last one: nothing to count
        else:
            matched = conn.scalar(sa.select(sa.func.count()).select_from(table)
                                  .where(*conditions))
    return ItemsPage(text, matched, returned)


def item(engine: sa.Engine, layer: str, fid: str, crs: OutputCrs | None = None,
         today: dt.date | None = None) -> dict[str, Any]:
    """Feature *fid* of collection *layer* as a GeoJSON dict, or :class:`NotFound`."""
    spec = collection_spec(layer)
    table = layer_table(spec.name)
    found = []
    if "\x00" not in fid:  # PostgreSQL text cannot hold NUL, so no fid has one
        with engine.connect() as conn:
            check_offered(conn, spec, crs, "crs")
            _, text = conn.execute(_features(spec, table, [table.c.fid == fid], crs, today)
                                   ).one()
        found = json.loads(text)
    if not found:
        raise NotFound(f"no item {fid!r} in collection {spec.name}")
    return found[0]


def _features(spec: LayerSpec, table: sa.Table, conditions: list, crs: OutputCrs | None,
              today: dt.date | None, page: Page | None = None) -> sa.Select:
    """How many features, and their JSON array as text: PostGIS writes the GeoJSON.

    The page is chosen first, so the linked projects are looked up for its features only.
    """
    chosen = sa.select(table).where(*conditions).order_by(table.c.fid)
    if page is not None:
        chosen = chosen.limit(page.limit).offset(page.offset)
    chosen = chosen.cte("chosen")
    linked = linked_projects(spec.name, chosen, today or dt.date.today())
    feature = _feature_json(spec, chosen, linked, crs)
    array = sa.func.coalesce(sa.func.json_agg(aggregate_order_by(feature, chosen.c.fid)),
                             sa.literal_column("'[]'::json"))
    return (sa.select(sa.func.count(), sa.cast(array, sa.Text))
            .select_from(chosen.outerjoin(linked, linked.c.fid == chosen.c.fid)))


def serial(conn: sa.Connection) -> None:
    """No parallel workers for this transaction's queries.

    A page or a tile touches a few thousand rows found by the spatial index: starting
    parallel workers costs more than it saves, and under concurrent requests (what a web
    service sees) it only takes cores from the other requests.  Measured on the serving
    benchmark: 65–80 ms per 1,000-item page with a parallel plan, 20–30 ms without.
    """
    conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")


def _conditions(spec: LayerSpec, table: sa.Table, query: ItemsQuery) -> list:
    conditions = [table.c[name] == value for name, value in query.properties]
    if query.bbox is not None:
        conditions.append(sa.func.ST_Intersects(table.c.geom, _search_area(query)))
    if query.datetime is not None:
        moment, interval = table.c.imported_at, query.datetime
        if interval.start is not None:
            conditions.append(moment >= interval.start)
        if interval.end is not None:
            conditions.append(moment < interval.end if interval.end_exclusive
                              else moment <= interval.end)
    return conditions


def _search_area(query: ItemsQuery) -> sa.ColumnElement:
    crs = query.bbox_crs
    if crs is None or crs.srid == STORAGE_SRID:
        return sa.func.ST_MakeEnvelope(*query.bbox, STORAGE_SRID)
    envelope = sa.func.ST_MakeEnvelope(*query.bbox, crs.srid)
    # Densified first, so that the rectangle's edges stay where they were once curved by
    # the reprojection (a projected rectangle is not a lon/lat rectangle).
    side = max(query.bbox[2] - query.bbox[0], query.bbox[3] - query.bbox[1]) / 32 or 1
    return sa.func.ST_Transform(sa.func.ST_Segmentize(envelope, side), STORAGE_SRID)


def _feature_json(spec: LayerSpec, source: sa.FromClause, linked: sa.Subquery,
                  crs: OutputCrs | None) -> sa.ColumnElement:
    """One GeoJSON feature of a row of *source* (a layer table's columns), as SQL json."""
    geom = source.c.geom
    digits = _DEGREE_DIGITS
    if crs is not None:
        if crs.srid != STORAGE_SRID:
            geom = sa.func.ST_Transform(geom, crs.srid)
        if crs.north_first:
            geom = sa.func.ST_FlipCoordinates(geom)
        digits = crs.digits
    pairs = []
    for field in spec.fields:
        pairs += [_key(field.name), source.c[field.name]]
    utc = sa.func.timezone("UTC", source.c.imported_at)
    pairs += [_key("imported_at"), sa.func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              _key("display_status"), linked.c.display_status]
    return sa.func.json_build_object(
        _key("type"), _key("Feature"), _key("id"), source.c.fid,
        _key("geometry"), sa.cast(sa.func.ST_AsGeoJSON(geom, digits), JSON),
        _key("properties"), sa.func.json_build_object(*pairs))


def _key(name: str) -> sa.ColumnElement:
    # A SQL literal, not a bind parameter: json_build_object's arguments are untyped.
    return sa.literal_column(f"'{name}'", sa.Text)


def feature_collection_text(page: ItemsPage, links: list[dict[str, str]],
                            timestamp: dt.datetime) -> str:
    """The FeatureCollection document around a page's features text."""
    head = json.dumps({"type": "FeatureCollection", "timeStamp": _rfc3339(timestamp),
                       "numberMatched": page.matched, "numberReturned": page.returned,
                       "links": links}, ensure_ascii=False)
    return head[:-1] + ', "features": ' + page.features + "}\n"


# --- OpenAPI ------------------------------------------------------------------------------


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
                   "schema": {"type": _JSON_TYPES[f.type]}} for f in spec.fields]
        paths[here] = _get(f"{spec.zh} {spec.en}", "Collection", ["f", "lang"])
        paths[f"{here}/queryables"] = _get(f"Queryables of {spec.name}", "Schema", [])
        paths[f"{here}/schema"] = _get(f"Feature schema of {spec.name}", "Schema", [])
        items_op = _get(f"Items of {spec.name}", "FeatureCollection",
                        ["f", "lang", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset"],
                        geojson=True)
        items_op["get"]["parameters"] += fields
        paths[f"{here}/items"] = items_op
        item_op = _get(f"One item of {spec.name}", "Feature", ["f", "lang", "crs"],
                       geojson=True)
        item_op["get"]["parameters"].insert(0, {"$ref": "#/components/parameters/featureId"})
        paths[f"{here}/items/{{featureId}}"] = item_op
    return {
        "openapi": "3.0.3",
        "info": {"title": "Lianchuang 联创 OGC API – Features", "version": "1.0.0",
                 "description": __doc__.split("\n\n")[0]},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"parameters": _PARAMETERS, "schemas": {
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
                 "description": "RFC 3339 instant or interval on imported_at (a date is the "
                                "whole UTC day)", "schema": {"type": "string"}},
    "limit": {"name": "limit", "in": "query", "required": False,
              "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                         "default": DEFAULT_LIMIT}},
    "offset": {"name": "offset", "in": "query", "required": False,
               "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET,
                          "default": 0}},
    "featureId": {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "string"}},
}
