"""What-if scenarios: change the green layers, recompute every indicator before and after.

A planner draws a park, turns a shantytown zone (or any feature) into green space, or
removes a feature; :func:`what_if` answers with both reports and the deltas.  Nothing is
written anywhere: the layers given are left as they were.

Rules: a feature that becomes green space of class G11–G14 joins ``parks``, any other class
joins ``green_spaces``; a feature converted from ``parks`` or ``green_spaces`` leaves its
old layer (it is reclassified, not duplicated).  New green space replaces the residential
land under it (land is one use at a time), unless ``replaces_residential=False``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Union

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import local_metric_crs
from geo.errors import GeoInputError
from geo.green import green_indicators
from geo.green_model import PARK_CLASSES, GreenLayers, GreenReport

#: Green-space classes a scenario may create (CJJ/T 85-2017).
GREEN_CLASSES = (*PARK_CLASSES, "G2", "G3", "XG", "EG")
#: A drawn or converted feature larger than this (m²) is refused as a likely mistake.
MAX_FEATURE_AREA = 5_000_000.0
#: Layers of :class:`GreenLayers` a change may take a feature from or remove it from.
_EDITABLE = ("parks", "green_spaces", "residential_land")


@dataclass(frozen=True)
class AddGreen:
    """Add a drawn polygon as green space of *green_class* (G11–G14 make it a park)."""

    geometry: Any
    green_class: str = "G12"
    crs: Any = "EPSG:4326"
    name: str = "规划绿地"
    historic: bool = False
    veg_ratio: float | None = None
    replaces_residential: bool = True


@dataclass(frozen=True)
class ConvertFeature:
    """Turn feature *fid* of *layer* (e.g. a ``shantytown_zones`` zone) into green space."""

    layer: str
    fid: str
    green_class: str = "G12"
    veg_ratio: float | None = None
    historic: bool = False
    replaces_residential: bool = True


@dataclass(frozen=True)
class RemoveFeature:
    """Remove feature *fid* from *layer* (``parks``, ``green_spaces``, ``residential_land``)."""

    layer: str
    fid: str


Change = Union[AddGreen, ConvertFeature, RemoveFeature]


@dataclass(frozen=True)
class Delta:
    """After minus before; ``value`` is ``None`` when either side has no value."""

    value: float | None
    numerator: float
    denominator: float


@dataclass(frozen=True)
class ScenarioResult:
    before: GreenReport
    after: GreenReport
    deltas: dict[str, Delta]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def what_if(layers: GreenLayers, changes: list[Change], *,
            sources: Mapping[str, gpd.GeoDataFrame] | None = None,
            walking: bool = True) -> ScenarioResult:
    """Every indicator before and after *changes*, and the differences.

    Parameters
    ----------
    layers
        The current layers.
    changes
        :class:`AddGreen`, :class:`ConvertFeature` and :class:`RemoveFeature`, applied in
        order.
    sources
        Other layers a :class:`ConvertFeature` may name (e.g. ``{"shantytown_zones": …}``),
        each with a ``fid`` column.
    walking
        Include the walking variant of the service coverage.

    Returns
    -------
    ScenarioResult
    """
    before = green_indicators(layers, walking=walking)
    after = green_indicators(apply_changes(layers, changes, sources=sources), walking=walking)
    deltas = {key: _delta(before.indicators[key], indicator)
              for key, indicator in after.indicators.items() if key in before.indicators}
    return ScenarioResult(before, after, deltas)


def apply_changes(layers: GreenLayers, changes: list[Change], *,
                  sources: Mapping[str, gpd.GeoDataFrame] | None = None) -> GreenLayers:
    """The layers with *changes* applied (a new :class:`GreenLayers`; the input is unchanged).

    Raises
    ------
    GeoInputError
        A geometry that is empty, not a polygon, invalid, outside the built-up area or too
        large; an unknown class, layer or feature id.
    """
    for number, change in enumerate(changes, start=1):  # a planner's handful of edits
        if isinstance(change, AddGreen):
            geometry = _checked(layers, change.geometry, change.crs, f"change {number}")
            layers = _add_green(layers, geometry, change, fid=f"scenario-{number}")
        elif isinstance(change, ConvertFeature):
            frame = _layer(layers, sources, change.layer)
            row = _feature(frame, change.layer, change.fid)
            geometry = _checked(layers, row[frame.geometry.name], frame.crs,
                                f"{change.layer} feature {change.fid!r}")
            if change.layer in ("parks", "green_spaces"):
                layers = _without(layers, change.layer, change.fid)
            layers = _add_green(layers, geometry, change, fid=change.fid,
                                name=row.get("name") or change.fid)
        elif isinstance(change, RemoveFeature):
            if change.layer not in _EDITABLE:
                raise GeoInputError(f"cannot remove from {change.layer!r}; a scenario removes "
                                    f"from: {', '.join(_EDITABLE)}")
            _feature(_layer(layers, sources, change.layer), change.layer, change.fid)
            layers = _without(layers, change.layer, change.fid)
        else:
            raise GeoInputError(f"change {number} is not a scenario change: {change!r}")
    return layers


def _add_green(layers: GreenLayers, geometry: shapely.Geometry, change: AddGreen | ConvertFeature,
               *, fid: str, name: str | None = None) -> GreenLayers:
    if change.green_class not in GREEN_CLASSES:
        raise GeoInputError(f"unknown green-space class {change.green_class!r}; use one of "
                            + ", ".join(GREEN_CLASSES))
    if change.veg_ratio is not None and not 0 <= change.veg_ratio <= 1:
        raise GeoInputError(f"veg_ratio {change.veg_ratio} must lie between 0 and 1")
    name = name or getattr(change, "name", fid)
    if change.green_class in PARK_CLASSES:
        row = {"fid": fid, "name": name, "park_class": change.green_class,
               "historic": change.historic}
        target = "parks"
    else:
        row = {"fid": fid, "name": name, "green_cls": change.green_class,
               "veg_ratio": change.veg_ratio}
        target = "green_spaces"
    frame = getattr(layers, target)
    added = gpd.GeoDataFrame([row], geometry=[geometry], crs=layers.built_up.crs).to_crs(frame.crs)
    if frame.geometry.name != added.geometry.name:
        # PostGIS frames call it "geom": under another name pd.concat would keep the new
        # shape in a column of its own, and the frame's geometry would be missing for it
        added = added.rename_geometry(frame.geometry.name)
    changes: dict[str, Any] = {target: pd.concat([frame, added], ignore_index=True)}
    residential = layers.residential_land
    if change.replaces_residential and residential is not None and len(residential):
        cut = added.to_crs(residential.crs).geometry.iloc[0]
        remaining = residential.geometry.difference(cut)
        changes["residential_land"] = residential.set_geometry(remaining)[~remaining.is_empty]
    return layers.replace(**changes)


def _checked(layers: GreenLayers, geometry: Any, crs: Any, what: str) -> shapely.Geometry:
    """*geometry* in the built-up layer's CRS, after the checks a drawn shape must pass."""
    if geometry is None or not isinstance(geometry, shapely.Geometry) or geometry.is_empty:
        raise GeoInputError(f"{what}: the geometry is empty; draw a polygon")
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeoInputError(f"{what}: a {geometry.geom_type} cannot be green space; draw a "
                            "polygon")
    if not geometry.is_valid:
        raise GeoInputError(f"{what}: the polygon is not valid ({shapely.is_valid_reason(geometry)});"
                            " redraw it without crossing edges")
    metric = local_metric_crs(layers.built_up)
    shape = gpd.GeoSeries([geometry], crs=crs).to_crs(metric).iloc[0]
    built_up = shapely.union_all(layers.built_up.to_crs(metric).geometry.array)
    if shape.intersection(built_up).area < 1.0:
        # under a square metre inside: touching the boundary from outside, give or take the
        # float residue of reprojecting
        raise GeoInputError(f"{what}: the polygon lies outside the built-up area (建成区); "
                            "the indicators count only green space inside it")
    limit = min(MAX_FEATURE_AREA, built_up.area)
    if shape.area > limit:
        raise GeoInputError(f"{what}: the polygon covers {shape.area / 1e6:.2f} km², more than "
                            f"{limit / 1e6:.2f} km² (the built-up area or 5 km²); check its "
                            "coordinates and CRS")
    return gpd.GeoSeries([geometry], crs=crs).to_crs(layers.built_up.crs).iloc[0]


