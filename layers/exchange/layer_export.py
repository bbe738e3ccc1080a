"""Exporting a layer, or a filtered selection of it, as GeoPackage, Shapefile, GeoJSON, KML or CSV.

The selection takes the features API's filters (bbox, the linked projects' status,
campaign, department, overdue, and the search text ``q``), so "what I see in the map"
and "what I download" are the same features.  Every format carries the feature id
``fid``, the layer's fields, ``projects`` (linked project codes, comma-separated; with a
project filter, the passing ones) and ``disp_stat`` (the display status, see
:mod:`layers.serving.features`); names stay within the Shapefile's 10 characters so that every
format has the same columns.  Coordinates are EPSG:4326 (longitude, latitude).

Text encoding: GeoPackage, GeoJSON and KML are UTF-8 by definition.  Shapefile and CSV are
UTF-8 or GBK (``encoding``), the Shapefile with a ``.cpg`` naming it and a ``.prj``, zipped;
CSV in UTF-8 starts with a byte-order mark so that Excel reads Chinese right.  A value GBK
cannot hold is refused by name rather than written as ``?``.  A file exported here imports
back unchanged with ``lianchuang import`` (the extra columns are ignored).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import sqlalchemy as sa
from pyproj import CRS

from geo.crs import STORAGE_CRS, local_metric_crs
from geo.errors import GeoInputError, InvalidInput, NotFound
from layers import clock
from layers.exchange.csv_cells import neutralise
from layers.serving.project_links import feature_conditions, linked_projects
from layers.serving.query import BBox, ProjectFilter
from layers.storage.catalogue import UnknownLayer, get_layer
from layers.storage.models import STORAGE_SRID, layer_table
from layers.storage.spec import GEOMETRY_FAMILIES, LayerSpec


@dataclass(frozen=True)
class ExportFormat:
    """One output format: file suffix, media type, and whether ``encoding`` applies."""

    suffix: str
    media_type: str
    encodings: tuple[str, ...] = ("utf-8",)


@dataclass(frozen=True)
class ExportFile:
    """A written export: where it is and the media type to serve it as."""

    path: Path
    media_type: str


FORMATS = {
    "gpkg": ExportFormat(".gpkg", "application/geopackage+sqlite3"),
    "shp": ExportFormat(".zip", "application/zip", ("utf-8", "gbk")),
    "geojson": ExportFormat(".geojson", "application/geo+json"),
    "kml": ExportFormat(".kml", "application/vnd.google-earth.kml+xml"),
    "csv": ExportFormat(".csv", "text/csv", ("utf-8", "gbk")),
}
#: How CSV carries geometry: WKT, or the longitude/latitude of a point on the feature.
CSV_GEOMETRIES = ("wkt", "lonlat")
#: Columns added after the layer's fields, named within the Shapefile's 10 characters.
PROJECTS, DISPLAY_STATUS = "projects", "disp_stat"
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_GDAL_ENCODING = {"utf-8": "UTF-8", "gbk": "GBK"}
#: Decimal places that keep every bit of a longitude or latitude (GDAL's GeoJSON writer
#: would round to 7 under RFC 7946, and the export would not import back unchanged).
_ALL_DIGITS = "15"
#: At most this many unencodable values are named in the refusal.
_SHOWN_PROBLEMS = 10


class ExportRefused(InvalidInput):
    """An export that cannot be made as asked (unknown format, text GBK cannot hold...)."""


def export_layer(engine: sa.Engine, layer: str, fmt: str, folder: Path, *,
                 bbox: BBox | None = None, projects_filter: ProjectFilter = ProjectFilter(),
                 q: str | None = None, encoding: str = "utf-8", csv_geometry: str = "wkt",
                 crs: str = "EPSG:4326", today: dt.date | None = None) -> ExportFile:
    """Write *layer*'s selected features into *folder* in format *fmt*; return the file.

    Parameters
    ----------
    engine
        The database of record.
    layer
        Catalogue layer name (unknown: :class:`layers.serving.query.NotFound`).
    fmt
        ``gpkg``, ``shp`` (a .zip of the Shapefile parts), ``geojson``, ``kml`` or ``csv``.
    folder
        Existing folder the file is written into, named after the layer.
    bbox, projects_filter, q
        The selection, as in :func:`layers.serving.features.query_features`.
    encoding
        ``utf-8`` or ``gbk``, for ``shp`` and ``csv`` only.
    csv_geometry
        ``wkt`` (a ``wkt`` column) or ``lonlat`` (``lon``/``lat`` of a point on the feature:
        the point itself, or a point guaranteed to lie on the line or polygon).
    crs
        ``EPSG:4326`` (WGS84, the default), ``EPSG:4490`` (CGCS2000 lon/lat) or ``gk``: the
        CGCS2000 3-degree Gauss-Krüger zone of the data (EPSG:4545 for Xixiang; its own code
        is accepted too), for ``gpkg``, ``shp`` and ``csv``; GeoJSON (RFC 7946) and KML are
        WGS84 by definition.
    today
        Date against which ``overdue`` is judged (default: the server's today).

    Returns
    -------
    ExportFile
        The written file (named after the layer) and its media type.
    """
    spec = _layer_spec(layer)
    encoding = _check_options(fmt, encoding, csv_geometry)
    frame = selection(engine, spec.name, bbox=bbox, projects_filter=projects_filter, q=q,
                      today=today)
    frame = frame.to_crs(_output_crs(crs, fmt, csv_geometry, frame))
    target = folder / f"{spec.name}{FORMATS[fmt].suffix}"
    if encoding == "gbk":
        _check_gbk(frame)
    if fmt == "shp":
        _write_shapefile(frame, spec, folder, encoding, target)
    elif fmt == "csv":
        _write_csv(frame, target, encoding, csv_geometry)
    elif fmt == "gpkg":
        # The GeoPackage's own integer key is renamed, or it would clash with our text fid.
        pyogrio.write_dataframe(frame, target, layer=spec.name, driver="GPKG",
                                geometry_type=_geometry_type(spec.geometry),
                                layer_options={"FID": "gpkg_fid"})
    elif fmt == "geojson":
        pyogrio.write_dataframe(frame, target, driver="GeoJSON",
                                geometry_type=_geometry_type(spec.geometry), layer_options={
                                    "RFC7946": "YES", "COORDINATE_PRECISION": _ALL_DIGITS,
                                    "ID_FIELD": "fid"})
    else:
        pyogrio.write_dataframe(frame, target, layer=spec.name, driver="KML",
                                geometry_type=_geometry_type(spec.geometry),
                                dataset_options={"NameField": "name"})
    media_type = FORMATS[fmt].media_type
    if fmt == "csv":
        media_type += f"; charset={encoding}"
    return ExportFile(target, media_type)


def selection(engine: sa.Engine, layer: str, *, bbox: BBox | None = None,
              projects_filter: ProjectFilter = ProjectFilter(), q: str | None = None,
              today: dt.date | None = None) -> gpd.GeoDataFrame:
    """The selected features of *layer* as a GeoDataFrame in EPSG:4326, ordered by fid.

    Columns: ``fid``, the layer's fields in their own types (nullable integers and
    booleans), ``projects``, ``disp_stat`` and the geometry.
    """
    spec = _layer_spec(layer)
    table = layer_table(spec.name)
    today = today or clock.today()
    conditions = feature_conditions(spec, table, bbox, projects_filter, q, today)
    chosen = sa.select(table).where(*conditions).cte("chosen")
    linked = linked_projects(spec.name, chosen, today, projects_filter)
    query = (sa.select(chosen.c.fid, *(chosen.c[f.name] for f in spec.fields),
                       linked.c.projects.label(PROJECTS),
                       linked.c.display_status.label(DISPLAY_STATUS),
                       sa.func.ST_AsBinary(chosen.c.geom).label("wkb"))
             .select_from(chosen.outerjoin(linked, linked.c.fid == chosen.c.fid))
             .order_by(chosen.c.fid))
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(query).mappings().all(),
                            columns=["fid", *(f.name for f in spec.fields), PROJECTS,
                                     DISPLAY_STATUS, "wkb"])
    geometry = shapely.from_wkb(rows.pop("wkb").map(bytes, na_action="ignore").to_numpy())
    for field in spec.fields:
        rows[field.name] = _typed(rows[field.name], field.type)
    return gpd.GeoDataFrame(rows, geometry=geometry, crs=STORAGE_SRID)


def _typed(column: pd.Series, field_type: str) -> pd.Series:
    if field_type == "integer":
        return column.astype("Int64")
    if field_type == "boolean":
        return column.astype("boolean")
    if field_type == "real":
        return column.astype("float64")
    if field_type == "date":
        return pd.to_datetime(column)
    return column.astype(object).where(column.notna(), None)


def _check_options(fmt: str, encoding: str, csv_geometry: str) -> str:
    if fmt not in FORMATS:
        raise ExportRefused(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    normalised = encoding.strip().lower().replace("_", "-")
    normalised = {"utf8": "utf-8", "cp936": "gbk", "gb2312": "gbk"}.get(normalised, normalised)
    if normalised not in FORMATS[fmt].encodings:
        raise ExportRefused(f"encoding {encoding!r} is not available for {fmt}; "
                            f"{fmt} is written in {' or '.join(FORMATS[fmt].encodings)}")
    if csv_geometry not in CSV_GEOMETRIES:
        raise ExportRefused(f"geometry={csv_geometry!r}: CSV geometry is one of "
                            f"{', '.join(CSV_GEOMETRIES)}")
    return normalised


def _output_crs(crs: str, fmt: str, csv_geometry: str, frame: gpd.GeoDataFrame) -> CRS:
    """The CRS the file is written in (see :func:`export_layer`'s ``crs``)."""
    key = crs.strip().upper().replace("EPSG:", "")
    wanted = {"4326": STORAGE_CRS, "WGS84": STORAGE_CRS, "4490": CRS.from_epsg(4490),
              "CGCS2000": CRS.from_epsg(4490)}.get(key)
    if wanted is None and (key == "GK" or (key.isdigit() and 4534 <= int(key) <= 4554)):
        wanted = _zone_of(frame)
        if key != "GK" and int(key) != wanted.to_epsg():
            raise ExportRefused(f"crs=EPSG:{key} is not the Gauss-Krüger zone of the data "
                                f"(EPSG:{wanted.to_epsg()}); use crs=gk")
    if wanted is None:
        raise ExportRefused(f"crs={crs!r}: export in EPSG:4326 (WGS84), EPSG:4490 (CGCS2000) "
                            "or gk (the CGCS2000 Gauss-Krüger zone of the data)")
    if wanted != STORAGE_CRS and fmt in ("geojson", "kml"):
        raise ExportRefused(f"{fmt} is WGS84 (EPSG:4326) by definition; for crs={crs} choose "
                            "format gpkg, shp or csv")
    if wanted.is_projected and fmt == "csv" and csv_geometry == "lonlat":
        raise ExportRefused("geometry=lonlat needs a lon/lat CRS; with crs=gk use geometry=wkt")
    return wanted


def _zone_of(frame: gpd.GeoDataFrame) -> CRS:
    if frame.empty:
        raise ExportRefused("the selection is empty: crs=gk takes its zone from the data; "
                            "widen the selection or export in EPSG:4490")
    try:
        return local_metric_crs(frame)
    except GeoInputError as exc:
        raise ExportRefused(f"crs=gk: {exc}") from None


def _check_gbk(frame: gpd.GeoDataFrame) -> None:
    """Refuse text GBK cannot hold, naming the features, rather than lose it silently."""
    problems = []
    for column in frame.columns:
        if frame[column].dtype != object or column == frame.geometry.name:
            continue
        for fid, value in zip(frame["fid"], frame[column]):
            if isinstance(value, str):
                try:
                    value.encode("gbk")
                except UnicodeEncodeError as exc:
                    problems.append(f"{fid} {column}: {value[exc.start:exc.end]!r}")
    if problems:
        shown = "; ".join(problems[:_SHOWN_PROBLEMS])
        hidden = len(problems) - _SHOWN_PROBLEMS
        more = f" and {hidden} more" if hidden > 0 else ""
        raise ExportRefused(f"{len(problems)} value(s) have characters GBK cannot hold "
                            f"({shown}{more}); export with encoding=utf-8 instead")


def _write_shapefile(frame: gpd.GeoDataFrame, spec: LayerSpec, folder: Path, encoding: str,
                     target: Path) -> None:
    """One Shapefile per geometry family (a Shapefile holds one), zipped with .prj/.cpg."""
    families = _families(frame, spec)
    written = []
    for family, rows in families.items():
        stem = spec.name if len(families) == 1 else f"{spec.name}_{family}"
        path = folder / f"{stem}.shp"
        pyogrio.write_dataframe(frame[rows], path, driver="ESRI Shapefile",
                                geometry_type=_geometry_type((family,)),
                                encoding=_GDAL_ENCODING[encoding])
        written += [path.with_suffix(s) for s in _SHAPEFILE_PARTS]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in written:
            archive.write(part, part.name)
            part.unlink()


def _families(frame: gpd.GeoDataFrame, spec: LayerSpec) -> dict[str, np.ndarray]:
    if len(spec.geometry) == 1 or frame.empty:
        return {spec.geometry[0]: np.ones(len(frame), dtype=bool)}
    types = frame.geometry.geom_type.to_numpy()
    masks = {family: np.isin(types, GEOMETRY_FAMILIES[family]) for family in spec.geometry}
    return {family: mask for family, mask in masks.items() if mask.any()}


def _write_csv(frame: gpd.GeoDataFrame, target: Path, encoding: str, geometry: str) -> None:
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    geoms = np.asarray(frame.geometry.array)
    if geometry == "wkt":
        table["wkt"] = shapely.to_wkt(geoms, rounding_precision=7)
    else:
        points = shapely.point_on_surface(geoms)
        table["lon"], table["lat"] = shapely.get_x(points), shapely.get_y(points)
    for column in table.columns[table.dtypes == object]:
        table[column] = table[column].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    table.to_csv(target, index=False, encoding="utf-8-sig" if encoding == "utf-8" else "gbk")


def _geometry_type(families: tuple[str, ...]) -> str:
    """The OGR type name for features of these families (given, since a selection may be
    empty and then shows no type of its own)."""
    if len(families) > 1:
        return "Unknown"
    return {"point": "Point", "line": "MultiLineString", "polygon": "MultiPolygon"}[families[0]]


def _layer_spec(name: str) -> LayerSpec:
    try:
        return get_layer(name)
    except UnknownLayer as exc:
        raise NotFound(str(exc)) from None
