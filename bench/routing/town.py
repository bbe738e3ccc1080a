"""A synthetic county-town street network and inspection stops, for the routing benchmark.

A perturbed grid of blocks around Xixiang's county seat (107.77°E, 32.99°N), drawn in the
CGCS2000 Gauss-Krüger zone EPSG:4545 the way a surveyed layer would come: whole streets as
long lines crossing without shared vertices at the junctions they do not end on, a few
blocks missing, every fifth street a collector and every tenth an arterial, some one-way
streets in alternating directions, and diagonal streets whose ends miss the junction by up
to 1.5 m (the street-graph builder has to join them).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

CRS = "EPSG:4545"
CENTRE_LONLAT = (107.77, 32.99)


def town_streets(blocks: int = 104, spacing_m: float = 80.0, seed: int = 7) -> gpd.GeoDataFrame:
    """Streets of a town of *blocks* × *blocks* blocks (at least 20,000 segments by default)."""
    rng = np.random.default_rng(seed)
    side = blocks + 1
    cx, cy = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(*CENTRE_LONLAT)
    grid = (np.arange(side) - blocks / 2) * spacing_m
    x = cx + grid[None, :] + rng.uniform(-0.15, 0.15, (side, side)) * spacing_m
    y = cy + grid[:, None] + rng.uniform(-0.15, 0.15, (side, side)) * spacing_m
    rows = [np.column_stack([x[i], y[i]]) for i in range(side)]
    cols = [np.column_stack([x[:, j], y[:, j]]) for j in range(side)]
    records = []
    for number, vertices in enumerate(rows + cols):
        line = number % side
        kind = "arterial" if line % 10 == 0 else "collector" if line % 5 == 0 else "local"
        oneway = kind == "local" and line % 10 in (3, 7)
        if oneway and line % 20 >= 10:
            vertices = vertices[::-1]
        keep = rng.random(blocks) > (0.0 if kind != "local" else 0.04)
        for start, stop in _runs(keep):
            records.append((kind, oneway, shapely.linestrings(vertices[start:stop + 1])))
    for i, j in zip(*np.nonzero(rng.random((blocks, blocks)) < 0.05)):
        ends = np.array([[x[i, j], y[i, j]], [x[i + 1, j + 1], y[i + 1, j + 1]]])
        ends += rng.uniform(-1.0, 1.0, ends.shape)
        records.append(("local", False, shapely.linestrings(ends)))
    kind, oneway, geometry = zip(*records)
    return gpd.GeoDataFrame({"road_class": kind, "oneway": oneway,
                             "name": [f"街{i}" for i in range(len(kind))]},
                            geometry=list(geometry), crs=CRS)


def _runs(keep: np.ndarray) -> list[tuple[int, int]]:
    """(first, last + 1) block indices of each run of kept blocks."""
    edges = np.diff(np.r_[0, keep.astype(int), 0])
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def inspection_sites(streets: gpd.GeoDataFrame, count: int, seed: int = 11) -> gpd.GeoDataFrame:
    """*count* sites scattered over the town's inner nine tenths, in EPSG:4326."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = streets.total_bounds
    margin_x, margin_y = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    xs = rng.uniform(minx + margin_x, maxx - margin_x, count)
    ys = rng.uniform(miny + margin_y, maxy - margin_y, count)
    return gpd.GeoDataFrame({"name": [f"点位{i + 1}" for i in range(count)]},
                            index=[f"S{i + 1:03d}" for i in range(count)],
                            geometry=shapely.points(xs, ys), crs=CRS).to_crs(4326)


def depot() -> shapely.Point:
    """The campaign office (创建办): the town centre, in EPSG:4326."""
    return shapely.Point(*CENTRE_LONLAT)
