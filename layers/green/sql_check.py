"""Green-space indicators computed by PostGIS alone: an independent check on :mod:`geo.green`.

The same rules as :mod:`geo.green` (see its docstring), written as SQL over the layer tables:
``ST_Transform`` to the Gauss-Krüger zone of the built-up area's centre, ``ST_Union`` per
priority level, ``ST_Difference`` from the levels before it, ``ST_Dump`` into indexed
temporary tables, then ``ST_Area(ST_Intersection(…))`` per zone.  Zone 0 is the built-up
area, the others the communities clipped to it.  Temporary tables live for one transaction.

Covers green coverage rate (with the street-tree canopy and planted banks of
:mod:`geo.vegetation`, but not its data warning), green space ratio, park area per capita
and the straight-line service coverage; the walking variant and the road and river
approximations are only in :mod:`geo.green`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from geo.errors import GeoInputError
from geo.green_model import PARK_CLASSES, Indicator, Measure
from geo.thresholds import load_thresholds
from layers.errors import DatabaseUnavailable

_PARKS = ", ".join(f"'{c}'" for c in PARK_CLASSES)

_ZONE_EPSG = """
SELECT 4534 + (round(((ST_XMin(e) + ST_XMax(e)) / 2) / 3) * 3 - 75)::int / 3
FROM (SELECT ST_Extent(geom) AS e FROM built_up_area) AS extent
"""

_ZONES = """
CREATE TEMP TABLE green_zone ON COMMIT DROP AS
WITH area AS (SELECT ST_Union(ST_Transform(geom, :srid)) AS geom,
                     SUM(population)::float AS population FROM built_up_area)
SELECT 0 AS zone_id, NULL::text AS fid, NULL::text AS name, geom, population FROM area
UNION ALL
SELECT row_number() OVER (ORDER BY c.fid)::int, c.fid, c.name,
       ST_Intersection(ST_Transform(c.geom, :srid), area.geom), c.population::float
FROM communities AS c, area;
CREATE INDEX ON green_zone USING gist (geom);
"""

#: Street-tree canopy (geo.vegetation.street_canopy), already in the metric CRS: the strip of
#: ``canopy_w`` centred on each kerb (``width_m`` apart; unknown: ``canopy_w``), flat ends.
#: A street that is also a road segment takes the segment's canopy.
_CANOPY = """
SELECT (CASE WHEN road_w / 2 - canopy_w / 2 > 0
           THEN ST_Difference(ST_Buffer(g, road_w / 2 + canopy_w / 2, 'endcap=flat'),
                              ST_Buffer(g, road_w / 2 - canopy_w / 2, 'endcap=flat'))
           ELSE ST_Buffer(g, road_w / 2 + canopy_w / 2, 'endcap=flat') END) AS geom
FROM (SELECT ST_Transform(geom, :srid) AS g, canopy_w,
             COALESCE(NULLIF(width_m, 0), canopy_w) AS road_w
      FROM road_segments WHERE canopy_w > 0
      UNION ALL
      SELECT ST_Transform(s.geom, :srid), s.canopy_w, s.canopy_w FROM streets AS s
      WHERE s.canopy_w > 0
        AND NOT EXISTS (SELECT 1 FROM road_segments AS r WHERE ST_Equals(r.geom, s.geom))
     ) AS lines
"""
#: Planted banks (geo.vegetation.bank_planting) of the watercourses touching the built-up
#: area, already in the metric CRS: a ring ``bank_w`` wide around a water polygon; beyond
#: each bank of a line ``width_m`` wide (unknown: 0), flat ends.
_BANKS = """
SELECT (CASE
           WHEN ST_Dimension(g) = 2 THEN ST_Difference(ST_Buffer(g, bank_w), g)
           WHEN water_w > 0 THEN ST_Difference(ST_Buffer(g, water_w / 2 + bank_w, 'endcap=flat'),
                                               ST_Buffer(g, water_w / 2, 'endcap=flat'))
           ELSE ST_Buffer(g, bank_w, 'endcap=flat') END) AS geom
FROM (SELECT ST_Transform(geom, :srid) AS g, bank_w, COALESCE(width_m, 0) AS water_w
      FROM watercourses
      WHERE bank_w > 0 AND ST_Intersects(geom, (SELECT ST_Union(geom) FROM built_up_area))
     ) AS water
