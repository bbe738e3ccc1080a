"""Green-space indicators of the built-up area (建成区) and of each community in it.

Every indicator follows GB/T 50563-2010 as summarised in ``shared/STANDARDS.md``; areas and
lengths are planar in the CGCS2000 Gauss-Krüger zone holding the data
(:func:`geo.crs.local_metric_crs`); everything is clipped to the built-up area, and
overlapping polygons are dissolved first, so no square metre is counted twice.

Rules where the data leaves a choice (the tests pin each one):

* **Park green space (G1)** is the ``parks`` layer plus ``green_spaces`` of class G11–G14.
  Parks count whole for area (water inside a park counts with the park).
* **Vegetated share.** ``green_spaces.veg_ratio`` is the share of a feature covered by
  vegetation; ``None`` means fully vegetated.  Parks carry no share and count as fully
  vegetated, *except* where a ``green_spaces`` feature lies over them: there its share wins.
  Where green spaces overlap each other the highest share wins.  So each square metre has
  exactly one share, and the vegetated area is the sum of area × share.  Every class counts
  here, EG included: vegetation is vegetation wherever it lies in the built-up area.
* **Green coverage (绿化覆盖率)** is the vertical projection of all vegetation in the
  built-up area: the vegetated green land above, attached green (XG) included, plus the
  street-tree canopy of ``streets`` and ``road_segments`` (``canopy_w``) and the planted
  banks of ``watercourses`` (``bank_w``), drawn by :mod:`geo.vegetation`, fully vegetated,
  each square metre once.  Where coverage comes out below the green-space ratio (which no
  complete data allows) the indicator carries a :class:`~geo.green_model.DataWarning`
  naming the likely missing layer (:func:`coverage_warnings`).
* **Green-space ratio (绿地率)** counts G1, G2, XG whole and G3 squares by their green part,
  taken as area × ``veg_ratio`` (``None``: the whole square is green); EG is outside the
  ratio.  Where a G3 overlaps other green space, the larger green share wins.
* **Service radius** per park feature, from ``service_radius_rules`` in ``thresholds.json``:
  the largest radius of the rules its own (unclipped) area meets.  The straight-line variant
  buffers each park polygon by its radius; the walking variant is in
  :func:`geo.service_coverage.park_service_coverage`.
* **Communities**: each community is intersected with the built-up area; per-capita values
  use the community's own population.

The work is vectorised shapely 2 and no Python loop runs over features.  One STRtree
self-query sets apart the polygons that overlap nothing (most of them): they are measured as
they are.  The overlapping clusters are dissolved (:mod:`geo.polygons`: connected components of
the STRtree pairs, each unioned by pairwise halving) one priority class at a time, and each
class loses what the classes before it cover.  Areas per zone come from one STRtree query of
the zones and one array intersection for the pieces that cross a zone's edge.
:func:`green_indicators` runs the indicators in threads: shapely releases the GIL.

Where things are: this module holds the area indicators (coverage, ratio, per capita) and
:func:`green_indicators`, all of them at once; :mod:`geo.service_coverage` the service-radius
coverage, :mod:`geo.greening` road and river greening; :mod:`geo.green_study` prepares the
layers once for all of them and :mod:`geo.green_model` holds their inputs and outputs.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np

from geo.green_model import PARK_CLASSES, DataWarning, GreenLayers, GreenReport, Indicator
from geo.green_study import BANK_CLASS, CANOPY_CLASS, GreenStudy
from geo.greening import (
    RIVER_GREEN_DISTANCE,
    ROAD_GREEN_DISTANCE,
    river_greening_indicator,
    road_greening_indicator,
)
from geo.service_coverage import service_coverage_indicator


def green_coverage_rate(built_up: gpd.GeoDataFrame, parks: gpd.GeoDataFrame,
                        green_spaces: gpd.GeoDataFrame, *,
                        communities: gpd.GeoDataFrame | None = None) -> Indicator:
    """Green coverage rate 建成区绿化覆盖率: vegetated area ÷ built-up area, in %.

    Only the green-space layers are given here, so no street-tree canopy or bank planting
    counts (:func:`green_indicators` reads those from ``GreenLayers``).

    Parameters
    ----------
    built_up
        The built-up area polygons (dissolved; the ``population`` column is not read).
    parks
        G1 parks; counted fully vegetated except under a ``green_spaces`` share.
    green_spaces
        Other green space with ``green_cls`` and ``veg_ratio`` (``None`` = fully vegetated).
    communities
        Optional community polygons for the per-community breakdown.

    Returns
    -------
    Indicator
        Numerator: vegetated m² (area × share, each square metre once); denominator: m².
    """
    study = GreenStudy(GreenLayers(built_up, parks, green_spaces, communities))
    return coverage_warnings(_coverage(study), _green_ratio(study), study)


def green_space_ratio(built_up: gpd.GeoDataFrame, parks: gpd.GeoDataFrame,
                      green_spaces: gpd.GeoDataFrame, *,
                      communities: gpd.GeoDataFrame | None = None) -> Indicator:
    """Green space ratio 建成区绿地率: G1 + G2 + G3 green part + XG ÷ built-up area, in %.

    Parameters
    ----------
    built_up, parks, green_spaces, communities
        As :func:`green_coverage_rate`.  EG is left out; a G3 square counts
        ``area × veg_ratio``.

    Returns
    -------
    Indicator
    """
    return _green_ratio(GreenStudy(GreenLayers(built_up, parks, green_spaces, communities)))


def park_area_per_capita(built_up: gpd.GeoDataFrame, parks: gpd.GeoDataFrame,
                         green_spaces: gpd.GeoDataFrame | None = None, *,
                         communities: gpd.GeoDataFrame | None = None,
                         population: float | None = None,
                         classes: tuple[str, ...] = PARK_CLASSES) -> Indicator:
    """Park green area per capita 人均公园绿地面积: G1 area ÷ urban resident population.

    Parameters
    ----------
    built_up
        Built-up area; its ``population`` column (summed) is the urban resident population
        unless *population* is given.
    parks, green_spaces
        G1 is ``parks`` plus ``green_spaces`` of class G11–G14.
    communities
        Optional; each community's G1 area ÷ its ``population``.
    population
        Urban resident population (城区常住人口), overriding ``built_up.population``.
    classes
        Park classes counted: ``("G11",)`` gives 人均综合公园面积, ``("G12",)`` 人均社区公园面积.

    Returns
    -------
    Indicator
        In m²/person; ``value`` is ``None`` with a note when the population is unknown.
    """
    layers = GreenLayers(built_up, parks, parks.iloc[0:0] if green_spaces is None
                         else green_spaces, communities, population=population)
    return _per_capita(GreenStudy(layers), classes)


def green_indicators(layers: GreenLayers, *, walking: bool = True) -> GreenReport:
    """Every indicator the data allows, projected and clipped once.

    Parameters
    ----------
    layers
        The layers; optional ones that are ``None`` or empty leave their indicators out.
    walking
        Also compute the walking variant of the service coverage (needs ``streets``).

    Returns
    -------
    GreenReport
    """
    study = GreenStudy(layers)
    tasks = [lambda: service_coverage_indicator(study, "walking")] if (
        walking and study.streets.size) else []
    tasks += [lambda: _coverage(study), lambda: _green_ratio(study),
              lambda: service_coverage_indicator(study, "buffer")]
    tasks += [lambda classes=classes: _per_capita(study, classes)
              for classes in (PARK_CLASSES, ("G11",), ("G12",))]
    if study.streets.size:
        tasks.append(lambda: road_greening_indicator(study, ROAD_GREEN_DISTANCE))
    if study.water.size:
        tasks.append(lambda: river_greening_indicator(study, RIVER_GREEN_DISTANCE))
    # shapely releases the GIL inside its array functions, so threads use every core; the
    # longest tasks go first.
    with ThreadPoolExecutor(max_workers=min(len(tasks), os.cpu_count() or 1)) as pool:
        found = {indicator.key: indicator for indicator in pool.map(lambda t: t(), tasks)}
    found["green_coverage_rate"] = coverage_warnings(
        found["green_coverage_rate"], found["green_space_ratio"], study)
    order = ("green_coverage_rate", "green_space_ratio", "park_area_per_capita",
             "comprehensive_park_area_per_capita", "community_park_area_per_capita",
             "park_service_coverage", "park_service_coverage_walking", "road_greening_rate",
             "river_greening_rate")
    return GreenReport(study.crs.to_epsg(), float(study.zone_area[0]),
                       dict(zip(study.zone_keys, study.zone_names)),
                       {key: found[key] for key in order if key in found})


#: The vegetation a green coverage below the green space ratio likely lacks (key → what to
#: say), most likely first; :func:`coverage_warnings` names those the data shows missing.
MISSING_VEGETATION = {
    "street_tree_canopy": "no street-tree canopy: road_segments and streets have no canopy_w",
    "attached_green": "no attached green: green_spaces has no XG (附属绿地) feature",
    "water_side_planting": "no water-side planting: watercourses has no bank_w",
    "other_vegetation": "green land counts whole in the ratio but only its vegetated share "
                        "(veg_ratio) in coverage, and no other vegetation makes up for it: "
                        "map the trees over paving, roofs and other land",
}


def coverage_warnings(coverage: Indicator, ratio: Indicator, study: GreenStudy) -> Indicator:
    """*coverage* with a ``coverage_below_ratio`` warning where it is below *ratio*.

    All vegetation covers at least the green land's vegetation, so coverage below the ratio
    (in the built-up area, or in a community) means vegetation is missing from the data.
    The warning names where, and the likely missing layers: street-tree canopy, attached
    green, water-side planting when the data has none of them, and always, last, the
    vegetation on other land no layer holds.  Nothing is said when coverage ≥ ratio.
    """
    below = [""] if _below(coverage.numerator, ratio.numerator) else []
    below += [key for key, measure in coverage.communities.items()
              if key in ratio.communities
              and _below(measure.numerator, ratio.communities[key].numerator)]
    if not below:
        return coverage
    missing = []
    if CANOPY_CLASS not in study.cls:
        missing.append("street_tree_canopy")
    if "XG" not in study.cls:
        missing.append("attached_green")
    if len(study.water) and BANK_CLASS not in study.cls:
        missing.append("water_side_planting")
    missing.append("other_vegetation")
    where = []
    if below[0] == "":
        where.append(f"the built-up area ({coverage.value:.1f} % < {ratio.value:.1f} %)")
    communities = [key for key in below if key]
    if communities:
        where.append(f"{len(communities)} of {len(coverage.communities)} communities")
    message = ("green coverage is below the green space ratio in " + " and ".join(where)
               + "; likely missing: " + "; ".join(MISSING_VEGETATION[m] for m in missing))
    warning = DataWarning("coverage_below_ratio", tuple(below), tuple(missing), message)
    return dataclasses.replace(coverage, warnings=(*coverage.warnings, warning))


def _below(coverage_m2: float, ratio_m2: float) -> bool:
    """Coverage below the ratio by more than rounding (both over the same zone area)."""
    return coverage_m2 < ratio_m2 - 1e-6 * max(1.0, abs(ratio_m2))


def _coverage(study: GreenStudy) -> Indicator:
    share = np.where(np.isnan(study.veg), 1.0, study.veg)
    # Green spaces by falling share, then parks: a share drawn over a park wins.
    rank = np.where(study.is_park, len(np.unique(share)), _dense_rank(-share))
    vegetated = study.weighted_area(np.where(study.is_park, 1.0, share), rank)
    return study.indicator("green_coverage_rate", "建成区绿化覆盖率", vegetated,
                           study.zone_area, percent=True)


def _green_ratio(study: GreenStudy) -> Indicator:
    cls, veg = study.cls, study.veg
    g3 = cls == "G3"
    whole = np.isin(cls, (*PARK_CLASSES, "G2", "XG")) | (g3 & np.isnan(veg))
    partial = g3 & ~np.isnan(veg)
    rank = np.where(whole, 0, np.where(partial, 1 + _dense_rank(-veg), -1))
    area = study.weighted_area(np.where(partial, veg, 1.0), rank)
    notes = ("G3 squares count area × veg_ratio; "
             f"{int((g3 & np.isnan(veg)).sum())} without veg_ratio count whole",)
    return study.indicator("green_space_ratio", "建成区绿地率", area, study.zone_area,
                           percent=True, notes=notes)


def _per_capita(study: GreenStudy, classes: tuple[str, ...]) -> Indicator:
    key, title = {
        PARK_CLASSES: ("park_area_per_capita", "人均公园绿地面积"),
        ("G11",): ("comprehensive_park_area_per_capita", "人均综合公园面积"),
        ("G12",): ("community_park_area_per_capita", "人均社区公园面积"),
    }.get(tuple(classes), ("park_area_per_capita_" + "_".join(classes), "人均公园绿地面积"))
    chosen = np.isin(study.cls, classes)
    area = study.weighted_area(np.ones(len(chosen)), np.where(chosen, 0, -1))
    notes = () if np.isfinite(study.population[0]) else (
        "urban resident population unknown: fill built_up_area.population",)
    return study.indicator(key, title, area, study.population, unit="m²/person",
                           denominator_unit="person", notes=notes)


def _dense_rank(keys: np.ndarray) -> np.ndarray:
    """0 for the smallest key, 1 for the next distinct one, …"""
    return np.unique(keys, return_inverse=True)[1].ravel()
