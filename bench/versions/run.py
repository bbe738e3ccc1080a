"""Time what keeping every version costs (issue 16), in a database of its own.

    python -m bench.versions.run --database-url URL            # all three, 100,000 features
    python -m bench.versions.run --features 20000 --skip-upload

(a) **A version's cost on an update**: ``UPDATE parks`` of N features (every feature, and a
single one: what an edit on the map does) with the versions triggers, against the same
statement with them disabled (``ALTER TABLE parks DISABLE TRIGGER parks_versions_update``),
alternating, each in a transaction rolled back (so every run starts from the same state).
Target: the triggers add ≤ 20 %.

(b) **Time travel**: 100,000 features with 10 versions each (generated straight into
``parks`` and ``feature_versions``), ``GET /ogc/collections/parks/items`` with a bbox (16,400
features, a page of 1,000) and without one (the first page, with its ``numberMatched``), as
the layer is now against ``datetime=`` an instant in the middle of the history.  Target:
the as-of query ≤ 2× the current-state one.

(c) **The upload's dry run**: a GeoJSON of 100,000 parks against a live layer of 100,000 (5 %
changed, 5 % new, 5 % gone), ``POST /api/uploads`` end to end (the importer's reading and
validation, the rolled-back write, the diff and its JSON).  Target: ≤ 15 s.

Every layer table of the database is emptied.  Flask's test client, no HTTP server.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from api.app import create_app
from layers.exchange.importer import ImportOptions, import_paths
from layers.storage import db
from layers.storage.models import LAYER_TABLES, feature_versions
from layers.tracking.accounts import create_user, issue_token

#: The features' squares: 0.0004° (about 40 m) on a 0.0005° grid around Xixiang.
X0, Y0, STEP, SIZE = 107.70, 32.95, 0.0005, 0.0004
COLUMNS = 400


def square_sql(index: str, shift: str = "0") -> str:
    """The EWKT of feature *index*'s square (SQL), moved east by *shift* degrees."""
    x = f"({X0} + ({index} % {COLUMNS}) * {STEP} + {shift})"
    y = f"({Y0} + ({index} / {COLUMNS}) * {STEP})"
    return (f"ST_Multi(ST_MakeEnvelope({x}, {y}, {x} + {SIZE}, {y} + {SIZE}, 4326))")


def empty(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in LAYER_TABLES.values())
                             + ", feature_versions, project_features, project_events, "
                               "projects, api_tokens, users RESTART IDENTITY CASCADE"))


def fill_parks(engine: sa.Engine, n: int) -> None:
    """*n* parks written with the triggers on (each gets its first version)."""
    with engine.begin() as conn:
        conn.execute(sa.text(
            "SELECT set_config('lianchuang.actor', 'bench', true), "
            "set_config('lianchuang.channel', 'import', true)"))
        conn.execute(sa.text(
            "INSERT INTO parks (fid, name, park_class, geom, source) "
            f"SELECT 'P-' || i, '公园' || i, 'G12', {square_sql('i')}, 'bench' "
            "FROM generate_series(0, :n - 1) i"), {"n": n})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE parks, feature_versions")


def timed(conn: sa.Connection, sql: str) -> float:
    start = time.perf_counter()
    conn.exec_driver_sql(sql)
    return time.perf_counter() - start


