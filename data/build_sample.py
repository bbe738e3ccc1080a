#!/usr/bin/env python
"""Build the Xixiang (西乡县) sample data of Lianchuang: eleven shapefiles and the project ledger.

What it makes, in ``data/shapefiles/`` beside this script:

* one Shapefile per catalogue layer (``layers/storage/catalogue.py``), file stem == layer name:
  road_segments, parks, watercourses, shantytown_zones, water_source_areas, green_spaces,
  built_up_area, communities, residential_land, streets, facilities;
* ``projects.csv``, the campaign ledger (台账), UTF-8 with BOM, Chinese column headings.

The geometry is *illustrative*: digitised by this script around the real county seat
(about 107.765°E, 32.985°N; the 牧马河 flows west→east past the south of the old town) for
demonstration, NOT survey data.  Names of the campaign's work items come from the two seed
documents (see ``data/shapefiles/README.md``); everything else is invented.

Quirks real county data has, made on purpose so that the importer must handle them:

* ``communities.shp``: attributes encoded GBK, with NO ``.cpg`` (and code-page byte 0);
* ``parks.shp``: in EPSG:4545 (CGCS2000 3-degree Gauss-Krüger, CM 108°E);
* every other layer: EPSG:4326, UTF-8 with a ``.cpg`` saying so.

A Shapefile holds a single shape type, so ``watercourses.shp`` is all polygons: the river's
water surface, and the channels and streams as their centre lines buffered by half their
width (the catalogue would also accept them as lines, in a format that can mix types).

Run it from the repository root (it puts the repository on ``sys.path`` itself)::

    python data/build_sample.py

It is deterministic: everything is computed from fixed numbers (the only pseudo-random
numbers come from a generator with a fixed seed), and the date in each ``.dbf`` header is
pinned, so re-running it rewrites byte-identical files.  It ends by checking the data
(validity, codes, the river, the community tiling, the landfill, the street network's
topology and strong connectivity, the renovation segments lying on it, the residential land,
the ledger references, the park area per capita and service coverage) and fails loudly when
a check does not hold; then prints a summary.

``streets`` is the whole drivable network of the county seat, split at every junction;
``road_segments`` holds only the segments under renovation, each the very line of one street.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Point, Polygon, box
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from layers.storage import catalogue as cat  # noqa: E402

OUT = ROOT / "data" / "shapefiles"
TODAY = dt.date(2026, 11, 22)
#: Date written into every .dbf header (bytes 1-3), so that re-runs are byte-identical.
DBF_DATE = (2026 - 1900, 11, 22)

STORAGE_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:4545"  # CGCS2000 / 3-degree Gauss-Kruger CM 108E
ORIGIN_LONLAT = (107.765, 32.985)  # the county seat, roughly the old town's centre
_TO_METRIC = Transformer.from_crs(STORAGE_CRS, METRIC_CRS, always_xy=True)
X0, Y0 = (round(v) for v in _TO_METRIC.transform(*ORIGIN_LONLAT))

#: Urban resident population of the built-up area (invented, plausible for the county seat).
POPULATION = 90_600

rng = np.random.default_rng(20151104)  # fixed seed: the date of 西字〔2015〕56号


# --------------------------------------------------------------------------------------
# Local frame: metres east (x) and north (y) of the origin; turned into EPSG:4545 at the end.
# --------------------------------------------------------------------------------------

def yc(x: float) -> float:
    """Centre line of the 牧马河 (y of the channel centre at x)."""
    return -760.0 + 70.0 * math.sin((x + 1000.0) / 1300.0)


def river_width(x: float) -> float:
    return 190.0 + 25.0 * math.sin(x / 2100.0 + 0.7)


def yn(x: float) -> float:
    """North bank (water edge) of the 牧马河."""
    return yc(x) + river_width(x) / 2


def ys(x: float) -> float:
    """South bank (water edge) of the 牧马河."""
    return yc(x) - river_width(x) / 2


def xs_range(x0: float, x1: float, step: float = 100.0) -> list[float]:
    """x0, the multiples of *step* strictly between, x1 (in the direction x0 → x1)."""
    lo, hi = min(x0, x1), max(x0, x1)
    inner = [k * step for k in range(math.floor(lo / step) + 1, math.ceil(hi / step))]
    values = [lo] + [v for v in inner if lo < v < hi] + [hi]
    return values if x0 <= x1 else values[::-1]


def band(x0, x1, lo, hi, step=100.0) -> Polygon:
    """Polygon between the curves y = lo(x) and y = hi(x) for x0 ≤ x ≤ x1."""
    xs = xs_range(x0, x1, step)
    return Polygon([(x, lo(x)) for x in xs] + [(x, hi(x)) for x in reversed(xs)])


def curve(x0, x1, f, step=100.0) -> list[tuple[float, float]]:
    return [(x, f(x)) for x in xs_range(x0, x1, step)]


def rect(x0, y0, x1, y1) -> Polygon:
    return box(x0, y0, x1, y1)


def ellipse(cx, cy, a, b, angle=0.0) -> Polygon:
    circle = Point(0, 0).buffer(1.0, quad_segs=16)
    shape = affinity.scale(circle, a, b)
    return affinity.translate(affinity.rotate(shape, angle), cx, cy)


# --------------------------------------------------------------------------------------
# Built-up area (建成区) and the river
# --------------------------------------------------------------------------------------

BUILT_UP = Polygon([
    (-1900, 930), (-1690, 1055), (-800, 1075), (0, 1085), (800, 1070), (1550, 1045),
    (1880, 880), (1960, 400), (1910, -100), (1950, -600), (1900, -1000), (1760, -1330),
    (1580, -1560), (800, -1545), (0, -1585), (-800, -1560), (-1560, -1545), (-1760, -1300),
    (-1720, -950), (-1820, -500), (-1900, 0), (-1910, 500),
])

RIVER = band(-9000, 7000, ys, yn, step=100)
RIVER_CENTRE = LineString(curve(-9000, 7000, yc, step=50))


# --------------------------------------------------------------------------------------
# Road network: nodes and edges; every street meets another only at a shared end vertex.
# --------------------------------------------------------------------------------------

nodes: dict[str, tuple[float, float]] = {}
edges: list[dict] = []

NX = [-1600, -1000, -500, 0, 500, 1000, 1600]         # north-side street columns
NY = [None, -250, 150, 550, 900]                     # rows; row 0 follows the river bank
SX = [-1500, -1000, 0, 1000, 1500]                   # south-side columns
SY = [None, -1200, -1480]
RIVERSIDE_N = 85.0   # 河滨北路 runs this far north of the north water edge
RIVERSIDE_S = 70.0   # 滨河南路 this far south of the south water edge
FIXED_NODES = {("n", 0, 2), ("s", 4, 1)}  # 茶姑娘雕塑 and 板桥中学 stay where they are


def _north_y(x):
    return yn(x) + RIVERSIDE_N


def _south_y(x):
    return ys(x) - RIVERSIDE_S


def _jitter(key) -> tuple[float, float]:
    dx, dy = rng.uniform(-22, 22, 2)
    if key in FIXED_NODES:
        return 0.0, 0.0
    return round(float(dx), 1), round(float(dy), 1)


for i, x in enumerate(NX):
    for j, y in enumerate(NY):
        if j == 0:
            nodes[f"n{i}{j}"] = (float(x), _north_y(x))
        else:
            dx, dy = _jitter(("n", i, j))
            nodes[f"n{i}{j}"] = (x + dx, y + dy)
for i, x in enumerate(SX):
    for j, y in enumerate(SY):
        if j == 0:
            nodes[f"s{i}{j}"] = (float(x), _south_y(x))
        else:
            dx, dy = _jitter(("s", i, j))
            nodes[f"s{i}{j}"] = (x + dx, y + dy)

# Old-town alleys: between columns 1..5 of rows 1 and 2, at the midpoints.
for i in range(1, 5):
    for j in (1, 2):
        (ax, ay), (bx, by) = nodes[f"n{i}{j}"], nodes[f"n{i + 1}{j}"]
        nodes[f"m{i}{j}"] = ((ax + bx) / 2, (ay + by) / 2)

nodes["yindaokou"] = (-2600.0, 350.0)     # 高速引道口
nodes["toll"] = (-2900.0, 1700.0)         # 高速收费站
nodes["liulin"] = (-5200.0, 700.0)        # 316国道往柳林方向（示意终点）
nodes["gucheng"] = (4000.0, -2050.0)      # 古城集镇方向（示意终点）


def add_edge(a, b, name, road_class, width, lanes, *, via=(), oneway=False, reference=False,
             note=None, group=None):
    coords = [nodes[a], *via, nodes[b]]
    edges.append(dict(a=a, b=b, coords=coords, name=name, road_class=road_class,
                      width_m=float(width), lanes=int(lanes), oneway=oneway,
                      reference=reference, note=note, group=group or name))


def _between(f, xa, xb):
    """Intermediate vertices of a river-following street between xa and xb."""
    return [(x, f(x)) for x in xs_range(xa, xb)[1:-1]]


# North bank row 0: 滨河西路 | 河滨北路 (东渡大桥以西至新建牧马河大桥段) | 滨河东路
for i in range(6):
    xa, xb = NX[i], NX[i + 1]
    via = _between(_north_y, xa, xb)
    if xb <= -1000:
        add_edge(f"n{i}0", f"n{i + 1}0", "滨河西路", "collector", 18, 2, via=via)
    elif xa >= 1000:
        add_edge(f"n{i}0", f"n{i + 1}0", "滨河东路", "collector", 18, 2, via=via)
    else:
        part = i  # 1..4
        add_edge(f"n{i}0", f"n{i + 1}0", "河滨北路", "collector", 18, 2, via=via,
                 note=f"东渡大桥以西至新建牧马河大桥段（第{part}段，共4段）",
                 group="河滨北路（东渡大桥以西至新建牧马河大桥段）")

# Rows 1 and 2 (split by the alleys), rows 3 and 4.
ROW_NAMES = {
    1: ["西关街", "西大街", "西大街", "东大街", "东大街", "东关街"],
    2: ["人民路"] * 6,
    3: ["城北路"] * 6,
    4: ["北环路"] * 6,
}
ROW_CLASS = {
    "西关街": ("local", 10, 2), "东关街": ("local", 10, 2),
    "西大街": ("collector", 14, 2), "东大街": ("collector", 14, 2),
    "人民路": ("arterial", 30, 4), "城北路": ("collector", 18, 2), "北环路": ("arterial", 24, 4),
}
for j in (1, 2, 3, 4):
    for i in range(6):
        name = ROW_NAMES[j][i]
        cls, width, lanes = ROW_CLASS[name]
        if j in (1, 2) and 1 <= i <= 4:
            add_edge(f"n{i}{j}", f"m{i}{j}", name, cls, width, lanes)
            add_edge(f"m{i}{j}", f"n{i + 1}{j}", name, cls, width, lanes)
        else:
            add_edge(f"n{i}{j}", f"n{i + 1}{j}", name, cls, width, lanes)

COL_NAMES = {-1600: "西环路", -1000: "西关路", -500: "文化路", 0: None, 500: "建设路",
             1000: "东关路", 1600: "东环路"}
COL_CLASS = {"西环路": ("arterial", 24, 4), "西关路": ("collector", 18, 2),
             "文化路": ("local", 12, 2), "南大街": ("collector", 16, 2),
             "北大街": ("collector", 16, 2), "建设路": ("local", 12, 2),
             "东关路": ("collector", 18, 2), "东环路": ("arterial", 24, 4)}
for i, x in enumerate(NX):
    for j in range(4):
        name = COL_NAMES[x] or ("南大街" if j < 2 else "北大街")
        cls, width, lanes = COL_CLASS[name]
        add_edge(f"n{i}{j}", f"n{i}{j + 1}", name, cls, width, lanes)

# Old-town alleys, one-way (digitised direction is the direction of travel), alternating.
ALLEYS = {1: "文庙巷", 2: "钟楼巷", 3: "衙署巷", 4: "东仓巷"}
for i, name in ALLEYS.items():
    a, b = (f"m{i}1", f"m{i}2") if i % 2 else (f"m{i}2", f"m{i}1")
    add_edge(a, b, name, "local", 6, 1, oneway=True, note="老城单行巷道（按数字化方向通行）")

# Bridges over the 牧马河 (north row 0 → south row 0).
BRIDGES = {-1000: ("牧马河大桥", 24, 4, "新建牧马河大桥，跨牧马河"),
           0: ("和平桥", 16, 2, "和平桥，跨牧马河"),
           1000: ("东渡大桥", 20, 4, "东渡大桥，跨牧马河")}
for x, (name, width, lanes, note) in BRIDGES.items():
    add_edge(f"n{NX.index(x)}0", f"s{SX.index(x)}0", name, "collector", width, lanes,
             note=note)

# South side. Row 0 west of 和平桥 is the seed's 城南和平桥头至上渡转盘段 (上渡转盘 = s00).
for i in range(4):
    xa, xb = SX[i], SX[i + 1]
    if xb <= 0:
        # digitised from 和平桥头 westwards to 上渡转盘
        k = 2 - i  # part number counted from 和平桥头
        add_edge(f"s{i + 1}0", f"s{i}0", "城南和平桥头至上渡转盘段", "arterial", 24, 4,
                 via=_between(_south_y, xb, xa),
                 note=f"滨河南路西段，和平桥头至上渡转盘（第{k}段，共2段）")
    else:
        add_edge(f"s{i}0", f"s{i + 1}0", "滨河南路", "collector", 18, 2,
                 via=_between(_south_y, xa, xb))
S_ROWS = {1: ("城南路", "arterial", 24, 4), 2: ("南环路", "collector", 16, 2)}
for j, (name, cls, width, lanes) in S_ROWS.items():
    for i in range(4):
        add_edge(f"s{i}{j}", f"s{i + 1}{j}", name, cls, width, lanes)
S_COLS = {-1500: ("上渡路", "local", 12, 2), -1000: ("莲花路", "collector", 18, 2),
          0: ("和平路", "arterial", 24, 4), 1000: ("东渡路", "collector", 18, 2),
          1500: ("板桥路", "local", 12, 2)}
for i, x in enumerate(SX):
    name, cls, width, lanes = S_COLS[x]
    for j in range(2):
        add_edge(f"s{i}{j}", f"s{i}{j + 1}", name, cls, width, lanes)

# The seed's segments outside the grid.
add_edge("n02", "yindaokou", "城西茶姑娘雕塑至高速引道口段", "arterial", 40, 4,
         via=[(-2100.0, 245.0)], reference=True,
         note="综合改造参照标准段（西字〔2015〕56号）；起点城西茶姑娘雕塑")
add_edge("yindaokou", "liulin", "316国道高速引道口至柳林段", "national", 24, 4,
         via=[(-3400.0, 520.0), (-4300.0, 640.0)],
         note="参照城西段标准综合改造；西端往柳林方向（示意终点）")
add_edge("toll", "yindaokou", "高速公路引道", "approach", 30, 4,
         via=[(-2750.0, 1000.0)], note="高速公路引道景观改造工程")
add_edge("s41", "gucheng", "板桥中学至古城集镇段", "collector", 16, 2,
         via=[(2200.0, -1400.0), (3100.0, -1750.0)],
         note="参照城西段标准综合改造；起点板桥中学，东端往古城集镇方向（示意终点）")

for k, e in enumerate(edges, start=1):
    e["fid"] = f"RD-{k:02d}"


def road_fids(group: str) -> list[str]:
    fids = [e["fid"] for e in edges if e["group"] == group]
    assert fids, group
    return fids


# --------------------------------------------------------------------------------------
# Parks (公园绿地 G1)
# --------------------------------------------------------------------------------------

STRIP_WIDTH = 70.0        # 城北带状公园
WETLAND = (3.0, 78.0)     # 牧马河湿地公园: from/to this far north of the water (河滨北路 at 85)
parks: list[dict] = []


def add_park(name, cls, geom, opened, historic=False, note=None):
    parks.append(dict(name=name, park_class=cls, historic=historic, opened=opened, note=note,
                      geometry=geom))


add_park("城北带状公园", "G14", rect(-1450, 945, 1450, 945 + STRIP_WIDTH), 2017,
         note="西字〔2015〕56号“建成城北带状公园”；带状游园")
add_park("牧马河湿地公园", "G13",
         MultiPolygon([band(x0, x1, lambda x: yn(x) + WETLAND[0], lambda x: yn(x) + WETLAND[1])
                       for x0, x1 in ((-975, -22), (22, 975))]),
         2013, note="城市湿地公园；牧马河北岸，和平桥分为东西两片；不含河道水面")
add_park("人民公园", "G11", rect(-450, 195, -50, 495), 1986, note="县城综合公园")
add_park("城南滨河公园", "G12",
         band(25, 975, lambda x: ys(x) - 62, lambda x: ys(x) - 3), 2019,
         note="牧马河南岸")
add_park("东城公园", "G12", rect(1060, 600, 1330, 810), 2012)
add_park("茶文化公园", "G13", rect(-1540, 600, -1250, 820), 2015,
         note="茶文化主题公园，近城西茶姑娘雕塑")
add_park("西城公园", "G12", rect(-950, 600, -700, 780), 2010)
add_park("和平公园", "G12", rect(60, -1440, 300, -1260), 2018, note="城南")
add_park("北关游园", "G14", rect(50, 600, 110, 655), 2016)
add_park("学府游园", "G14", rect(-450, 600, -380, 650), 2017)
add_park("东渡游园", "G14", rect(1060, -1300, 1125, -1255), 2019)
add_park("上渡游园", "G14", rect(-1440, -1150, -1385, -1105), 2020)
add_park("莲花游园", "G14", rect(-950, -1300, -910, -1265), 2021)
add_park("鹿龄游园", "G14", rect(-1580, 420, -1542, 450), 2021)
add_park("人民路游园", "G14", rect(545, 185, 575, 215), 2014)
add_park("文庙游园", "G14", rect(-930, -40, -890, 0), 2005, historic=True,
         note="老城历史地段，文庙旧址旁")
add_park("东城门遗址游园", "G14", rect(900, -60, 935, -27), 2011, historic=True,
         note="老城历史地段，东城门遗址")
for k, p in enumerate(parks, start=1):
    p["fid"] = f"PK-{k:02d}"


def park_fid(name):
    return next(p["fid"] for p in parks if p["name"] == name)


# --------------------------------------------------------------------------------------
# Watercourses
# --------------------------------------------------------------------------------------

watercourses = [
    dict(fid="WC-01", name="牧马河", kind="river", width_m=190.0, greened=True, bank_w=20.0,
         note="河道水面（示意），自西向东流经老城南侧；建成区段两岸已绿化", geometry=RIVER),
    dict(fid="WC-02", name="原板桥水泥厂门前一号渠", kind="channel", width_m=3.0, greened=False,
         note="东渡社区，汇入牧马河；流域综合治理对象（西字〔2015〕56号）",
         geometry=LineString([(1150, -1330), (1160, -1150), (1150, -1000),
                              (1150, ys(1150) + 4)])),
    dict(fid="WC-03", name="原板桥水泥厂门前二号渠", kind="channel", width_m=2.5, greened=False,
         note="东渡社区，汇入牧马河；流域综合治理对象（西字〔2015〕56号）",
         geometry=LineString([(1380, -1350), (1370, -1180), (1360, -1020),
                              (1350, ys(1350) + 4)])),
    dict(fid="WC-04", name="北山沟", kind="stream", width_m=6.0, greened=False,
         note="源自北山水库（备用水源），经城西鹿龄社区汇入牧马河",
         geometry=LineString([(-300, 3960), (-700, 3000), (-1200, 2200), (-1600, 1500),
                              (-1730, 1000), (-1760, 400), (-1770, -100),
                              (-1760, yn(-1760) - 4)])),
    dict(fid="WC-05", name="东沟", kind="stream", width_m=5.0, greened=False,
         note="城东，汇入牧马河",
         geometry=LineString([(2600, 2800), (2300, 1500), (2150, 500), (2200, -200),
                              (2250, yn(2250) - 4)])),
]


# A Shapefile holds one shape type, so the channels and streams, digitised as centre lines
# above, are written as their water surface: the line buffered by half its width.
for _wc in watercourses:
    if _wc["geometry"].geom_type == "LineString":
        _wc["geometry"] = _wc["geometry"].buffer(_wc["width_m"] / 2, cap_style="flat",
                                                 join_style="round", quad_segs=4)


# --------------------------------------------------------------------------------------
# Shantytown and urban-fringe renovation zones
# --------------------------------------------------------------------------------------

shanty = [
    dict(fid="SZ-01", name="东关棚户区", households=620,
         geometry=band(1050, 1540, lambda x: _north_y(x) + 30, lambda x: -285),
         note="西字〔2015〕56号：加快东关棚户区改造"),
    dict(fid="SZ-02", name="西关棚户区", households=540,
         geometry=band(-1540, -1060, lambda x: _north_y(x) + 30, lambda x: -285),
         note="西字〔2015〕56号：加快西关棚户区改造"),
    dict(fid="SZ-03", name="南关棚户区", households=380,
         geometry=band(-430, -60, lambda x: _north_y(x) + 30, lambda x: -290),
         note="西字〔2015〕56号：加快南关棚户区改造；老城南门外"),
    dict(fid="SZ-04", name="鹿龄社区城乡结合部改造片区", households=450,
         geometry=rect(-1880, 320, -1640, 850).intersection(BUILT_UP),
         note="城乡结合部（西字〔2015〕56号）"),
    dict(fid="SZ-05", name="莲花社区城乡结合部改造片区", households=410,
         geometry=rect(-1470, -1460, -1030, -1235),
         note="城乡结合部（西字〔2015〕56号）"),
]


# --------------------------------------------------------------------------------------
# Drinking-water sources (HJ 338-2018 style extents)
# --------------------------------------------------------------------------------------

INTAKE_X = -4200.0
_s_intake = RIVER_CENTRE.project(Point(INTAKE_X, yc(INTAKE_X)))


def _x_at(s):
    return RIVER_CENTRE.interpolate(s).x


L1_UP, L1_DOWN, L1_LAND = 1000.0, 100.0, 50.0
L2_UP, L2_DOWN, L2_LAND = 2000.0, 200.0, 1000.0
l1_x0, l1_x1 = _x_at(_s_intake - L1_UP), _x_at(_s_intake + L1_DOWN)
l2_x0, l2_x1 = _x_at(_s_intake - L1_UP - L2_UP), _x_at(_s_intake + L1_DOWN + L2_DOWN)
LEVEL1 = band(l1_x0, l1_x1, lambda x: ys(x) - L1_LAND, lambda x: yn(x) + L1_LAND, step=50)
LEVEL2 = band(l2_x0, l2_x1, lambda x: ys(x) - L2_LAND, lambda x: yn(x) + L2_LAND,
              step=50).difference(LEVEL1)

RESERVOIR = ellipse(-300, 4160, 380, 170, angle=12)        # 北山水库 (not a catalogue layer)
BACKUP_INTAKE = (-300.0, 4020.0)
BACKUP_L1 = RESERVOIR.intersection(Point(BACKUP_INTAKE).buffer(300, quad_segs=16)).buffer(
    200, quad_segs=8)

water_sources = [
    dict(fid="WS-01", name="县城牧马河饮用水水源一级保护区", zone_level="level1", src_type="river",
         backup=False, approved=True, geometry=LEVEL1,
         note="取水口上游1000米至下游100米水域及两岸50米陆域（已批复划定，示意）"),
    dict(fid="WS-02", name="县城牧马河饮用水水源二级保护区", zone_level="level2", src_type="river",
         backup=False, approved=True, geometry=LEVEL2,
         note="一级区上边界上溯2000米、下边界下延200米水域及两岸1000米陆域，不含一级保护区"),
    dict(fid="WS-03", name="北山水库备用水源一级保护区", zone_level="level1",
         src_type="reservoir", backup=True, approved=False, geometry=BACKUP_L1,
         note="按HJ 338-2018默认范围生成"),
]


# --------------------------------------------------------------------------------------
# Green space other than parks
# --------------------------------------------------------------------------------------

greens: list[dict] = []


def add_green(name, cls, geom, veg, note=None):
    greens.append(dict(name=name, green_cls=cls, veg_ratio=round(float(veg), 2), note=note,
                       geometry=geom))


# Protective belts (G2) along the river banks inside the town, clear of the bridges.
for x0, x1, side, label in [
    (-1850, -1022, "n", "牧马河北岸西段防护绿带"), (1022, 1960, "n", "牧马河北岸东段防护绿带"),
    (-1780, -1022, "s", "牧马河南岸西段防护绿带"), (-978, -22, "s", "牧马河南岸中段防护绿带"),
    (1022, 1960, "s", "牧马河南岸东段防护绿带"),
]:
    if side == "n":
        geom = band(x0, x1, lambda x: yn(x) + 3, lambda x: yn(x) + 60)
    else:
        geom = band(x0, x1, lambda x: ys(x) - 58, lambda x: ys(x) - 3)
    add_green(label, "G2", geom.intersection(BUILT_UP), 0.9, note="河道防护绿地")

# Protective belts along the expressway (north of town; the expressway itself is not a
# renovation segment and is not in road_segments) and along the approach road.


def y_express(x):
    return 1700.0 + (x + 2900.0) * (0.02 if x < -2900 else 0.0217)


for x0, x1 in [(-4900, -3900), (-3900, -1900), (-1900, -900), (-900, 100), (100, 1100),
               (1100, 2100)]:
    add_green("高速公路南侧防护林带", "G2",
              band(x0, x1, lambda x: y_express(x) - 50, lambda x: y_express(x) - 20), 0.95)
    add_green("高速公路北侧防护林带", "G2",
              band(x0, x1, lambda x: y_express(x) + 20, lambda x: y_express(x) + 50), 0.95)
_approach = LineString([nodes["toll"], (-2750.0, 1000.0), nodes["yindaokou"]])
for side, label in ((1, "高速公路引道西侧景观带"), (-1, "高速公路引道东侧景观带")):
    inner = _approach.offset_curve(side * 15.0)
    outer = _approach.offset_curve(side * 45.0)
    geom = Polygon(list(inner.coords) + list(outer.coords)[::-1])
    add_green(label, "G2", shapely.make_valid(geom).buffer(0), 0.85,
              note="高速公路引道景观改造工程")
_west_entry = LineString([nodes["n02"], (-2100.0, 245.0), nodes["yindaokou"]])
for side, label in ((1, "城西入城道路北侧绿带"), (-1, "城西入城道路南侧绿带")):
    inner = _west_entry.offset_curve(side * 22.0)
    outer = _west_entry.offset_curve(side * 42.0)
    add_green(label, "G2", Polygon(list(inner.coords) + list(outer.coords)[::-1]), 0.9,
              note="城西茶姑娘雕塑至高速引道口段（参照标准段）")

# Squares (G3): only their green part counts, hence the low vegetated share.
SQUARES = [
    ("县政府广场", rect(60, -60, 200, 60), 0.30),
    ("茶文化广场", rect(-1575, 175, -1455, 275), 0.35),
    ("东城广场", rect(1450, 420, 1560, 520), 0.30),
    ("城南广场", rect(-300, -1170, -140, -1080), 0.25),
    ("体育广场", rect(-650, 790, -540, 870), 0.30),
]
for name, geom, veg in SQUARES:
    add_green(name, "G3", geom, veg, note="广场用地")

# Road green (part of XG under CJJ/T 85-2017).
for street, width in (("人民路", 8.0), ("北环路", 6.0)):
    coords = [nodes[f"n{i}{'2' if street == '人民路' else '4'}"] for i in range(7)]
    add_green(f"{street}道路绿地", "XG",
              LineString(coords).buffer(width / 2, cap_style="flat"), 0.9,
              note="分车带及行道树绿带")

MARKET = rect(1220, 260, 1380, 400)  # 城东农贸市场 footprint (for placement only)

# Attached green (XG) of institutions and residential areas, placed block by block.
XG_NAMES = [
    "西乡县人民政府", "县人民医院", "县中医医院", "西乡中学", "西乡县第二中学", "城北小学",
    "城南小学", "东关小学", "县职业教育中心", "县妇幼保健院", "县委党校", "县体育场",
    "县图书馆", "县文化馆", "县实验幼儿园", "县自来水公司", "县供电分公司", "县公安局",
    "牧马河畔小区", "茶都花园", "滨河花园", "锦绣家园", "阳光小区", "御景苑", "东城雅苑",
    "和平小区", "莲花小区", "上渡新村", "东渡小区", "北关新村", "学府佳苑", "翠屏小区",
    "桂园小区", "午子小区", "茶香苑", "书香苑", "龙泉小区", "城北花园", "南苑小区",
    "东方花园", "西城家园", "府前小区", "锦江小区", "水岸名居", "丽景花园", "兴隆小区",
    "兴华小区", "新华小区", "建设小区", "文化小区", "人民小区", "北环小区", "鹿龄新村",
    "东关安置小区", "西关安置小区", "南关安置小区", "板桥小区", "古渡小区", "凤鸣苑",
    "秀水苑", "朝阳小区", "泰和园", "县教育局", "县人民法院", "县人民检察院", "县税务局",
    "县邮政分公司", "县广播电视台", "锦华苑", "嘉禾小区", "康乐小区", "幸福家园", "怡景苑",
    "枫林小区", "金桥小区", "汉风苑", "茶韵小区", "滨江苑", "晨光小区", "福临苑", "华庭小区",
    "云台小区", "天和苑", "明珠小区", "安居小区", "青云苑", "玉兰小区", "海棠苑",
]
_INSTITUTIONS = {n for n in XG_NAMES if n.startswith(("县", "西乡", "城北小", "城南小", "东关小"))}


def _blocks():
    """(x0, y0, x1, y1) of every street block, base (unjittered) coordinates."""
    out = []
    for j in range(4):
        for i in range(6):
            xa, xb = NX[i], NX[i + 1]
            if j == 0:
                ya = max(_north_y(x) for x in xs_range(xa, xb, 25)) + 10
            else:
                ya = NY[j]
            out.append((xa, ya, xb, NY[j + 1]))
    for j in range(2):
        for i in range(4):
            xa, xb = SX[i], SX[i + 1]
            yb = min(_south_y(x) for x in xs_range(xa, xb, 25)) - 10 if j == 0 else SY[j]
            out.append((xa, SY[j + 1], xb, yb))
    return out


occupied = unary_union([p["geometry"] for p in parks] + [z["geometry"] for z in shanty]
                       + [g["geometry"] for g in greens] + [MARKET]).buffer(12)
_name_iter = iter(XG_NAMES)
_xg_placed = []
for bi, (bx0, by0, bx1, by1) in enumerate(_blocks()):
    inset = 40.0
    x0, y0, x1, y1 = bx0 + inset, by0 + inset, bx1 - inset, by1 - inset
    w, h = (x1 - x0) * 0.47, (y1 - y0) * 0.45
    corners = [(x0, y0), (x1 - w, y0), (x0, y1 - h), (x1 - w, y1 - h)]
    order = corners[bi % 4:] + corners[:bi % 4]
    taken = 0
    for cx, cy in order:
        cand = rect(cx, cy, cx + w, cy + h)
        if not BUILT_UP.contains(cand) or cand.intersects(occupied):
            continue
        name = next(_name_iter)
        kind = "单位附属绿地" if name in _INSTITUTIONS else "居住区附属绿地"
        veg = 0.62 + 0.2 * ((bi * 7 + taken * 3) % 10) / 10
        add_green(f"{name}绿地", "XG", cand, veg, note=kind)
        _xg_placed.append((cand, name))
        occupied = occupied.union(cand.buffer(12))
        taken += 1
        if taken == 3:
            break

# A few attached green spaces overlap their neighbours, as real data does: the indicators
# must dissolve them before measuring.
_overlaps = 0
for cand, base in _xg_placed[3::7]:
    minx, miny, maxx, maxy = cand.bounds
    extra = affinity.translate(cand, (maxx - minx) * 0.45, (maxy - miny) * 0.3)
    extra = affinity.scale(extra, 0.6, 0.6)
    if (BUILT_UP.contains(extra) and not extra.intersects(
            unary_union([p["geometry"] for p in parks] + [z["geometry"] for z in shanty]))
            and not extra.intersects(RIVER)):
        add_green(f"{base}家属区绿地", "XG", extra, 0.7,
                  note="与相邻附属绿地重叠（原始数据重叠，计算指标前须融合）")
        _overlaps += 1
    if _overlaps == 4:
        break

# Regional green (EG), outside the built-up area.
EG = [
    ("牧马河上游滨河生态林", band(-3700, -1700, lambda x: yn(x) + 5, lambda x: yn(x) + 260)),
    ("牧马河下游滨河湿地", band(1900, 3600, lambda x: ys(x) - 220, lambda x: ys(x) - 5)),
    ("北山水源涵养林", RESERVOIR.buffer(500).difference(RESERVOIR.buffer(20))),
    ("南山生态林", Polygon([(-900, -2450), (900, -2500), (1100, -1950), (-700, -1850)])),
    ("东山林地", rect(2400, 600, 3200, 1400)),
    ("西郊苗圃", rect(-2600, -300, -2150, 50)),
]
for name, geom in EG:
    add_green(name, "EG", geom.difference(BUILT_UP).difference(RIVER.buffer(3)), 0.95,
              note="区域绿地，建成区外")

for k, g in enumerate(greens, start=1):
    g["fid"] = f"GS-{k:03d}"


# --------------------------------------------------------------------------------------
# Communities: a Voronoi split of the built-up area, north and south of the river apart
# --------------------------------------------------------------------------------------

NORTH_PART = BUILT_UP.intersection(
    Polygon(curve(-2500, 2500, yc, 50) + [(2500, 3000), (-2500, 3000)]))
SOUTH_PART = BUILT_UP.difference(NORTH_PART)

COMMUNITY_SEEDS = [
    # name, street, seed (x, y), density weight, residential share
    ("西关社区", "城北街道", (-1300, -300), 1.25, 0.52),
    ("南关社区", "城北街道", (-200, -450), 1.30, 0.49),
    ("西街社区", "城北街道", (-550, -40), 1.45, 0.58),
    ("东街社区", "城北街道", (500, -40), 1.40, 0.56),
    ("东关社区", "城北街道", (1300, -250), 1.20, 0.50),
    ("鹿龄社区", "城北街道", (-1650, 650), 0.70, 0.36),
    ("学府社区", "城北街道", (-800, 500), 1.00, 0.45),
    ("北关社区", "城北街道", (0, 700), 1.05, 0.47),
    ("北城社区", "城北街道", (800, 650), 0.95, 0.44),
    ("东城社区", "城北街道", (1650, 450), 0.85, 0.41),
    ("上渡社区", "城南街道", (-1450, -1000), 0.90, 0.42),
    ("莲花社区", "城南街道", (-1100, -1400), 0.75, 0.38),
    ("和平社区", "城南街道", (-150, -1150), 1.10, 0.50),
    ("南城社区", "城南街道", (450, -1350), 0.95, 0.46),
    ("东渡社区", "城南街道", (1350, -1100), 0.85, 0.40),
]


def _voronoi(part, seeds):
    cells = shapely.voronoi_polygons(MultiPoint([Point(s) for s in seeds]),
                                     extend_to=box(-6000, -6000, 6000, 6000))
    out = []
    for s in seeds:
        cell = next(c for c in cells.geoms if c.contains(Point(s)))
        out.append(cell.intersection(part))
    return out


_north = [c for c in COMMUNITY_SEEDS if c[1] == "城北街道"]
_south = [c for c in COMMUNITY_SEEDS if c[1] == "城南街道"]
_cells = dict(zip([c[0] for c in _north], _voronoi(NORTH_PART, [c[2] for c in _north])))
_cells.update(zip([c[0] for c in _south], _voronoi(SOUTH_PART, [c[2] for c in _south])))

_land_weight = {c[0]: _cells[c[0]].difference(RIVER).area * c[3] for c in COMMUNITY_SEEDS}
_total_w = sum(_land_weight.values())
_raw = {k: POPULATION * v / _total_w for k, v in _land_weight.items()}
_pops = {k: int(math.floor(v / 10) * 10) for k, v in _raw.items()}
for k in sorted(_raw, key=lambda k: (_pops[k] - _raw[k], k))[: (POPULATION - sum(_pops.values()))
                                                              // 10]:
    _pops[k] += 10
communities = [
    dict(fid=f"CM-{k:02d}", name=name, street=street, population=_pops[name],
         res_share=share, geometry=_cells[name])
    for k, (name, street, _seed, _d, share) in enumerate(COMMUNITY_SEEDS, start=1)
]

for z in shanty:  # the community each zone lies in
    z["community"] = max(communities, key=lambda c: c["geometry"].intersection(
        z["geometry"]).area)["name"]

built_up = [dict(fid="BU-01", name="西乡县城建成区", year=2024, population=POPULATION,
                 geometry=BUILT_UP)]


# --------------------------------------------------------------------------------------
# Facilities
# --------------------------------------------------------------------------------------

facilities: list[dict] = []


def add_fac(name, kind, xy, status="existing", note=None):
    facilities.append(dict(name=name, kind=kind, status=status, note=note,
                           geometry=Point(*xy)))


def _offset_mid(e, d=12.0, t=0.5):
    line = LineString(e["coords"])
    p = line.interpolate(t, normalized=True)
    q = line.interpolate(min(1.0, t + 0.01), normalized=True)
    dx, dy = q.x - p.x, q.y - p.y
    n = math.hypot(dx, dy) or 1.0
    return (round(p.x - dy / n * d, 1), round(p.y + dx / n * d, 1))


add_fac("西乡县城建筑垃圾填埋场", "landfill", (4650, -2700),
        note="建成区外，避开饮用水水源保护区（西字〔2015〕56号：合理规划选址）")
add_fac("城东农贸市场", "market", (1300, 330), note="西字〔2015〕56号：加快城东农贸市场建设")
add_fac("西关农贸市场", "market", (-1300, 90))
add_fac("城南农贸市场", "market", (520, -1130), status="planned")
add_fac("城北垃圾转运站", "transfer_station", (1750, 980))
add_fac("城南垃圾转运站", "transfer_station", (1700, -1450))
add_fac("县城水厂牧马河取水口", "water_intake", (INTAKE_X, yc(INTAKE_X)))
add_fac("北山水库备用水源取水口", "water_intake", BACKUP_INTAKE)

# Boundary markers and warning signs at the main source (existing) and backup (planned).
for k, (x, f, what) in enumerate([
        (l1_x0 + 5, lambda x: yn(x) + L1_LAND - 2, "一级保护区界碑（上游北岸）"),
        (l1_x0 + 5, lambda x: ys(x) - L1_LAND + 2, "一级保护区界碑（上游南岸）"),
        (l1_x1 - 5, lambda x: yn(x) + L1_LAND - 2, "一级保护区界碑（下游北岸）"),
        (l1_x1 - 5, lambda x: ys(x) - L1_LAND + 2, "一级保护区界碑（下游南岸）"),
        (INTAKE_X + 20, lambda x: yn(x) + 30, "取水口警示牌"),
        (l2_x1 - 10, lambda x: yn(x) + 400, "二级保护区警示牌（316国道旁）"),
        (l2_x1 - 10, lambda x: ys(x) - 400, "二级保护区宣传牌"),
], start=1):
    add_fac(f"牧马河水源地{what}", "marker", (round(x, 1), round(f(x), 1)))
_bl1 = BACKUP_L1.exterior
for k, t in enumerate((0.1, 0.6), start=1):
    p = _bl1.interpolate(t, normalized=True)
    c = BACKUP_L1.centroid
    add_fac(f"北山水库备用水源界碑{k}", "marker",
            (round(p.x + (c.x - p.x) * 0.02, 1), round(p.y + (c.y - p.y) * 0.02, 1)),
            status="planned", note="备用水源地保护区标志（规划）")

# Public toilets: two in 牧马河湿地公园, one in 人民公园, the rest beside streets.
add_fac("牧马河湿地公园1号公厕", "public_toilet", (-520, yn(-520) + 45),
        note="西字〔2015〕56号：牧马河湿地公园规划建设公厕")
add_fac("牧马河湿地公园2号公厕", "public_toilet", (480, yn(480) + 45),
        note="西字〔2015〕56号：牧马河湿地公园规划建设公厕")
add_fac("人民公园公厕", "public_toilet", (-420, 470))
_TOILET_EDGES = ["人民路", "东大街", "西大街", "北环路", "城北路", "城南路", "和平路",
                 "东关路", "西环路", "东环路", "南环路", "滨河南路", "文化路"]
_planned_toilets = {"北环路", "南环路", "滨河南路"}
for street in _TOILET_EDGES:
    cand = [e for e in edges if e["name"] == street]
    e = cand[len(cand) // 2]
    add_fac(f"{street}公厕", "public_toilet", _offset_mid(e, 14.0, 0.35),
            status="planned" if street in _planned_toilets else "existing",
            note="创文公厕提升（二期）规划新建" if street in _planned_toilets else None)

# Litter bins (果皮箱) along the path of 牧马河湿地公园.
for k, x in enumerate((-820, -560, -300, 260, 560, 840), start=1):
    add_fac(f"牧马河湿地公园果皮箱{k:02d}", "litter_bin", (float(x), round(yn(x) + 30, 1)),
            note="西字〔2015〕56号：在牧马河湿地公园设置果皮箱")

# Garbage collection points beside every other street edge inside the town.
_park_union = unary_union([p["geometry"] for p in parks])
_counter: dict[str, int] = {}
for k, e in enumerate(edges):
    if e["oneway"] or e["group"] in ("城西茶姑娘雕塑至高速引道口段", "316国道高速引道口至柳林段",
                                     "高速公路引道", "板桥中学至古城集镇段") or e["note"] and \
            "跨牧马河" in e["note"]:
        continue
    if k % 3:
        continue
    xy = _offset_mid(e, -12.0, 0.6)
    pt = Point(xy)
    if not BUILT_UP.contains(pt) or pt.distance(_park_union) < 5 or pt.distance(RIVER) < 5:
        continue
    _counter[e["name"]] = _counter.get(e["name"], 0) + 1
    add_fac(f"{e['name']}垃圾收集点{_counter[e['name']]}", "garbage_point", xy)

for k, f in enumerate(facilities, start=1):
    f["fid"] = f"FC-{k:03d}"


# --------------------------------------------------------------------------------------
# The street network (streets) and the renovation segments (road_segments)
# --------------------------------------------------------------------------------------
# Every line above is a street of the drivable network (``streets``).  A few local streets
# on the edges of town are added here, after the facilities were placed beside the streets
# (so that they do not move them): they reach the residential land there.  Like the others
# they end at shared vertices only.

nodes["e0"] = (1780.0, round(_north_y(1780.0), 1))
for _j in (1, 2, 3):
    nodes[f"e{_j}"] = (1780.0, nodes[f"n6{_j}"][1])
nodes["w3"] = (-1870.0, nodes["n03"][1])
nodes["sw1"] = (-1720.0, nodes["s01"][1])
nodes["se0"] = (1850.0, round(_south_y(1850.0), 1))
_n_grid_edges = len(edges)
add_edge("n60", "e0", "东郊滨河路", "local", 12, 2, via=_between(_north_y, 1600, 1780))
for _j in range(3):
    add_edge(f"e{_j}", f"e{_j + 1}", "东郊路", "local", 12, 2)
for _j, _name in ((1, "东郊一路"), (2, "东郊二路"), (3, "东郊三路")):
    add_edge(f"n6{_j}", f"e{_j}", _name, "local", 10, 2)
add_edge("n03", "w3", "鹿龄路", "local", 10, 2)
add_edge("s01", "sw1", "上渡巷", "local", 8, 2)
add_edge("s40", "se0", "东渡滨河路", "local", 12, 2, via=_between(_south_y, 1500, 1850))
# The service road up the valley of 北山沟 to the dam of 北山水库 (the backup water source),
# which the inspectors of its protection zone drive.
nodes["bsk"] = (-300.0, 3960.0)
add_edge("n24", "bsk", "北山水库管理路", "local", 6, 2,
         via=[(-470.0, 1500.0), (-400.0, 2300.0), (-350.0, 3150.0)],
         note="县城至北山水库坝下的管理道路（备用水源保护区巡查）")
LOCAL_ADDITIONS = edges[_n_grid_edges:]

#: Travel speed per road class (km/h), as a county town drives them; the one-way old-town
#: alleys (6 m) are slower still.
SPEED_KMH = {"expressway": 80.0, "national": 50.0, "arterial": 40.0, "collector": 30.0,
             "local": 20.0, "approach": 40.0}
ALLEY_SPEED_KMH = 15.0
#: Street trees (行道树): the projected crown width of the row on each side (m), per road
#: class, as a county town's plane trees and camphors grow (4-8 m); none in the narrow
#: one-way alleys, the lanes (…巷) and on the reservoir service road (no kerbs, fields).
CANOPY_W = {"expressway": 0.0, "national": 8.0, "arterial": 8.0, "collector": 7.0,
            "local": 5.0, "approach": 8.0}
NO_STREET_TREES = ("北山水库管理路",)
for k, e in enumerate(edges, start=1):
    e["sid"] = f"ST-{k:03d}"
    e["speed_kmh"] = ALLEY_SPEED_KMH if e["oneway"] else SPEED_KMH[e["road_class"]]
    bare = e["oneway"] or e["name"].endswith("巷") or e["name"] in NO_STREET_TREES
    e["canopy_w"] = None if bare else CANOPY_W[e["road_class"]]

#: The renovation segments (道路改造路段): the seed document's segments, and the streets the
#: ledger's later projects renovate (人民路: 文明交通示范路, 无障碍, 管网; the old-town
#: streets and alleys: 老城背街小巷综合整治).  Each is one line of the network, same geometry.
SEED_GROUPS = ("城西茶姑娘雕塑至高速引道口段", "316国道高速引道口至柳林段", "板桥中学至古城集镇段",
               "高速公路引道", "城南和平桥头至上渡转盘段",
               "河滨北路（东渡大桥以西至新建牧马河大桥段）")
LEDGER_STREETS = {"人民路": "创文主干路提升：文明交通示范路、无障碍设施、合流制管网改造",
                  "西大街": "老城背街小巷综合整治", "东大街": "老城背街小巷综合整治",
                  **{name: None for name in ALLEYS.values()}}
for e in edges[:_n_grid_edges]:
    e["renovation"] = e["group"] in SEED_GROUPS or e["name"] in LEDGER_STREETS
    if e["name"] in LEDGER_STREETS and e["note"] is None:
        e["note"] = LEDGER_STREETS[e["name"]]
for e in LOCAL_ADDITIONS:
    e["renovation"] = False
renovation = [e for e in edges if e["renovation"]]


# --------------------------------------------------------------------------------------
# Residential land (居住用地, class R)
# --------------------------------------------------------------------------------------
# The land between the street corridors is cut into parcels of about 340 m × 260 m (less
# 8 m each side for the compound lanes), clear of water, parks, protective green, squares,
# the market and the institutions' grounds (their attached green plus 5 m).  Parcels that
# hold a residential compound's attached green (居住区附属绿地) are residential; the rest of
# each community's residential land, up to RES_SCALE × its res_share of its land, is taken
# from the outside in (the old core keeps its shops and offices; new estates grew on the
# edges, where the parks are fewer: hence the gap in the park service coverage).

RES_SCALE = 0.8              # residential land ≈ 0.8 × res_share × (community − river)
RES_SHARE_OF_POPULATION = 0.9  # the rest of the residents live on other land (shops, units)
PARCEL_W, PARCEL_H, LANE = 340.0, 260.0, 8.0
RES_MIN_AREA, RES_MIN_HALF_WIDTH = 15000.0, 20.0
SERVICE_RADIUS = {"large": 500.0, "medium": 300.0, "historic": 300.0}


def park_service_radius(area: float, historic: bool) -> float:
    """Service radius (m) of a park: ≥ 5,000 m² → 500, 2,000–5,000 m² → 300, and in a
    historic district ≥ 1,000 m² → 300; 0 for a park too small to count."""
    if area >= 5_000:
        return SERVICE_RADIUS["large"]
    if area >= 2_000:
        return SERVICE_RADIUS["medium"]
    if historic and area >= 1_000:
        return SERVICE_RADIUS["historic"]
    return 0.0


def _community_at(point) -> dict:
    inside = [c for c in communities if c["geometry"].contains(point)]
    return inside[0] if inside else min(communities,
                                        key=lambda c: c["geometry"].distance(point))


_corridors = unary_union([LineString(e["coords"]).buffer(e["width_m"] / 2 + 6.0)
                          for e in edges])
_water = unary_union([w["geometry"] for w in watercourses])
_institutions = unary_union([g["geometry"] for g in greens
                             if g["green_cls"] == "XG" and g["note"] == "单位附属绿地"])
_compound_greens = [g for g in greens if g["green_cls"] == "XG" and g["note"] != "单位附属绿地"]
_not_residential = unary_union([
    _water.buffer(15.0), _park_union.buffer(8.0),
    unary_union([g["geometry"] for g in greens if g["green_cls"] in ("G2", "G3", "EG")]
                ).buffer(3.0),
    MARKET.buffer(10.0), _institutions.buffer(5.0),
])
_street_blocks = BUILT_UP.difference(_corridors).difference(RIVER.buffer(20.0))
_parcels = []
for _block in sorted((g for g in _street_blocks.geoms if g.area > 5_000),
                     key=lambda g: (round(g.bounds[1]), round(g.bounds[0]))):
    bx0, by0, bx1, by1 = _block.bounds
    nx = max(1, round((bx1 - bx0) / PARCEL_W))
    ny = max(1, round((by1 - by0) / PARCEL_H))
    for i in range(nx):
        for j in range(ny):
            x0 = bx0 + i * (bx1 - bx0) / nx
            x1 = bx0 + (i + 1) * (bx1 - bx0) / nx
            y0 = by0 + j * (by1 - by0) / ny
            y1 = by0 + (j + 1) * (by1 - by0) / ny
            cell = rect(x0 + LANE, y0 + LANE, x1 - LANE, y1 - LANE).intersection(_block)
            piece = cell.difference(_not_residential)
            if piece.is_empty:
                continue
            if piece.geom_type != "Polygon":
                piece = max(getattr(piece, "geoms", [piece]), key=lambda g: g.area)
            if piece.geom_type != "Polygon" or piece.area < RES_MIN_AREA \
                    or piece.buffer(-RES_MIN_HALF_WIDTH).is_empty:
                continue
            piece = shapely.set_precision(piece.simplify(1.0), 0.1)
            _parcels.append(piece)

residential: list[dict] = []
for c in communities:
    mine = [g for g in _parcels if _community_at(g.centroid) is c]
    compound = [g for g in mine if any(g.intersection(x["geometry"]).area > 0.05 * g.area
                                       for x in _compound_greens)]
    others = sorted((g for g in mine if not any(g is x for x in compound)),
                    key=lambda g: (-round(g.centroid.distance(Point(0, 0))), g.bounds))
    target = RES_SCALE * c["res_share"] * c["geometry"].difference(RIVER).area
    chosen, area = list(compound), sum(g.area for g in compound)
    for g in others:
        if area >= target:
            break
        chosen.append(g)
        area += g.area
    assert chosen, c["name"]
    # Residents: 90 % of the community's population, spread by area, in tens.
    total = int(round(c["population"] * RES_SHARE_OF_POPULATION / 10.0)) * 10
    raw = [total * g.area / area for g in chosen]
    pops = [int(v // 10) * 10 for v in raw]
    for k in sorted(range(len(chosen)), key=lambda k: pops[k] - raw[k])[
            : (total - sum(pops)) // 10]:
        pops[k] += 10
    for g, pop in zip(chosen, pops):
        named = max(_compound_greens, key=lambda x: g.intersection(x["geometry"]).area)
        name = (named["name"].removesuffix("绿地")
                if g.intersection(named["geometry"]).area > 0.05 * g.area else None)
        residential.append(dict(name=name, community=c["name"], population=pop, geometry=g))

residential.sort(key=lambda r: (-round(r["geometry"].centroid.y, -1),
                                round(r["geometry"].centroid.x, -1)))
_seen_names: dict[str, int] = {}
for k, r in enumerate(residential, start=1):
    r["fid"] = f"RL-{k:03d}"
    if r["name"] is None:
        _seen_names[r["community"]] = _seen_names.get(r["community"], 0) + 1
        r["name"] = f"{r['community']}居住地块{_seen_names[r['community']]}"
    elif r["name"] in _seen_names:
        _seen_names[r["name"]] += 1
        r["name"] = f"{r['name']}（{_seen_names[r['name']]}期）"
    else:
        _seen_names[r["name"]] = 1


def fac_fids(kind=None, prefix=None, status=None):
    return [f["fid"] for f in facilities
            if (kind is None or f["kind"] == kind)
            and (prefix is None or f["name"].startswith(prefix))
            and (status is None or f["status"] == status)]


def green_fids(cls=None, contains=None):
    return [g["fid"] for g in greens
            if (cls is None or g["green_cls"] == cls)
            and (contains is None or (g["name"] and contains in g["name"]))]


# --------------------------------------------------------------------------------------
# Project ledger (台账)
# --------------------------------------------------------------------------------------

C = {c.code: c.zh for c in cat.CAMPAIGNS}
SAN, GARDEN, ECOGARDEN, ECO, PCIV, NCIV = (C["national_sanitary"], C["national_garden"],
                                           C["provincial_eco_garden"], C["provincial_eco"],
                                           C["provincial_civilized"], C["national_civilized"])
CATEGORY = {c.code: c.zh for c in cat.PROJECT_CATEGORIES}
STATUS = {s.code: s.zh for s in cat.STATUSES}


def refs(layer, fids):
    return [f"{layer}:{f}" for f in fids]


def R(*groups):
    """The renovation segments of *groups* (every one must be a renovation segment)."""
    fids = [f for g in groups for f in road_fids(g)]
    assert all(e["renovation"] for e in edges if e.get("fid") in fids), groups
    return refs("road_segments", fids)


def P(*names):
    return refs("parks", [park_fid(n) for n in names])


def SZ(*fids):
    return refs("shantytown_zones", fids)


def CM(*names):
    return refs("communities", [c["fid"] for c in communities if c["name"] in names])


BU = refs("built_up_area", ["BU-01"])

_toilets_old = [f["fid"] for f in facilities if f["kind"] == "public_toilet"
                and f["status"] == "existing" and "湿地公园" not in f["name"]]
_gpoints = fac_fids("garbage_point")

# (code, name, category, campaigns, department, person, status, progress, budget (万元),
#  start, due, content, related features)
PROJECTS = [
    # --- 第一轮“六城（县）联创” 2015–2020 (西字〔2015〕56号) ---
    ("LC-2015-001", "城西茶姑娘雕塑至高速引道口段综合改造", "road", [SAN, NCIV], "县住建局",
     "张某某", "accepted", 100, 2360, "2015-03-20", "2015-10-31",
     "道路拓宽、人行道、绿化、亮化综合改造；作为其余路段改造参照标准",
     R("城西茶姑娘雕塑至高速引道口段")
     + refs("green_spaces", green_fids(contains="城西入城"))),
    ("LC-2016-001", "316国道高速引道口至柳林段综合改造", "road", [SAN], "县交通运输局",
     "李某某", "accepted", 100, 1850, "2016-03-15", "2016-11-30",
     "参照城西段标准进行路面、边沟、绿化、亮化综合改造", R("316国道高速引道口至柳林段")),
    ("LC-2016-002", "板桥中学至古城集镇段综合改造", "road", [SAN], "县交通运输局",
     "李某某", "accepted", 100, 1260, "2016-04-01", "2017-06-30",
     "参照城西段标准综合改造", R("板桥中学至古城集镇段")),
    ("LC-2016-003", "城南和平桥头至上渡转盘段综合改造", "road", [SAN, PCIV], "县住建局",
     "张某某", "accepted", 100, 980, "2016-05-10", "2016-12-31",
     "参照城西段标准综合改造，含上渡转盘交通岛绿化", R("城南和平桥头至上渡转盘段")),
    ("LC-2016-004", "高速公路引道景观改造工程", "greening", [SAN, GARDEN], "县住建局",
     "王某某", "accepted", 100, 760, "2016-06-01", "2017-05-31",
     "引道两侧景观绿带、入城标识及亮化",
     R("高速公路引道") + refs("green_spaces", green_fids(contains="高速公路引道"))),
    ("LC-2016-005", "城北带状公园建设", "greening", [SAN, GARDEN, ECOGARDEN], "县住建局",
     "王某某", "accepted", 100, 3200, "2016-03-01", "2017-06-30",
     "建成城北带状公园，含园路、绿化、照明及休憩设施", P("城北带状公园")),
    ("LC-2016-006", "河滨北路（东渡大桥以西至新建牧马河大桥段）环境卫生整治", "sanitation",
     [SAN], "县城市管理局", "赵某某", "accepted", 100, 45, "2016-01-10", "2016-06-30",
     "彻底整治环境卫生，清除垃圾堆积",
     R("河滨北路（东渡大桥以西至新建牧马河大桥段）")),
    ("LC-2016-007", "牧马河湿地公园果皮箱设置", "sanitation", [SAN], "县城市管理局",
     "赵某某", "accepted", 100, 12, "2016-04-01", "2016-06-30",
     "在牧马河湿地公园设置果皮箱等垃圾收集设施",
     refs("facilities", fac_fids("litter_bin")) + P("牧马河湿地公园")),
    ("LC-2016-008", "牧马河湿地公园公厕建设", "sanitation", [SAN], "县城市管理局",
     "赵某某", "accepted", 100, 86, "2016-05-01", "2016-12-31",
     "规划建设湿地公园公厕两座",
     refs("facilities", fac_fids("public_toilet", prefix="牧马河湿地公园"))),
    ("LC-2017-001", "河滨北路市政配套建设", "municipal", [SAN, PCIV], "县住建局",
     "张某某", "accepted", 100, 1480, "2017-03-01", "2018-10-31",
     "雨污分流管网、人行道、路灯等市政配套",
     R("河滨北路（东渡大桥以西至新建牧马河大桥段）")),
    ("LC-2017-002", "原板桥水泥厂门前渠道清淤整治（一期）", "watercourse", [SAN, ECO],
     "县水利局", "孙某某", "completed", 100, 160, "2017-04-01", "2017-12-31",
     "两条汇入牧马河渠道清淤、垃圾清理", refs("watercourses", ["WC-02", "WC-03"])),
    ("LC-2016-009", "东关棚户区改造", "shantytown", [SAN, GARDEN], "县住建局", "周某某",
     "accepted", 100, 12800, "2016-03-01", "2019-12-31", "征收安置、危旧房拆除及配套建设",
     SZ("SZ-01")),
    ("LC-2016-010", "西关棚户区改造", "shantytown", [SAN, GARDEN], "县住建局", "周某某",
     "accepted", 100, 10600, "2016-06-01", "2019-12-31", "征收安置、危旧房拆除及配套建设",
     SZ("SZ-02")),
    ("LC-2017-003", "南关棚户区改造", "shantytown", [SAN, PCIV], "县住建局", "周某某",
     "completed", 100, 7400, "2017-03-01", "2020-10-31", "征收安置及南门外街巷改造",
     SZ("SZ-03")),
    ("LC-2017-004", "鹿龄社区城乡结合部改造", "shantytown", [SAN, NCIV], "城北街道办事处",
     "吴某某", "in_progress", 86, 5200, "2017-05-01", "2020-12-31",
     "城乡结合部道路硬化、排水、环境整治及安置", SZ("SZ-04") + CM("鹿龄社区")),
    ("LC-2017-005", "莲花社区城乡结合部改造", "shantytown", [SAN, NCIV], "城南街道办事处",
     "郑某某", "completed", 100, 4300, "2017-05-01", "2020-06-30",
     "城乡结合部道路硬化、排水、环境整治", SZ("SZ-05") + CM("莲花社区")),
    ("LC-2016-011", "城东农贸市场建设", "municipal", [SAN, NCIV], "县市场监管局", "钱某某",
     "accepted", 100, 2650, "2016-04-01", "2017-09-30", "新建标准化农贸市场",
     refs("facilities", fac_fids("market", prefix="城东"))),
    ("LC-2016-012", "县城建筑垃圾填埋场建设", "sanitation", [SAN], "县城市管理局",
     "赵某某", "accepted", 100, 680, "2016-05-01", "2017-08-31",
     "选址建成县城建筑垃圾填埋场（避开水源保护区）",
     refs("facilities", fac_fids("landfill"))),
    ("LC-2016-013", "牧马河饮用水水源地界碑、警示及宣传标识设置", "water_source", [ECO],
     "县环保局", "冯某某", "accepted", 100, 28, "2016-03-01", "2016-08-31",
     "增设水源地界碑、警示牌、宣传牌",
     refs("water_source_areas", ["WS-01", "WS-02"])
     + refs("facilities", fac_fids("marker", prefix="牧马河水源地"))),
    ("LC-2016-014", "牧马河饮用水水源一级保护区隔离围网", "water_source", [ECO, SAN],
     "县水利局", "孙某某", "accepted", 100, 95, "2016-06-01", "2017-03-31",
     "一级保护区陆域隔离围网", refs("water_source_areas", ["WS-01"])),
    ("LC-2017-006", "县城备用水源地（北山水库）建设", "water_source", [ECO, SAN], "县水利局",
     "孙某某", "completed", 100, 4600, "2017-03-01", "2020-11-30",
     "加快备用水源地建设，提高县城集中供水覆盖范围",
     refs("water_source_areas", ["WS-03"])
     + refs("facilities", fac_fids("water_intake", prefix="北山"))),
    ("LC-2016-015", "建成区环卫保洁全覆盖及主次干道每周冲洗", "sanitation", [SAN],
     "县城市管理局", "赵某某", "accepted", 100, 320, "2016-01-01", "2016-12-31",
     "按标准配足保洁员及作业设备，主次干道每周冲洗一次", BU),
    ("LC-2016-016", "中心城区喷雾降霾作业", "sanitation", [SAN, ECO], "县城市管理局",
     "赵某某", "completed", 100, 85, "2016-10-01", "2017-03-31",
     "适时对中心城区进行喷雾降霾作业", BU),
    ("LC-2016-017", "城区公厕新建改造（一期）", "sanitation", [SAN], "县城市管理局",
     "赵某某", "accepted", 100, 420, "2016-03-01", "2016-12-31", "新建、改造城区公厕",
     refs("facilities", _toilets_old)),
    ("LC-2016-018", "垃圾收集点标准化建设", "sanitation", [SAN, ECO], "县城市管理局",
     "赵某某", "accepted", 100, 150, "2016-03-01", "2016-10-31",
     "垃圾收集点标准化改造，提高垃圾收集转运量",
     refs("facilities", _gpoints[: len(_gpoints) // 2] + fac_fids("transfer_station"))),
    ("LC-2016-019", "县城绿地系统规划编制及绿线划定", "greening", [GARDEN, ECOGARDEN],
     "县住建局", "王某某", "accepted", 100, 60, "2016-01-15", "2016-09-30",
     "编制县城绿地系统规划，划定绿线（否决项）", BU),
    ("LC-2017-007", "人民公园提升改造", "greening", [GARDEN, ECOGARDEN], "县住建局",
     "王某某", "accepted", 100, 900, "2017-03-01", "2017-12-31", "园路、植被、设施提升",
     P("人民公园")),
    ("LC-2018-001", "城南滨河公园建设", "greening", [GARDEN, ECOGARDEN], "县住建局",
     "王某某", "accepted", 100, 1650, "2018-03-01", "2019-06-30",
     "牧马河南岸滨河公园", P("城南滨河公园")),
    ("LC-2017-008", "单位庭院及居住区附属绿地达标建设", "greening", [GARDEN, ECOGARDEN],
     "县住建局", "王某某", "completed", 100, 520, "2017-03-01", "2018-12-31",
     "实行全社会绿化达标责任制", refs("green_spaces", green_fids("XG")[:12])),
    ("LC-2016-020", "牧马河两岸防护绿带建设", "greening", [GARDEN, ECO], "县住建局",
     "王某某", "accepted", 100, 780, "2016-04-01", "2017-04-30", "河道绿化",
     refs("green_spaces", green_fids("G2", contains="牧马河"))),
    ("LC-2017-009", "城北片区合流制管网改造", "municipal", [ECO], "县住建局", "张某某",
     "accepted", 100, 2100, "2017-04-01", "2018-11-30",
     "合流制管网改造，提高污水收集率", R("人民路")),
    ("LC-2016-021", "“讲文明树新风”公益广告设置", "civility", [PCIV, NCIV],
     "县委宣传部（文明办）", "陈某某", "accepted", 100, 65, "2016-03-01", "2016-09-30",
     "主次干道、公园、广场按标准设置公益广告",
     R("人民路") + P("人民公园") + refs("green_spaces", green_fids("G3")[:2])),
    ("LC-2016-022", "病媒生物防制及健康教育", "sanitation", [SAN], "县爱卫办", "褚某某",
     "accepted", 100, 40, "2016-01-01", "2016-12-31", "病媒生物防制、健康教育", []),
    ("LC-2016-023", "“六小”场所卫生及生活饮用水水质监管", "sanitation", [SAN],
     "县爱卫办", "褚某某", "accepted", 100, 25, "2016-01-01", "2016-12-31",
     "小餐饮、小旅社等公共场所卫生及自来水厂水质监管",
     refs("facilities", fac_fids("water_intake", prefix="县城水厂"))),
    # --- 创建全国文明城市 2022–2026 (2022-03-06 决定) ---
    ("LC-2022-001", "创文公益广告提升（主次干道）", "civility", [NCIV],
     "县委宣传部（文明办）", "陈某某", "accepted", 100, 120, "2022-04-01", "2022-12-31",
     "按《全国县级文明城市测评体系》设置公益广告",
     R("人民路") + refs("green_spaces", green_fids("XG", contains="道路绿地"))),
    ("LC-2022-002", "老城背街小巷综合整治", "road", [NCIV], "城北街道办事处", "吴某某",
     "completed", 100, 380, "2022-05-01", "2023-06-30", "老城巷道路面、排水、立面整治",
     R(*ALLEYS.values()) + R("西大街", "东大街")),
    ("LC-2022-003", "新时代文明实践中心建设", "civility", [NCIV], "县委宣传部（文明办）",
     "陈某某", "in_progress", 80, 1800, "2022-09-01", "2025-12-31",
     "新建县新时代文明实践中心", CM("北关社区")),
    ("LC-2022-004", "文明交通示范路（人民路）创建", "civility", [NCIV], "县交通运输局",
     "李某某", "completed", 100, 90, "2022-06-01", "2022-12-31", "交通标志标线、文明劝导",
     R("人民路")),
    ("LC-2023-001", "城区公厕提升（二期，创文）", "sanitation", [NCIV, SAN], "县城市管理局",
     "赵某某", "in_progress", 60, 360, "2023-04-01", "2026-10-31", "新建公厕三座，改造无障碍设施",
     refs("facilities", fac_fids("public_toilet", status="planned"))),
    ("LC-2023-002", "垃圾分类收集点建设", "sanitation", [NCIV, SAN], "县城市管理局",
     "赵某某", "in_progress", 75, 260, "2023-05-01", "2026-12-31", "垃圾分类收集点改造",
     refs("facilities", _gpoints[len(_gpoints) // 2:])),
    ("LC-2023-003", "主干路无障碍设施改造", "municipal", [NCIV], "县住建局", "张某某",
     "completed", 100, 430, "2023-03-01", "2024-06-30", "盲道、缘石坡道等无障碍改造",
     R("人民路", "城南和平桥头至上渡转盘段")),
    ("LC-2023-004", "南关片区老旧小区改造", "shantytown", [NCIV], "县住建局", "周某某",
     "in_progress", 55, 3600, "2023-06-01", "2026-08-31", "老旧小区管网、立面、绿化改造",
     SZ("SZ-03") + CM("南关社区")),
    ("LC-2023-005", "城北带状公园提质改造", "greening", [GARDEN, NCIV], "县住建局",
     "王某某", "planned", 0, 650, "2027-03-01", "2027-12-31", "植被补植、健身步道、照明",
     P("城北带状公园")),
    ("LC-2024-001", "东渡社区渠道生态护岸及截污工程", "watercourse", [ECO, NCIV], "县水利局",
     "孙某某", "suspended", 30, 820, "2024-04-01", "2025-10-31",
     "原板桥水泥厂门前两条渠道流域综合治理（二期）：生态护岸、截污",
     refs("watercourses", ["WC-02", "WC-03"]) + CM("东渡社区")),
    ("LC-2024-002", "河滨北路人行道及亮化提升", "municipal", [NCIV], "县住建局", "张某某",
     "completed", 100, 560, "2024-03-01", "2024-12-31", "人行道铺装、路灯更新",
     R("河滨北路（东渡大桥以西至新建牧马河大桥段）")),
    ("LC-2024-003", "北山水库备用水源保护区划定及标志设置", "water_source", [ECO, NCIV],
     "市生态环境局西乡分局", "冯某某", "approved", 5, 45, "2025-03-01", "2026-09-30",
     "报批备用水源保护区，设置界碑、警示牌",
     refs("water_source_areas", ["WS-03"])
     + refs("facilities", fac_fids("marker", prefix="北山"))),
    ("LC-2024-004", "城东农贸市场标准化改造", "municipal", [NCIV, SAN], "县市场监管局",
     "钱某某", "in_progress", 65, 480, "2024-05-01", "2026-12-31", "分区改造、排水及除四害设施",
     refs("facilities", fac_fids("market", prefix="城东"))),
    ("LC-2024-005", "牧马河湿地公园果皮箱更新及智慧管护", "sanitation", [NCIV],
     "县城市管理局", "赵某某", "planned", 0, 38, "2027-04-01", "2027-10-31",
     "更新果皮箱，设置智慧管护设施",
     P("牧马河湿地公园") + refs("facilities", fac_fids("litter_bin"))),
    ("LC-2025-001", "莲花社区公园建设", "greening", [GARDEN, NCIV], "县住建局", "王某某",
     "approved", 5, 980, "2026-12-15", "2027-12-31", "新建社区公园（选址莲花社区）",
     CM("莲花社区")),
    ("LC-2025-002", "社区游园（口袋公园）建设", "greening", [GARDEN, NCIV], "县住建局",
     "王某某", "in_progress", 40, 260, "2025-04-01", "2026-11-15",
     "新建、改造社区游园", P("莲花游园", "鹿龄游园", "上渡游园")),
    ("LC-2025-003", "建筑垃圾填埋场封场及资源化利用", "sanitation", [ECO, NCIV],
     "县城市管理局", "赵某某", "planned", 0, 1500, "2027-05-01", "2028-06-30",
     "填埋场封场，建设建筑垃圾资源化利用设施", refs("facilities", fac_fids("landfill"))),
    ("LC-2025-004", "上渡转盘交通组织优化", "road", [NCIV], "县交通运输局", "李某某",
     "suspended", 20, 240, "2025-06-01", "2026-05-31", "转盘渠化改造及信号控制",
     refs("road_segments", [e["fid"] for e in edges  # the part ending at 上渡转盘 (s00)
                            if e["group"] == "城南和平桥头至上渡转盘段" and e["b"] == "s00"])),
    ("LC-2026-001", "主次干道机械化清扫全覆盖", "sanitation", [NCIV, SAN], "县城市管理局",
     "赵某某", "in_progress", 70, 350, "2026-03-01", "2026-12-31", "机械化清扫、洒水",
     BU),
    ("LC-2026-002", "文明城市创建社区志愿服务站建设", "civility", [NCIV],
     "县委宣传部（文明办）", "陈某某", "approved", 10, 70, "2026-10-01", "2027-06-30",
     "各社区建设志愿服务站", CM("东渡社区", "和平社区", "东关社区", "西关社区")),
]
PROJECT_HEADINGS = ["项目编号", "项目名称", "项目类别", "所属创建", "责任单位", "责任人", "状态",
                    "进度(%)", "投资(万元)", "开工日期", "完成时限", "建设内容", "关联要素"]


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

_METRIC_SHIFT = dict(xoff=X0, yoff=Y0)


def to_metric(geom):
    return affinity.translate(geom, **_METRIC_SHIFT)


def frame(layer: str, records: list[dict], crs: str) -> gpd.GeoDataFrame:
    spec = cat.get_layer(layer)
    cols = ["fid"] + [f.name for f in spec.fields]
    rows = [{c: r.get(c) for c in cols} for r in records]
    gdf = gpd.GeoDataFrame(rows, columns=cols,
                           geometry=[to_metric(r["geometry"]) for r in records],
                           crs=METRIC_CRS)
    if crs != METRIC_CRS:
        gdf = gdf.to_crs(crs)
        grid = 1e-7
    else:
        grid = 0.01
    gdf["geometry"] = shapely.set_precision(gdf.geometry.values, grid)
    for f in spec.fields:  # object columns of booleans / reals stay typed
        if f.type == "boolean":
            gdf[f.name] = gdf[f.name].astype(bool)
        elif f.type == "real":
            gdf[f.name] = gdf[f.name].astype(float)
        elif f.type == "integer":
            gdf[f.name] = gdf[f.name].astype("int64")
    return gdf


def _pin_dbf_date(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.seek(1)
        fh.write(bytes(DBF_DATE))


def write_layer(layer: str, gdf: gpd.GeoDataFrame, encoding: str = "UTF-8",
                cpg: bool = True) -> None:
    stem = OUT / layer
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        stem.with_suffix(ext).unlink(missing_ok=True)
    gdf.to_file(stem.with_suffix(".shp"), driver="ESRI Shapefile", encoding=encoding,
                engine="pyogrio")
    _pin_dbf_date(stem.with_suffix(".dbf"))
    if not cpg:
        stem.with_suffix(".cpg").unlink(missing_ok=True)


def write_projects(path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(PROJECT_HEADINGS)
        for (code, name, category, campaigns, dept, person, status, progress, budget, start,
             due, content, related) in sorted(PROJECTS):
            w.writerow([code, name, CATEGORY[category], "、".join(campaigns), dept, person,
                        STATUS[status], progress, f"{budget:g}", start, due, content,
                        ";".join(related)])


LAYER_DATA = {
    "road_segments": [dict(e, geometry=LineString(e["coords"])) for e in renovation],
    "parks": parks,
    "watercourses": watercourses,
    "shantytown_zones": shanty,
    "water_source_areas": water_sources,
    "green_spaces": greens,
    "built_up_area": built_up,
    "communities": communities,
    "residential_land": residential,
    "streets": [dict(e, fid=e["sid"], geometry=LineString(e["coords"])) for e in edges],
    "facilities": facilities,
}
assert list(LAYER_DATA) == list(cat.layer_names()), "one file per catalogue layer, in its order"
LAYER_CRS = {name: (METRIC_CRS if name == "parks" else STORAGE_CRS) for name in LAYER_DATA}
LAYER_ENCODING = {name: ("GBK" if name == "communities" else "UTF-8") for name in LAYER_DATA}


def build() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for layer, records in LAYER_DATA.items():
        gdf = frame(layer, records, LAYER_CRS[layer])
        write_layer(layer, gdf, encoding=LAYER_ENCODING[layer], cpg=layer != "communities")
    write_projects(OUT / "projects.csv")


# --------------------------------------------------------------------------------------
# Checks (on the files as written) and summary
# --------------------------------------------------------------------------------------

def read_back(layer: str) -> gpd.GeoDataFrame:
    path = OUT / f"{layer}.shp"
    if layer == "communities":
        return gpd.read_file(path, encoding="gbk")
    return gpd.read_file(path)


def check() -> dict:
    summary: dict = {"layers": {}}
    data = {name: read_back(name) for name in LAYER_DATA}
    metric = {name: gdf.to_crs(METRIC_CRS) for name, gdf in data.items()}

    # CRS, encodings, sidecar files.
    for name in LAYER_DATA:
        prj = (OUT / f"{name}.prj").read_text()
        assert CRS.from_wkt(prj).equals(CRS.from_user_input(LAYER_CRS[name])) or \
            CRS.from_wkt(prj).to_epsg() == CRS.from_user_input(LAYER_CRS[name]).to_epsg(), name
        cpg = OUT / f"{name}.cpg"
        if name == "communities":
            assert not cpg.exists(), "communities must have no .cpg"
        else:
            assert cpg.read_text().strip() == "UTF-8", name
    raw = (OUT / "communities.dbf").read_bytes()
    assert "东渡社区".encode("gbk") in raw and "城南街道".encode("gbk") in raw
    assert "东渡社区".encode("utf-8") not in raw
    assert raw[29] == 0, "communities.dbf must declare no code page (LDID 0)"
    assert CRS.from_wkt((OUT / "parks.prj").read_text()).to_epsg() == 4545

    # Per-layer schema: geometry, fid, every field coerced and checked against the spec.
    for name, gdf in data.items():
        spec = cat.get_layer(name)
        assert len(gdf) > 0, name
        assert gdf.geometry.notna().all() and (~gdf.geometry.is_empty).all(), name
        assert gdf.geometry.is_valid.all(), (name, gdf[~gdf.geometry.is_valid]["fid"].tolist())
        assert set(gdf.geom_type) <= set(spec.accepted_types), (name, set(gdf.geom_type))
        assert gdf["fid"].notna().all() and gdf["fid"].is_unique, name
        assert list(gdf.columns[:-1]) == ["fid"] + [f.name for f in spec.fields], name
        for f in spec.fields:
            for fid, value in zip(gdf["fid"], gdf[f.name]):
                coerced = f.coerce(value)
                problems = f.check(coerced)
                assert not problems, (name, fid, f.name, value, problems)
                if f.choices and coerced is not None:
                    assert coerced in f.choice_codes and value == coerced, (name, fid, value)
        summary["layers"][name] = len(gdf)

    m = metric
    river = m["watercourses"].loc[m["watercourses"]["kind"] == "river"].union_all()
    bu = m["built_up_area"].geometry.iloc[0]
    bu_area = bu.area
    population = int(data["built_up_area"]["population"].iloc[0])

    # Parks and green space stay out of the river; parks lie in the built-up area.
    for name in ("parks", "green_spaces"):
        for fid, geom in zip(m[name]["fid"], m[name].geometry):
            assert geom.intersection(river).area <= 1.0, (name, fid)
    water = m["watercourses"].union_all()  # the channels and streams too: no park in water
    for fid, geom in zip(m["parks"]["fid"], m["parks"].geometry):
        assert geom.intersection(water).area <= 1.0, ("parks", fid)
    assert all(bu.buffer(0.5).contains(g) for g in m["parks"].geometry)
    assert not m["green_spaces"].loc[m["green_spaces"]["green_cls"] == "EG"].geometry.apply(
        lambda g: g.intersection(bu).area > 1.0).any(), "EG must lie outside the built-up area"
    overlaps = sum(1 for a, b in combinations(m["green_spaces"].geometry, 2)
                   if a.intersection(b).area > 10.0)
    assert overlaps >= 3, "a few green spaces should overlap each other"
    park_union = m["parks"].union_all()
    assert park_union.intersection(m["green_spaces"].union_all()).area < 1.0

    # Communities tile the built-up area.
    cm = m["communities"]
    union_area = cm.union_all().area
    assert abs(union_area - bu_area) / bu_area < 0.005, (union_area, bu_area)
    overlap = sum(a.intersection(b).area for a, b in combinations(cm.geometry, 2))
    assert overlap < 1.0, overlap
    assert cm.union_all().symmetric_difference(bu).area / bu_area < 0.005
    assert int(cm["population"].sum()) == population
    assert set(cm["street"]) == {"城北街道", "城南街道"}
    for must in ("东渡社区", "鹿龄社区", "莲花社区"):
        assert must in set(cm["name"]), must
    assert cm.loc[cm["name"] == "东渡社区", "street"].iloc[0] == "城南街道"
    assert 12 <= len(cm) <= 20 and cm["res_share"].between(0.3, 0.6).all()
    sz = data["shantytown_zones"].set_index("name")["community"]
    assert sz["鹿龄社区城乡结合部改造片区"] == "鹿龄社区"
    assert sz["莲花社区城乡结合部改造片区"] == "莲花社区"
    assert sz["东关棚户区"] == "东关社区" and sz["西关棚户区"] == "西关社区"
    assert sz["南关棚户区"] == "南关社区"

    # The landfill: outside the built-up area and every water-source zone.
    fac = m["facilities"]
    landfill = fac.loc[fac["kind"] == "landfill"].geometry
    assert len(landfill) == 1
    for point in landfill:
        assert not bu.intersects(point)
        for zone in m["water_source_areas"].geometry:
            assert not zone.intersects(point)
    intake = fac.loc[fac["name"] == "县城水厂牧马河取水口"].geometry.iloc[0]
    assert river.contains(intake)
    in_river = fac.loc[fac.geometry.apply(river.intersects), "kind"]
    assert set(in_river) == {"water_intake"}, set(in_river)
    ws = m["water_source_areas"]
    assert ws.loc[ws["zone_level"] == "level1"].geometry.apply(
        lambda z: z.contains(intake)).any()
    wetland = m["parks"].loc[m["parks"]["name"] == "牧马河湿地公园"].geometry.iloc[0]
    bins = fac.loc[fac["kind"] == "litter_bin"].geometry
    assert len(bins) >= 3 and all(wetland.contains(p) for p in bins)
    n_toilets = int((fac["kind"] == "public_toilet").sum())
    n_garbage = int((fac["kind"] == "garbage_point").sum())
    assert 12 <= n_toilets <= 20, n_toilets
    assert 25 <= n_garbage <= 40, n_garbage
    assert not fac.loc[fac["kind"] == "garbage_point"].geometry.apply(
        park_union.contains).any(), "no garbage point inside a park"

    # The street network: 60-150 streets meeting only at shared end vertices (split at every
    # junction), strongly connected with the one-way streets, over the river on 3 bridges.
    st = data["streets"]
    assert 60 <= len(st) <= 150, len(st)
    assert st["oneway"].any() and (st["speed_kmh"] > 0).all()
    assert st["fid"].str.fullmatch(r"ST-\d{3}").all()
    ends = []
    for geom in st.geometry:
        coords = list(geom.coords)
        ends.append((coords[0], coords[-1]))
    end_points = {p for pair in ends for p in pair}
    geoms = list(st.geometry)
    tree = shapely.STRtree(geoms)
    for i, a in enumerate(geoms):
        for j in tree.query(a):
            if j <= i:
                continue
            inter = a.intersection(geoms[j])
            if inter.is_empty:
                continue
            pts = [inter] if inter.geom_type == "Point" else list(getattr(inter, "geoms", []))
            assert all(p.geom_type == "Point" and (p.x, p.y) in end_points
                       and (p.x, p.y) in ends[i] and (p.x, p.y) in ends[j] for p in pts), \
                (st["fid"].iloc[i], st["fid"].iloc[j], inter.wkt[:80])
    fwd: dict = {}
    back: dict = {}
    for (a, b), oneway in zip(ends, st["oneway"]):
        fwd.setdefault(a, set()).add(b)
        back.setdefault(b, set()).add(a)
        if not oneway:
            fwd.setdefault(b, set()).add(a)
            back.setdefault(a, set()).add(b)

    def reach(graph, start):
        seen, todo = {start}, [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    start = ends[0][0]
    assert reach(fwd, start) == end_points and reach(back, start) == end_points, \
        "the road network must be strongly connected"
    crossing = m["streets"].loc[m["streets"].geometry.apply(lambda g: g.intersects(river))]
    assert set(crossing["name"]) == {"牧马河大桥", "和平桥", "东渡大桥"}, set(crossing["name"])
    street_km = m["streets"].length.sum() / 1000

    # Renovation segments: the seed's segments and the ledger's streets, each exactly one
    # line of the network; the one reference segment; none is a bridge.
    rd = data["road_segments"]
    assert 15 <= len(rd) <= 60, len(rd)
    assert rd["reference"].sum() == 1 and rd["oneway"].any()
    assert rd["fid"].str.fullmatch(r"RD-\d{2}").all()
    assert rd.loc[rd["reference"], "name"].tolist() == ["城西茶姑娘雕塑至高速引道口段"]
    assert {"316国道高速引道口至柳林段", "板桥中学至古城集镇段", "城南和平桥头至上渡转盘段",
            "城西茶姑娘雕塑至高速引道口段", "河滨北路", "高速公路引道"} <= set(rd["name"])
    street_lines = {tuple(g.coords) for g in st.geometry}
    for fid, geom in zip(rd["fid"], rd.geometry):
        assert tuple(geom.coords) in street_lines, ("road_segments", fid, "not a street")
    assert not m["road_segments"].geometry.apply(lambda g: g.intersects(river)).any()
    summary["renovation_km"] = m["road_segments"].length.sum() / 1000

    # Residential land: inside the built-up area, out of parks, water, street corridors and
    # each other; community = the one containing the centroid; residents ≈ 90 % of each
    # community's population; within 300 m of a street everywhere.
    rl = m["residential_land"]
    assert 40 <= len(rl) <= 90, len(rl)
    assert rl["fid"].str.fullmatch(r"RL-\d{3}").all() and rl["name"].is_unique
    assert all(bu.buffer(0.5).contains(g) for g in rl.geometry)
    for fid, geom in zip(rl["fid"], rl.geometry):
        assert geom.intersection(park_union).area <= 1.0, ("residential_land", fid, "park")
        assert geom.intersection(water).area <= 1.0, ("residential_land", fid, "water")
    assert sum(a.intersection(b).area for a, b in combinations(rl.geometry, 2)) < 1.0
    assert len(m["streets"]) == len(edges)
    carriageways = unary_union([g.buffer(w / 2) for g, w in zip(
        m["streets"].geometry, [e["width_m"] for e in edges])])
    res_union = rl.union_all()
    res_area = res_union.area
    assert res_union.intersection(carriageways).area < 0.001 * res_area
    assert 0.30 <= res_area / bu_area <= 0.45, res_area / bu_area
    street_union = m["streets"].union_all()
    for fid, geom in zip(rl["fid"], rl.geometry):
        far = max(Point(p).distance(street_union)
                  for p in geom.exterior.segmentize(20.0).coords)
        assert far <= 300.0, ("residential_land", fid, "far from any street", far)
    cm_pop = dict(zip(cm["name"], cm["population"]))
    for fid, geom, community in zip(rl["fid"], rl.geometry, rl["community"]):
        holders = cm.loc[cm.geometry.contains(geom.centroid), "name"].tolist()
        assert holders == [community], (fid, community, holders)
    res_pop = rl.groupby("community")["population"].sum()
    assert set(res_pop.index) == set(cm["name"]), "every community has residential land"
    for name, pop in res_pop.items():
        assert 0.85 <= pop / cm_pop[name] <= 0.95, (name, pop, cm_pop[name])

    # 公园绿地服务半径覆盖率: residential land within 500 m of parks ≥ 5,000 m², 300 m of
    # parks of 2,000-5,000 m², 300 m of historic-district parks ≥ 1,000 m².
    served = unary_union([geom.buffer(park_service_radius(geom.area, historic))
                          for geom, historic in zip(m["parks"].geometry, data["parks"]["historic"])
                          if park_service_radius(geom.area, historic) > 0])
    coverage = res_union.intersection(served).area / res_area
    assert 0.70 <= coverage <= 0.85, coverage
    by_community = {name: (rl.loc[rl["community"] == name].union_all().intersection(served).area
                           / rl.loc[rl["community"] == name].area.sum())
                    for name in cm["name"]}
    summary.update(residential_ha=res_area / 1e4, residential_share=res_area / bu_area,
                   residents=int(rl["population"].sum()), park_coverage=coverage,
                   coverage_gaps=sorted((v, k) for k, v in by_community.items() if v < 0.8),
                   street_km=street_km)

    # The project ledger.
    with open(OUT / "projects.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == PROJECT_HEADINGS
    assert 40 <= len(rows) <= 55, len(rows)
    fids = {name: set(gdf["fid"]) for name, gdf in data.items()}
    campaign_labels = {c.zh for c in cat.CAMPAIGNS}
    status_by_label = {s.zh: s.code for s in cat.STATUSES}
    category_labels = {c.zh for c in cat.PROJECT_CATEGORIES}
    codes = [r["项目编号"] for r in rows]
    assert len(set(codes)) == len(codes)
    overdue = []
    linked = 0
    used_campaigns = set()
    for r in rows:
        assert r["项目类别"] in category_labels, r["项目编号"]
        camps = r["所属创建"].split("、")
        assert camps and set(camps) <= campaign_labels, r["项目编号"]
        used_campaigns |= set(camps)
        status = status_by_label[r["状态"]]
        progress = int(r["进度(%)"])
        assert 0 <= progress <= 100
        assert {"planned": progress == 0, "approved": progress <= 10,
                "in_progress": 0 < progress < 100, "completed": progress == 100,
                "accepted": progress == 100, "suspended": 0 < progress < 100}[status], r
        float(r["投资(万元)"])
        start = dt.date.fromisoformat(r["开工日期"])
        due = dt.date.fromisoformat(r["完成时限"])
        assert start < due, r["项目编号"]
        if status in ("completed", "accepted"):
            assert due <= TODAY, r["项目编号"]
        if status == "planned":
            assert start > TODAY, r["项目编号"]
        if due < TODAY and status not in ("completed", "accepted"):
            overdue.append(r["项目编号"])
        related = [x for x in r["关联要素"].split(";") if x]
        linked += bool(related)
        assert len(set(related)) == len(related), r["项目编号"]
        for ref in related:
            layer, fid = ref.split(":", 1)
            assert layer not in ("streets", "residential_land"), ref  # the mission's layers
            assert fid in fids[layer], ref
    assert used_campaigns == campaign_labels
    assert 6 <= len(overdue) <= 10, overdue
    assert linked >= 0.9 * len(rows)
    summary["projects"] = len(rows)
    summary["overdue"] = overdue

    # Green indicators (planar, EPSG:4545; overlapping polygons dissolved first).
    park_area = park_union.intersection(bu).area
    per_capita = park_area / population
    assert 8.0 <= per_capita <= 8.8, per_capita
    gs = m["green_spaces"]
    urban_green = unary_union(list(m["parks"].geometry) + list(
        gs.loc[gs["green_cls"].isin(["G2", "XG"])].geometry)).intersection(bu)
    parks_area = m["parks"].area
    assert (parks_area >= 50_000).sum() >= 2 and ((parks_area >= 5_000).sum() >= 4)
    assert ((parks_area >= 2_000) & (parks_area < 5_000)).sum() >= 3
    assert (parks_area < 2_000).sum() >= 2
    assert 1 <= data["parks"]["historic"].sum() <= 3
    assert 40 <= len(gs) <= 120
    assert 8e6 <= bu_area <= 10e6, bu_area
    assert 85_000 <= population <= 95_000

    # Green coverage counts all vegetation (street-tree canopy, planted banks: geo.green):
    # in the built-up area it is no longer below the green space ratio; the communities
    # where it still is carry the indicator's warning, which says why.
    from geo.green import green_indicators  # noqa: E402 (the repository is on sys.path)
    from geo.green_model import GreenLayers  # noqa: E402
    report = green_indicators(GreenLayers(
        data["built_up_area"], data["parks"], data["green_spaces"], data["communities"],
        data["residential_land"], data["streets"], data["watercourses"],
        road_segments=data["road_segments"]), walking=False).indicators
    cover, ratio = report["green_coverage_rate"], report["green_space_ratio"]
    assert cover.value >= ratio.value, (cover.value, ratio.value)
    assert all(m.value >= ratio.communities[key].value or any(
        key in w.zones for w in cover.warnings) for key, m in cover.communities.items())
    assert (data["streets"]["canopy_w"].fillna(0) > 0).mean() > 0.8
    assert data["road_segments"]["canopy_w"].notna().any()
    summary.update(green_coverage=cover.value / 100, coverage_ratio=ratio.value / 100,
                   coverage_warned=[w.zones for w in cover.warnings])

    # Files stay small.
    size = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    assert size < 2_000_000, size

    summary.update(
        built_up_km2=bu_area / 1e6, population=population, park_area_m2=park_area,
        park_per_capita=per_capita, green_ratio=urban_green.area / bu_area,
        parks_by_size=dict(ge_5ha=int((parks_area >= 50_000).sum()),
                           ge_5000=int((parks_area >= 5_000).sum()),
                           m2000_5000=int(((parks_area >= 2_000) & (parks_area < 5_000)).sum()),
                           lt_2000=int((parks_area < 2_000).sum())),
        green_overlaps=overlaps, toilets=n_toilets, garbage_points=n_garbage,
        folder_bytes=size,
    )
    return summary


def main() -> None:
    build()
    s = check()
    print("Lianchuang sample data written to", OUT.relative_to(ROOT))
    for name, n in s["layers"].items():
        print(f"  {name:<20} {n:>4} features")
    print(f"  projects.csv         {s['projects']:>4} projects, "
          f"{len(s['overdue'])} overdue on {TODAY}: {', '.join(s['overdue'])}")
    print(f"  built-up area        {s['built_up_km2']:.2f} km², population {s['population']:,}")
    print(f"  park green (G1)      {s['park_area_m2'] / 1e4:.1f} ha → "
          f"{s['park_per_capita']:.2f} m²/person (threshold 9)")
    print(f"  parks by size        {s['parks_by_size']}")
    print(f"  green space ratio    {s['green_ratio'] * 100:.1f} % (G1+G2+XG, dissolved)")
    print(f"  green coverage       {s['green_coverage'] * 100:.1f} % (all vegetation, street-"
          f"tree canopy and planted banks included; green space ratio "
          f"{s['coverage_ratio'] * 100:.1f} % as geo.green counts it)")
    print("    below the ratio, with a warning: "
          + (", ".join(", ".join(z or "built-up area" for z in zones)
                       for zones in s["coverage_warned"]) or "nowhere"))
    print(f"  streets              {s['street_km']:.1f} km, strongly connected; renovation "
          f"segments {s['renovation_km']:.1f} km")
    print(f"  residential land     {s['residential_ha']:.1f} ha = "
          f"{s['residential_share'] * 100:.1f} % of the built-up area, "
          f"{s['residents']:,} residents")
    print(f"  park service radius coverage {s['park_coverage'] * 100:.1f} % of residential land "
          f"(GB 55014-2021: > 80 %)")
    print("    under 80 %: " + ", ".join(f"{name} {v * 100:.0f} %"
                                        for v, name in s["coverage_gaps"]))
    print(f"  facilities           {s['toilets']} public toilets, "
          f"{s['garbage_points']} garbage points")
    print(f"  overlapping green-space pairs: {s['green_overlaps']}")
    print(f"  folder size          {s['folder_bytes'] / 1024:.0f} KiB")
    print("all checks passed")


if __name__ == "__main__":
    main()
