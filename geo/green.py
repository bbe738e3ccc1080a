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
* **Green-space ratio (绿地率)** counts G1, G2, XG whole and G3 squares by their green part,
  taken as area × ``veg_ratio`` (``None``: the whole square is green); EG is outside the
  ratio.  Where a G3 overlaps other green space, the larger green share wins.
* **Service radius** per park feature, from ``service_radius_rules`` in ``thresholds.json``:
  the largest radius of the rules its own (unclipped) area meets.  The straight-line variant
  buffers each park polygon by its radius; the walking variant is in
  :func:`park_service_coverage`.
* **Communities**: each community is intersected with the built-up area; per-capita values
  use the community's own population.

The work is vectorised shapely 2 and no Python loop runs over features.  One STRtree
self-query sets apart the polygons that overlap nothing (most of them): they are measured as
they are.  The overlapping clusters are dissolved (:func:`dissolve`: connected components of
the STRtree pairs, each unioned by pairwise halving) one priority class at a time, and each
class loses what the classes before it cover.  Areas per zone come from one STRtree query of
the zones and one array intersection for the pieces that cross a zone's edge.
:func:`green_indicators` runs the indicators in threads: shapely releases the GIL.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.crs import local_metric_crs
from geo.errors import GeoInputError
from geo.walking import reachable_street_parts, street_access, walking_network

#: CJJ/T 85-2017 park classes (G1 公园绿地).
PARK_CLASSES = ("G11", "G12", "G13", "G14")
#: The versioned thresholds and service-radius rules.
THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")
#: Road greening: a stretch of road counts as greened when green space lies this close (m).
ROAD_GREEN_DISTANCE = 15.0
#: River greening: a stretch of bank counts as greened when green space lies this close (m).
RIVER_GREEN_DISTANCE = 30.0
#: Roads and banks are judged in pieces of at most this length (m).
SAMPLE_STEP = 10.0
#: Walking: streets passing within this distance of a park give it an entrance (m): a
#: centre line runs half a road's width plus a pavement from the park's edge (the Xixiang
#: sample's parks lie 5–55 m from the centre lines of the streets they front).
ACCESS_DISTANCE = 60.0
#: Walking: residential land within this distance of a reached street is served (m), the
#: last leg from the street into a block (GIS service-area polygons trim at 100 m likewise).
WALK_BUFFER = 100.0

Method = Literal["buffer", "walking"]


@dataclass(frozen=True)
class Measure:
    """One zone's value with the two numbers it is the ratio of."""

    value: float | None
    numerator: float
    denominator: float


@dataclass(frozen=True)
class Indicator:
    """An indicator for the whole built-up area, and per community.

    ``value`` is ``numerator / denominator`` (× 100 for a percentage), ``None`` when the
    denominator is zero or unknown.  ``communities`` maps a community key (its ``fid``) to
    its :class:`Measure`.  ``approximation`` marks indicators our data can only approach.
    """

    key: str
    title_zh: str
    value: float | None
    numerator: float
    denominator: float
    unit: str
    numerator_unit: str
    denominator_unit: str
    method: str = "area"
    approximation: bool = False
    notes: tuple[str, ...] = ()
    communities: dict[str, Measure] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class GreenLayers:
    """The layers the indicators read, as GeoDataFrames with a CRS (any CRS).

    ``population`` overrides the sum of ``built_up.population`` (城区常住人口).
    ``streets`` is the walking network and the road set of road greening.
    """

    built_up: gpd.GeoDataFrame
    parks: gpd.GeoDataFrame
    green_spaces: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame | None = None
    residential_land: gpd.GeoDataFrame | None = None
    streets: gpd.GeoDataFrame | None = None
    watercourses: gpd.GeoDataFrame | None = None
    population: float | None = None

    def replace(self, **changes: Any) -> "GreenLayers":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class GreenReport:
    """Every indicator, with the zone it was measured in."""

    epsg: int | None
    built_up_area_m2: float
    communities: dict[str, str]
    indicators: dict[str, Indicator]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# --- the indicators -------------------------------------------------------------------------