def bench_update(engine: sa.Engine, client, n: int, repeat: int) -> dict:
    """(a): the same UPDATE with and without the versions triggers, alternating; then one
    feature's edit end to end (PATCH through the OGC API, what a planner's edit costs)."""
    empty(engine)
    fill_parks(engine, n)
    statements = {
        "all": "UPDATE parks SET name = name || '改', geom = ST_Translate(geom, 0.00001, 0)",
        "one": "UPDATE parks SET name = name || '改', geom = ST_Translate(geom, 0.00001, 0) "
               "WHERE fid = 'P-7'"}
    results = {}
    for label, sql in statements.items():
        times = {"with": [], "without": []}
        rounds = repeat if label == "all" else repeat * 20
        for _ in range(rounds):
            for side in ("with", "without"):
                with engine.connect() as conn:
                    with conn.begin() as tx:
                        conn.exec_driver_sql(
                            "SELECT set_config('lianchuang.actor', 'bench', true), "
                            "set_config('lianchuang.channel', 'api', true)")
                        if side == "without":
                            conn.exec_driver_sql(
                                "ALTER TABLE parks DISABLE TRIGGER parks_versions_update")
                        times[side].append(timed(conn, sql))
                        tx.rollback()
        with_, without = (statistics.median(times[s]) for s in ("with", "without"))
        results[label] = {"with_s": with_, "without_s": without,
                          "added": with_ / without - 1, "runs": rounds}
        print(f"(a) UPDATE {'all ' + str(n) if label == 'all' else 'one'} feature(s): "
              f"with versions {with_ * 1000:.1f} ms, without {without * 1000:.1f} ms "
              f"(median of {rounds}): +{(with_ / without - 1) * 100:.0f} %")
    with engine.begin() as conn:
        create_user(conn, "editor", "编辑", "admin")
        headers = {"Authorization": f"Bearer {issue_token(conn, 'editor')}"}
    times = {"with": [], "without": []}
    rounds = repeat * 20
    for i in range(rounds):
        for side in ("with", "without"):
            action = "DISABLE" if side == "without" else "ENABLE"
            with engine.begin() as conn:
                conn.exec_driver_sql(f"ALTER TABLE parks {action} TRIGGER parks_versions_update")
            start = time.perf_counter()
            response = client.patch("/ogc/collections/parks/items/P-7", headers=headers,
                                    json={"properties": {"name": f"改{i}{side}"}})
            times[side].append(time.perf_counter() - start)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE parks ENABLE TRIGGER parks_versions_update")
    with_, without = (statistics.median(times[s]) for s in ("with", "without"))
    results["edit"] = {"with_s": with_, "without_s": without, "added": with_ / without - 1,
                       "runs": rounds}
    print(f"(a) one feature's edit through the API (PATCH): with versions "
          f"{with_ * 1000:.1f} ms, without {without * 1000:.1f} ms (median of {rounds}): "
          f"+{(with_ / without - 1) * 100:.0f} %")
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE parks, feature_versions")
    return results


