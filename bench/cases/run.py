"""Time case scoring against one hand-written SQL query, and the filtered case list.

    python -m bench.cases.run --database-url URL            # after bench.cases.generate
    python -m bench.cases.run --generate --cases 10000      # generate first, smaller

(a) **Scoring**: :func:`layers.cases.scoring.score` for one month (the data's last by
default), by unit and by community — what the monthly bulletin and the dashboard ask —
against ONE hand-written SQL statement (raw psycopg, no SQLAlchemy) giving the same figures
for all units and all communities at once (``GROUPING SETS``; the reworks counted per case
before the period's end and joined).  Both sides get the same warm-up and the same repeats,
alternating; for each the best and the median wall time, and the CPU time of the client
process and of its PostgreSQL backend (from ``/proc``, 10 ms ticks; parallel workers are
not counted: the run says when a plan has them, and ``--serial`` turns them off on both
sides).  Every figure of every unit and community must be identical on both sides, and
their totals match a plain count of the month's cases and reworks, or the run stops.

(b) **The case list**: :func:`layers.tracking.problem_reports.list_reports` with the
filters of ``GET /api/cases`` — unit, status, overdue, cell, each alone and combined —
``--runs`` times each with seeded random values and the API's page size (200), then the
same through the HTTP API (``GET /api/cases?unit=…&overdue=true&limit=200``, Flask's test
client, not signed in: what a reader sees).  p50 / p95 / max per filter.  The service's
clock is set to the data's end (``--end`` of the generator), so that "overdue" means the
same on every day the benchmark is run.

Scenarios are interleaved round by round, so the machine's other work weighs on all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

from bench.cases import generate as gen
from layers import clock
from layers.cases import scoring
from layers.cases.cases import overdue_condition
from layers.storage import db
from layers.storage.models import reports

_TICK = os.sysconf("SC_CLK_TCK")
_FIGURES = ("dispatched", "closed", "closed_on_time", "reworked", "reworks", "overdue",
            "avg_handling_hours", "satisfied", "fair", "dissatisfied", "rated",
            "closing_rate", "on_time_rate", "rework_rate", "satisfaction_rate")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--generate", action="store_true",
                        help="run bench.cases.generate first (empties the case tables)")
    parser.add_argument("--cases", type=int, default=100_000, help="with --generate")
    parser.add_argument("--months", type=int, default=6, help="with --generate")
    parser.add_argument("--end", default=gen.END, help="the data's end (as generated)")
    parser.add_argument("--month", help="the month to score, YYYY-MM (default: the data's last)")
    parser.add_argument("--repeat", type=int, default=7, help="scoring runs of each side")
    parser.add_argument("--runs", type=int, default=60, help="list runs per filter and path")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--serial", action="store_true",
                        help="scoring without parallel workers on both sides (SET "
                             "max_parallel_workers_per_gather = 0), so that the backend CPU "
                             "counts all the work")
    parser.add_argument("--skip-list", action="store_true")
    parser.add_argument("--skip-scoring", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or BENCH_DATABASE_URL (a database of its own)")
    end = dt.date.fromisoformat(args.end)
    if args.generate:
        gen.generate(args.database_url, args.cases, months=args.months, end=end,
                     seed=args.seed)
    url = db.normalise_url(args.database_url)
    engine = db.get_engine(url)
    stop = gen.data_end(end)
    # the service's clock stands at the data's end: "overdue" and the running clocks are
    # judged there, whatever day the benchmark runs
    clock.now = lambda: stop.astimezone(clock.zone())
    with engine.connect() as conn:
        cases, events = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM report_events)")).one()
    print(f"{cases:,} cases, {events:,} events; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    if not args.skip_scoring:
        month = args.month or (end.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        bench_scoring(engine, url, month, stop, args.repeat, args.serial)
    if not args.skip_list:
        bench_list(engine, url, args.runs, args.seed)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


# --- (a) scoring -----------------------------------------------------------------------------

#: The hand-written peer: all units and all communities of the period in one statement.
HAND_SQL = """
SELECT GROUPING(department) AS by_community, department, community,
       count(*) AS dispatched,
       count(*) FILTER (WHERE closed) AS closed,
       count(*) FILTER (WHERE closed AND handled_on_time) AS closed_on_time,
       count(*) FILTER (WHERE reworks > 0) AS reworked,
       sum(reworks) AS reworks,
       count(*) FILTER (WHERE overdue) AS overdue,
       avg(clock_used_min) FILTER (WHERE handled) AS avg_handling_min,
       count(*) FILTER (WHERE rating = 'satisfied') AS satisfied,
       count(*) FILTER (WHERE rating = 'fair') AS fair,
       count(*) FILTER (WHERE rating = 'dissatisfied') AS dissatisfied
