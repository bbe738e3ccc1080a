"""Finding and reading the files a user points the importer at.

Resolves which catalogue layer each file (or GeoPackage layer) is, which encoding a
Shapefile's .dbf is in, and which CRS its coordinates are in; reads it with pyogrio.
"""

from __future__ import annotations

import codecs
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geo.crs import GCJ02, parse_crs
from geo.errors import GeoInputError
from layers.errors import ImportRefused
from layers.exchange.archives import unpack
from layers.storage.catalogue import layer_names

SPATIAL_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz")
#: Google Earth / 奥维 files: every folder's placemarks are read as one layer.
KML_SUFFIXES = (".kml", ".kmz")
#: KML's own presentation fields, which are not attributes of the features.
_KML_PRESENTATION = ["description", "timestamp", "begin", "end", "altitudeMode", "tessellate",
                     "extrude", "visibility", "drawOrder", "icon"]
LEDGER_SUFFIXES = (".csv", ".xlsx")
#: A ledger inside a folder being imported is found by this name.
LEDGER_STEM = "projects"

#: .cpg contents seen in the wild, mapped to Python codec names.
_CPG_ALIASES = {"936": "gbk", "cp936": "gbk", "gb2312": "gbk", "65001": "utf-8", "utf8": "utf-8"}


@dataclass(frozen=True)
class SourceRef:
    """One thing to import: a file, the layer inside it (GeoPackage), and where it goes."""

    path: Path
    target: str  # a catalogue layer name, or "projects" for a ledger
    source_layer: str | None = None
    #: How the user knows the file when it came out of an archive (``a.zip!dir/parks.shp``).
    shown: str | None = None

    @property
    def label(self) -> str:
        name = self.shown or self.path.name
        return f"{name}:{self.source_layer}" if self.source_layer else name

    @property
    def is_ledger(self) -> bool:
        return self.path.suffix.lower() in LEDGER_SUFFIXES


def discover(paths: list[Path], layer: str | None = None) -> list[SourceRef]:
    """Resolve files and folders into sources, layers first and ledgers last.

    A folder contributes every file named after a catalogue layer and its ``projects``
    ledger; ``layer`` (``--layer``) names the target when one file is given.
    """
    refs: list[SourceRef] = []
    for path in paths:
        if not path.exists():
            raise ImportRefused(f"{path}: no such file or folder")
        if path.is_dir():
            if layer:
                raise ImportRefused(f"{path} is a folder: --layer applies to a single file")
            refs.extend(_discover_folder(path))
        else:
            refs.extend(_resolve_file(path, layer))
    if not refs:
        raise ImportRefused(
            f"nothing to import in {', '.join(map(str, paths))}: name files after a layer "
            f"({', '.join(layer_names())}) or {LEDGER_STEM}.csv/.xlsx"
        )
    return sorted(refs, key=lambda r: (r.is_ledger, str(r.path), r.source_layer or ""))


def _discover_folder(folder: Path) -> list[SourceRef]:
    refs = []
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix == ".gpkg" or (suffix in SPATIAL_SUFFIXES and path.stem in layer_names()):
            refs.extend(_resolve_file(path, None))
        elif suffix in LEDGER_SUFFIXES and path.stem == LEDGER_STEM:
            refs.append(SourceRef(path, "projects"))
    return refs


def _resolve_file(path: Path, layer: str | None) -> list[SourceRef]:
    suffix = path.suffix.lower()
    if suffix in LEDGER_SUFFIXES:
        return [SourceRef(path, "projects")]
    if suffix == ".zip":
        return _resolve_archive(path, layer)
    if suffix not in SPATIAL_SUFFIXES:
        raise ImportRefused(
            f"{path.name}: unsupported file type {suffix or '(none)'}; import a Shapefile "
            f"(.shp with its .dbf/.shx/.prj, or zipped), GeoPackage (.gpkg), GeoJSON, KML/KMZ, "
            f"or a ledger (.csv/.xlsx)"
        )
    if suffix == ".gpkg":
        return _resolve_geopackage(path, layer)
    target = layer or path.stem
    _check_layer(target, f"cannot tell which layer {path.name} is")
    return [SourceRef(path, target)]


