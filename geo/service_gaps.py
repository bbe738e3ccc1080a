"""Residential land that no park serves: where 公园绿地服务半径覆盖率 falls short, on a map.

The complement of :func:`geo.service_coverage.park_service_coverage`, by the same rules and
on the same prepared data: parks and G11–G14 green spaces serve the radius
:func:`geo.service_radius.service_radius` gives them; ``method="buffer"`` takes the
straight-line radius around each park, ``method="walking"`` the streets walked within it.
So, per zone, the unserved area returned here is the indicator's denominator less its
numerator, square metre for square metre.

The study preparation (:class:`geo.green_study.GreenStudy`) and the service areas
(:func:`geo.service_coverage.straight_line_areas`, :func:`geo.service_coverage.walking_cover`)
are the indicator's own, reused rather than copied so the map and the number cannot drift
apart.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import GeoInputError
from geo.green_model import GreenLayers
from geo.green_study import GreenStudy
from geo.polygons import dissolve
from geo.service_coverage import Method, straight_line_areas, walking_cover

METHODS: tuple[str, ...] = ("buffer", "walking")
#: Unserved land under this area (m²) is a sliver left by shared edges, not a gap: left out.
SLIVER_M2 = 1.0


def unserved_residential(layers: GreenLayers, *, method: Method = "buffer") -> gpd.GeoDataFrame:
    """Residential land inside the built-up area that no park serves, one row per community.

    Parameters
    ----------
    layers
        The green layers; ``residential_land`` is required, ``streets`` too for walking.
    method
        ``"buffer"`` (straight-line radius) or ``"walking"`` (walking distance on streets).

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326, columns ``community`` (the community's ``fid``; ``None`` for land in no
        community), ``name``, ``residential_m2`` (its residential land in the built-up area),
        ``unserved_m2`` and the unserved land as ``geometry`` (a MultiPolygon).  Communities
        whose residential land is all served, and slivers under :data:`SLIVER_M2`, are
        left out.

    Raises
    ------
    GeoInputError
        An unknown *method*, walking without streets, or layers :class:`GreenStudy` refuses.
    """
    if method not in METHODS:
        raise GeoInputError(f"unknown service-radius method {method!r}; use one of: "
                            + ", ".join(METHODS))
    study = GreenStudy(layers)
    if method == "walking" and not study.streets.size:
        raise GeoInputError("the walking method needs the streets layer (or road_segments): "
                            "import it, or use the straight-line method")
    residential = dissolve(study.residential)
    gaps = shapely.intersection(shapely.difference(
        shapely.union_all(residential), _served(study, residential, method)), study.zones[0])
    rows = _by_community(study, residential, gaps)
    frame = gpd.GeoDataFrame(rows, columns=["community", "name", "residential_m2",
                                            "unserved_m2", "geometry"],
                             geometry="geometry", crs=study.crs)
    # pandas reads the None of land in no community as NaN once a community's row is beside
    # it (NaN is truthy, and not JSON); the documented None is put back.
    labels = frame[["community", "name"]]
    frame[["community", "name"]] = labels.astype(object).where(labels.notna(), None)
    return frame.to_crs(4326)


def _served(study: GreenStudy, residential: np.ndarray, method: Method) -> shapely.Geometry:
    """The ground (buffer) or residential land (walking) that parks serve, as one geometry."""
    geoms, radius = study.served_parks()
    straight = straight_line_areas(geoms, radius)
    if method == "walking":
        covered, _ = walking_cover(study, residential, geoms, radius, straight)
    else:
        covered = np.concatenate([np.empty(0, dtype=object), *straight.values()])
    return shapely.union_all(covered)


def _by_community(study: GreenStudy, residential: np.ndarray,
                  gaps: shapely.Geometry) -> list[tuple]:
    """Rows of (fid, name, residential m², unserved m², unserved land) per community."""
    home = shapely.union_all(residential)
    communities = study.zones[1:]
    pieces = shapely.intersection(communities, gaps)
    homes = shapely.area(shapely.intersection(communities, home))
    rows = [(key, name, float(total), float(piece.area), _multi(piece))
            for key, name, total, piece in zip(study.zone_keys, study.zone_names, homes, pieces)
            if piece.area >= SLIVER_M2]
    rest = shapely.difference(gaps, shapely.union_all(communities))
    if rest.area >= SLIVER_M2:
        outside = shapely.difference(shapely.intersection(home, study.zones[0]),
                                     shapely.union_all(communities))
        rows.append((None, None, float(outside.area), float(rest.area), _multi(rest)))
    return rows


def _multi(geometry: shapely.Geometry) -> shapely.MultiPolygon:
    """The polygons of *geometry* (intersections leave lines and points on shared edges)."""
    parts = shapely.get_parts(geometry)
    polygons = [part for part in shapely.get_parts(parts)
                if isinstance(part, shapely.Polygon) and part.area > 0]
    return shapely.MultiPolygon(polygons)
