"""OGC API – Features (Part 1 core, Part 2 CRS) over the layer catalogue, framework-free.

Every catalogue layer is a collection.  This module builds the documents (landing page,
conformance, collections, queryables, feature schema, OpenAPI) as dicts and answers item
queries with GeoJSON text assembled by PostGIS, so a page of a thousand features never
passes through Python objects.  :mod:`api.ogc` adapts it to HTTP.

The query parameters (CRS and axis order, ``bbox``, ``datetime``, properties) are checked by
:mod:`layers.serving.ogc_params`.  The collections' temporal extent is the range of ``imported_at``,
the one timestamp every layer has.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by

from geo.errors import NotFound
from layers import clock
from layers.serving.ogc_params import (
    CRS84,
    DEGREE_DIGITS,
    GEOGRAPHIC_CRS,
    ItemsQuery,
    OutputCrs,
    offered_crs,
)
from layers.serving.project_links import DISPLAY_PRIORITY, linked_projects
from layers.serving.query import InvalidQuery, Page
from layers.storage import versions
from layers.storage.catalogue import LAYERS, UnknownLayer, get_layer
from layers.storage.models import STORAGE_SRID, layer_table
from layers.storage.spec import LayerSpec

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
    # Part 4 (create, replace, update, delete), as the draft names its classes
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
)
JSON_TYPES = {"text": "string", "integer": "integer", "real": "number", "boolean": "boolean",
               "date": "string"}


@dataclasses.dataclass(frozen=True)
class ItemsPage:
    """One page of items: the ``features`` array as JSON text, and the counts."""

    features: str
    matched: int
    returned: int


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
                              "type": JSON_TYPES[field.type]}
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
    table = layer_table(spec.name) if query.as_of is None else versions.as_of(spec, query.as_of)
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


def item_versions(engine: sa.Engine, layer: str, fid: str) -> list[dict[str, Any]]:
    """Every version of item *fid* of collection *layer*, oldest first (404 if none)."""
    spec = collection_spec(layer)
    if "\x00" in fid:
        raise NotFound(f"no item {fid!r} in collection {spec.name}")
    with engine.connect() as conn:
        return versions.history(conn, spec.name, fid)


def _features(spec: LayerSpec, table: sa.FromClause, conditions: list, crs: OutputCrs | None,
              today: dt.date | None, page: Page | None = None) -> sa.Select:
    """How many features, and their JSON array as text: PostGIS writes the GeoJSON.

    The page is chosen first, so the linked projects are looked up for its features only.
    """
    chosen = sa.select(table).where(*conditions).order_by(table.c.fid)
    if page is not None:
        chosen = chosen.limit(page.limit).offset(page.offset)
    chosen = chosen.cte("chosen")
    linked = linked_projects(spec.name, chosen, today or clock.today())
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


def _conditions(spec: LayerSpec, table: sa.FromClause, query: ItemsQuery) -> list:
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
    digits = DEGREE_DIGITS
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