def _resolve_archive(archive: Path, layer: str | None) -> list[SourceRef]:
    """The layer files inside a zip archive, in nested folders too (see :mod:`archives`)."""
    folder = unpack(archive)
    inside = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SPATIAL_SUFFIXES)
    if not inside:
        raise ImportRefused(f"{archive.name} holds no layer file (.shp, .gpkg, .geojson, "
                            ".kml, .kmz)")
    if len(inside) == 1:
        refs = _resolve_file(inside[0], layer)
    elif layer:
        raise ImportRefused(f"{archive.name} holds {len(inside)} layer files; --layer applies "
                            "to one: import them one by one, or name each file after its layer")
    else:
        refs = [ref for path in inside if path.suffix.lower() == ".gpkg"
                or path.stem in layer_names() for ref in _resolve_file(path, None)]
    return [SourceRef(ref.path, ref.target, ref.source_layer,
                      f"{archive.name}!{ref.path.relative_to(folder).as_posix()}")
            for ref in refs]


def _resolve_geopackage(path: Path, layer: str | None) -> list[SourceRef]:
    try:
        inside = [str(name) for name, _ in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:
        raise ImportRefused(f"{path.name}: not a readable GeoPackage ({exc})") from None
    if layer:
        _check_layer(layer, f"{path.name}")
        if layer in inside:
            return [SourceRef(path, layer, layer)]
        if len(inside) == 1:
            return [SourceRef(path, layer, inside[0])]
        raise ImportRefused(
            f"{path.name} holds several layers ({', '.join(inside)}) and none is named {layer}"
        )
    matched = [SourceRef(path, name, name) for name in inside if name in layer_names()]
    if not matched:
        raise ImportRefused(
            f"{path.name}: none of its layers ({', '.join(inside)}) is named after a catalogue "
            f"layer; pass --layer NAME ({', '.join(layer_names())})"
        )
    return matched


def _check_layer(name: str, context: str) -> None:
    if name not in layer_names():
        raise ImportRefused(
            f"{context}: {name!r} is not a layer. Pass --layer with one of: "
            + ", ".join(layer_names())
        )


def shapefile_encoding(shp: Path, given: str | None) -> tuple[str, str]:
    """The encoding of a Shapefile's attributes, and how it was decided.

    ``--encoding`` wins, then the .cpg file; without either, the .dbf's bytes are tried as
    UTF-8 and then as GB18030 (a superset of GBK and GB2312, which Chinese GIS software writes
    without a .cpg).  Refuses rather than guess when neither fits.
    """
    if given:
        return _codec(given, "--encoding"), "--encoding"
    cpg = _sidecar(shp, ".cpg")
    if cpg:
        return _codec(cpg.read_text(errors="replace").strip(), cpg.name), ".cpg"
    dbf = _sidecar(shp, ".dbf")
    if not dbf:
        raise ImportRefused(f"{shp.name}: its .dbf file is missing; copy it beside the .shp")
    raw = dbf.read_bytes()
    records = raw[int.from_bytes(raw[8:10], "little"):] if len(raw) >= 32 else b""
    for codec in ("utf-8", "gb18030"):
        try:
            records.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec, "detected (no .cpg)"
    raise ImportRefused(
        f"{dbf.name}: cannot tell its text encoding (neither UTF-8 nor GBK/GB18030); "
        f"pass --encoding, e.g. --encoding big5"
    )


def _codec(name: str, where: str) -> str:
    key = name.strip().lower().replace(" ", "")
    key = _CPG_ALIASES.get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise ImportRefused(
            f"{where}: unknown encoding {name!r}; use e.g. UTF-8, GBK or GB18030"
        ) from None


def _sidecar(shp: Path, suffix: str) -> Path | None:
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate
    return None


@dataclass
class ReadResult:
    frame: gpd.GeoDataFrame
    crs_note: str
    encoding: str | None
    gcj02: bool
    #: Row → why its geometry could not be built (it reads as missing).
    unreadable: dict[int, str] = field(default_factory=dict)


def read_source(ref: SourceRef, crs: str | None = None, encoding: str | None = None
                ) -> ReadResult:
    """Read *ref* into a GeoDataFrame with its CRS set (not yet transformed).

    ``crs`` (``--crs``) overrides the file's own CRS, and is required when the file has
    none; ``gcj02`` marks lon/lat coordinates as GCJ-02, to be converted to WGS84.
    """
    codec, how = (None, None)
    if ref.path.suffix.lower() == ".shp":
        codec, how = shapefile_encoding(ref.path, encoding)
    try:
        with warnings.catch_warnings():  # GDAL's warnings on bad rings: reported per feature
            warnings.simplefilter("ignore", RuntimeWarning)
            if ref.path.suffix.lower() in KML_SUFFIXES:
                frame, unreadable = _read_kml(ref)
            else:
                frame = pyogrio.read_dataframe(ref.path, layer=ref.source_layer, encoding=codec,
                                               fid_as_index=True, on_invalid="ignore")
                unreadable = _unreadable_geometries(ref.path, ref.source_layer, frame)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ImportRefused(f"{ref.label}: cannot be read ({exc})") from None
    except UnicodeDecodeError:
        raise ImportRefused(f"{ref.label}: its text is not {codec}; pass the right --encoding")
    try:
        wanted = parse_crs(crs) if crs else None
    except GeoInputError as exc:
        raise ImportRefused(f"--crs: {exc}") from None
    note = _apply_crs(ref, frame, wanted)
    return ReadResult(frame, note, codec and f"{codec} ({how})", wanted == GCJ02, unreadable)


def _read_kml(ref: SourceRef) -> tuple[gpd.GeoDataFrame, dict[int, str]]:
    """Every placemark of a KML/KMZ, whatever folder it is in, as one frame (styles and
    KML's presentation fields left out, ExtendedData kept as attributes)."""
    frames, unreadable = [], {}
    for name, _ in pyogrio.list_layers(ref.path):
        frame = pyogrio.read_dataframe(ref.path, layer=name, on_invalid="ignore")
        if frame.empty:
            continue
        offset = sum(map(len, frames))
        unreadable |= {offset + row: reason for row, reason in
                       _unreadable_geometries(ref.path, name, frame).items()}
        frames.append(frame.drop(columns=[c for c in _KML_PRESENTATION if c in frame]))
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs=4326), {}
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs), unreadable