def green_coverage_rate(built_up: gpd.GeoDataFrame, parks: gpd.GeoDataFrame,
                        green_spaces: gpd.GeoDataFrame, *,
                        communities: gpd.GeoDataFrame | None = None) -> Indicator:
    """Green coverage rate 建成区绿化覆盖率: vegetated area ÷ built-up area, in %.

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
    return _coverage(_Study(GreenLayers(built_up, parks, green_spaces, communities)))


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
    return _green_ratio(_Study(GreenLayers(built_up, parks, green_spaces, communities)))


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
    layers = GreenLayers(built_up, parks, _empty_like(parks) if green_spaces is None
                         else green_spaces, communities, population=population)
    return _per_capita(_Study(layers), classes)


def park_service_coverage(built_up: gpd.GeoDataFrame, parks: gpd.GeoDataFrame,
                          residential_land: gpd.GeoDataFrame, *,
                          green_spaces: gpd.GeoDataFrame | None = None,
                          communities: gpd.GeoDataFrame | None = None,
                          streets: gpd.GeoDataFrame | None = None,
                          method: Method = "buffer") -> Indicator:
    """Park service-radius coverage 公园绿地服务半径覆盖率, in %.

    Residential land (clipped to the built-up area) within a park's service radius ÷ all
    residential land.  The radius comes from the park's area (and ``historic`` flag) per
    the ``service_radius_rules`` of ``thresholds.json``.

    ``method="buffer"`` takes the straight-line radius around the park polygon.
    ``method="walking"`` takes walking distance over *streets*: a park's entrances are the
    points of the streets passing within :data:`ACCESS_DISTANCE` of it (a park with none
    serves no one); the streets reached within the radius from an entrance, widened by
    :data:`WALK_BUFFER` on each side (the walk from the street to a home), and kept inside
    the straight-line area, are the service area.  It is never larger than the
    straight-line one.

    Parameters
    ----------
    built_up, parks, residential_land, green_spaces, communities
        Layers; G1 is ``parks`` plus ``green_spaces`` of class G11–G14.
    streets
        The street lines; required for ``method="walking"``.
    method
        ``"buffer"`` or ``"walking"``.

    Returns
    -------
    Indicator
    """
    layers = GreenLayers(built_up, parks, _empty_like(parks) if green_spaces is None
                         else green_spaces, communities, residential_land, streets)
    return _service_coverage(_Study(layers), method)


def road_greening_rate(built_up: gpd.GeoDataFrame, roads: gpd.GeoDataFrame,
                       parks: gpd.GeoDataFrame, green_spaces: gpd.GeoDataFrame, *,
                       communities: gpd.GeoDataFrame | None = None,
                       distance: float = ROAD_GREEN_DISTANCE) -> Indicator:
    """Road greening rate 城市道路绿化普及率 — an approximation, in %.

    The standard counts road length planted with street trees; we have no tree rows, so a
    stretch of road counts as greened when any park or green space lies within *distance*
    metres of its centre line.  Roads are judged in pieces of :data:`SAMPLE_STEP` metres.

    Parameters
    ----------
    built_up, parks, green_spaces, communities
        As :func:`green_coverage_rate`.
    roads
        Road centre lines (the ``streets`` layer, or ``road_segments``).
    distance
        How close green space must be, in metres.

    Returns
    -------
    Indicator
        Numerator and denominator in metres of road inside the built-up area.
    """
    layers = GreenLayers(built_up, parks, green_spaces, communities, streets=roads)
    return _road_greening(_Study(layers), distance)


def river_greening_rate(built_up: gpd.GeoDataFrame, watercourses: gpd.GeoDataFrame,
                        parks: gpd.GeoDataFrame, green_spaces: gpd.GeoDataFrame, *,
                        communities: gpd.GeoDataFrame | None = None,
                        distance: float = RIVER_GREEN_DISTANCE) -> Indicator:
    """River greening rate 河道绿化普及率 — an approximation, in %.

    Bank length greened ÷ bank length inside the built-up area.  A river polygon's banks are
    its outline; a river line stands for its banks (both banks alike).  A stretch of bank is
    greened when its watercourse is flagged ``greened`` or green space lies within
    *distance* metres.

    Parameters
    ----------
    built_up, parks, green_spaces, communities
        As :func:`green_coverage_rate`.
    watercourses
        River lines or polygons, with an optional boolean ``greened``.
    distance
        How close green space must be, in metres.

    Returns
    -------
    Indicator
    """
    layers = GreenLayers(built_up, parks, green_spaces, communities, watercourses=watercourses)
    return _river_greening(_Study(layers), distance)


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
    study = _Study(layers)
    tasks = [lambda: _service_coverage(study, "walking")] if (
        walking and study.streets.size) else []
    tasks += [lambda: _coverage(study), lambda: _green_ratio(study),
              lambda: _service_coverage(study, "buffer")]
    tasks += [lambda classes=classes: _per_capita(study, classes)
              for classes in (PARK_CLASSES, ("G11",), ("G12",))]
    if study.streets.size:
        tasks.append(lambda: _road_greening(study, ROAD_GREEN_DISTANCE))
    if study.water.size:
        tasks.append(lambda: _river_greening(study, RIVER_GREEN_DISTANCE))
    # shapely releases the GIL inside its array functions, so threads use every core; the
    # longest tasks go first.
    with ThreadPoolExecutor(max_workers=min(len(tasks), os.cpu_count() or 1)) as pool:
        found = {indicator.key: indicator for indicator in pool.map(lambda t: t(), tasks)}
    order = ("green_coverage_rate", "green_space_ratio", "park_area_per_capita",
             "comprehensive_park_area_per_capita", "community_park_area_per_capita",
             "park_service_coverage", "park_service_coverage_walking", "road_greening_rate",
             "river_greening_rate")
    return GreenReport(study.crs.to_epsg(), float(study.zone_area[0]),
                       dict(zip(study.zone_keys, study.zone_names)),
                       {key: found[key] for key in order if key in found})


# --- indicator bodies on a prepared study --------------------------------------------------


def _coverage(study: "_Study") -> Indicator:
    share = np.where(np.isnan(study.veg), 1.0, study.veg)
    # Green spaces by falling share, then parks: a share drawn over a park wins.
    rank = np.where(study.is_park, len(np.unique(share)), _dense_rank(-share))
    vegetated = study.weighted_area(np.where(study.is_park, 1.0, share), rank)
    return study.indicator("green_coverage_rate", "建成区绿化覆盖率", vegetated,
                           study.zone_area, percent=True)


def _green_ratio(study: "_Study") -> Indicator:
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


def _per_capita(study: "_Study", classes: tuple[str, ...]) -> Indicator:
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


def _service_coverage(study: "_Study", method: Method) -> Indicator:
    geoms, radius = study.served_parks()
    straight = {r: dissolve(shapely.buffer(geoms[radius == r], r)) for r in np.unique(radius)}
    residential = dissolve(study.residential)
    notes: tuple[str, ...] = () if study.residential.size else (
        "no residential land inside the built-up area: import residential_land",)
    if method == "walking":
        covered, unreached = _walking_cover(study, residential, geoms, radius, straight)
        notes += unreached
    else:
        served = dissolve(np.concatenate([np.empty(0, dtype=object), *straight.values()]))
        covered = _intersect_pieces(residential, served)
    key = "park_service_coverage" + ("_walking" if method == "walking" else "")
    title = "公园绿地服务半径覆盖率" + ("（步行距离）" if method == "walking" else "")
    return study.indicator(key, title, _area_by_zone(covered, study.zones),
                           _area_by_zone(residential, study.zones), percent=True,
                           method=method, notes=notes)


def _walking_cover(study: "_Study", residential: np.ndarray, geoms: np.ndarray,
                   radius: np.ndarray, straight: dict[float, np.ndarray]
                   ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Residential land within walking distance of a park, as non-overlapping pieces.

    Each residential piece is cut by the union of the widened street parts near it, so no
    town-wide service polygon is ever built.
    """
    streets = walking_network(study.streets, study.crs)
    park_of, edge_of, position = street_access(streets, geoms, ACCESS_DISTANCE)
    covered = []
    for r in straight:  # one walk per radius class, not per park
        of_class = radius[park_of] == r
        lanes = shapely.buffer(
            reachable_street_parts(streets, edge_of[of_class], position[of_class], r),
            WALK_BUFFER, quad_segs=4)
        if not len(lanes) or not len(residential):
            continue
        home_of, lane_of = shapely.STRtree(lanes).query(residential, predicate="intersects")
        home, near = _grouped_union(lanes[lane_of], home_of)
        walked = _polygonal(shapely.intersection(residential[home], near))
        covered.append(_intersect_pieces(walked, straight[r]))
    unreached = len(geoms) - len(np.unique(park_of))
    notes = (f"{unreached} of {len(geoms)} serving parks have no street within "
             f"{ACCESS_DISTANCE:g} m and serve no one on foot",) if unreached else ()
    return dissolve(np.concatenate([np.empty(0, dtype=object), *covered])), notes


