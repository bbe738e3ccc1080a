"""Mapbox vector tiles of a layer, cut by PostGIS, with each feature's project status.

A tile is one ``ST_AsMVT`` over the features whose geometry meets the tile's Web Mercator
envelope (``ST_TileEnvelope``), clipped and quantised by ``ST_AsMVTGeom``.  Each feature
carries its layer's attributes, ``fid`` (MVT feature ids must be integers, ours are text),
``display_status`` (the rule of :mod:`layers.serving.project_links`: overdue, then suspended, then the
least advanced stage) and ``projects``, the codes of its linked projects.

The SQL expressions for the linked projects live here and are shared with the OGC API
(:mod:`layers.serving.ogc`) and the exports (:mod:`layers.exchange.layer_export`), so that a tile, an OGC item and
an exported row can never disagree about a feature's status.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from geo.errors import NotFound
from layers import clock
from layers.serving.project_links import linked_projects
from layers.serving.query import InvalidQuery, ProjectFilter
from layers.storage.catalogue import OVERDUE_COLOR, STATUS_COLORS, UnknownLayer, get_layer
from layers.storage.models import STORAGE_SRID, layer_table
from layers.storage.spec import LayerSpec

#: Deepest zoom served; beyond it a tile is smaller than a building and the data ends.
MAX_ZOOM = 22
#: Most features a tile is expected to hold, judged from the layer's size and extent.  A
#: bigger layer's tiles start at the zoom where this holds (TileJSON ``minzoom``), and lower
#: zooms are refused: a z8 tile of a million roads is 40 MB and takes 15 s to cut.
MAX_TILE_FEATURES = 10_000
#: How long a layer's minimum zoom is reused before it is estimated again.
MIN_ZOOM_SECONDS = 30.0
_MIN_ZOOMS: dict[tuple[str, str], tuple[float, int]] = {}
#: Web Mercator's world width (metres) and the latitude where its square ends.
_WORLD = 40_075_016.68557849
_MERCATOR_LIMIT = 85.05112878
#: Tile grid of ``ST_AsMVTGeom``, and the buffer drawn around it (in the same units) so that
#: lines and polygon edges crossing a tile border join without seams.
EXTENT = 4096
BUFFER = 64
WEB_MERCATOR = 3857
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
#: TileJSON types of the layer's attributes (MVT values are strings, numbers or booleans).
_TILEJSON_TYPES = {"text": "String", "integer": "Number", "real": "Number",
                   "boolean": "Boolean", "date": "String"}

@dataclass(frozen=True)
class Tile:
    """One encoded tile and the strong validator of its bytes (unquoted)."""

    data: bytes
    etag: str


def tile_address(z: str, x: str, y: str) -> tuple[int, int, int]:
    """*z*/*x*/*y* from a URL as integers, or :class:`InvalidQuery` saying what is allowed."""
    try:
        zoom, column, row = int(z), int(x), int(y)
    except ValueError:
        raise InvalidQuery(f"tile address {z}/{x}/{y} must be three whole numbers z/x/y"
                           ) from None
    if not 0 <= zoom <= MAX_ZOOM:
        raise InvalidQuery(f"zoom {zoom} is outside 0..{MAX_ZOOM}")
    last = 2**zoom - 1
    if not (0 <= column <= last and 0 <= row <= last):
        raise InvalidQuery(f"at zoom {zoom}, x and y must be between 0 and {last}; "
                           f"got x={column}, y={row}")
    return zoom, column, row


def vector_tile(engine: sa.Engine, layer: str, z: int, x: int, y: int, *,
                projects_filter: ProjectFilter = ProjectFilter(),
                today: dt.date | None = None) -> Tile:
    """Tile *z*/*x*/*y* (XYZ scheme, Web Mercator) of *layer* as MVT bytes.

    The MVT layer inside the tile is named after the catalogue layer.  An empty tile is
    zero bytes (a valid, empty MVT).  *projects_filter* keeps, as the features API does,
    the features with a passing project, and shows only those projects.
    """
    spec = _spec(layer)
    with engine.connect() as conn:
        lowest = _recent_min_zoom(conn, spec.name)
        if z < lowest:
            raise InvalidQuery(f"{spec.name} is too dense for zoom {z}: its tiles start at zoom "
                               f"{lowest} (the minzoom of /tiles/{spec.name}.json); zoom in")
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")  # see ogc.serial
        data = conn.scalar(_tile_query(spec.name, projects_filter),
                           {"z": z, "x": x, "y": y, "today": today or clock.today()}) or b""
    return Tile(bytes(data), hashlib.blake2b(data, digest_size=16).hexdigest())


def tilejson(engine: sa.Engine, layer: str, tiles_url: str, lang: str = "zh") -> dict[str, Any]:
    """The TileJSON 3.0 description of *layer*'s tiles; *tiles_url* holds ``{z}/{x}/{y}``."""
    spec = _spec(layer)
    table = layer_table(spec.name)
    extent = sa.func.ST_Extent(table.c.geom)
    with engine.connect() as conn:
        box = conn.execute(sa.select(sa.func.ST_XMin(extent), sa.func.ST_YMin(extent),
                                     sa.func.ST_XMax(extent), sa.func.ST_YMax(extent))).one()
        lowest = _recent_min_zoom(conn, spec.name)
    bounds = list(box) if box[0] is not None else [-180, -85.0511, 180, 85.0511]
    fields = {f.name: _TILEJSON_TYPES[f.type] for f in spec.fields}
    fields |= {"fid": "String", "display_status": "String", "projects": "String"}
    description = spec.description_en if lang == "en" else spec.description_zh
    return {
        "tilejson": "3.0.0",
        "name": spec.title(lang),
        "description": description,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": lowest,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, max(lowest, 14)],
        "vector_layers": [{"id": spec.name, "description": spec.title(lang), "fields": fields,
                           "minzoom": lowest, "maxzoom": MAX_ZOOM}],
        "status_colors": {**STATUS_COLORS, "overdue": OVERDUE_COLOR},
    }


