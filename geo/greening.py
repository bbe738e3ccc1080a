"""Road and river greening rates (城市道路绿化普及率, 河道绿化普及率): approximations.

Road greening does not yet read the street-tree canopy (``canopy_w``, which green coverage
counts: :mod:`geo.vegetation`), so a stretch of road or bank counts as greened when green
space lies close to it (a bank also when its watercourse is ``greened`` or has ``bank_w``); lines are judged in pieces of
:data:`SAMPLE_STEP` metres, each counted in the zone holding its midpoint.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.green_model import GreenLayers, Indicator
from geo.green_study import GreenStudy

#: Road greening: a stretch of road counts as greened when green space lies this close (m).
ROAD_GREEN_DISTANCE = 15.0
#: River greening: a stretch of bank counts as greened when green space lies this close (m).
RIVER_GREEN_DISTANCE = 30.0
#: Roads and banks are judged in pieces of at most this length (m).
SAMPLE_STEP = 10.0


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
    return road_greening_indicator(GreenStudy(layers), distance)


def river_greening_rate(built_up: gpd.GeoDataFrame, watercourses: gpd.GeoDataFrame,
                        parks: gpd.GeoDataFrame, green_spaces: gpd.GeoDataFrame, *,
                        communities: gpd.GeoDataFrame | None = None,
                        distance: float = RIVER_GREEN_DISTANCE) -> Indicator:
    """River greening rate 河道绿化普及率 — an approximation, in %.

    Bank length greened ÷ bank length inside the built-up area.  A river polygon's banks are
    its outline; a river line stands for its banks (both banks alike).  A stretch of bank is
    greened when its watercourse is flagged ``greened`` or has a planted bank width
    (``bank_w`` > 0), or green space lies within *distance* metres.

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
    return river_greening_indicator(GreenStudy(layers), distance)


def road_greening_indicator(study: GreenStudy, distance: float) -> Indicator:
    """:func:`road_greening_rate` on a prepared study (roads: ``study.streets``)."""
    mids, lengths = _line_samples(study.streets)
    greened = _near(mids, study.green_land, distance)
    total = _length_by_zone(mids, lengths, study.zones)
    near = _length_by_zone(mids[greened], lengths[greened], study.zones)
    return study.indicator("road_greening_rate", "城市道路绿化普及率（近似）", near, total,
                           percent=True, unit_of_measure="m", method=f"green within {distance:g} m",
                           approximation=True)


def river_greening_indicator(study: GreenStudy, distance: float) -> Indicator:
    """:func:`river_greening_rate` on a prepared study."""
    banks = np.where(shapely.get_dimensions(study.water) == 2,
                     shapely.boundary(study.water), study.water)
    mids, lengths, owner = _line_samples(banks, with_owner=True)
    greened = study.water_greened[owner] | _near(
        mids, study.green_land, distance)
    total = _length_by_zone(mids, lengths, study.zones)
    near = _length_by_zone(mids[greened], lengths[greened], study.zones)
    return study.indicator("river_greening_rate", "河道绿化普及率（近似）", near, total,
                           percent=True, unit_of_measure="m",
                           method=f"flagged greened or green within {distance:g} m",
                           approximation=True)



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