def _road_greening(study: "_Study", distance: float) -> Indicator:
    mids, lengths = _line_samples(study.streets)
    greened = _near(mids, study.green, distance)
    total = _length_by_zone(mids, lengths, study.zones)
    near = _length_by_zone(mids[greened], lengths[greened], study.zones)
    return study.indicator("road_greening_rate", "城市道路绿化普及率（近似）", near, total,
                           percent=True, unit_of_measure="m", method=f"green within {distance:g} m",
                           approximation=True)


def _river_greening(study: "_Study", distance: float) -> Indicator:
    banks = np.where(shapely.get_dimensions(study.water) == 2,
                     shapely.boundary(study.water), study.water)
    mids, lengths, owner = _line_samples(banks, with_owner=True)
    greened = study.water_greened[owner] | _near(
        mids, study.green, distance)
    total = _length_by_zone(mids, lengths, study.zones)
    near = _length_by_zone(mids[greened], lengths[greened], study.zones)
    return study.indicator("river_greening_rate", "河道绿化普及率（近似）", near, total,
                           percent=True, unit_of_measure="m",
                           method=f"flagged greened or green within {distance:g} m",
                           approximation=True)


# --- the prepared study: layers projected, checked, clipped --------------------------------


class _Study:
    """The layers in the metric CRS as plain arrays, with the zones to measure in.

    Zone 0 is the built-up area; zones 1… are the communities clipped to it.
    """

    def __init__(self, layers: GreenLayers):
        built_up = _frame(layers.built_up, "built_up_area", required=True)
        self.crs: CRS = local_metric_crs(built_up)
        area = shapely.union_all(self._geoms(built_up))
        if area.is_empty or area.area == 0:
            raise GeoInputError("the built-up area (built_up_area) has no area: import the "
                                "建成区 boundary polygon first")
        communities = _frame(layers.communities, "communities")
        community_geoms = self._geoms(communities)
        self._zones = np.concatenate([[area], shapely.intersection(community_geoms, area)])
        self._local = threading.local()
        self.zone_area = shapely.area(self._zones)
        self.zone_keys = _keys(communities)
        self.zone_names = (communities["name"].astype(str).tolist() if "name" in communities
                           else list(self.zone_keys))
        self.population = np.concatenate([
            [_total_population(built_up, layers.population)],
            _column(communities, "population", float)])
        parks = _frame(layers.parks, "parks")
        green = _frame(layers.green_spaces, "green_spaces")
        if len(green) and "green_cls" not in green:
            raise GeoInputError("green_spaces has no green_cls column: give each green space "
                                "its CJJ/T 85 class (G11–G14, G2, G3, XG, EG)")
        self._all_parks = self._geoms(parks)
        self._all_park_cls = _column(parks, "park_class", str)
        self._all_park_historic = _column(parks, "historic", bool)
        self._all_green = self._geoms(green)
        self._all_green_cls = _column(green, "green_cls", str)
        # All green features inside the built-up area, parks first, as one array.
        parks_in, green_in = self._inside(self._all_parks), self._inside(self._all_green)
        self.green = np.concatenate([self._all_parks[parks_in], self._all_green[green_in]])
        self.is_park = np.r_[np.ones(parks_in.sum(), bool), np.zeros(green_in.sum(), bool)]
        self.cls = np.concatenate([self._all_park_cls[parks_in], self._all_green_cls[green_in]])
        self.veg = np.r_[np.full(parks_in.sum(), np.nan),
                         _column(green, "veg_ratio", float)[green_in]]
        self._cluster, self._alone = _clusters(self.green)
        self._alone_pairs = _zone_pairs(self.green[self._alone], self.zones)
        self._cluster_zones = _cluster_zone_pairs(self.green, self._cluster, self.zones)
        residential = self._geoms(_frame(layers.residential_land, "residential_land"))
        self.residential = residential[self._inside(residential)]
        self.streets = self._geoms(_frame(layers.streets, "streets"), polygonal=False)
        water = _frame(layers.watercourses, "watercourses")
        water_geoms = self._geoms(water, polygonal=False)
        inside = self._inside(water_geoms)
        self.water = water_geoms[inside]
        self.water_greened = _column(water, "greened", bool)[inside]

    @property
    def zones(self) -> np.ndarray:
        """The zones, prepared, one copy per thread (GEOS prepared geometries build their
        indexes lazily, so threads must not share them)."""
        if not hasattr(self._local, "zones"):
            self._local.zones = shapely.from_wkb(shapely.to_wkb(self._zones))
            shapely.prepare(self._local.zones)
        return self._local.zones

    def weighted_area(self, weight: np.ndarray, rank: np.ndarray) -> np.ndarray:
        """Σ weight × area of the green features per zone, each square metre counted once.

        *rank* orders the features (``-1`` leaves one out); where features overlap, the
        lowest rank covering a square metre gives its weight.  Features of one rank share
        one weight.  Features that overlap nothing are measured as they are.  The others
        are handled per overlap cluster, rank by rank, all clusters in one array call: the
        rank's members of each cluster are unioned, count for what the cluster's earlier
        ranks do not already cover, and join that cover.
        """
        zone_of, feature_of, area = self._alone_pairs
        used = rank[self._alone][feature_of] >= 0
        total = np.bincount(zone_of[used], minlength=len(self.zones),
                            weights=area[used] * weight[self._alone][feature_of][used]
                            ).astype(float)
        clustered = (self._cluster >= 0) & (rank >= 0)
        levels = np.unique(rank[clustered])
        n_clusters = self._cluster.max(initial=-1) + 1
        cover = np.full(n_clusters, None, dtype=object)
        last_rank = np.full(n_clusters, -1)
        np.maximum.at(last_rank, self._cluster[clustered], rank[clustered])
        for level in levels:  # a few priority classes, never one per feature
            members = clustered & (rank == level)
            cluster, union = _grouped_union(self.green[members], self._cluster[members])
            covered = shapely.is_geometry(cover[cluster])
            # What is new at this rank is the union less the cover; its area is the union's
            # less their intersection's (cheaper to build than a difference with holes).
            overlap = shapely.intersection(union[covered], cover[cluster[covered]])
            total += weight[members][0] * (
                self._cluster_area_by_zone(cluster, union)
                - self._cluster_area_by_zone(cluster[covered], overlap))
            # Only clusters with members of a later rank need their cover grown.
            grow = last_rank[cluster] > level
            merge = grow & covered
            union[merge] = shapely.union(union[merge], cover[cluster[merge]])
            cover[cluster[grow]] = union[grow]
        return total

    def _cluster_area_by_zone(self, cluster: np.ndarray, pieces: np.ndarray) -> np.ndarray:
        """Area per zone of *pieces*, one per overlap *cluster* (sorted, unique ids)."""
        zone_of, cluster_of, inside = self._cluster_zones
        position = np.full(self._cluster.max(initial=-1) + 1, -1)
        position[cluster] = np.arange(len(cluster))
        keep = position[cluster_of] >= 0
        zone_of, piece_of, inside = zone_of[keep], position[cluster_of[keep]], inside[keep]
        area = shapely.area(pieces[piece_of])
        area[~inside] = shapely.area(shapely.intersection(self.zones[zone_of[~inside]],
                                                          pieces[piece_of[~inside]]))
        return np.bincount(zone_of, weights=area, minlength=len(self.zones)).astype(float)

    def served_parks(self) -> tuple[np.ndarray, np.ndarray]:
        """G1 features with a service radius, and the radius of each (metres)."""
        is_park = np.isin(self._all_green_cls, PARK_CLASSES)
        geoms = np.concatenate([self._all_parks, self._all_green[is_park]])
        historic = np.concatenate([self._all_park_historic, np.zeros(is_park.sum(), bool)])
        radius = service_radius(shapely.area(geoms), historic)
        near = self._inside(geoms, distance=radius.max(initial=0))
        keep = near & (radius > 0)
        return geoms[keep], radius[keep]

    def indicator(self, key: str, title: str, numerator: np.ndarray, denominator: np.ndarray,
                  *, percent: bool = False, unit: str | None = None,
                  unit_of_measure: str = "m²", denominator_unit: str | None = None,
                  **extra: Any) -> Indicator:
        scale = 100.0 if percent else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(denominator > 0, scale * numerator / denominator, np.nan)
        measures = [Measure(None if not np.isfinite(v) else float(v), float(n),
                            float(d) if np.isfinite(d) else 0.0)
                    for v, n, d in zip(values, numerator, denominator)]
        return Indicator(
            key, title, measures[0].value, measures[0].numerator, measures[0].denominator,
            unit or "%", unit_of_measure, denominator_unit or unit_of_measure, **extra,
            communities=dict(zip(self.zone_keys, measures[1:])))

    def _geoms(self, frame: gpd.GeoDataFrame, polygonal: bool = True) -> np.ndarray:
        if not len(frame):
            return np.empty(0, dtype=object)
        geoms = np.asarray(frame.geometry.to_crs(self.crs).array, dtype=object)
        invalid = ~shapely.is_valid(geoms)
        if invalid.any():
            geoms = geoms.copy()
            geoms[invalid] = shapely.make_valid(geoms[invalid])
        return _polygonal(geoms) if polygonal else geoms

    def _inside(self, geoms: np.ndarray, distance: float = 0.0) -> np.ndarray:
        """Mask of *geoms* touching the built-up area (or within *distance* of it)."""
        mask = np.zeros(len(geoms), dtype=bool)
        if len(geoms):
            tree = shapely.STRtree(geoms)
            if distance > 0:
                hits = tree.query(self.zones[0], predicate="dwithin", distance=distance)
            else:
                hits = tree.query(self.zones[0], predicate="intersects")
            mask[hits] = True
        return mask