FROM (
    SELECT r.department, r.community, r.handled_on_time, r.clock_used_min, r.rating,
           coalesce(w.n, 0) AS reworks,
           r.closed_at IS NOT NULL AND r.closed_at < %(until)s AS closed,
           r.handled_at IS NOT NULL AND r.handled_at < %(until)s AS handled,
           (r.closed_at < %(until)s AND r.handled_on_time IS FALSE)
           OR (NOT coalesce(r.closed_at < %(until)s, false) AND (
                   (r.clock_since IS NOT NULL AND r.deadline_at < %(at)s)
                OR (r.clock_since IS NULL AND r.status IN ('handled', 'verified', 'closed')
                    AND r.handled_on_time IS FALSE)
                OR (r.status = 'suspended'
                    AND r.clock_used_min > r.time_limit_min + r.extension_min))) AS overdue
    FROM reports r
    LEFT JOIN (SELECT report_id, count(*) AS n FROM report_events
               WHERE action = 'rework' AND at < %(until)s GROUP BY report_id) w
           ON w.report_id = r.id
    WHERE r.dispatched_at >= %(since)s AND r.dispatched_at < %(until)s
) cases
GROUP BY GROUPING SETS ((department), (community))
"""


def hand_scores(conn: psycopg.Connection, since, until, at) -> dict[str, dict]:
    """{"unit": {key: figures}, "community": {key: figures}} from HAND_SQL."""
    out: dict[str, dict] = {"unit": {}, "community": {}}
    for row in conn.execute(HAND_SQL, {"since": since, "until": until, "at": at}):
        (by_community, department, community, dispatched, closed, on_time, reworked, reworks,
         overdue, avg, satisfied, fair, dissatisfied) = row
        rated = satisfied + fair + dissatisfied

        def rate(part, whole):
            return round(part / whole, 4) if whole else None

        key = community if by_community else department
        out["community" if by_community else "unit"][key] = {
            "dispatched": dispatched, "closed": closed, "closed_on_time": on_time,
            "reworked": reworked, "reworks": int(reworks), "overdue": overdue,
            "avg_handling_hours": round(avg / 60, 2) if avg is not None else None,
            "satisfied": satisfied, "fair": fair, "dissatisfied": dissatisfied,
            "rated": rated, "closing_rate": rate(closed, dispatched),
            "on_time_rate": rate(on_time, dispatched), "rework_rate": rate(reworked, dispatched),
            "satisfaction_rate": rate(satisfied + fair, rated)}
    return out


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of PostgreSQL backend *pid* so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _timed(fn, backend: int) -> tuple[float, float, float]:
    c0, b0, t0 = time.process_time(), _backend_cpu(backend), time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    return wall, time.process_time() - c0, _backend_cpu(backend) - b0


def bench_scoring(engine: sa.Engine, url: str, month: str, stop: dt.datetime,
                  repeat: int, serial: bool = False) -> None:
    since, until = scoring.period_of_month(month)
    at = min(until, stop)
    with engine.connect() as conn, psycopg.connect(gen.psycopg_url(url),
                                                   autocommit=True) as hand:
        if serial:
            conn.exec_driver_sql("SET max_parallel_workers_per_gather = 0")
            hand.execute("SET max_parallel_workers_per_gather = 0")
        ours_pid = conn.scalar(sa.text("SELECT pg_backend_pid()"))
        hand_pid = hand.execute("SELECT pg_backend_pid()").fetchone()[0]
        month_cases, month_reworks = hand.execute(
            "SELECT count(*), (SELECT count(*) FROM report_events e JOIN reports r "
            "ON r.id = e.report_id WHERE e.action = 'rework' AND e.at < %(until)s "
            "AND r.dispatched_at >= %(since)s AND r.dispatched_at < %(until)s) "
            "FROM reports WHERE dispatched_at >= %(since)s AND dispatched_at < %(until)s",
            {"since": since, "until": until}).fetchone()

        def ours():
            return {by: scoring.score(conn, since, until, by, now=stop)
                    for by in ("unit", "community")}

        def theirs():
            return hand_scores(hand, since, until, at)

        mine, peer = ours(), theirs()  # warm-up, and the check
        _check(mine, peer, month_cases, month_reworks)
        workers = {"ours": _our_workers(conn, ours),
                   "hand": _workers(hand.execute("EXPLAIN (FORMAT JSON) " + HAND_SQL,
                                                 {"since": since, "until": until, "at": at}
                                                 ).fetchone()[0])}
        print(f"\n(a) scoring {month}{' (serial)' if serial else ''}: "
              f"{month_cases:,} cases dispatched, "
              f"{len(mine['unit'])} units, {len(mine['community'])} communities; "
              f"every figure identical on both sides")
        results = {"ours": [], "hand": [], "ours unit": [], "ours community": []}
        for _ in range(repeat):  # alternate the sides
            results["ours"].append(_timed(ours, ours_pid))
            results["hand"].append(_timed(theirs, hand_pid))
            for by in ("unit", "community"):
                results[f"ours {by}"].append(_timed(
                    lambda: scoring.score(conn, since, until, by, now=stop), ours_pid))
        load = os.getloadavg()
    labels = {"ours": "ours: score() by unit + by community",
              "ours unit": "  of which by unit", "ours community": "  of which by community",
              "hand": "hand-written SQL, one statement"}
    print(f"{'':<40} {'best':>8} {'median':>8} {'client CPU':>17} {'backend CPU':>17}")
    print(f"{'':<40} {'wall s':>8} {'wall s':>8} {'best / median':>17} {'best / median':>17}")
    for name in ("ours", "ours unit", "ours community", "hand"):
        walls, clients, backends = zip(*results[name])
        print(f"{labels[name]:<40} {min(walls):>8.3f} {statistics.median(walls):>8.3f} "
              f"{min(clients):>8.3f}/{statistics.median(clients):<8.3f} "
              f"{min(backends):>8.2f}/{statistics.median(backends):<8.2f}")
    for side, planned in workers.items():
        if planned:
            print(f"({side}: parallel plan, {planned} workers planned in all; their CPU is "
                  "not in the backend's)")
    best = min(w for w, _, _ in results["ours"]) / min(w for w, _, _ in results["hand"])
    median = (statistics.median(w for w, _, _ in results["ours"])
              / statistics.median(w for w, _, _ in results["hand"]))
    ours_best = min(w for w, _, _ in results["ours"])
    print(f"ours / hand: {best:.2f}x best, {median:.2f}x median "
          f"(load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    print(f"targets: <= 1 s: {'met' if ours_best <= 1 else 'NOT met'} ({ours_best:.3f} s); "
          f"within 3x hand SQL: {'met' if best <= 3 else 'NOT met'} ({best:.2f}x)")


def _workers(plan) -> int:
    """The parallel workers planned anywhere in an EXPLAIN (FORMAT JSON) plan."""
    if isinstance(plan, list):
        return sum(_workers(p) for p in plan)
    if isinstance(plan, dict):
        return plan.get("Workers Planned", 0) + sum(_workers(v) for v in plan.values())
    return 0


def _our_workers(conn: sa.Connection, ours) -> int:
    """The parallel workers planned for the statements score() sends."""
    sent = []

    def keep(conn_, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    sa.event.listen(conn, "before_cursor_execute", keep)
    try:
        ours()
    finally:
        sa.event.remove(conn, "before_cursor_execute", keep)
    return sum(_workers(conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement,
                                             parameters).scalar())
               for statement, parameters in sent)


def _check(mine: dict, peer: dict, month_cases: int, month_reworks: int) -> None:
    for by in ("unit", "community"):
        ours = {row["key"]: {k: row[k] for k in _FIGURES} for row in mine[by]}
        if ours != peer[by]:
            wrong = sorted(set(ours) ^ set(peer[by])) or [
                k for k in ours if ours[k] != peer[by][k]]
            key = wrong[0]
            raise SystemExit(f"scores by {by} differ at {key!r}:\n ours {ours.get(key)}\n "
                             f"hand {peer[by].get(key)}")
        total = sum(f["dispatched"] for f in ours.values())
        reworks = sum(f["reworks"] for f in ours.values())
        if (total, reworks) != (month_cases, month_reworks):
            raise SystemExit(f"by {by}: {total} cases and {reworks} reworks in all, but the "
                             f"month has {month_cases} and {month_reworks}")
        for figure in ("closed", "closed_on_time", "reworked", "overdue", "rated"):
            if not sum(f[figure] for f in ours.values()):
                raise SystemExit(f"no {figure} case in the month: the check proves little")


# --- (b) the case list -----------------------------------------------------------------------

def _scenarios(conn: sa.Connection, rng: random.Random, runs: int) -> dict[str, list[dict]]:
    units = conn.scalars(sa.text("SELECT DISTINCT department FROM reports ORDER BY 1")).all()
    cells = conn.scalars(sa.text("SELECT id FROM grid_cells ORDER BY 1")).all()
    statuses = ["dispatched", "handled", "verified", "suspended", "closed", "filed"]
    # three or four filters at random would mostly find nothing: take them from an overdue case
    overdue = conn.execute(sa.select(reports.c.department, reports.c.status, reports.c.cell_id)
                           .where(overdue_condition(clock.now()))
                           .order_by(reports.c.id)).all()

    def one(*filters):
        if len(filters) > 2:
            unit, status, cell = rng.choice(overdue)
            made = {"unit": unit, "status": status, "overdue": True, "cell": cell}
            return {k: v for k, v in made.items() if k in filters}
        made = {}
        if "unit" in filters:
            made["unit"] = rng.choice(units)
        if "status" in filters:
            made["status"] = rng.choice(statuses)
        if "overdue" in filters:
            made["overdue"] = True
        if "cell" in filters:
            made["cell"] = rng.choice(cells)
        return made

    shapes = [(), ("unit",), ("status",), ("overdue",), ("cell",), ("unit", "overdue"),
              ("unit", "status", "overdue"), ("unit", "status", "overdue", "cell")]
    return {" + ".join(shape) or "no filter": [one(*shape) for _ in range(runs)]
            for shape in shapes}


def _call(engine, filters: dict):
    from layers.tracking.problem_reports import list_reports

    return list_reports(engine, department=filters.get("unit"),
                        statuses=[filters["status"]] if "status" in filters else None,
                        overdue=filters.get("overdue"), cell=filters.get("cell"), limit=200)


def _query_string(filters: dict) -> str:
    from urllib.parse import urlencode

    return urlencode({**{k: ("true" if v is True else v) for k, v in filters.items()},
                      "limit": 200})


def bench_list(engine: sa.Engine, url: str, runs: int, seed: int) -> None:
    from api.app import create_app

    rng = random.Random(seed)
    with engine.connect() as conn:
        scenarios = _scenarios(conn, rng, runs)
    app = create_app({"DATABASE_URL": url, "LIANCHUANG_TILES": "none", "TESTING": True})
    client = app.test_client()
    times = {(name, path): [] for name in scenarios for path in ("list_reports()", "HTTP")}
    cpu = {key: [] for key in times}
    rows = {name: [] for name in scenarios}
    for name, cases in scenarios.items():  # warm-up: connections, calendar, imports
        _call(engine, cases[0])
        assert client.get("/api/cases?" + _query_string(cases[0])).status_code == 200
    for i in range(runs):
        for name, cases in scenarios.items():
            c0, t0 = time.process_time(), time.perf_counter()
            found = _call(engine, cases[i])
            times[(name, "list_reports()")].append(time.perf_counter() - t0)
            cpu[(name, "list_reports()")].append(time.process_time() - c0)
            rows[name].append(len(found))
            c0, t0 = time.process_time(), time.perf_counter()
            response = client.get("/api/cases?" + _query_string(cases[i]))
            times[(name, "HTTP")].append(time.perf_counter() - t0)
            cpu[(name, "HTTP")].append(time.process_time() - c0)
            if response.status_code != 200:
                raise SystemExit(f"GET /api/cases?{_query_string(cases[i])}: "
                                 f"{response.status_code} {response.get_data(as_text=True)}")
    load = os.getloadavg()
    print(f"\n(b) the case list, limit 200, {runs} runs per filter and path "
          f"(load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}); ms:")
    print(f"{'':<32} {'':>6} {'list_reports()':^26} {'HTTP':^26}")
    print(f"{'filters':<32} {'rows':>6}" + f" {'p50':>6} {'p95':>6} {'max':>6} {'CPU':>5}" * 2)
    worst = 0.0
    for name in scenarios:
        line = f"{name:<32} {statistics.mean(rows[name]):>6.0f}"
        for path in ("list_reports()", "HTTP"):
            values = sorted(times[(name, path)])
            p95 = _percentile(values, 95)
            worst = max(worst, p95)
            line += (f" {_percentile(values, 50) * 1e3:>6.1f} {p95 * 1e3:>6.1f}"
                     f" {values[-1] * 1e3:>6.1f}"
                     f" {statistics.median(cpu[(name, path)]) * 1e3:>5.1f}")
        print(line)
    print("(CPU: the median CPU time of this process per call, ms: Python and the client "
          "side of the driver; PostgreSQL's own is not in it)")
    print(f"target: p95 <= 100 ms: {'met' if worst <= 0.1 else 'NOT met'} "
          f"(worst p95 {worst * 1e3:.1f} ms)")


def _percentile(values: list[float], p: float) -> float:
    """The *p*-th percentile of sorted *values* (nearest rank)."""
    rank = max(1, -(-len(values) * p // 100))
    return values[int(rank) - 1]


if __name__ == "__main__":
    main()
