"""GCJ-02 pinned to published reference pairs, to 0.1 m, at places across China.

The pairs are the test vectors other implementations publish (eviltransform's Shanghai,
Shenzhen and Beijing; coordtransform's Tiananmen): a constant of the formula changed by a
digit moves points by metres, which a test on a 480-500 m band would not notice.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.gcj02 import gcj02_to_wgs84, geometries_gcj02_to_wgs84, wgs84_to_gcj02

#: (WGS84 lon, lat), (GCJ-02 lon, lat), where.
PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597), "上海"),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766), "深圳"),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069), "北京"),
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164), "天安门"),
]
TENTH_OF_A_METRE = 0.1


def _metres(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between two lon/lat points, in metres (locally flat: fine at these scales)."""
    lat = np.radians((a[1] + b[1]) / 2)
    dx = np.radians(a[0] - b[0]) * 6_378_137 * np.cos(lat)
    dy = np.radians(a[1] - b[1]) * 6_378_137
    return float(np.hypot(dx, dy))


@pytest.mark.parametrize("wgs, gcj, where", PAIRS, ids=[p[2] for p in PAIRS])
def test_wgs84_to_gcj02_matches_the_published_pair(wgs, gcj, where):
    shifted = wgs84_to_gcj02(np.array([wgs]))[0]

    assert _metres(shifted, np.array(gcj)) < TENTH_OF_A_METRE


@pytest.mark.parametrize("wgs, gcj, where", PAIRS, ids=[p[2] for p in PAIRS])
def test_gcj02_to_wgs84_gives_back_the_published_origin(wgs, gcj, where):
    restored = gcj02_to_wgs84(np.array([gcj]))[0]

    assert _metres(restored, np.array(wgs)) < TENTH_OF_A_METRE


def test_a_geometry_in_gcj02_is_moved_to_its_published_origin():
    (wgs, gcj, _where), *_ = PAIRS

    restored = geometries_gcj02_to_wgs84(shapely.Point(gcj))

    assert _metres(np.array(restored.coords[0]), np.array(wgs)) < TENTH_OF_A_METRE