def service_radius(area_m2: np.ndarray, historic: np.ndarray,
                   rules: list[dict] | None = None) -> np.ndarray:
    """The service radius (m) of parks with *area_m2* and *historic* flags; 0 = none.

    Parameters
    ----------
    area_m2
        Park areas in m².
    historic
        Whether each park lies in a historic district (历史地段).
    rules
        ``{"min_area_m2", "historic_only", "radius_m"}`` dicts; default: the
        ``service_radius_rules`` of ``thresholds.json``.

    Returns
    -------
    numpy.ndarray
        The largest radius among the rules each park meets.
    """
    if rules is None:
        rules = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))[
            "service_radius_rules"]["rules"]
    radius = np.zeros(len(area_m2))
    for rule in rules:  # a handful of rules, each applied to the whole array
        meets = np.asarray(area_m2) >= rule["min_area_m2"]
        if rule.get("historic_only"):
            meets &= np.asarray(historic, dtype=bool)
        radius = np.where(meets, np.maximum(radius, rule["radius_m"]), radius)
    return radius


# --- vectorised geometry helpers -----------------------------------------------------------


def dissolve(geoms: np.ndarray) -> np.ndarray:
    """Union overlapping polygons: return pieces that cover the same ground, none overlapping.

    Clusters of intersecting polygons are found with one STRtree self-query and
    ``scipy.sparse.csgraph.connected_components``; each cluster is unioned by
    :func:`_grouped_union`.  Polygons that overlap nothing pass through untouched.
    """
    geoms = geoms[~shapely.is_empty(geoms)] if len(geoms) else geoms
    if len(geoms) < 2:
        return geoms
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    links = coo_matrix((np.ones(len(left), dtype=bool), (left, right)),
                       shape=(len(geoms), len(geoms)))
    _, cluster = connected_components(links, directed=False)
    return _grouped_union(geoms, cluster)[1]


