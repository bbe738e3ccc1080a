"""Time the green-space indicators: geo.green against naive geopandas and PostGIS SQL.

    python -m bench.green.run                         # 100,000 polygons, 200 communities
    python -m bench.green.run --database-url postgresql://…/lianchuang_bench
    python -m bench.green.run --n-green 20000 --naive-budget 30 --skip-sql

The three run in one process on the same generated town (see :mod:`bench.green.generate`):

* ``geo/green.py`` — :func:`geo.green.green_indicators`, the full set (with the walking
  variant, road and river greening), best and median of ``--repeat`` runs after a warm-up;
* naive — :mod:`bench.green.naive`, per community clip + union loops, on the four core
  indicators, stopped after ``--naive-budget`` seconds and extrapolated linearly to all
  communities (the whole-area zone, its slowest, is then not even counted: a lower bound);
* PostGIS — :func:`layers.green.sql_check.green_indicators_sql` on the same four, after loading
  the town into ``--database-url`` / ``BENCH_DATABASE_URL`` (the layer tables are emptied
  first: never point it at a database you care about).

Peak memory is the process's resident high-water mark after each phase (cheap, cumulative).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

import sqlalchemy as sa

from bench.green.generate import generate_town, green_layers, insert_layers
from bench.green.naive import naive_indicators
from geo.green import green_indicators

CORE = ("green_coverage_rate", "green_space_ratio", "park_area_per_capita",
        "park_service_coverage")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark the green-space indicators.")
    parser.add_argument("--n-green", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-budget", type=float, default=120.0,
                        help="seconds the naive loop may run before it is extrapolated")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--skip-sql", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    town = generate_town(args.n_green, args.communities, seed=args.seed)
    layers = green_layers(town)
    print(f"generated {args.n_green:,} green polygons ({len(town['parks'])} parks), "
          f"{len(town['communities'])} communities, {len(town['residential_land']):,} "
          f"residential blocks, {len(town['streets'])} streets "
          f"in {time.perf_counter() - started:.1f} s")
    green_indicators(green_layers(generate_town(500, 4)))  # warm-up: PROJ database, imports

    rows = []
    times, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        report = green_indicators(layers, walking=True)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    geo_seconds = min(times)
    rows.append(("geo/green.py, full set (9 indicators, walking)", geo_seconds,
                 f"best of {args.repeat}, median {statistics.median(times):.2f} s; "
                 f"CPU {min(cpu):.2f} s (both threads)", _peak_mb()))
    print(f"geo/green.py: {', '.join(f'{t:.2f}' for t in times)} s wall, "
          f"{', '.join(f'{c:.2f}' for c in cpu)} s CPU "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)", flush=True)

    naive = naive_indicators(layers, budget_s=args.naive_budget)
    done, total = naive["communities_done"], naive["communities"]
    naive_seconds = naive["community_seconds"] * total / max(done, 1)
    exact = naive["whole_seconds"] is not None
    if exact:
        naive_seconds = naive["community_seconds"] + naive["whole_seconds"]
    rows.append(("naive geopandas, 4 core indicators", naive_seconds,
                 f"measured, {total} communities + whole area" if exact else
                 f"{done}/{total} communities in {naive['community_seconds']:.1f} s, "
                 "extrapolated; whole area not counted (lower bound)", _peak_mb()))
    naive_gap = _max_difference(report.indicators, naive["values"])

    sql_gap = None
    if not args.skip_sql and args.database_url:
        engine = sa.create_engine(_psycopg(args.database_url))
        load_seconds = _load(engine, town)
        from layers.green.sql_check import green_indicators_sql

        t0 = time.perf_counter()
        sql = green_indicators_sql(engine)
        rows.append(("PostGIS SQL (layers/green/sql_check.py), 4 core indicators",
                     time.perf_counter() - t0, f"after loading in {load_seconds:.0f} s",
                     None))
        sql_gap = _max_difference(report.indicators, {
            "built_up": {k: sql[k].value for k in CORE},
            **{fid: {k: sql[k].communities[fid].value for k in CORE}
               for fid in sql[CORE[0]].communities}})

    _print_table(rows, geo_seconds)
    print(f"\nlargest relative difference from geo/green.py: naive {naive_gap:.2e}"
          + (f", SQL {sql_gap:.2e}" if sql_gap is not None else ""))
    print(f"targets: full set <= 5 s: {'met' if geo_seconds <= 5 else 'NOT met'} "
          f"({geo_seconds:.2f} s); >= 5x faster than naive: "
          f"{'met' if naive_seconds >= 5 * geo_seconds else 'NOT met'} "
          f"({naive_seconds / geo_seconds:.0f}x)")


def _load(engine: sa.Engine, town: dict) -> float:
    from layers.storage.models import LAYER_TABLES

    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE " + ", ".join(LAYER_TABLES[name].name for name in town)))
    insert_layers(engine, town)
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    return time.perf_counter() - t0


def _max_difference(indicators: dict, values: dict) -> float:
    worst = 0.0
    for zone, zone_values in values.items():
        for key in CORE:
            ours = (indicators[key].value if zone == "built_up"
                    else indicators[key].communities[zone].value)
            theirs = zone_values[key]
            if ours is None or theirs is None:
                continue
            worst = max(worst, abs(ours - theirs) / max(abs(ours), 1e-12))
    return worst


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _psycopg(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _print_table(rows: list[tuple], reference: float) -> None:
    print(f"\n{'implementation':<55} {'seconds':>9} {'vs geo':>8} {'peak RSS':>9}  note")
    for name, seconds, note, peak in rows:
        memory = f"{peak:,.0f} MB" if peak else "—"
        print(f"{name:<55} {seconds:>9.2f} {seconds / reference:>7.1f}x {memory:>9}  {note}")


if __name__ == "__main__":
    main()
