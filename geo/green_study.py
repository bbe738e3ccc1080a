"""The green layers prepared once for every indicator: projected, checked, clipped (研究区).

:class:`GreenStudy` projects the layers to the CGCS2000 Gauss-Krüger zone of the built-up
area (:func:`geo.crs.local_metric_crs`), repairs invalid polygons, keeps what touches the
built-up area, and sets out the zones to measure in: zone 0 is the built-up area, zones 1…
the communities clipped to it (per-community values).  Every indicator module
(:mod:`geo.green`, :mod:`geo.service_coverage`, :mod:`geo.greening`) and
:mod:`geo.service_gaps` work on one.
"""

from __future__ import annotations

import threading
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geo.crs import local_metric_crs
from geo.errors import GeoInputError
from geo.green_model import PARK_CLASSES, GreenLayers, Indicator, Measure
from geo.polygons import (
    cluster_zone_pairs,
    grouped_union,
    overlap_clusters,
    polygonal_parts,
    zone_pairs,
)
from geo.service_radius import service_radius
from geo.vegetation import bank_planting, street_canopy

#: Class codes (``GreenStudy.cls``) of the vegetation drawn from attributes, which no
#: green-space class list holds: they count in green coverage and nowhere else.
CANOPY_CLASS, BANK_CLASS = "canopy", "bank"


class GreenStudy:
    """The layers in the metric CRS as plain arrays, with the zones to measure in.

    Zone 0 is the built-up area; zones 1… are the communities clipped to it.

    Parameters
    ----------
    layers : GreenLayers
        The layers, in any CRS; ``built_up`` is required.

    Attributes
    ----------
    crs : pyproj.CRS
        The metric CRS everything is in (the Gauss-Krüger zone of the built-up area).
    zone_area, zone_keys, zone_names, population
        Per zone: area (m²), key (a community's ``fid``), name, resident population.
    green, is_park, cls, veg
        Green features touching the built-up area, parks first: geometry, whether it is a
        park, class code, vegetated share (``nan``: whole).  After the green-space features
        come the street-tree canopy and planted banks (:mod:`geo.vegetation`), clipped to the
        built-up area, of class :data:`CANOPY_CLASS` / :data:`BANK_CLASS`.
    green_land
        The green-space features alone (parks and ``green_spaces``), the head of ``green``.
    residential, streets, water, water_greened
        Residential land touching the built-up area, all the street lines, watercourses
        touching it and whether their banks are greened (``greened`` or ``bank_w`` > 0).

    Raises
    ------
    geo.errors.GeoInputError
        If the built-up area is empty or has no area, a layer has no CRS, or
        ``green_spaces`` has no ``green_cls``.
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
        residential = self._geoms(_frame(layers.residential_land, "residential_land"))
        self.residential = residential[self._inside(residential)]
        streets = _frame(layers.streets, "streets")
        self.streets = self._geoms(streets, polygonal=False)
        water = _frame(layers.watercourses, "watercourses")
        water_geoms = self._geoms(water, polygonal=False)
        inside = self._inside(water_geoms)
        self.water = water_geoms[inside]
        bank_w = _column(water, "bank_w", float)[inside]
        self.water_greened = _column(water, "greened", bool)[inside] | (bank_w > 0)
        # Vegetation outside the green-space polygons (geo.vegetation): it counts in green
        # coverage only, as further features of class "canopy" / "bank", fully vegetated.
        # A street drawn again as a road segment (the segments are lines of the network)
        # takes its canopy from the segment, which knows the road's width.
        segments = _frame(layers.road_segments, "road_segments")
        segment_lines = self._geoms(segments, polygonal=False)
        street_canopy_w = _column(streets, "canopy_w", float)
        if len(segment_lines) and len(self.streets):
            street, segment = shapely.STRtree(segment_lines).query(self.streets,
                                                                   predicate="covered_by")
            twins = street[shapely.equals(self.streets[street], segment_lines[segment])]
            street_canopy_w = street_canopy_w.copy()
            street_canopy_w[twins] = np.nan
        canopy = np.concatenate([
            street_canopy(self.streets, street_canopy_w, _column(streets, "width_m", float)),
            street_canopy(segment_lines, _column(segments, "canopy_w", float),
                          _column(segments, "width_m", float))])
        banks = bank_planting(self.water, bank_w, _column(water, "width_m", float)[inside])
        extra_cls = np.r_[np.full(len(canopy), CANOPY_CLASS, dtype=object),
                          np.full(len(banks), BANK_CLASS, dtype=object)]
        extra = polygonal_parts(shapely.intersection(np.concatenate([canopy, banks]), area))
        kept = ~shapely.is_empty(extra) & (shapely.area(extra) > 0)
        extra, extra_cls = extra[kept], extra_cls[kept]
        #: Green-space features only (parks and green_spaces), without canopy and banks.
        self.green_land = self.green
        self.green = np.concatenate([self.green_land, extra])
        self.is_park = np.r_[self.is_park, np.zeros(len(extra), bool)]
        self.cls = np.concatenate([self.cls, extra_cls]).astype(object)
        self.veg = np.r_[self.veg, np.full(len(extra), np.nan)]
        self._cluster, self._alone = overlap_clusters(self.green)
        self._alone_pairs = zone_pairs(self.green[self._alone], self.zones)
        self._cluster_zones = cluster_zone_pairs(self.green, self._cluster, self.zones)

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
            cluster, union = grouped_union(self.green[members], self._cluster[members])
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
        """The :class:`Indicator` *key* from per-zone *numerator* and *denominator* arrays."""
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
        return polygonal_parts(geoms) if polygonal else geoms

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



def _frame(frame: gpd.GeoDataFrame | None, name: str, required: bool = False) -> gpd.GeoDataFrame:
    if frame is None or not len(frame):
        if required:
            raise GeoInputError(f"the {name} layer is empty: import it before computing "
                                "green-space indicators")
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    if frame.crs is None:
        raise GeoInputError(f"the {name} layer has no CRS: set one (e.g. EPSG:4326) first")
    return frame


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