def _grouped_union(geoms: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union the geometries of each group; returns (group ids, one geometry per group).

    Pairwise halving: each round unions the 1st with the 2nd, the 3rd with the 4th… member
    of every group in one vectorised ``shapely.union`` call, so a group of *n* needs
    ``log2(n)`` rounds and no Python loop over groups.
    """
    order = np.argsort(groups, kind="stable")
    geoms, groups = geoms[order], np.asarray(groups)[order]
    while len(groups) > 1:
        first = np.r_[True, groups[1:] != groups[:-1]]
        if first.all():
            break
        position = np.arange(len(groups))
        rank = position - np.maximum.accumulate(np.where(first, position, 0))
        even = rank % 2 == 0
        left = position[even & np.r_[~first[1:], False]]
        merged = geoms.copy()
        merged[left] = shapely.union(geoms[left], geoms[left + 1])
        geoms, groups = merged[even], groups[even]
    return groups, geoms


def _intersect_pieces(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ground common to *a* and *b* (each without overlaps inside), as pieces."""
    if not len(a) or not len(b):
        return np.empty(0, dtype=object)
    shapely.prepare(b)
    a_of, b_of = shapely.STRtree(b).query(a, predicate="intersects")
    inside = shapely.contains(b[b_of], a[a_of])
    out = a[a_of].copy()
    out[~inside] = shapely.intersection(a[a_of][~inside], b[b_of][~inside])
    out = _polygonal(out)
    return out[shapely.area(out) > 0]


def _dense_rank(keys: np.ndarray) -> np.ndarray:
    """0 for the smallest key, 1 for the next distinct one, …"""
    return np.unique(keys, return_inverse=True)[1].ravel()


def _clusters(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlap cluster of each polygon (``-1`` for one that overlaps nothing), and that mask.

    Clusters are the connected components of one STRtree self-query; ids run ``0…n-1``.
    """
    if not len(geoms):
        return np.zeros(0, int), np.zeros(0, bool)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    links = coo_matrix((np.ones(len(left), dtype=bool), (left, right)),
                       shape=(len(geoms), len(geoms)))
    _, component = connected_components(links, directed=False)
    alone = np.bincount(component, minlength=len(geoms))[component] == 1
    cluster = np.full(len(geoms), -1)
    cluster[~alone] = np.unique(component[~alone], return_inverse=True)[1].ravel()
    return cluster, alone


def _cluster_zone_pairs(geoms: np.ndarray, cluster: np.ndarray,
                        zones: np.ndarray) -> tuple[np.ndarray, ...]:
    """(zone, cluster, cluster wholly inside the zone) for every cluster touching a zone.

    Judged on each cluster's bounding box: a box inside a zone puts all of the cluster
    there; a box across a zone's edge sends the cluster's pieces to an exact intersection.
    """
    n = cluster.max(initial=-1) + 1
    if not n:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0, bool)
    bounds = shapely.bounds(geoms[cluster >= 0])
    ids = cluster[cluster >= 0]
    low = np.full((n, 2), np.inf)
    high = np.full((n, 2), -np.inf)
    np.minimum.at(low, ids, bounds[:, :2])
    np.maximum.at(high, ids, bounds[:, 2:])
    boxes = shapely.box(low[:, 0], low[:, 1], high[:, 0], high[:, 1])
    zone_of, cluster_of = shapely.STRtree(boxes).query(zones, predicate="intersects")
    return zone_of, cluster_of, shapely.contains(zones[zone_of], boxes[cluster_of])


def _area_by_zone(pieces: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Area of *pieces*, which overlap each other nowhere, inside each zone."""
    zone_of, _, area = _zone_pairs(pieces, zones)
    return np.bincount(zone_of, weights=area, minlength=len(zones)).astype(float)


def _zone_pairs(pieces: np.ndarray, zones: np.ndarray) -> tuple[np.ndarray, ...]:
    """(zone, piece, area of the piece inside the zone) for every piece touching a zone."""
    if not len(pieces):
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    # Boxes only: the containment test that follows settles the rest just as fast.
    zone_of, piece_of = shapely.STRtree(pieces).query(zones)
    inside = shapely.contains(zones[zone_of], pieces[piece_of])
    area = shapely.area(pieces[piece_of])
    area[~inside] = shapely.area(shapely.intersection(zones[zone_of[~inside]],
                                                      pieces[piece_of[~inside]]))
    return zone_of, piece_of, area


def _line_samples(lines: np.ndarray, with_owner: bool = False):
    """Cut *lines* into straight pieces of at most :data:`SAMPLE_STEP` m: midpoints, lengths."""
    parts, owner = shapely.get_parts(lines, return_index=True)
    coords, index = shapely.get_coordinates(shapely.segmentize(parts, SAMPLE_STEP),
                                            return_index=True)
    same = index[1:] == index[:-1]
    start, end = coords[:-1][same], coords[1:][same]
    mids = shapely.points((start + end) / 2)
    lengths = np.hypot(*(end - start).T)
    return (mids, lengths, owner[index[:-1][same]]) if with_owner else (mids, lengths)


def _near(points: np.ndarray, geoms: np.ndarray, distance: float) -> np.ndarray:
    mask = np.zeros(len(points), dtype=bool)
    if len(points) and len(geoms):
        hits = shapely.STRtree(geoms).query(points, predicate="dwithin", distance=distance)[0]
        mask[hits] = True
    return mask


def _length_by_zone(points: np.ndarray, lengths: np.ndarray, zones: np.ndarray) -> np.ndarray:
    if not len(points):
        return np.zeros(len(zones))
    zone_of, point_of = shapely.STRtree(points).query(zones, predicate="intersects")
    return np.bincount(zone_of, weights=lengths[point_of], minlength=len(zones))


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygons of geometry collections (overlay and make_valid leave some)."""
    collection = shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION
    if not collection.any():
        return geoms
    members, owner = shapely.get_parts(geoms[collection], return_index=True)
    polygons, sub = shapely.get_parts(members, return_index=True)
    owner = owner[sub]
    keep = shapely.get_type_id(polygons) == shapely.GeometryType.POLYGON
    rebuilt = np.full(collection.sum(), shapely.MultiPolygon(), dtype=object)
    if keep.any():
        shapely.multipolygons(polygons[keep], indices=owner[keep], out=rebuilt)
    out = geoms.copy()
    out[collection] = rebuilt
    return out


# --- reading frames ------------------------------------------------------------------------


def _frame(frame: gpd.GeoDataFrame | None, name: str, required: bool = False) -> gpd.GeoDataFrame:
    if frame is None or not len(frame):
        if required:
            raise GeoInputError(f"the {name} layer is empty: import it before computing "
                                "green-space indicators")
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    if frame.crs is None:
        raise GeoInputError(f"the {name} layer has no CRS: set one (e.g. EPSG:4326) first")
    return frame


def _empty_like(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.iloc[0:0]


def _column(frame: gpd.GeoDataFrame, name: str, kind: type) -> np.ndarray:
    if name not in frame:
        fill = {float: np.nan, bool: False, str: ""}[kind]
        return np.full(len(frame), fill, dtype=object if kind is str else kind)
    column = frame[name]
    if kind is float:
        return column.astype(float).to_numpy(na_value=np.nan)
    if kind is bool:
        return column.fillna(False).astype(bool).to_numpy()
    return column.fillna("").astype(str).to_numpy(dtype=object)


def _keys(communities: gpd.GeoDataFrame) -> list[str]:
    if "fid" in communities:
        return communities["fid"].astype(str).tolist()
    return [str(i) for i in communities.index]


def _total_population(built_up: gpd.GeoDataFrame, given: float | None) -> float:
    if given is not None:
        return float(given)
    if "population" in built_up and built_up["population"].notna().any():
        return float(built_up["population"].fillna(0).sum())
    return np.nan
