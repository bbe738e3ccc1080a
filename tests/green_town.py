"""A one-square-kilometre town whose green-space indicators are known by hand.

Everything is drawn in EPSG:4545 metres from :data:`tests.files.X0`, :data:`tests.files.Y0`
and stored in lon/lat, so the API must project back to get the round numbers below.

- built-up area ``B1``: 1,000 m × 1,000 m (1,000,000 m²), population 10,000;
- communities ``C1`` (west half, 4,000 people) and ``C2`` (east half, 6,000 people);
- park ``P1`` 南湖游园, G12, 100 m × 100 m (10,000 m²) in C1: it serves 500 m;
- green space ``G1``, G2 protective, 100 m × 100 m in C2, ``veg_ratio`` 0.5;
- residential ``R1`` 100 m east of the park (served) and ``R2`` in C2's far corner,
  about 850 m from the park (unserved); 10,000 m² each;
- shantytown zone ``S1``, 100 m × 100 m in C2, 300 m from R2.

So: green space ratio 2 % (C1 2 %, C2 2 %), green coverage 1.5 %, park area per capita
1.0 m²/person (C1 2.5, C2 0), service coverage 50 % (C1 100 %, C2 0 %).
"""

from __future__ import annotations

import numpy as np
import shapely
import sqlalchemy as sa
from pyproj import Transformer

from tests.files import X0, Y0, square

POPULATION = 10_000
PARK = square(X0 + 100, Y0 + 100)
SERVED_HOMES = square(X0 + 300, Y0 + 100)
UNSERVED_HOMES = square(X0 + 800, Y0 + 800)
SHANTYTOWN = square(X0 + 600, Y0 + 400)
#: A site in C2 for a new park: 10,000 m², touching no residential land, 316 m from R2.
NEW_PARK_SITE = square(X0 + 600, Y0 + 600)

_TO_LONLAT = Transformer.from_crs(4545, 4326, always_xy=True)


def lonlat(geometry: shapely.Geometry) -> shapely.Geometry:
    """*geometry* from EPSG:4545 metres to lon/lat."""
    return shapely.transform(
        geometry, lambda xy: np.column_stack(_TO_LONLAT.transform(xy[:, 0], xy[:, 1])))


def wkt(geometry: shapely.Geometry) -> str:
    """Lon/lat WKT at full precision (a metre is about 1e-5 degrees)."""
    return shapely.to_wkt(shapely.MultiPolygon([lonlat(geometry)]), rounding_precision=-1)


def geojson(geometry: shapely.Geometry) -> dict:
    """A GeoJSON Polygon in lon/lat, as a planner's drawing posts it."""
    return shapely.geometry.mapping(lonlat(geometry))


def build_green_town(engine: sa.Engine) -> None:
    """Store the town described in the module docstring."""
    # Imported here: test modules load tests.factories as a pytest plugin, which must come
    # first for pytest to rewrite its asserts.
    from tests.factories import add_features

    with engine.begin() as conn:
        add_features(conn, "built_up_area", {"fid": "B1", "name": "测试县城", "population":
                                             POPULATION, "geom": wkt(square(side=1000))})
        add_features(conn, "communities",
                     {"fid": "C1", "name": "西社区", "street": "城关镇", "population": 4_000,
                      "geom": wkt(shapely.box(X0, Y0, X0 + 500, Y0 + 1000))},
                     {"fid": "C2", "name": "东社区", "street": "城关镇", "population": 6_000,
                      "geom": wkt(shapely.box(X0 + 500, Y0, X0 + 1000, Y0 + 1000))})
        add_features(conn, "parks", {"fid": "P1", "name": "南湖游园", "park_class": "G12",
                                     "historic": False, "geom": wkt(PARK)})
        add_features(conn, "green_spaces", {"fid": "G1", "name": "防护林带", "green_cls": "G2",
                                            "veg_ratio": 0.5,
                                            "geom": wkt(square(X0 + 600, Y0 + 100))})
        add_features(conn, "residential_land",
                     {"fid": "R1", "name": "近园小区", "community": "C1",
                      "geom": wkt(SERVED_HOMES)},
                     {"fid": "R2", "name": "远园小区", "community": "C2",
                      "geom": wkt(UNSERVED_HOMES)})
        add_features(conn, "shantytown_zones", {"fid": "S1", "name": "东关棚户区",
                                                "geom": wkt(SHANTYTOWN)})
