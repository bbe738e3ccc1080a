"""Vegetation outside the green-space polygons: street-tree canopy and water-side planting.

Green coverage (建成区绿化覆盖率) is the vertical projection of all vegetation in the
built-up area, each square metre once (CJJ/T 85-2017; the garden-city standard: 各类绿地 +
街道行道树树冠投影 + 附属绿地 + 其他零星树木投影).  Green-space polygons give most of it;
this module draws the rest from attributes of line and water layers, in a metric CRS:

* **Street-tree canopy** (行道树树冠投影): ``canopy_w`` is the projected crown width of the
  street-tree row on *each* side of the road, in metres.  The rows stand at the kerbs, half
  the road width ``width_m`` from the centre line, and each crown is centred on its row: a
  strip from ``width_m/2 − canopy_w/2`` to ``width_m/2 + canopy_w/2`` on each side, with flat
  ends (a segment's canopy stops where the segment does).  Without ``width_m`` the rows are
  taken ``canopy_w/2`` from the centre, so the canopy is the line buffered by ``canopy_w``.
  Either way a straight segment of length L carries 2 × L × ``canopy_w`` m² of canopy
  (less where the two sides' crowns meet over a narrow road: counted once).
* **Water-side planting** (滨水绿化): ``bank_w`` is the planted width on each bank, in
  metres.  A water polygon's planting is the ring ``bank_w`` wide around it; a line stands
  for its centre line, the water ``width_m`` wide (0 when unknown), planted ``bank_w``
  beyond each bank (flat ends).

Empty, ``None``, ``NaN`` or 0 widths draw nothing.
"""

from __future__ import annotations

import numpy as np
import shapely


def street_canopy(lines: np.ndarray, canopy_w: np.ndarray, width_m: np.ndarray) -> np.ndarray:
    """The canopy polygons of the street-tree rows along *lines* (metric CRS).

    Parameters
    ----------
    lines
        Road centre lines.
    canopy_w
        Crown width of the row on each side (m); ``nan`` or ``<= 0``: no trees.
    width_m
        Road width (m); ``nan``: unknown (the rows are then ``canopy_w/2`` from the centre).

    Returns
    -------
    numpy.ndarray
        One (Multi)Polygon per line that has trees.
    """
    canopy = np.nan_to_num(np.asarray(canopy_w, dtype=float), nan=0.0)
    has = canopy > 0
    if not has.any():
        return np.empty(0, dtype=object)
    lines, canopy = lines[has], canopy[has]
    width = np.asarray(width_m, dtype=float)[has]
    width = np.where(np.isfinite(width) & (width > 0), width, canopy)
    outer = shapely.buffer(lines, width / 2 + canopy / 2, cap_style="flat")
    inner_distance = width / 2 - canopy / 2
    hollow = inner_distance > 0
    strips = outer.copy()
    strips[hollow] = shapely.difference(
        outer[hollow], shapely.buffer(lines[hollow], inner_distance[hollow], cap_style="flat"))
    return strips


def bank_planting(water: np.ndarray, bank_w: np.ndarray, width_m: np.ndarray) -> np.ndarray:
    """The planted banks of *water* (polygons or centre lines, metric CRS).

    Parameters
    ----------
    water
        Watercourse polygons or lines.
    bank_w
        Planted width on each bank (m); ``nan`` or ``<= 0``: none.
    width_m
        Water width (m) of a line; ``nan``: 0.  Polygons carry their own width.

    Returns
    -------
    numpy.ndarray
        One (Multi)Polygon per planted watercourse.
    """
    bank = np.nan_to_num(np.asarray(bank_w, dtype=float), nan=0.0)
    has = bank > 0
    if not has.any():
        return np.empty(0, dtype=object)
    water, bank = water[has], bank[has]
    width = np.nan_to_num(np.asarray(width_m, dtype=float)[has], nan=0.0).clip(min=0)
    area = shapely.get_dimensions(water) == 2
    out = np.empty(len(water), dtype=object)
    out[area] = shapely.difference(shapely.buffer(water[area], bank[area]), water[area])
    line = ~area
    half = width[line] / 2
    outer = shapely.buffer(water[line], half + bank[line], cap_style="flat")
    wet = half > 0
    ring = outer.copy()
    ring[wet] = shapely.difference(
        outer[wet], shapely.buffer(water[line][wet], half[wet], cap_style="flat"))
    out[line] = ring
    return out
