"""Checking features against their layer spec, and putting them in storage form.

Geometry rules: missing or empty geometry and geometry of the wrong type are rejected;
invalid geometry is repaired with ``shapely.make_valid`` and reported; Z/M values are
dropped; lines and polygons are stored multi-part.  Attribute rules come from the spec's
fields; every violation is reported, not only the first.  The geometric checks run over
whole arrays (shapely 2), only the rare repairs are handled one by one.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import STORAGE_CRS
from geo.gcj02 import geometries_gcj02_to_wgs84, in_china
from layers.errors import ImportRefused
from layers.exchange.import_report import Problem, SourceReport
from layers.storage.spec import GEOMETRY_FAMILIES, LayerSpec

_FAMILY_OF_TYPE = {t: family for family, types in GEOMETRY_FAMILIES.items() for t in types}
_TYPE_NAMES = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                        "MultiLineString", "MultiPolygon", "GeometryCollection"], dtype=object)
_MULTI = {"line": shapely.multilinestrings, "polygon": shapely.multipolygons}
#: The longitudes the CGCS2000 3-degree Gauss-Krüger zones cover (CM 75°E … 135°E).
GK_WEST, GK_EAST = 73.5, 136.5


def validate_layer(frame: gpd.GeoDataFrame, spec: LayerSpec, report: SourceReport, *,
                   gcj02: bool = False, id_field: str | None = None,
                   unreadable: dict[int, str] | None = None) -> gpd.GeoDataFrame:
    """Return the acceptable features of *frame* as ``fid``, the spec's fields and ``geom``.

    Problems (rejections, repairs) are added to *report*; the caller decides whether any
    rejection stops the import.  *unreadable* gives, by row, why a geometry the file holds
    could not be built (see :func:`layers.exchange.sources.read_source`).
    """
    report.read = len(frame)
    ids = feature_ids(frame, spec, id_field, report.source)
    columns = _match_columns(frame, spec, report)
    geoms, keep = _check_geometry(frame, spec, ids, report, gcj02=gcj02,
                                  unreadable=unreadable or {})
    values = {}
    for field in spec.fields:
        values[field.name], ok = _check_field(frame, columns.get(field.name), field, ids, report)
        keep &= ok
    keep &= _check_unique_ids(ids, report)
    clean = gpd.GeoDataFrame(
        {"fid": ids.to_numpy(), **values}, geometry=geoms, crs=STORAGE_CRS
    ).rename_geometry("geom")
    return clean[keep].reset_index(drop=True)


def feature_ids(frame: gpd.GeoDataFrame, spec: LayerSpec, id_field: str | None,
                source: str) -> pd.Series:
    """The stable id of each feature, as text: the id column, or a GeoPackage/GeoJSON FID."""
    lowered = {str(c).lower(): c for c in frame.columns}
    wanted = id_field or spec.id_field
    column = lowered.get(wanted.lower()) or (None if id_field else lowered.get("id"))
    if column is not None:
        return frame[column].map(_id_text).reset_index(drop=True)
    if id_field:
        raise ImportRefused(f"{source}: no column {id_field!r} for --id-field; the columns "
                            f"are: {', '.join(map(str, frame.columns.drop('geometry')))}")
    if not source.lower().endswith(".shp") and frame.index.name == "fid":
        return pd.Series(frame.index.map(_id_text), dtype=object)
    raise ImportRefused(
        f"{source}: no feature id column {spec.id_field!r}: add a column of unique, stable ids "
        f"(re-imports update features by it), or name an existing one with --id-field"
    )


def _id_text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _match_columns(frame: gpd.GeoDataFrame, spec: LayerSpec, report: SourceReport
                   ) -> dict[str, str]:
    """Map spec field names to source columns, by name (any case) or by the Chinese label."""
    by_key = {}
    for column in frame.columns:
        if column != frame.geometry.name:
            by_key.setdefault(str(column).strip().lower(), column)
    matched = {}
    for field in spec.fields:
        column = by_key.get(field.name.lower()) or by_key.get(field.zh.lower())
        if column is not None:
            matched[field.name] = column
        elif field.required:
            report.reject(f"required column {field.name!r} ({field.zh}) is missing",
                          field=field.name)
    known = set(matched.values()) | {c for c in frame.columns
                                     if str(c).lower() in ("fid", "id", frame.geometry.name)}
    ignored = [str(c) for c in frame.columns if c not in known]
    if ignored:
        report.notes.append(f"columns not in the layer's schema, ignored: {', '.join(ignored)}")
    return matched


def _check_geometry(frame: gpd.GeoDataFrame, spec: LayerSpec, ids: pd.Series,
                    report: SourceReport, *, gcj02: bool,
                    unreadable: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    geoms = shapely.force_2d(np.asarray(frame.geometry.array, dtype=object))
    if frame.geometry.has_z.any():
        report.notes.append("Z/M values dropped: features are stored in 2D")
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    type_names = _type_names(geoms)
    wrong_type = ~missing & ~empty & ~np.isin(type_names, spec.accepted_types)
    not_finite = ~(missing | empty | wrong_type) & ~_finite(geoms)
    for i in np.flatnonzero(missing | empty | wrong_type | not_finite):
        report.reject(_geometry_refusal(i, missing, empty, not_finite, type_names, spec,
                                        unreadable),
                      feature=ids.iat[i], row=i + 1, field="geometry")
    keep = ~(missing | empty | wrong_type | not_finite)
    geoms = np.where(keep, geoms, None)
    if gcj02:
        _note_outside_gcj02(geoms, report)
    geoms = _to_storage_crs(geoms, frame.crs, gcj02)
    _note_outside_zones(geoms, ids, report)
    geoms, repaired_ok = _repair(geoms, keep, ids, report)
    return _promote_to_multi(geoms, spec), keep & repaired_ok


def _geometry_refusal(i: int, missing: np.ndarray, empty: np.ndarray, not_finite: np.ndarray,
                      type_names: np.ndarray, spec: LayerSpec, unreadable: dict[int, str]) -> str:
    if i in unreadable:
        return (f"unreadable geometry ({unreadable[i]}): fix it in GIS software (QGIS: "
                "Vector ▸ Geometry Tools ▸ Fix Geometries) or remove the feature")
    if missing[i]:
        return "no geometry"
    if empty[i]:
        return "empty geometry"
    if not_finite[i]:
        return "coordinates that are not finite numbers (NaN or infinite)"
    return f"{type_names[i]} geometry where the layer takes {' or '.join(spec.accepted_types)}"


def _centres(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of the centre of each geometry's bounds (NaN for a missing geometry)."""
    bounds = shapely.bounds(geoms)
    return (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2


def _note_outside_zones(geoms: np.ndarray, ids: pd.Series, report: SourceReport) -> None:
    """Warn at once about features no CGCS2000 Gauss-Krüger zone holds: imported, they
    would only fail later, when areas, indicators or routes are measured."""
    lon, lat = _centres(geoms)
    outside = np.flatnonzero((lon < GK_WEST) | (lon > GK_EAST))
    if outside.size:
        first = outside[0]
        report.notes.append(
            f"warning: {outside.size} feature(s) lie outside the CGCS2000 Gauss-Krüger zones "
            f"({GK_WEST}°E–{GK_EAST}°E), e.g. id {ids.iat[first]} at {lon[first]:.4f}, "
            f"{lat[first]:.4f}: they cannot be measured; is the CRS right (lon/lat order, the "
            "CRS the .prj or --crs names)?")


def _note_outside_gcj02(geoms: np.ndarray, report: SourceReport) -> None:
    lon, lat = _centres(geoms)
    outside = int((~in_china(lon, lat) & np.isfinite(lon)).sum())
    if outside:
        report.notes.append(
            f"warning: --crs gcj02: {outside} feature(s) lie outside China, where GCJ-02 has "
            "no offset: they were stored as given, unconverted")


def _finite(geoms: np.ndarray) -> np.ndarray:
    """Whether every coordinate of each geometry is a finite number (missing counts as finite)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = np.bincount(index[~np.isfinite(coords).all(axis=1)], minlength=len(geoms))
    return bad == 0


def _type_names(geoms: np.ndarray) -> np.ndarray:
    """Geometry type names, vectorised (``None`` for missing geometry)."""
    return np.append(_TYPE_NAMES, None)[shapely.get_type_id(geoms)]


def _to_storage_crs(geoms: np.ndarray, crs, gcj02: bool) -> np.ndarray:
    series = gpd.GeoSeries(geoms, crs=crs).to_crs(STORAGE_CRS)
    out = np.asarray(series.array, dtype=object)
    return geometries_gcj02_to_wgs84(out) if gcj02 else out


def _repair(geoms: np.ndarray, keep: np.ndarray, ids: pd.Series, report: SourceReport
            ) -> tuple[np.ndarray, np.ndarray]:
    ok = np.ones(len(geoms), dtype=bool)
    invalid = keep & ~shapely.is_valid(geoms)
    for i in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[i])
        family = _FAMILY_OF_TYPE[geoms[i].geom_type]
        fixed = _keep_family(shapely.make_valid(geoms[i]), family)
        if fixed is None:
            report.reject(f"invalid geometry ({reason}) that cannot be repaired",
                          feature=ids.iat[i], row=i + 1, field="geometry")
            ok[i] = False
        else:
            report.problems.append(_repaired(reason, ids.iat[i], i + 1))
            geoms[i] = fixed
    return geoms, ok


def _repaired(reason: str, feature, row) -> Problem:
    return Problem("repaired", f"invalid geometry ({reason}) repaired with make_valid",
                   feature=feature, row=row, field="geometry")


def _keep_family(geom, family: str):
    """The parts of a repaired geometry that belong to *family* (make_valid may add others)."""
    parts = [p for p in shapely.get_parts(geom) if _FAMILY_OF_TYPE.get(p.geom_type) == family]
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _promote_to_multi(geoms: np.ndarray, spec: LayerSpec) -> np.ndarray:
    out = geoms.copy()
    for family, make_multi in _MULTI.items():
        if family not in spec.geometry:
            continue
        rows = np.flatnonzero(np.isin(_type_names(geoms), GEOMETRY_FAMILIES[family]))
        if rows.size:
            parts, index = shapely.get_parts(geoms[rows], return_index=True)
            out[rows] = make_multi(parts, indices=index)
    return out


def _check_field(frame, column, field, ids: pd.Series, report: SourceReport):
    """Coerce one column to the field's type; return the values and a per-row OK mask."""
    raw = frame[column].tolist() if column is not None else [None] * len(frame)
    values = np.empty(len(raw), dtype=object)
    ok = np.ones(len(raw), dtype=bool)
    for i, value in enumerate(raw):
        try:
            values[i] = field.coerce(value)
            problems = field.check(values[i])
        except (TypeError, ValueError) as exc:
            problems = [str(exc)]
        if problems and not (column is None and field.required):
            ok[i] = False
            for message in problems:
                report.reject(message, feature=ids.iat[i], row=i + 1, field=field.name)
        elif problems:
            ok[i] = False
    return values, ok


def _check_unique_ids(ids: pd.Series, report: SourceReport) -> np.ndarray:
    ok = ids.notna().to_numpy()
    for i in np.flatnonzero(~ok):
        report.reject("no feature id", row=i + 1, field="fid")
    duplicated = ids.duplicated(keep=False) & ids.notna()
    for i in np.flatnonzero(duplicated.to_numpy()):
        report.reject(f"id {ids.iat[i]!r} is used by more than one feature",
                      feature=ids.iat[i], row=i + 1, field="fid")
    return ok & ~duplicated.to_numpy()
