"""Serving benchmark: our OGC API items and vector tiles, and pygeoapi's items, side by side.

Both servers run in the same run, under the same production server (gunicorn, ``gthread``
workers, same process and thread counts), on loopback ports, over the same PostGIS table
(``road_segments`` filled by :mod:`bench.serving.generate`).  Clients are threads with
keep-alive sessions, each request timed from send to the last byte read.

- **items**: ``/collections/road_segments/items?bbox=…&limit=1000&f=json`` with random
  0.04° boxes (≈1,600 features inside, so every page holds exactly 1,000); the same boxes,
  in the same order, for both servers.  Before timing, both must return the same 1,000 ids
  for the first boxes.
- **tiles**: ours only, ``/tiles/road_segments/14/{x}/{y}.mvt`` at random z14 tiles of the
  area (400–500 features each).

Rounds alternate the servers (ours, pygeoapi, ours, ...) so that whatever else the machine
does weighs on both.  Results go to ``bench/serving/results.json`` and the terminal.

    python -m bench.serving.run --database-url URL [--requests 300] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import make_url

from bench.serving.generate import EAST, NORTH, SOUTH, WEST
from layers.storage import db

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYGEOAPI_CONFIG = HERE / "pygeoapi.config.yml"
RESULTS = HERE / "results.json"
#: Side of the item query boxes (degrees) and the page size asked for.
BOX, LIMIT = 0.04, 1000
TILE_ZOOM = 14
#: Margin kept from the data's edge, so that every box is full of features.
MARGIN = 0.05


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    load_before = os.getloadavg()
    url = db.normalise_url(args.database_url)
    _check_data(url)
    rng = random.Random(args.seed)
    boxes = [_random_box(rng) for _ in range(args.requests)]
    tile_addresses = [_random_tile(rng) for _ in range(args.requests)]
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as scratch:
        ours = _start_ours(url, args)
        servers = [ours]
        pygeoapi = None
        if not args.skip_pygeoapi:
            pygeoapi = _start_pygeoapi(url, args, Path(scratch))
            servers.append(pygeoapi)
        try:
            for server in servers:
                server.wait_ready()
            item_urls = {"ours": [_items_url(ours.base + "/ogc", b) for b in boxes]}
            if pygeoapi:
                item_urls["pygeoapi"] = [_items_url(pygeoapi.base, b) for b in boxes]
                _check_same_answers(item_urls)
            tile_urls = [f"{ours.base}/tiles/road_segments/{TILE_ZOOM}/{x}/{y}.mvt"
                         for x, y in tile_addresses]
            results = _measure(args, item_urls, tile_urls)
        finally:
            for server in servers:
                server.stop()
    report = _report(args, results, load_before)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    _print(report)


def _arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--requests", type=int, default=300,
                        help="requests per scenario, server and round")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-pygeoapi", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give --database-url or BENCH_DATABASE_URL (see bench/serving/generate.py)")
    return args


def _check_data(url: str) -> None:
    with db.get_engine(url).connect() as conn:
        if not conn.scalar(sa.text("SELECT EXISTS (SELECT 1 FROM road_segments)")):
            sys.exit("road_segments is empty: run python -m bench.serving.generate first")


def _random_box(rng: random.Random) -> tuple[float, float, float, float]:
    west = rng.uniform(WEST + MARGIN, EAST - MARGIN - BOX)
    south = rng.uniform(SOUTH + MARGIN, NORTH - MARGIN - BOX)
    return (round(west, 6), round(south, 6), round(west + BOX, 6), round(south + BOX, 6))


def _random_tile(rng: random.Random) -> tuple[int, int]:
    lon = rng.uniform(WEST + MARGIN, EAST - MARGIN)
    lat = rng.uniform(SOUTH + MARGIN, NORTH - MARGIN)
    n = 2**TILE_ZOOM
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _items_url(collections_root: str, box) -> str:
    bbox = ",".join(f"{v:.6f}" for v in box)
    return f"{collections_root}/collections/road_segments/items?bbox={bbox}&limit={LIMIT}&f=json"


# --- servers ------------------------------------------------------------------------------


class Server:
    """A gunicorn process on a loopback port."""

    def __init__(self, name: str, app: str, env: dict[str, str], args, ready_path: str,
                 port: int | None = None):
        self.name = name
        self.port = port or _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ready_path = ready_path
        command = [str(Path(sys.executable).with_name("gunicorn")), "--bind",
                   f"127.0.0.1:{self.port}", "--workers", str(args.workers),
                   "--worker-class", "gthread", "--threads", str(args.threads),
                   "--log-level", "warning", app]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} exited with status {self.process.returncode}")
            try:
                if requests.get(self.base + self.ready_path, timeout=5).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.5)
        sys.exit(f"{self.name} did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_ours(url: str, args) -> Server:
    return Server("ours", "bench.serving.app:app", {"DATABASE_URL": url}, args, "/ogc")


def _start_pygeoapi(url: str, args, scratch: Path) -> Server:
    if shutil.which("pygeoapi", path=str(Path(sys.executable).parent)) is None:
        sys.exit("pygeoapi is not installed: pip install pygeoapi psycopg2-binary")
    port = _free_port()  # pygeoapi's config must name the port it is served on
    PYGEOAPI_CONFIG.write_text(yaml.safe_dump(pygeoapi_config(url, port), allow_unicode=True,
                                              sort_keys=False))
    openapi = scratch / "pygeoapi-openapi.yml"
    env = {"PYGEOAPI_CONFIG": str(PYGEOAPI_CONFIG), "PYGEOAPI_OPENAPI": str(openapi),
           "BENCH_PG_PASSWORD": make_url(url).password or ""}
    subprocess.run([str(Path(sys.executable).with_name("pygeoapi")), "openapi", "generate",
                    str(PYGEOAPI_CONFIG), "--output-file", str(openapi)],
                   check=True, env={**os.environ, **env}, capture_output=True)
    return Server("pygeoapi", "pygeoapi.flask_app:APP", env, args, "/collections", port)


def pygeoapi_config(url: str, port: int) -> dict:
    """pygeoapi's configuration: its PostgreSQL provider on our road_segments table.

    The password is read from ``BENCH_PG_PASSWORD`` when pygeoapi starts (its config
    expands ``${VAR}``), so the generated file holds no secret.
    """
    parsed = make_url(url)
    contact = {"name": "Lianchuang bench", "email": "bench@example.org",
               "url": "https://example.org", "role": "pointOfContact"}
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "serving benchmark",
                               "keywords": ["bench"], "keywords_type": "theme",
                               "terms_of_service": "https://example.org",
                               "url": "https://example.org"},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "https://example.org"},
            "contact": contact,
        },
        "resources": {"road_segments": {
            "type": "collection",
            "title": "road_segments",
            "description": "generated road segments",
            "keywords": ["roads"],
            "extents": {"spatial": {"bbox": [WEST, SOUTH, EAST, NORTH],
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{
                "type": "feature",
                "name": "PostgreSQL",
                "data": {"host": parsed.host, "port": parsed.port or 5432,
                         "dbname": parsed.database, "user": parsed.username,
                         "password": "${BENCH_PG_PASSWORD}", "search_path": ["public"]},
                "id_field": "fid",
                "table": "road_segments",
                "geom_field": "geom",
            }],
        }},
    }


# --- measuring ----------------------------------------------------------------------------


def _check_same_answers(item_urls: dict[str, list[str]], boxes: int = 5) -> None:
    """Both servers return the same 1,000 features for the first boxes, or the run stops."""
    for i in range(boxes):
        answers = {}
        for name, urls in item_urls.items():
            page = requests.get(urls[i], timeout=120).json()
            answers[name] = [f["id"] for f in page["features"]]
            if len(answers[name]) != LIMIT:
                sys.exit(f"{name} returned {len(answers[name])} features for box {i}, "
                         f"not {LIMIT}: {urls[i]}")
        if answers["ours"] != answers["pygeoapi"]:
            sys.exit(f"the servers disagree on box {i}: {item_urls['ours'][i]}")


def _measure(args, item_urls: dict[str, list[str]], tile_urls: list[str]) -> dict:
    results: dict[str, dict] = {}
    for _ in range(args.rounds):
        for name, urls in item_urls.items():
            _add(results, f"items/{name}", _run(urls, args.concurrency))
        _add(results, "tiles/ours", _run(tile_urls, args.concurrency))
    return results


def _add(results: dict, key: str, run: dict) -> None:
    total = results.setdefault(key, {"latencies": [], "seconds": 0.0, "bytes": 0,
                                     "errors": 0})
    for field in total:
        total[field] += run[field]


def _run(urls: list[str], concurrency: int) -> dict:
    """GET every URL with *concurrency* threads; latencies, wall time, bytes and errors."""
    local = threading.local()

    def fetch(url: str) -> tuple[float, int, bool]:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.perf_counter()
        response = session.get(url, timeout=120)
        size = len(response.content)
        return time.perf_counter() - started, size, response.status_code == 200

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(fetch, urls[:concurrency]))  # warm the connections and caches
        started = time.perf_counter()
        done = list(pool.map(fetch, urls))
        seconds = time.perf_counter() - started
    return {"latencies": [d[0] for d in done], "seconds": seconds,
            "bytes": sum(d[1] for d in done), "errors": sum(not d[2] for d in done)}


def _summary(run: dict) -> dict:
    latencies = sorted(run["latencies"])
    quantiles = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": run["errors"],
            "p50_ms": round(quantiles[49] * 1000, 1), "p95_ms": round(quantiles[94] * 1000, 1),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
            "throughput_rps": round(len(latencies) / run["seconds"], 1),
            "mean_kb": round(run["bytes"] / len(latencies) / 1024, 1)}


def _report(args, results: dict, load_before: tuple[float, ...]) -> dict:
    summaries = {key: _summary(run) for key, run in results.items()}
    report = {"finished": time.strftime("%Y-%m-%d %H:%M:%S %z"),
              "machine": {"cpus": os.cpu_count(), "load_average_before": load_before,
                          "load_average_after": os.getloadavg()},
              "settings": {"requests_per_round": args.requests, "rounds": args.rounds,
                           "concurrency": args.concurrency, "server": "gunicorn gthread",
                           "workers": args.workers, "threads": args.threads,
                           "items_box_degrees": BOX, "items_limit": LIMIT,
                           "tile_zoom": TILE_ZOOM},
              "results": summaries}
    if "items/pygeoapi" in summaries:
        ours, theirs = summaries["items/ours"], summaries["items/pygeoapi"]
        report["ratios"] = {
            "items_throughput_ours_over_pygeoapi":
                round(ours["throughput_rps"] / theirs["throughput_rps"], 2),
            "items_p95_ours_over_pygeoapi": round(ours["p95_ms"] / theirs["p95_ms"], 2),
        }
    return report


def _print(report: dict) -> None:
    print(f"{'scenario':<16}{'requests':>9}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'req/s':>8}{'KB':>8}")
    for key, s in report["results"].items():
        print(f"{key:<16}{s['requests']:>9}{s['errors']:>7}{s['p50_ms']:>9}{s['p95_ms']:>9}"
              f"{s['throughput_rps']:>8}{s['mean_kb']:>8}")
    for key, value in report.get("ratios", {}).items():
        print(f"{key}: {value}")
    machine = report["machine"]
    print(f"load average (1, 5, 15 min) before: {machine['load_average_before']}, "
          f"after: {machine['load_average_after']}")


if __name__ == "__main__":
    main()
