"""GCJ-02 ("Mars coordinates") ↔ WGS84, vectorised over coordinate arrays.

GCJ-02 is the obfuscated datum of Amap/Gaode, Tencent maps and DataV exports: WGS84 with a
non-linear offset of a few hundred metres inside China.  PROJ does not implement it, so it
lives here.  The forward formula is the widely published one (as in ``coordTransform`` and
``prcoords``); the inverse is solved by fixed-point iteration to far below a millimetre, as
``prcoords``'s exact inverse does, rather than by the one-step approximation that leaves
errors of metres.  Outside mainland China's rough bounding box no offset is applied.
"""

from __future__ import annotations

import numpy as np
import shapely

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 formula
_EE = 0.00669342162296594323  # its first eccentricity squared
_TOLERANCE_DEG = 1e-10  # about 0.01 mm
_MAX_ITERATIONS = 30


def in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each position lies in the rough box where GCJ-02 applies an offset."""
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (degrees) at WGS84 positions."""
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    common = (20 * np.sin(6 * x * pi) + 20 * np.sin(2 * x * pi)) * 2 / 3
    dlat = (-100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + common
            + (20 * np.sin(y * pi) + 40 * np.sin(y / 3 * pi)) * 2 / 3
            + (160 * np.sin(y / 12 * pi) + 320 * np.sin(y * pi / 30)) * 2 / 3)
    dlon = (300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + common
            + (20 * np.sin(x * pi) + 40 * np.sin(x / 3 * pi)) * 2 / 3
            + (150 * np.sin(x / 12 * pi) + 300 * np.sin(x / 30 * pi)) * 2 / 3)
    radlat = lat / 180 * pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = dlat * 180 / ((_A * (1 - _EE)) / (magic * sqrtmagic) * pi)
    dlon = dlon * 180 / (_A / sqrtmagic * np.cos(radlat) * pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(coords: np.ndarray) -> np.ndarray:
    """Shift an ``(n, 2)`` array of WGS84 lon/lat to GCJ-02."""
    coords = np.asarray(coords, dtype=float)
    dlon, dlat = _delta(coords[:, 0], coords[:, 1])
    return np.column_stack([coords[:, 0] + dlon, coords[:, 1] + dlat])


def gcj02_to_wgs84(coords: np.ndarray) -> np.ndarray:
    """Invert :func:`wgs84_to_gcj02` for an ``(n, 2)`` array of GCJ-02 lon/lat."""
    target = np.asarray(coords, dtype=float)
    guess = target.copy()
    for _ in range(_MAX_ITERATIONS):
        error = wgs84_to_gcj02(guess) - target
        guess -= error
        if np.all(np.abs(error) < _TOLERANCE_DEG):
            break
    return guess


def geometries_gcj02_to_wgs84(geometries):
    """Convert shapely geometries (an array or one geometry) from GCJ-02 to WGS84."""
    return shapely.transform(geometries, gcj02_to_wgs84)
