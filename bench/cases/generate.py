"""Cases for the case benchmark: a county's months of 案件 with their events, seeded.

*n* cases (100,000 by default) reported uniformly over ``--months`` calendar months ending
at ``--end`` (6 months to 2026-12-01 in Asia/Shanghai by default), over a grid of 2,000
cells of about 100 m (50 × 40 around Xixiang, 107.75°E 32.97°N) grouped into 60
communities of 12 street offices, 40 responsible units (the 12 street offices and 28
bureaus and companies, a few taking most of the cases) and the seeded ``case_categories``
(a few categories common, most rare; each with its own time limit).

Each case lives its life on the working-time clock of :mod:`layers.cases.working_time`,
then is cut at ``--end``: whatever had not happened by then has not happened, so recent
cases are still being filed, handled or verified and old ones are mostly closed.

- 2 % refused, 2 % duplicates (上报 → 不予立案 / 重复), never dispatched;
- the rest filed (立案) and dispatched (派遣); 1.5 % suspended (挂账) for good, 3 % ask for
  an extension and get half their limit more;
- handling takes a share of the limit drawn from a log-normal law (about 13 % over it),
  2 % of cases get stuck for 3–10 times their limit (at most 20 working days) and 2 % are
  left lying for 40–120 working days: running past the deadline at the end, or handled
  late;
- 12 % are sent back for rework (返工) once and 3 % twice, each after a verification
  visit, the clock running again from the rework;
- 40 % of closed cases are rated: 70 % satisfied, 20 % fair, 10 % dissatisfied.

About 6.5 events a case (上报, 立案, 派遣, 处置, 核查, 结案, 评价, and 返工 with its second
处置): 650,000 or so for 100,000 cases.  ``dispatched_at ≤ handled_at ≤ closed_at`` for
every case, ``rework_count`` is the number of its ``rework`` events, and the clock columns
(``clock_used_min``, ``clock_since``, ``deadline_at``, ``handled_on_time``) are what the
lifecycle (:mod:`layers.cases.cases`) would have written.  Rows go in with COPY.

``grid_cells``, ``reports`` and ``report_events`` are emptied first (the categories stay):
give it a database of its own.

    python -m bench.cases.generate --database-url URL [--cases 100000] [--seed 14]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import time
from dataclasses import dataclass, field

import psycopg
from sqlalchemy.engine import make_url

from layers import clock
from layers.cases.working_time import WorkingCalendar, load_calendar
from layers.storage import db

#: The grid: COLS × ROWS cells of CELL_LON × CELL_LAT degrees (≈100 m) from (WEST, SOUTH).
WEST, SOUTH = 107.75, 32.97
COLS, ROWS = 50, 40
CELL_LON, CELL_LAT = 0.00107, 0.0009
STREETS = ("城关", "江北", "南关", "东关", "西关", "北关", "沙河", "杨河",
           "柳树", "堰口", "桑园", "古城")
#: Communities: 10 blocks across × 6 down; street office k has communities 5k … 5k + 4.
COMMUNITY_COLS, COMMUNITY_ROWS = 10, 6
BUREAUS = ("城市管理局", "住房和城乡建设局", "交通运输局", "水利局", "生态环境分局",
           "园林绿化中心", "市场监督管理局", "公安局交警大队", "自然资源局", "卫生健康局",
           "文化和旅游局", "教育局", "民政局", "应急管理局", "供电公司", "燃气公司",
           "自来水公司", "电信公司", "移动公司", "联通公司", "广电网络公司", "环卫所",
           "市政工程处", "路灯管理所", "排水管理站", "公交公司", "邮政公司", "城投公司")
END = "2026-12-01"


@dataclass
class Case:
    id: int
    category: str
    category_version: int
    limit_min: int
    department: str
    cell: int
    community: str
    street: str
    lon: float
    lat: float
    requested_at: dt.datetime
    #: (at, action, from_status, status, actor) in order
    events: list[tuple] = field(default_factory=list)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="the benchmark's own database (its case tables are emptied)")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--end", default=END, help="the data's end, YYYY-MM-DD (county time)")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or BENCH_DATABASE_URL (a database of its own)")
    generate(args.database_url, args.cases, months=args.months,
             end=dt.date.fromisoformat(args.end), seed=args.seed)


def psycopg_url(url: str) -> str:
    """A libpq URL (no SQLAlchemy driver suffix) for psycopg itself."""
    return make_url(db.normalise_url(url)).set(drivername="postgresql").render_as_string(
        hide_password=False)


def data_end(end: dt.date) -> dt.datetime:
    return clock.day_start(end)


def generate(url: str, n: int, *, months: int = 6, end: dt.date = dt.date(2026, 12, 1),
             seed: int = 14, log=print) -> dict[str, int]:
    """Empty the case tables, then write the grid, *n* cases and their events."""
    started = time.perf_counter()
    rng = random.Random(seed)
    calendar = load_calendar()
    stop = data_end(end)
    first = end
    for _ in range(months):
        first = (first.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    start = clock.day_start(first)
    with psycopg.connect(psycopg_url(url)) as conn:
        categories = conn.execute(
            "SELECT code, version, data->>'time_limit', data->>'time_unit' FROM case_categories "
            "WHERE active ORDER BY code").fetchall()
        if not categories:
            raise SystemExit("case_categories is empty: run init_database on it first")
        conn.execute("TRUNCATE report_events, reports, grid_cells RESTART IDENTITY CASCADE")
        cells = _write_cells(conn)
        units = [s + "街道办事处" for s in STREETS] + list(BUREAUS)
        rng.shuffle(units)
        unit_weights = [1 / (k + 1) ** 0.9 for k in range(len(units))]
        rng.shuffle(categories)
        category_weights = [1 / (k + 1) ** 1.1 for k in range(len(categories))]
        limits = {code: calendar.limit_minutes(float(value), unit)
                  for code, _, value, unit in categories}
        cell_weights = [rng.paretovariate(2.0) for _ in cells]
        span = (stop - start).total_seconds()
        # ids in the order the cases came in, as the identity column gives them
        arrivals = sorted(start + dt.timedelta(seconds=rng.random() * span) for _ in range(n))
        cases, events = [], 0
        for i, requested_at in enumerate(arrivals, 1):
            code, version, _, _ = rng.choices(categories, category_weights)[0]
            cell_id, community, street, x0, y0 = rng.choices(cells, cell_weights)[0]
            # street-office categories go to the street office of the place, the rest by rule
            department = (street + "街道办事处" if rng.random() < 0.25
                          else rng.choices(units, unit_weights)[0])
            case = Case(i, code, version, limits[code], department, cell_id, community, street,
                        x0 + rng.random() * CELL_LON, y0 + rng.random() * CELL_LAT,
                        requested_at)
            _live(case, rng, calendar)
            case.events = [e for e in case.events if e[0] < stop]
            cases.append(case)
            events += len(case.events)
        log(f"simulated {n:,} cases, {events:,} events in {time.perf_counter() - started:.1f} s")
        _copy(conn, cases, calendar, stop)
        for table in ("reports", "report_events", "grid_cells"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        conn.commit()
    log(f"written in {time.perf_counter() - started:.1f} s")
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        for table in ("grid_cells", "reports", "report_events"):
            conn.execute(f"VACUUM ANALYZE {table}")
    log(f"analysed in {time.perf_counter() - started:.1f} s")
    return {"cases": n, "events": events, "cells": len(cells)}


def _write_cells(conn: psycopg.Connection) -> list[tuple]:
    cells = []
    with conn.cursor().copy("COPY grid_cells (id, code, geom, community, street, source) "
                            "FROM STDIN") as copy:
        for row in range(ROWS):
            for col in range(COLS):
                cell_id = row * COLS + col + 1
                block = (col * COMMUNITY_COLS // COLS) + COMMUNITY_COLS * (
                    row * COMMUNITY_ROWS // ROWS)
                street = STREETS[block // 5]
                community = f"{street}{block % 5 + 1}社区"
                x0, y0 = WEST + col * CELL_LON, SOUTH + row * CELL_LAT
                x1, y1 = x0 + CELL_LON, y0 + CELL_LAT
                ring = f"{x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}"
                copy.write_row((cell_id, f"BENCH{row:02d}{col:02d}",
                                f"SRID=4326;POLYGON(({ring}))", community, street + "街道",
                                "bench.cases.generate"))
                # the short name: the street office is 城关街道, its unit 城关街道办事处
                cells.append((cell_id, community, street, x0, y0))
    return cells


def _hours(rng: random.Random, mean: float) -> dt.timedelta:
    return dt.timedelta(hours=rng.expovariate(1 / mean))


def _live(case: Case, rng: random.Random, calendar: WorkingCalendar) -> None:
    """The case's whole life as events (at, action, from, to, actor), uncut."""
    events = case.events
    t = case.requested_at
    events.append((t, "report", None, "reported", "公众"))
    fate = rng.random()
    t += _hours(rng, 0.7)
    if fate < 0.02:
        events.append((t, "refuse", "reported", "refused", "受理员"))
        return
    if fate < 0.04:
        events.append((t, "duplicate", "reported", "duplicate", "受理员"))
        return
    events.append((t, "accept", "reported", "filed", "受理员"))
    t += _hours(rng, 0.4)
    events.append((t, "dispatch", "filed", "dispatched", "受理员"))
    limit = case.limit_min
    stuck = (r := rng.random()) < 0.02
    neglected = r > 0.98
    if rng.random() < 0.015:  # 挂账: suspended after a share of the limit, for good
        used = limit * rng.uniform(0.2, 2.0)
        events.append((calendar.add_working_minutes(t, used), "suspend", "dispatched",
                       "suspended", "受理员"))
        return
    extension = rng.random() < 0.03
    reworks = 2 if (r := rng.random()) < 0.03 else 1 if r < 0.15 else 0
    for round_ in range(reworks + 1):
        if neglected and round_ == 0:  # left lying for 40–120 working days
            working = rng.uniform(40, 120) * calendar.minutes_per_day
        else:
            share = (rng.uniform(3, 10) if stuck and round_ == 0
                     else math.exp(rng.gauss(-0.9, 0.8)) * (1 if round_ == 0 else 0.3))
            working = min(share * limit, 20 * calendar.minutes_per_day)
        handled = calendar.add_working_minutes(t, working)
        if extension and round_ == 0:
            asked = t + (handled - t) * 0.3
            events.append((asked, "request_extension", "dispatched", "dispatched", case.department))
            events.append((asked + (handled - asked) * 0.2, "approve_extension", "dispatched",
                           "dispatched", "受理员"))
        events.append((handled, "handle", "dispatched", "handled", case.department))
        t = handled + _hours(rng, 5)
        if round_ < reworks:
            events.append((t, "rework", "handled", "dispatched", "监督员"))
    events.append((t, "verify", "handled", "verified", "监督员"))
    t += _hours(rng, 2)
    events.append((t, "close", "verified", "closed", "受理员"))
    if rng.random() < 0.4:
        rating = rng.choices(("satisfied", "fair", "dissatisfied"), (7, 2, 1))[0]
        events.append((t + _hours(rng, 24), "rate", "closed", "closed", "公众", rating))


