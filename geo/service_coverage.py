"""Park service-radius coverage (公园绿地服务半径覆盖率): straight-line and walking.

Residential land within a park's service radius (:func:`geo.service_radius.service_radius`)
÷ all residential land in the built-up area, per the rules in :mod:`geo.green`'s docstring.
The walking variant walks the street graph (:mod:`geo.walking`); :mod:`geo.service_gaps`
maps the land left out, with :func:`straight_line_areas` and :func:`walking_cover`.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import shapely

from geo.green_model import GreenLayers, Indicator
from geo.green_study import GreenStudy
from geo.polygons import area_by_zone, dissolve, grouped_union, intersect_pieces, polygonal_parts
from geo.walking import reachable_street_parts, street_access, walking_network

#: Walking: streets passing within this distance of a park give it an entrance (m): a
#: centre line runs half a road's width plus a pavement from the park's edge (the Xixiang
#: sample's parks lie 5–55 m from the centre lines of the streets they front).
ACCESS_DISTANCE = 60.0
#: Walking: residential land within this distance of a reached street is served (m), the
#: last leg from the street into a block (GIS service-area polygons trim at 100 m likewise).
WALK_BUFFER = 100.0

Method = Literal["buffer", "walking"]


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
    ``method="walking"`` takes walking distance over *streets*, on the same street graph as
    the inspection routes (:func:`geo.street_graph.street_graph`: ends within 2 m joined,
    every crossing a junction) with one-way rules ignored.  A park's entrances are the
    points of the streets passing within :data:`ACCESS_DISTANCE` of it, one per straight
    stretch of street (its point nearest the park; a park with none serves no one).  The
    streets reached within the radius from the nearest entrance, widened by
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
    layers = GreenLayers(built_up, parks, parks.iloc[0:0] if green_spaces is None
                         else green_spaces, communities, residential_land, streets)
    return service_coverage_indicator(GreenStudy(layers), method)


def service_coverage_indicator(study: GreenStudy, method: Method) -> Indicator:
    """:func:`park_service_coverage` on a prepared study.

    Parameters
    ----------
    study : GreenStudy
        The prepared layers.
    method : {"buffer", "walking"}
        Straight-line radius or walking distance (needs ``study.streets``).

    Returns
    -------
    Indicator
        ``park_service_coverage`` or ``park_service_coverage_walking``.
    """
    geoms, radius = study.served_parks()
    straight = straight_line_areas(geoms, radius)
    residential = dissolve(study.residential)
    notes: tuple[str, ...] = () if study.residential.size else (
        "no residential land inside the built-up area: import residential_land",)
    if method == "walking":
        covered, unreached = walking_cover(study, residential, geoms, radius, straight)
        notes += unreached
    else:
        served = dissolve(np.concatenate([np.empty(0, dtype=object), *straight.values()]))
        covered = intersect_pieces(residential, served)
    key = "park_service_coverage" + ("_walking" if method == "walking" else "")
    title = "公园绿地服务半径覆盖率" + ("（步行距离）" if method == "walking" else "")
    return study.indicator(key, title, area_by_zone(covered, study.zones),
                           area_by_zone(residential, study.zones), percent=True,
                           method=method, notes=notes)


def straight_line_areas(geoms: np.ndarray, radius: np.ndarray) -> dict[float, np.ndarray]:
    """The ground within each radius class's straight-line distance of its parks.

    Parameters
    ----------
    geoms : numpy.ndarray
        Serving park polygons in the metric CRS (see :meth:`GreenStudy.served_parks`).
    radius : numpy.ndarray
        Each park's service radius in metres.

    Returns
    -------
    dict
        Radius → the parks of that radius buffered by it, dissolved (non-overlapping pieces).
    """
    return {r: dissolve(shapely.buffer(geoms[radius == r], r)) for r in np.unique(radius)}


def walking_cover(study: GreenStudy, residential: np.ndarray, geoms: np.ndarray,
                  radius: np.ndarray, straight: dict[float, np.ndarray]
                  ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Residential land within walking distance of a park, as non-overlapping pieces.

    The rule is :func:`park_service_coverage`'s ``method="walking"``.  Each residential
    piece is cut by the union of the widened street parts near it, so no town-wide service
    polygon is ever built.

    Parameters
    ----------
    study : GreenStudy
        The prepared layers; ``study.streets`` is walked.
    residential : numpy.ndarray
        Dissolved residential polygons in the metric CRS.
    geoms, radius : numpy.ndarray
        Serving parks and their radius (see :meth:`GreenStudy.served_parks`).
    straight : dict
        The straight-line areas of each radius class (:func:`straight_line_areas`); the
        walking cover never leaves them.

    Returns
    -------
    covered : numpy.ndarray
        Residential land served on foot, as non-overlapping polygons.
    notes : tuple of str
        A note when some parks have no street within :data:`ACCESS_DISTANCE`.
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
        home, near = grouped_union(lanes[lane_of], home_of)
        walked = polygonal_parts(shapely.intersection(residential[home], near))
        covered.append(intersect_pieces(walked, straight[r]))
    unreached = len(geoms) - len(np.unique(park_of))
    notes = (f"{unreached} of {len(geoms)} serving parks have no street within "
             f"{ACCESS_DISTANCE:g} m and serve no one on foot",) if unreached else ()
    return dissolve(np.concatenate([np.empty(0, dtype=object), *covered])), notes