def _layer(layers: GreenLayers, sources: Mapping[str, gpd.GeoDataFrame] | None,
           name: str) -> gpd.GeoDataFrame:
    frame = getattr(layers, name, None) if name in _EDITABLE else (sources or {}).get(name)
    if frame is None:
        known = sorted({*_EDITABLE, *(sources or {})})
        raise GeoInputError(f"no layer {name!r} in this scenario; known: {', '.join(known)}")
    return frame


def _feature(frame: gpd.GeoDataFrame, layer: str, fid: str) -> pd.Series:
    if "fid" not in frame:
        raise GeoInputError(f"layer {layer!r} has no fid column to find feature {fid!r} by")
    match = frame[frame["fid"].astype(str) == str(fid)]
    if match.empty:
        raise GeoInputError(f"no feature with fid {fid!r} in layer {layer!r}")
    return match.iloc[0]


def _without(layers: GreenLayers, layer: str, fid: str) -> GreenLayers:
    frame = getattr(layers, layer)
    return layers.replace(**{layer: frame[frame["fid"].astype(str) != str(fid)]})


def _delta(before, after) -> Delta:
    value = (None if before.value is None or after.value is None
             else after.value - before.value)
    return Delta(value, after.numerator - before.numerator,
                 after.denominator - before.denominator)