"""
#: (level, weight, geom) rows: the first level to cover a square metre gives its weight.
_COVERAGE_FEATURES = f"""
SELECT 0 AS layer_order, COALESCE(veg_ratio, 1.0) AS weight, geom FROM green_spaces
UNION ALL SELECT 0, 1.0, geom FROM ({_CANOPY}) AS canopy
UNION ALL SELECT 0, 1.0, geom FROM ({_BANKS}) AS banks
UNION ALL SELECT 1, 1.0, geom FROM parks
"""
_RATIO_FEATURES = f"""
SELECT 0 AS layer_order, 1.0 AS weight, geom FROM parks
UNION ALL
SELECT CASE WHEN green_cls = 'G3' AND veg_ratio IS NOT NULL THEN 1 ELSE 0 END,
       CASE WHEN green_cls = 'G3' THEN COALESCE(veg_ratio, 1.0) ELSE 1.0 END, geom
FROM green_spaces WHERE green_cls IN ({_PARKS}, 'G2', 'XG', 'G3')
"""


def _park_features(classes: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{c}'" for c in classes)
    return f"""
SELECT 0 AS layer_order, 1.0 AS weight, geom FROM parks WHERE park_class IN ({listed})
UNION ALL SELECT 0, 1.0, geom FROM green_spaces WHERE green_cls IN ({listed})
"""


def _weighted_pieces(table: str, features: str) -> str:
    """SQL filling *table* with (weight, geom) pieces that overlap nothing else in it.

    Each priority level is dissolved (``ST_Union``) and dumped into indexed pieces; a piece
    loses whatever the pieces of earlier levels that touch it cover.
    """
    return f"""
CREATE TEMP TABLE {table}_level ON COMMIT DROP AS
SELECT level, weight, (ST_Dump(ST_Union(geom))).geom AS geom
FROM (SELECT dense_rank() OVER (ORDER BY layer_order, weight DESC) AS level, weight,
             ST_Transform(geom, :srid) AS geom
      FROM ({features}) AS f
      WHERE CASE WHEN ST_SRID(geom) = :srid THEN true  -- drawn in the metric CRS
                 ELSE ST_Intersects(geom, (SELECT ST_Union(geom) FROM built_up_area)) END
     ) AS ranked
GROUP BY level, weight;
CREATE INDEX ON {table}_level USING gist (geom);
CREATE TEMP TABLE {table} ON COMMIT DROP AS
SELECT p.weight, piece.geom FROM {table}_level AS p
CROSS JOIN LATERAL (SELECT ST_Union(q.geom) AS geom FROM {table}_level AS q
                    WHERE q.level < p.level AND ST_Intersects(q.geom, p.geom)) AS cover
CROSS JOIN LATERAL ST_Dump(CASE WHEN cover.geom IS NULL THEN p.geom
                                ELSE ST_Difference(p.geom, cover.geom) END) AS piece
WHERE ST_Dimension(piece.geom) = 2;
CREATE INDEX ON {table} USING gist (geom);
"""


def _area_by_zone(table: str) -> str:
    return f"""
SELECT z.zone_id, COALESCE(SUM(p.weight * ST_Area(
           CASE WHEN ST_Within(p.geom, z.geom) THEN p.geom ELSE ST_Intersection(p.geom, z.geom) END
       )), 0) AS area
FROM green_zone AS z LEFT JOIN {table} AS p ON ST_Intersects(p.geom, z.geom)
GROUP BY z.zone_id ORDER BY z.zone_id
"""


def _service_pieces(rules: list[dict]) -> str:
    ordered = sorted(rules, key=lambda rule: -rule["radius_m"])
    cases = " ".join(
        f"WHEN {'historic AND ' if rule.get('historic_only') else ''}"
        f"ST_Area(geom) >= {float(rule['min_area_m2'])} THEN {float(rule['radius_m'])}"
        for rule in ordered)
    return f"""