_REPORT_COLUMNS = (
    "id", "category", "category_version", "description", "status", "department", "assigned_by",
    "address", "geom", "reporter_name", "requested_at", "updated_at", "version", "cell_id",
    "community", "street", "tracking_code", "time_limit_min", "extension_min",
    "clock_used_min", "clock_since", "deadline_at", "warn_at", "filed_at", "dispatched_at",
    "handled_at", "closed_at", "handled_on_time", "rework_count", "rating", "rated_at")
_EVENT_COLUMNS = ("id", "report_id", "at", "actor", "status", "note", "action",
                  "from_status", "data")


def _copy(conn: psycopg.Connection, cases: list[Case], calendar: WorkingCalendar,
          stop: dt.datetime) -> None:
    with conn.cursor().copy(f"COPY reports ({', '.join(_REPORT_COLUMNS)}) FROM STDIN") as copy:
        for case in cases:
            copy.write_row(_report_row(case, calendar))
    # event ids in the order the steps were taken, all cases interleaved, as they are stored
    events = sorted(((event, case.id) for case in cases for event in case.events),
                    key=lambda pair: pair[0][0])  # stable: a case's steps keep their order
    with conn.cursor().copy(f"COPY report_events ({', '.join(_EVENT_COLUMNS)}) "
                            "FROM STDIN") as copy:
        for event_id, (event, case_id) in enumerate(events, 1):
            at, action, before, after, actor = event[:5]
            data = f'{{"rating": "{event[5]}"}}' if action == "rate" else None
            copy.write_row((event_id, case_id, at, actor, after,
                            "返工：未处置到位" if action == "rework" else None, action,
                            before, data))