def _unreadable_geometries(path: Path, layer: str | None, frame: gpd.GeoDataFrame
                           ) -> dict[int, str]:
    """Why each geometry the file holds but shapely cannot build was left out, by row.

    A ring of fewer than four points or an unclosed ring (common in clipped extracts) makes
    GEOS refuse the whole geometry; it was read as missing, and here the file is read again,
    geometry only and only when something is missing, for the reason.
    """
    if not frame.geometry.isna().any():
        return {}
    _, _, wkb, _ = pyogrio.raw.read(path, layer=layer, columns=[])
    reasons = {}
    for row in np.flatnonzero(frame.geometry.isna().to_numpy()):
        if wkb[row] is None:
            continue
        try:
            shapely.from_wkb(wkb[row])
        except shapely.errors.GEOSException as exc:
            reasons[int(row)] = str(exc).split(": ", 1)[-1]
    return reasons


def _apply_crs(ref: SourceRef, frame: gpd.GeoDataFrame, wanted: CRS | str | None) -> str:
    own = frame.crs
    if wanted is None:
        if own is None:
            raise ImportRefused(
                f"{ref.label} has no CRS (no .prj file): pass --crs with the CRS its "
                f"coordinates are in, e.g. --crs EPSG:4490, --crs EPSG:4545, or --crs gcj02 "
                f"for Amap/Gaode coordinates"
            )
        return f"{_crs_name(own)} (from the file)"
    if wanted == GCJ02:
        if own is not None and not own.is_geographic:
            raise ImportRefused(
                f"{ref.label}: --crs gcj02 needs lon/lat coordinates, but the file is in "
                f"{_crs_name(own)}"
            )
        frame.set_crs(4326, inplace=True, allow_override=True)
        return "GCJ-02 (--crs), converted to WGS84"
    frame.set_crs(wanted, inplace=True, allow_override=True)
    if own is not None and not own.equals(wanted):
        return f"{_crs_name(wanted)} (--crs, overriding the file's {_crs_name(own)})"
    return f"{_crs_name(wanted)} (--crs)"


def _crs_name(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name
