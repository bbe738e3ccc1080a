"""A generated county town for the green-space benchmark (and the SQL cross-check tests).

The town is a square around Xixiang (EPSG:4545 metres, returned in EPSG:4326 as the
database stores it) of ``sqrt(300 m² × n_green)`` a side, with a notch cut out of the
built-up area so that communities straddle its edge:

* ``n_green`` green polygons: 0.1 % are parks (40–150 m rotated rectangles, G11–G14, a few
  historic), the rest ``green_spaces`` (5–14 m rotated rectangles on a jittered grid, one
  per cell, mixed classes and a few ``veg_ratio`` levels).  ``overlap`` of them are placed
  half over an earlier polygon, so they overlap by construction;
* ``n_communities`` communities on a grid, with population;
* residential blocks of 80 m on a 120 m grid (60 % of the cells), streets between them;
* a river polygon across the town and two channels (one flagged greened).

    python -m bench.green.generate --n-green 100000 --out /tmp/town.gpkg
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import sqlalchemy as sa
from geoalchemy2.shape import from_shape

from geo.green_model import GreenLayers

#: Xixiang's county seat in EPSG:4545 (easting, northing, metres).
ORIGIN = (478_000.0, 3_649_000.0)
METRIC_CRS = "EPSG:4545"
LAND_PER_GREEN_POLYGON = 300.0
BLOCK_PITCH, BLOCK_SIDE = 120.0, 80.0
_GREEN_CLASSES = np.array(["XG", "G2", "G3", "EG", "G12", "G14"])
_GREEN_CLASS_SHARE = np.array([0.65, 0.15, 0.05, 0.05, 0.05, 0.05])
_VEG_LEVELS = np.array([np.nan, 0.3, 0.6, 0.8])
_PARK_CLASSES = np.array(["G11", "G12", "G13", "G14"])


def generate_town(n_green: int = 100_000, n_communities: int = 200, *, overlap: float = 0.3,
                  seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """The town's layers, keyed by table name, each in EPSG:4326 with a ``fid`` column."""
    rng = np.random.default_rng(seed)
    side = float(np.sqrt(LAND_PER_GREEN_POLYGON * n_green))
    x0, y0 = ORIGIN
    n_parks = max(4, n_green // 1000)
    frames = {
        "built_up_area": _frame(
            [shapely.box(x0, y0, x0 + side, y0 + side).difference(
                shapely.box(x0 + 0.7 * side, y0 + 0.7 * side, x0 + side, y0 + side))],
            "B", name=["县城建成区"], population=[int(n_green * 1.2)]),
        "parks": _parks(rng, n_parks, side),
        "green_spaces": _green_spaces(rng, n_green - n_parks, side, overlap),
        "communities": _communities(rng, n_communities, side),
        **_blocks_and_streets(rng, side),
        "watercourses": _frame(
            [shapely.box(x0 - 100, y0 + 0.45 * side, x0 + side + 100, y0 + 0.45 * side + 60),
             shapely.LineString([(x0 + 0.2 * side, y0), (x0 + 0.25 * side, y0 + side)]),
             shapely.LineString([(x0 + 0.8 * side, y0), (x0 + 0.75 * side, y0 + 0.6 * side)])],
            "W", name=["牧马河", "东渠", "西渠"], kind=["river", "channel", "channel"],
            greened=[False, True, False]),
    }
    return frames


def green_layers(frames: dict[str, gpd.GeoDataFrame]) -> GreenLayers:
    """The generated frames as :class:`geo.green_model.GreenLayers`."""
    return GreenLayers(frames["built_up_area"], frames["parks"], frames["green_spaces"],
                       frames["communities"], frames["residential_land"], frames["streets"],
                       frames["watercourses"])


def insert_layers(engine: sa.Engine, frames: dict[str, gpd.GeoDataFrame]) -> None:
    """Insert *frames* into the layer tables (GeoAlchemy2 ``from_shape``, MULTI geometries)."""
    from layers.storage.models import LAYER_TABLES, STORAGE_SRID

    with engine.begin() as conn:
        for name, frame in frames.items():
            table = LAYER_TABLES[name]
            geoms = shapely.force_2d(np.asarray(frame.geometry.to_crs(STORAGE_SRID).array))
            multi = _as_multi(geoms)
            attributes = frame.drop(columns="geometry").to_dict("records")
            rows = [{**{k: _plain(v) for k, v in row.items()},
                     "geom": from_shape(geom, srid=STORAGE_SRID)}
                    for row, geom in zip(attributes, multi)]
            for start in range(0, len(rows), 20_000):
                conn.execute(table.insert(), rows[start:start + 20_000])


def _as_multi(geoms: np.ndarray) -> list:
    kinds = shapely.get_type_id(geoms)
    return [shapely.MultiPolygon([g]) if k == 3 else
            shapely.MultiLineString([g]) if k == 1 else g for g, k in zip(geoms, kinds)]


def _plain(value):
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _rotated_rectangles(cx, cy, width, height, angle) -> np.ndarray:
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    dx = corners[None, :, 0] * width[:, None]
    dy = corners[None, :, 1] * height[:, None]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    xs = cx[:, None] + dx * cos - dy * sin
    ys = cy[:, None] + dx * sin + dy * cos
    return shapely.polygons(np.stack([xs, ys], axis=-1))


def _parks(rng, n: int, side: float) -> gpd.GeoDataFrame:
    x0, y0 = ORIGIN
    width, height = rng.uniform(40, 150, n), rng.uniform(40, 150, n)
    geoms = _rotated_rectangles(x0 + rng.uniform(0, side, n), y0 + rng.uniform(0, side, n),
                                width, height, rng.uniform(0, np.pi, n))
    return _frame(geoms, "P", name=[f"公园{i}" for i in range(n)],
                  park_class=rng.choice(_PARK_CLASSES, n, p=[0.1, 0.4, 0.1, 0.4]),
                  historic=rng.random(n) < 0.1)


def _green_spaces(rng, n: int, side: float, overlap: float) -> gpd.GeoDataFrame:
    x0, y0 = ORIGIN
    n_over = int(round(n * overlap))
    n_base = n - n_over
    pitch = np.sqrt(LAND_PER_GREEN_POLYGON)
    per_row = int(side // pitch)
    cells = rng.choice(per_row * per_row, size=min(n_base, per_row * per_row), replace=False)
    n_base = len(cells)
    size = rng.uniform(5, 14, (n, 2))
    cx = np.empty(n)
    cy = np.empty(n)
    cx[:n_base] = x0 + (cells % per_row + 0.5) * pitch + rng.uniform(-1, 1, n_base)
    cy[:n_base] = y0 + (cells // per_row + 0.5) * pitch + rng.uniform(-1, 1, n_base)
    over = rng.integers(0, n_base, n - n_base)
    cx[n_base:] = cx[over] + 0.5 * size[over, 0]
    cy[n_base:] = cy[over] + 0.5 * size[over, 1]
    geoms = _rotated_rectangles(cx, cy, size[:, 0], size[:, 1], rng.uniform(0, 0.3, n))
    veg = rng.choice(_VEG_LEVELS, n, p=[0.5, 0.1, 0.2, 0.2])
    return _frame(geoms, "G", name=[None] * n,
                  green_cls=rng.choice(_GREEN_CLASSES, n, p=_GREEN_CLASS_SHARE), veg_ratio=veg)


def _communities(rng, n: int, side: float) -> gpd.GeoDataFrame:
    x0, y0 = ORIGIN
    columns = int(np.ceil(np.sqrt(n * 2)))
    rows = int(np.ceil(n / columns))
    i = np.arange(n)
    w, h = side / columns, side / rows
    geoms = shapely.box(x0 + (i % columns) * w, y0 + (i // columns) * h,
                        x0 + (i % columns + 1) * w, y0 + (i // columns + 1) * h)
    return _frame(geoms, "C", name=[f"社区{k}" for k in i],
                  street=[f"街道{k % 4}" for k in i], population=rng.integers(300, 1500, n),
                  res_share=rng.uniform(0.3, 0.7, n))


def _blocks_and_streets(rng, side: float) -> dict[str, gpd.GeoDataFrame]:
    x0, y0 = ORIGIN
    per_row = int(side // BLOCK_PITCH)
    cells = np.flatnonzero(rng.random(per_row * per_row) < 0.6)
    bx = x0 + (cells % per_row) * BLOCK_PITCH + (BLOCK_PITCH - BLOCK_SIDE) / 2
    by = y0 + (cells // per_row) * BLOCK_PITCH + (BLOCK_PITCH - BLOCK_SIDE) / 2
    blocks = shapely.box(bx, by, bx + BLOCK_SIDE, by + BLOCK_SIDE)
    lines_at = np.arange(per_row + 1) * BLOCK_PITCH
    streets = np.concatenate([
        shapely.linestrings([[(x0 + t, y0), (x0 + t, y0 + side)] for t in lines_at]),
        shapely.linestrings([[(x0, y0 + t), (x0 + side, y0 + t)] for t in lines_at])])
    return {
        "residential_land": _frame(blocks, "R", name=[None] * len(blocks)),
        "streets": _frame(streets, "S", name=[None] * len(streets),
                          road_class=np.where(np.arange(len(streets)) % 5 == 0, "arterial",
                                              "local")),
    }


def _frame(geoms, prefix: str, **columns) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame({"fid": [f"{prefix}{i:06d}" for i in range(len(geoms))],
                              **columns}, geometry=list(geoms), crs=METRIC_CRS)
    return frame.to_crs(4326)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-green", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="GeoPackage to write")
    args = parser.parse_args(argv)
    for name, frame in generate_town(args.n_green, args.communities, seed=args.seed).items():
        frame.to_file(args.out, layer=name, layer_options={"FID": "gpkg_fid"})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
