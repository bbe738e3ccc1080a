"""Choosing the CRS to measure in, and reading the CRS a user names.

Areas and lengths are measured in the CGCS2000 3-degree Gauss-Krüger zone that contains the
data (EPSG:4534…4554, central meridians 75°E…135°E), chosen from the data itself.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import GeoInputError

#: Storage CRS: WGS84 lon/lat, the CRS of RFC 7946 GeoJSON.
STORAGE_CRS = CRS.from_epsg(4326)
#: The pseudo-CRS name users give for GCJ-02 (Amap/Gaode, DataV) coordinates.
GCJ02 = "gcj02"

_FIRST_ZONE_EPSG = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E
_FIRST_CM, _LAST_CM = 75, 135


def gauss_kruger_epsg(longitude: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone (no zone prefix) holding *longitude*.

    >>> gauss_kruger_epsg(107.77)   # Xixiang, central meridian 108°E
    4545
    """
    if not np.isfinite(longitude):
        raise GeoInputError(f"longitude {longitude!r} is not a number")
    central_meridian = 3 * round(longitude / 3)
    if not _FIRST_CM <= central_meridian <= _LAST_CM:
        raise GeoInputError(
            f"longitude {longitude:.4f}° lies outside the CGCS2000 Gauss-Krüger zones "
            f"({_FIRST_CM - 1.5}°E–{_LAST_CM + 1.5}°E); is the data in China and in lon/lat order?"
        )
    return _FIRST_ZONE_EPSG + (central_meridian - _FIRST_CM) // 3


def local_metric_crs(data: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The Gauss-Krüger zone CRS for measuring *data*, from the centre of its extent."""
    if data.crs is None:
        raise GeoInputError("the data has no CRS; set one before measuring")
    lonlat = data.to_crs(STORAGE_CRS) if not data.crs.equals(STORAGE_CRS) else data
    minx, _, maxx, _ = lonlat.total_bounds
    return CRS.from_epsg(gauss_kruger_epsg((minx + maxx) / 2))


def parse_crs(text: str) -> CRS | str:
    """Read a CRS a user typed: ``EPSG:4545``, ``4545``, any PROJ/WKT string, or ``gcj02``.

    Returns :data:`GCJ02` for GCJ-02, which PROJ does not know.
    """
    cleaned = text.strip()
    if cleaned.lower().replace("-", "").replace("_", "") == GCJ02:
        return GCJ02
    try:
        return CRS.from_epsg(int(cleaned)) if cleaned.isdigit() else CRS.from_user_input(cleaned)
    except CRSError:
        raise GeoInputError(
            f"unknown CRS {text!r}: give an EPSG code such as EPSG:4490, EPSG:4545 or "
            f"EPSG:4326, or gcj02 for Amap/Gaode coordinates"
        ) from None