def min_zoom(conn: sa.Connection, layer: str) -> int:
    """The lowest zoom whose tiles are expected to hold at most :data:`MAX_TILE_FEATURES`.

    From the planner's row estimate and estimated extent (catalogue lookups, no scan),
    assuming features spread evenly over the extent; a table never analysed is counted.
    """
    estimate = conn.execute(sa.text(
        "SELECT reltuples, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
        "FROM pg_class, LATERAL (SELECT ST_EstimatedExtent(:layer, 'geom') AS e) AS extent "
        "WHERE oid = CAST(:layer AS regclass)"), {"layer": layer}).one()
    rows, *box = estimate
    if rows < 0 or box[0] is None:  # never analysed: the table is new, count it
        table = layer_table(layer)
        rows = conn.scalar(sa.select(sa.func.count()).select_from(table))
        extent = sa.func.ST_Extent(table.c.geom)
        box = conn.execute(sa.select(sa.func.ST_XMin(extent), sa.func.ST_YMin(extent),
                                     sa.func.ST_XMax(extent), sa.func.ST_YMax(extent))).one()
    if not rows or box[0] is None:
        return 0
    area = _mercator_area(*box)
    for zoom in range(MAX_ZOOM + 1):
        tile_area = (_WORLD / 2**zoom) ** 2
        if rows * min(1.0, tile_area / max(area, 1.0)) <= MAX_TILE_FEATURES:
            return zoom
    return MAX_ZOOM


def _recent_min_zoom(conn: sa.Connection, layer: str) -> int:
    """:func:`min_zoom`, remembered per database and layer for :data:`MIN_ZOOM_SECONDS`.

    It moves only when a layer grows or shrinks by a large factor, and looking it up
    costs a sixth of a z14 tile.
    """
    key = (conn.engine.url.render_as_string(hide_password=True), layer)
    now = time.monotonic()
    remembered = _MIN_ZOOMS.get(key)
    if remembered is None or now - remembered[0] > MIN_ZOOM_SECONDS:
        remembered = _MIN_ZOOMS[key] = (now, min_zoom(conn, layer))
    return remembered[1]


def _mercator_area(west: float, south: float, east: float, north: float) -> float:
    """Area in square Web Mercator metres of a lon/lat box (clamped to Mercator's square)."""
    def y(lat: float) -> float:
        lat = max(-_MERCATOR_LIMIT, min(_MERCATOR_LIMIT, lat))
        return _WORLD / (2 * math.pi) * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (east - west) / 360 * _WORLD * (y(north) - y(south))


@lru_cache(maxsize=256)
def _tile_query(layer: str, projects_filter: ProjectFilter) -> sa.Select:
    """The tile statement of *layer*, built once: ``z``, ``x``, ``y``, ``today`` are bound.

    Building it is most of the Python time of a tile request, so it is kept (per filter).
    """
    spec = get_layer(layer)
    table = layer_table(layer)
    z, x, y = (sa.bindparam(name, type_=sa.Integer) for name in ("z", "x", "y"))
    envelope = sa.func.ST_TileEnvelope(z, x, y)
    # The search area is the tile plus its buffer, in the storage CRS so the GiST index
    # on geom serves it (a Mercator rectangle is a lon/lat rectangle: exact, no densifying).
    margin = sa.func.ST_TileEnvelope(z, x, y, sa.func.ST_TileEnvelope(0, 0, 0),
                                     BUFFER / EXTENT)
    search = sa.func.ST_Transform(margin, STORAGE_SRID)
    geom = sa.func.ST_AsMVTGeom(sa.func.ST_Transform(table.c.geom, WEB_MERCATOR), envelope,
                                EXTENT, BUFFER, True)
    found = (sa.select(table.c.fid, *(_mvt_value(table.c[f.name], f.type) for f in spec.fields),
                       geom.label("geom"))
             .where(table.c.geom.op("&&")(search)).cte("found"))
    linked = linked_projects(layer, found, sa.bindparam("today", type_=sa.Date),
                             projects_filter)
    # A filter keeps the features with a passing project: those the inner join finds.
    joined = found.join(linked, linked.c.fid == found.c.fid,
                        isouter=not projects_filter.active)
    # Features whose clipped geometry vanishes get NULL, which ST_AsMVT leaves out; ordered
    # so that the same data gives the same bytes, hence the same ETag.
    rows = (sa.select(*(c for c in found.c if c.name != "geom"), linked.c.display_status,
                      linked.c.projects, found.c.geom)
            .select_from(joined)
            .order_by(found.c.fid)
            .subquery("shaped"))
    return sa.select(sa.func.ST_AsMVT(sa.literal_column("shaped"), layer, EXTENT, "geom")
                     ).select_from(rows)


def _mvt_value(column: sa.Column, field_type: str) -> sa.ColumnElement:
    # MVT values have no date type: dates travel as ISO text.
    return sa.cast(column, sa.Text).label(column.name) if field_type == "date" else column


def _spec(layer: str) -> LayerSpec:
    try:
        return get_layer(layer)
    except UnknownLayer as exc:
        raise NotFound(str(exc)) from None