def _report_row(case: Case, calendar: WorkingCalendar) -> tuple:
    """The case's columns as its (cut) events leave them, as the lifecycle writes them."""
    status, filed = "reported", None
    dispatched = handled = closed = rated = rating = on_time = None
    used, since, extension, reworks = 0.0, None, 0, 0
    limit = None
    for event in case.events:
        at, action, _, after, _ = event[:5]
        status = after
        if action == "accept":
            filed = at
        elif action == "dispatch":
            dispatched, since, limit = at, at, case.limit_min
        elif action == "approve_extension":
            extension = case.limit_min // 2
        elif action in ("handle", "suspend"):
            used += calendar.working_minutes(since, at)
            since = None
            if action == "handle":
                handled = at
                on_time = used <= limit + extension + 1e-6
        elif action == "rework":
            reworks += 1
            since = at
        elif action == "close":
            closed = at
        elif action == "rate":
            rated, rating = at, event[5]
    deadline = warn = None
    if since is not None:
        total = limit + extension
        deadline = calendar.add_working_minutes(since, max(0.0, total - used))
        warn = calendar.add_working_minutes(since, max(0.0, 0.8 * total - used))
    last = case.events[-1][0]
    return (case.id, case.category, case.category_version,
            f"{case.community}网格{case.cell}：问题描述（基准数据 {case.id}）", status,
            case.department, "bench", f"{case.street}街道{case.community}",
            f"SRID=4326;POINT({case.lon:.7f} {case.lat:.7f})", "公众",
            case.requested_at, last, len(case.events), case.cell, case.community,
            case.street + "街道", f"B{case.id:09d}", limit, extension, used, since, deadline,
            warn, filed, dispatched, handled, closed, on_time, reworks, rating, rated)


if __name__ == "__main__":
    main()
