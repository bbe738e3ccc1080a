"""A county-sized road layer for the serving benchmark, generated inside PostGIS.

``road_segments`` gets *n* short lines (2–4 vertices, 30–150 m) spread uniformly over a
1°×1° square around Xixiang (107.2–108.2°E, 32.5–33.5°N): a million of them put about
1,600 features in a 0.04° box and 400–500 in a z14 tile.  One feature in a hundred is
linked to one of ``n/1000`` projects with mixed statuses and due dates, so the tiles and
items carry real display statuses.  Everything is made by one ``generate_series`` per table
(seconds, not minutes, for a million rows); the database's layer tables are emptied first.

    python -m bench.serving.generate --database-url URL [--features 1000000]
"""

from __future__ import annotations

import argparse
import os
import time

import sqlalchemy as sa

from layers.storage import db
from layers.storage.models import metadata

#: The square the features are spread over (lon/lat degrees).
WEST, SOUTH, EAST, NORTH = 107.2, 32.5, 108.2, 33.5
SEED = 0.42


def generate(engine: sa.Engine, n: int, log=print) -> None:
    """Empty every table, then fill ``road_segments`` with *n* lines and link projects."""
    started = time.perf_counter()
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("SELECT setseed(:seed)"), {"seed": SEED})
        conn.execute(sa.text(_ROADS), {"n": n, "west": WEST, "south": SOUTH,
                                       "width": EAST - WEST, "height": NORTH - SOUTH})
        conn.execute(sa.text(_PROJECTS), {"projects": max(1, n // 1000)})
        conn.execute(sa.text(_LINKS), {"n": n, "projects": max(1, n // 1000)})
    log(f"generated {n:,} road segments in {time.perf_counter() - started:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE road_segments"))
        conn.execute(sa.text("VACUUM ANALYZE project_features"))
        conn.execute(sa.text("VACUUM ANALYZE projects"))
    log(f"analysed in {time.perf_counter() - started:.1f} s")


# Each line starts at a random point and takes 1–3 steps of 30–150 m in a random direction
# (1e-3° is about 90 m north–south and 95 m east–west here).
_ROADS = """
INSERT INTO road_segments (fid, name, road_class, width_m, lanes, oneway, reference, geom,
                           source)
SELECT 'R' || lpad(i::text, 7, '0'),
       '路段' || i,
       (ARRAY['expressway','national','arterial','collector','local','approach'])
           [1 + (i % 6)],
       round((6 + random() * 40)::numeric, 1),
       1 + (i % 6),
       random() < 0.1,
       NULL,
       ST_Multi(ST_MakeLine(ARRAY(
           SELECT ST_MakePoint(x0 + sum(cos(a) * d) OVER w, y0 + sum(sin(a) * d) OVER w)
           FROM (SELECT 0 AS k, 0::float AS a, 0::float AS d
                 UNION ALL
                 SELECT k, random() * 2 * pi(), (0.3 + random() * 1.2) * 1e-3
                 FROM generate_series(1, 1 + (i % 3)) AS k) AS steps
           WINDOW w AS (ORDER BY k)))) ::geometry(MultiLineString, 4326),
       'bench.serving.generate'
FROM (SELECT i, :west + random() * :width AS x0, :south + random() * :height AS y0
      FROM generate_series(1, :n) AS i) AS starts
"""

_PROJECTS = """
INSERT INTO projects (code, name, category, campaigns, department, status, progress,
                      due_date)
SELECT 'BENCH-' || lpad(p::text, 5, '0'), '道路改造' || p, 'road',
       ARRAY['national_civilized'],
       (ARRAY['住建局','交通局','城管局'])[1 + (p % 3)],
       (ARRAY['planned','approved','in_progress','completed','accepted','suspended'])
           [1 + (p % 6)],
       (p * 7) % 101,
       CASE WHEN p % 4 = 0 THEN DATE '2020-06-30' ELSE DATE '2099-12-31' END
FROM generate_series(1, :projects) AS p
"""

# Every hundredth feature, each to project (i / 100) mod the number of projects.
_LINKS = """
INSERT INTO project_features (project_id, layer, fid)
SELECT 1 + ((i / 100) % :projects), 'road_segments', 'R' || lpad(i::text, 7, '0')
FROM generate_series(100, :n, 100) AS i
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="the benchmark's own database (its tables are emptied)")
    parser.add_argument("--features", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or BENCH_DATABASE_URL (a database of its own)")
    generate(db.get_engine(args.database_url), args.features)


if __name__ == "__main__":
    main()