def fill_history(engine: sa.Engine, n: int, versions: int) -> str:
    """*n* parks with *versions* versions each, a day apart from 2026-01-01; the instant in
    the middle of the history (as an ISO string)."""
    empty(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT set_config('lianchuang.channel', 'restore', true)")
        conn.execute(sa.text(
            "INSERT INTO feature_versions (layer, fid, version, op, valid_from, valid_to, geom,"
            " attrs, actor, channel, note) "
            "SELECT 'parks', 'P-' || i, k, CASE WHEN k = 1 THEN 'insert' ELSE 'update' END, "
            "timestamptz '2026-01-01 00:00+00' + (k - 1) * interval '1 day', "
            "CASE WHEN k < :v THEN timestamptz '2026-01-01 00:00+00' + k * interval '1 day' "
            "END, " + square_sql("i", "k * 0.00001") + ", "
            "jsonb_build_object('name', '公园' || i || '-' || k, 'park_class', 'G12', "
            "'source', 'bench', 'imported_at', timestamptz '2026-01-01 00:00+00' "
            "+ (k - 1) * interval '1 day'), 'bench', 'import', NULL "
            "FROM generate_series(0, :n - 1) i, generate_series(1, :v) k"),
            {"n": n, "v": versions})
        conn.execute(sa.text(
            "INSERT INTO parks (fid, name, park_class, geom, source, imported_at) "
            "SELECT fid, attrs ->> 'name', 'G12', geom, 'bench', valid_from "
            "FROM feature_versions WHERE layer = 'parks' AND valid_to IS NULL"))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE parks, feature_versions")
    return f"2026-01-0{versions // 2}T12:00:00Z"


def bench_as_of(client, n: int, versions: int, moment: str, repeat: int) -> dict:
    """(b): the OGC items with and without datetime=, alternating."""
    rows = 40  # the grid's first 40 rows: 16,000 features, a page of 1,000 of them
    bbox = f"{X0},{Y0},{X0 + COLUMNS * STEP},{Y0 + rows * STEP}"
    queries = {"bbox": f"/ogc/collections/parks/items?bbox={bbox}&limit=1000",
               "first page": "/ogc/collections/parks/items?limit=100"}
    results = {}
    for label, url in queries.items():
        times = {"now": [], "as_of": []}
        for _ in range(repeat):
            for which in ("now", "as_of"):
                target = url + (f"&datetime={moment}" if which == "as_of" else "")
                start = time.perf_counter()
                response = client.get(target)
                times[which].append(time.perf_counter() - start)
                assert response.status_code == 200, response.get_data(as_text=True)[:300]
                body = response.get_json()
        now, as_of = (statistics.median(times[w]) for w in ("now", "as_of"))
        results[label] = {"now_s": now, "as_of_s": as_of, "ratio": as_of / now,
                          "returned": body["numberReturned"],
                          "matched": body.get("numberMatched")}
        print(f"(b) items {label} ({body['numberReturned']} of {body.get('numberMatched')}) "
              f"on {n:,} features × {versions} versions: now {now * 1000:.0f} ms, "
              f"as of {moment} {as_of * 1000:.0f} ms (median of {repeat}): "
              f"{as_of / now:.2f}×")
    return results


def upload_file(n: int, folder: Path, changed: bool = True) -> Path:
    """The contractor's file: P-0 … P-(n-1) with the last 5 % gone, 5 % moved (every 20th),
    and 5 % new ones after them; without *changed*, the live layer P-0 … P-(n-1)."""
    gone = n // 20 if changed else 0
    features = []
    for i in list(range(n - gone)) + list(range(n, n + gone)):
        x = X0 + (i % COLUMNS) * STEP + (0.00002 if changed and i % 20 == 1 else 0)
        y = Y0 + (i // COLUMNS) * STEP
        features.append({"type": "Feature", "properties": {
            "fid": f"P-{i}", "name": f"公园{i}", "park_class": "G12"},
            "geometry": {"type": "MultiPolygon", "coordinates": [[[
                [x, y], [x + SIZE, y], [x + SIZE, y + SIZE], [x, y + SIZE], [x, y]]]]}})
    path = folder / "parks.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False))
    return path


def bench_upload(engine: sa.Engine, client, n: int, repeat: int) -> dict:
    """(c): POST /api/uploads (dry run with diff) of an n-feature file against n live ones."""
    empty(engine)
    with engine.begin() as conn:
        create_user(conn, "bench", "基准", "planner", "住建局")
        headers = {"Authorization": f"Bearer {issue_token(conn, 'bench')}"}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "live").mkdir()
        import_paths(engine, [upload_file(n, Path(folder) / "live", changed=False)],
                     ImportOptions(actor="bench"))
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE parks, feature_versions")
        path = upload_file(n, Path(folder))
        content = path.read_bytes()
        times, body = [], None
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.post("/api/uploads", headers=headers,
                                   data={"file": (io.BytesIO(content), "parks.geojson"),
                                         "replace": "true"},
                                   content_type="multipart/form-data")
            times.append(time.perf_counter() - start)
            assert response.status_code == 201, response.get_data(as_text=True)[:500]
            body = response.get_json()
            client.delete(f"/api/uploads/{body['id']}", headers=headers)
    best, median = min(times), statistics.median(times)
    print(f"(c) dry run of a {n:,}-feature file ({len(content) / 1e6:.0f} MB) against {n:,} "
          f"live: {median:.1f} s median, {best:.1f} s best of {repeat}; diff {body['counts']}")
    return {"median_s": median, "best_s": best, "counts": body["counts"],
            "file_mb": len(content) / 1e6}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-update", action="store_true")
    parser.add_argument("--skip-as-of", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--out", default="bench/versions/results.json")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or BENCH_DATABASE_URL (a database of its own)")
    url = db.normalise_url(args.database_url)
    engine = db.get_engine(url)
    uploads = tempfile.mkdtemp(prefix="bench-uploads-")
    os.environ["LIANCHUANG_UPLOADS"] = uploads
    client = create_app({"DATABASE_URL": url, "LIANCHUANG_TILES": "none"}).test_client()
    print(f"load average at the start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    results: dict = {"features": args.features, "load": os.getloadavg()[0]}
    if not args.skip_update:
        results["update"] = bench_update(engine, client, args.features, args.repeat)
    if not args.skip_as_of:
        moment = fill_history(engine, args.features, args.versions)
        results["as_of"] = bench_as_of(client, args.features, args.versions, moment,
                                       args.repeat)
    if not args.skip_upload:
        results["upload"] = bench_upload(engine, client, args.features, max(1, args.repeat // 2))
    empty(engine)
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(feature_versions)) == 0
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
