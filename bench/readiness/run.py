"""Time every title's readiness: cold, warm (nothing changed), and on the 100,000-polygon town.

    BENCH_DATABASE_URL=… python -m bench.readiness.run
    python -m bench.readiness.run --database-url postgresql://…/lianchuang_bench_readiness
    python -m bench.readiness.run --skip-town          # the sample only
    python -m bench.readiness.run --n-green 20000      # a smaller town

All in one process, on a database of its own (its layer, case and readiness tables are
emptied first: never point it at a database you care about):

* **sample** — ``data/shapefiles`` imported; every title's readiness
  (:func:`layers.readiness.readiness.all_readiness`, what ``GET /api/readiness/<title>``
  answers for the six) **cold** (the green layers' cache and the kept answers dropped
  before each run) and **warm** (asked again, nothing changed);
* **town** — the 100,000-polygon town of :mod:`bench.green.generate` loaded instead, the six
  titles cold;
* the **peer**, measured in the same run on the same data: the green indicators alone as
  ``GET /api/metrics/green`` computes them (:func:`layers.green.state.current_state`: read
  the layers, compute :func:`geo.green.green_indicators`), cold and warm.  Readiness does
  that and more (the cases' on-time rates, entries, water-source checks, snapshots), so the
  ratio says what the rest costs.

Targets (issue 15): sample ≤ 2 s cold and ≤ 100 ms warm; the town ≤ 10 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from layers.green import state as green_state
from layers.readiness.readiness import all_readiness, forget_readiness

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "shapefiles"
TARGETS = {"sample cold": 2.0, "sample warm": 0.1, "town cold": 10.0}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark every title's readiness.")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=5, help="cold runs per row")
    parser.add_argument("--warm-repeat", type=int, default=30, help="warm runs per row")
    parser.add_argument("--n-green", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--skip-town", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or BENCH_DATABASE_URL (a database of its own)")
    engine = sa.create_engine(_psycopg(args.database_url))

    _empty(engine)
    from layers.exchange.importer import import_paths

    t0 = time.perf_counter()
    import_paths(engine, [SAMPLE])
    print(f"sample imported in {time.perf_counter() - t0:.1f} s "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)", flush=True)
    all_readiness(engine, "zh")  # warm-up: imports, PROJ database, checklists
    rows = [*_measure(engine, "sample", args.repeat, args.warm_repeat)]

    if not args.skip_town:
        from bench.green.generate import generate_town
        from bench.green.run import _load

        t0 = time.perf_counter()
        town = generate_town(args.n_green, args.communities, seed=0)
        load_s = _load(engine, town)
        print(f"town of {args.n_green:,} green polygons generated and loaded in "
              f"{time.perf_counter() - t0:.0f} s (load {load_s:.0f} s)", flush=True)
        rows += _measure(engine, "town", max(1, min(args.repeat, 3)), 5)

    print(f"\n{'row':<14} {'readiness, 6 titles':>22} {'peer: green indicators':>24} "
          f"{'ratio':>7} {'target':>9}  met")
    for name, ours, peer in rows:
        target = TARGETS.get(name)
        met = "—" if target is None else ("yes" if ours[0] <= target else "NO")
        print(f"{name:<14} {_fmt(ours):>22} {_fmt(peer):>24} {ours[0] / peer[0]:>6.1f}× "
              f"{'' if target is None else _secs(target):>9}  {met}")
    print(f"\nbest / median wall time; load average now {os.getloadavg()[0]:.1f}")


def _measure(engine: sa.Engine, name: str, repeat: int, warm_repeat: int):
    def cold_ours():
        green_state._states.clear()
        forget_readiness()
        all_readiness(engine, "zh")

    def cold_peer():
        green_state._states.clear()
        green_state.current_state(engine, walking=False)

    cold = _alternate(cold_ours, cold_peer, repeat)
    print(f"{name}: cold ours {_fmt(cold[0])}, peer {_fmt(cold[1])}", flush=True)
    yield f"{name} cold", *cold
    all_readiness(engine, "zh")
    warm = _alternate(lambda: all_readiness(engine, "zh"),
                      lambda: green_state.current_state(engine, walking=False), warm_repeat)
    print(f"{name}: warm ours {_fmt(warm[0])}, peer {_fmt(warm[1])}", flush=True)
    yield f"{name} warm", *warm


def _alternate(ours: Callable, peer: Callable, repeat: int) -> tuple[tuple, tuple]:
    """Best and median seconds of *ours* and *peer*, run in turn so that the machine's other
    work weighs on both."""
    times: tuple[list, list] = ([], [])
    for _ in range(repeat):
        for fn, kept in ((ours, times[0]), (peer, times[1])):
            t0 = time.perf_counter()
            fn()
            kept.append(time.perf_counter() - t0)
    return tuple((min(t), statistics.median(t)) for t in times)


def _empty(engine: sa.Engine) -> None:
    from layers.storage.models import (
        LAYER_TABLES,
        project_features,
        projects,
        readiness_entries,
        readiness_snapshots,
        reports,
    )

    tables = [t.name for t in LAYER_TABLES.values()] + [
        reports.name, readiness_entries.name, readiness_snapshots.name,
        project_features.name, projects.name]
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE " + ", ".join(tables) + " CASCADE"))


def _fmt(pair: tuple[float, float]) -> str:
    return f"{_secs(pair[0])} / {_secs(pair[1])}"


def _secs(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _psycopg(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


if __name__ == "__main__":
    main()