CREATE TEMP TABLE green_served ON COMMIT DROP AS
WITH g1 AS (
    SELECT ST_Transform(geom, :srid) AS geom, COALESCE(historic, false) AS historic FROM parks
    UNION ALL
    SELECT ST_Transform(geom, :srid), false FROM green_spaces WHERE green_cls IN ({_PARKS})
), served AS (SELECT geom, CASE {cases} ELSE 0 END AS radius FROM g1)
SELECT (ST_Dump(ST_Union(ST_Buffer(geom, radius)))).geom AS geom FROM served WHERE radius > 0;
CREATE INDEX ON green_served USING gist (geom);
CREATE TEMP TABLE green_home ON COMMIT DROP AS
SELECT 1.0 AS weight, (ST_Dump(ST_Union(ST_Transform(geom, :srid)))).geom AS geom
FROM residential_land
WHERE ST_Intersects(geom, (SELECT ST_Union(geom) FROM built_up_area));
CREATE INDEX ON green_home USING gist (geom);
CREATE TEMP TABLE green_covered ON COMMIT DROP AS
SELECT 1.0 AS weight, piece.geom FROM green_home AS h
JOIN green_served AS s ON ST_Intersects(h.geom, s.geom),
LATERAL ST_Dump(ST_Intersection(h.geom, s.geom)) AS piece
WHERE ST_Dimension(piece.geom) = 2;
CREATE INDEX ON green_covered USING gist (geom);
"""


def green_indicators_sql(engine: sa.Engine) -> dict[str, Indicator]:
    """Green coverage rate, green space ratio, park area per capita and straight-line
    service coverage, for the built-up area and per community, computed in PostGIS.

    Parameters
    ----------
    engine
        The database holding the layer tables.

    Returns
    -------
    dict
        Indicator key → :class:`geo.green_model.Indicator` (same keys and units as
        :func:`geo.green.green_indicators`).
    """
    rules = load_thresholds()["service_radius_rules"]["rules"]
    try:
        with engine.begin() as conn:
            return _compute(conn, rules)
    except sa.exc.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot compute green indicators in the database: "
                                  f"{str(exc.orig).splitlines()[0]}") from None


def _compute(conn: sa.Connection, rules: list[dict]) -> dict[str, Indicator]:
    srid = conn.scalar(sa.text(_ZONE_EPSG))
    if srid is None:
        raise GeoInputError("the built_up_area table is empty: import the 建成区 boundary "
                            "before computing green-space indicators")
    params = {"srid": srid}
    _run(conn, _ZONES, params)
    zones = conn.execute(sa.text(
        "SELECT zone_id, fid, ST_Area(geom) AS area, population FROM green_zone "
        "ORDER BY zone_id")).all()
    keys = [row.fid for row in zones[1:]]
    zone_area = [row.area or 0.0 for row in zones]
    population = [row.population for row in zones]

    def areas(table: str, features: str | None) -> list[float]:
        if features is not None:
            _run(conn, _weighted_pieces(table, features), params)
        return [row.area for row in conn.execute(sa.text(_area_by_zone(table)))]

    found = {
        "green_coverage_rate": _indicator("green_coverage_rate", "建成区绿化覆盖率", keys,
                                          areas("green_cov", _COVERAGE_FEATURES), zone_area, 100),
        "green_space_ratio": _indicator("green_space_ratio", "建成区绿地率", keys,
                                        areas("green_ratio", _RATIO_FEATURES), zone_area, 100),
    }
    for key, title, classes in (
            ("park_area_per_capita", "人均公园绿地面积", PARK_CLASSES),
            ("comprehensive_park_area_per_capita", "人均综合公园面积", ("G11",)),
            ("community_park_area_per_capita", "人均社区公园面积", ("G12",))):
        table = "green_park_" + "_".join(c.lower() for c in classes)
        found[key] = _indicator(key, title, keys, areas(table, _park_features(classes)),
                                population, 1, unit="m²/person", denominator_unit="person")
    _run(conn, _service_pieces(rules), params)
    found["park_service_coverage"] = _indicator(
        "park_service_coverage", "公园绿地服务半径覆盖率", keys, areas("green_covered", None),
        areas("green_home", None), 100, method="buffer")
    return found


def _run(conn: sa.Connection, script: str, params: dict[str, Any]) -> None:
    for statement in filter(str.strip, script.split(";")):
        conn.execute(sa.text(statement), params)


def _indicator(key: str, title: str, keys: list[str], numerator: list[float],
               denominator: list[float | None], scale: float, *, unit: str = "%",
               denominator_unit: str = "m²", method: str = "area") -> Indicator:
    measures = [Measure(scale * n / d if d else None, float(n), float(d or 0.0))
                for n, d in zip(numerator, denominator)]
    return Indicator(key, title, measures[0].value, measures[0].numerator,
                     measures[0].denominator, unit, "m²", denominator_unit, method=method,
                     communities=dict(zip(keys, measures[1:])))
