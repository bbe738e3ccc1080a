"""The naive geopandas way to the same indicators: one zone at a time, overlay and union.

What a first script usually does: for each community, ``geopandas.clip`` every layer to it,
``union_all`` each priority level, subtract the levels before, measure; then the same for
the whole built-up area.  Same rules as :mod:`geo.green`, so its numbers must agree; it is
here only to be timed against.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import local_metric_crs
from geo.green_model import PARK_CLASSES, GreenLayers
from geo.service_radius import service_radius


def naive_zone_values(layers: GreenLayers, zone: shapely.Geometry, population: float,
                      served: shapely.Geometry) -> dict[str, float | None]:
    """Coverage, ratio, per-capita and straight-line service coverage inside *zone*.

    *layers* are already in the metric CRS; *served* is the parks' service area.
    """
    if zone.area == 0:  # a community outside the built-up area, or touching it at a corner
        return dict.fromkeys(("green_coverage_rate", "green_space_ratio",
                              "park_area_per_capita", "park_service_coverage"))
    parks = gpd.clip(layers.parks, zone, keep_geom_type=True)
    green = gpd.clip(layers.green_spaces, zone, keep_geom_type=True)
    homes = gpd.clip(layers.residential_land, zone, keep_geom_type=True)
    veg = green["veg_ratio"].fillna(1.0)
    coverage_levels = [(w, green[veg == w]) for w in sorted(veg.unique(), reverse=True)]
    coverage_levels.append((1.0, parks))
    g3 = (green["green_cls"] == "G3") & green["veg_ratio"].notna()
    whole = green[green["green_cls"].isin([*PARK_CLASSES, "G2", "XG"])
                  | ((green["green_cls"] == "G3") & green["veg_ratio"].isna())]
    ratio_levels = [(1.0, gpd.pd.concat([parks, whole]))]
    ratio_levels += [(w, green[g3 & (green["veg_ratio"] == w)])
                     for w in sorted(green.loc[g3, "veg_ratio"].unique(), reverse=True)]
    g1 = gpd.pd.concat([parks, green[green["green_cls"].isin(PARK_CLASSES)]])
    home_area = homes.union_all().area if len(homes) else 0.0
    covered = homes.union_all().intersection(served).area if len(homes) else 0.0
    area = zone.area
    return {
        "green_coverage_rate": 100 * _levels_area(coverage_levels) / area if area else None,
        "green_space_ratio": 100 * _levels_area(ratio_levels) / area if area else None,
        "park_area_per_capita": (g1.union_all().area / population) if population else None,
        "park_service_coverage": 100 * covered / home_area if home_area else None,
    }


def _levels_area(levels) -> float:
    taken = shapely.Polygon()
    total = 0.0
    for weight, frame in levels:
        level = frame.union_all()
        if level.is_empty:
            continue
        total += weight * level.difference(taken).area
        taken = taken.union(level)
    return total


def _served_area(layers: GreenLayers) -> shapely.Geometry:
    g1 = gpd.pd.concat([
        layers.parks.assign(historic=layers.parks.get("historic", False)),
        layers.green_spaces[layers.green_spaces["green_cls"].isin(PARK_CLASSES)]
        .assign(historic=False)])
    buffers = [geom.buffer(radius, quad_segs=8) for geom, radius in  # one park at a time
               zip(g1.geometry, service_radius(g1.area.to_numpy(),
                                               g1["historic"].fillna(False).to_numpy()))
               if radius > 0]
    return shapely.union_all(buffers) if buffers else shapely.Polygon()


def naive_indicators(layers: GreenLayers, *, budget_s: float = 120.0) -> dict:
    """Naive values per community until *budget_s* runs out, then the whole area if time is
    left.  Returns the values, how many zones were done and the seconds taken."""
    started = time.perf_counter()
    crs = local_metric_crs(layers.built_up)
    layers = GreenLayers(*(frame.to_crs(crs) for frame in (
        layers.built_up, layers.parks, layers.green_spaces, layers.communities,
        layers.residential_land)))
    built_up = layers.built_up.union_all()
    communities = layers.communities
    served = _served_area(layers)
    values: dict[str, dict] = {}
    for fid, geom, population in zip(communities["fid"], communities.geometry,
                                     communities["population"]):
        values[fid] = naive_zone_values(layers, geom.intersection(built_up), population, served)
        if time.perf_counter() - started > budget_s:
            break
    community_seconds = time.perf_counter() - started
    whole_seconds = None
    if len(values) == len(communities):
        population = float(np.nansum(layers.built_up["population"]))
        values["built_up"] = naive_zone_values(layers, built_up, population, served)
        whole_seconds = time.perf_counter() - started - community_seconds
    return {"values": values, "communities_done": min(len(values), len(communities)),
            "communities": len(communities), "community_seconds": community_seconds,
            "whole_seconds": whole_seconds}
