"""Reading layers: the catalogue with counts and extents, and features as GeoJSON.

PostGIS does the spatial work (``ST_Intersects`` with ``ST_MakeEnvelope`` for the bbox,
``ST_Extent`` for extents, ``ST_AsGeoJSON`` for output); Python only shapes the rows into
RFC 7946 GeoJSON dicts.  Each feature's properties carry its attributes, the ``projects``
linked to it and a ``display_status`` that the web map colours it by.
The display status follows the rule of :mod:`layers.serving.project_links`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by

from geo.errors import NotFound
from layers import clock
from layers.serving.project_links import display_status, feature_conditions, linked_to
from layers.serving.query import BBox, Page, ProjectFilter
from layers.storage.catalogue import LAYERS, OVERDUE_COLOR, STATUS_COLORS, UnknownLayer, get_layer
from layers.storage.models import layer_table, projects
from layers.storage.spec import FieldSpec, LayerSpec
from layers.tracking.projects import json_value, summary_json, with_labels

#: Decimal places of output coordinates: 1e-7 degrees is about 1 cm.
COORDINATE_PRECISION = 7


def layer_catalogue(engine: sa.Engine) -> list[dict[str, Any]]:
    """Every catalogue layer with its titles, schema, style, feature count and extent.

    ``extent`` is ``[minx, miny, maxx, maxy]`` in EPSG:4326, or ``None`` for an empty layer.
    """
    with engine.connect() as conn:
        stats = {row.layer: row for row in conn.execute(_layer_stats_query())}
    return [_describe_layer(spec, stats[spec.name]) for spec in LAYERS]


def query_features(engine: sa.Engine, layer: str, *, bbox: BBox | None = None,
                   projects_filter: ProjectFilter = ProjectFilter(), q: str | None = None,
                   page: Page = Page(), today: dt.date | None = None) -> dict[str, Any]:
    """One page of *layer*'s features as a GeoJSON FeatureCollection, ordered by fid.

    Parameters
    ----------
    engine
        The database of record.
    layer
        Catalogue layer name; an unknown name raises :class:`NotFound` listing the layers.
    bbox
        Keep features whose geometry intersects this lon/lat rectangle.
    projects_filter
        Keep features with at least one linked project passing it; each feature's
        ``projects`` then lists only the passing projects.
    q
        Keep features whose name, or a linked project's name or code, contains *q*
        (case-insensitive).
    page
        Slice of the matching features.
    today
        Date against which ``overdue`` is judged (default: the server's today).

    Returns
    -------
    dict
        A FeatureCollection with ``numberMatched`` and ``numberReturned``.
    """
    spec = _layer_spec(layer)
    table = layer_table(spec.name)
    today = today or clock.today()
    conditions = feature_conditions(spec, table, bbox, projects_filter, q, today)
    rows_query = (_feature_select(spec, table, projects_filter, today).where(*conditions)
                  .order_by(table.c.fid).limit(page.limit).offset(page.offset))
    count_query = sa.select(sa.func.count()).select_from(table).where(*conditions)
    with engine.connect() as conn:
        matched = conn.scalar(count_query)
        features = [_feature(spec, row) for row in conn.execute(rows_query).mappings()]
    return {"type": "FeatureCollection", "features": features,
            "numberMatched": matched, "numberReturned": len(features)}


def get_feature(engine: sa.Engine, layer: str, fid: str,
                today: dt.date | None = None) -> dict[str, Any]:
    """Feature *fid* of *layer* as a GeoJSON Feature with all its linked projects."""
    spec = _layer_spec(layer)
    table = layer_table(spec.name)
    query = _feature_select(spec, table, ProjectFilter(), today or clock.today())
    row = None
    if "\x00" not in fid:  # PostgreSQL text cannot hold NUL, so no fid has one
        with engine.connect() as conn:
            row = conn.execute(query.where(table.c.fid == fid)).mappings().first()
    if row is None:
        raise NotFound(f"no feature {fid!r} in layer {spec.name}; "
                       f"list them at /api/layers/{spec.name}/features")
    return _feature(spec, row)


def _layer_spec(name: str) -> LayerSpec:
    try:
        return get_layer(name)
    except UnknownLayer as exc:
        raise NotFound(str(exc)) from None


def _layer_stats_query() -> sa.CompoundSelect:
    selects = []
    for spec in LAYERS:
        geom = layer_table(spec.name).c.geom
        extent = sa.func.ST_Extent(geom)
        selects.append(sa.select(
            sa.literal(spec.name).label("layer"),
            sa.func.count().label("count"),
            sa.func.ST_XMin(extent).label("minx"), sa.func.ST_YMin(extent).label("miny"),
            sa.func.ST_XMax(extent).label("maxx"), sa.func.ST_YMax(extent).label("maxy"),
        ).select_from(layer_table(spec.name)))
    return sa.union_all(*selects)


def _describe_layer(spec: LayerSpec, stats: sa.Row) -> dict[str, Any]:
    style = {k: v for k, v in dataclasses.asdict(spec.style).items() if v is not None}
    if spec.mission:
        style |= {"status_colors": STATUS_COLORS, "overdue_color": OVERDUE_COLOR}
    extent = [stats.minx, stats.miny, stats.maxx, stats.maxy] if stats.count else None
    return {
        "name": spec.name,
        "title": {"zh": spec.zh, "en": spec.en},
        "description": {"zh": spec.description_zh, "en": spec.description_en},
        "mission": spec.mission,
        "geometry": list(spec.geometry),
        "stored_geometry_type": spec.stored_geometry_type,
        "fields": [_describe_field(f) for f in spec.fields],
        "feature_count": stats.count,
        "extent": extent,
        "style": style,
    }


def _describe_field(field: FieldSpec) -> dict[str, Any]:
    described = {"name": field.name, "type": field.type, "zh": field.zh, "en": field.en,
                 "required": field.required}
    if field.choices:
        described["choices"] = [dataclasses.asdict(c) for c in field.choices]
    for bound in ("minimum", "maximum", "max_length"):
        if getattr(field, bound) is not None:
            described[bound] = getattr(field, bound)
    return described


def _feature_select(spec: LayerSpec, table: sa.Table, projects_filter: ProjectFilter,
                    today: dt.date) -> sa.Select:
    summaries = sa.func.coalesce(
        sa.func.json_agg(aggregate_order_by(summary_json(today), projects.c.code)),
        sa.literal_column("'[]'::json"))
    linked = (linked_to(spec, table, summaries)
              .where(*projects_filter.conditions(projects, today)).scalar_subquery())
    geometry = sa.cast(sa.func.ST_AsGeoJSON(table.c.geom, COORDINATE_PRECISION), JSON)
    return sa.select(table.c.fid, *(table.c[f.name] for f in spec.fields),
                     geometry.label("geometry"), linked.label("projects"))


def _feature(spec: LayerSpec, row: sa.RowMapping) -> dict[str, Any]:
    linked = [with_labels(p) for p in row["projects"]]
    properties = {f.name: json_value(row[f.name]) for f in spec.fields}
    properties |= {"layer": spec.name, "projects": linked,
                   "display_status": display_status(linked)}
    return {"type": "Feature", "id": row["fid"], "geometry": row["geometry"],
            "properties": properties}
