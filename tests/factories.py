"""Small known data and the app around it, for the API and web map tests.

Test modules load these fixtures with ``pytest_plugins = ["tests.factories"]``.  ``city``
fills the (emptied) test database with a handful of features and projects whose answers are
known by hand: which are overdue, which status colours which feature, which fall in a bbox.
Due dates are in 2020 (past) or 2099 (future), so the answers hold whatever today is.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from api.app import create_app
from layers.storage.models import layer_table, project_events, project_features, projects
from webmap.screenshot import launch_chromium

PAST = dt.date(2020, 6, 30)
FUTURE = dt.date(2099, 12, 31)


def add_features(conn: sa.Connection, layer: str, *rows: dict[str, Any]) -> None:
    """Insert *rows* (``fid``, ``geom`` as WKT in EPSG:4326, attributes) into *layer*."""
    conn.execute(layer_table(layer).insert(),
                 [{**row, "geom": f"SRID=4326;{row['geom']}"} for row in rows])


def add_project(conn: sa.Connection, code: str, name: str, *, status: str = "planned",
                campaigns: tuple[str, ...] = ("national_sanitary",),
                department: str = "住建局", category: str = "road", progress: int = 0,
                due_date: dt.date | None = None,
                features: tuple[tuple[str, str], ...] = ()) -> int:
    """Insert a project linked to *features* (``(layer, fid)`` pairs); return its id."""
    project_id = conn.execute(projects.insert().returning(projects.c.id), {
        "code": code, "name": name, "category": category, "campaigns": list(campaigns),
        "department": department, "status": status, "progress": progress,
        "due_date": due_date,
    }).scalar_one()
    if features:
        conn.execute(project_features.insert(),
                     [{"project_id": project_id, "layer": layer, "fid": fid}
                      for layer, fid in features])
    return project_id


def add_event(conn: sa.Connection, project_id: int, at: dt.datetime, **values: Any) -> None:
    """Append an event to a project's history."""
    conn.execute(project_events.insert(), {"project_id": project_id, "at": at,
                                           "actor": values.pop("actor", "test"),
                                           "kind": values.pop("kind", "status"), **values})


def build_city(engine: sa.Engine) -> dict[str, int]:
    """The known data set; returns project ids by code.

    - roads: r1 城南路 (projects DL-001 in progress and YL-001 completed → in_progress),
      r2 东环路 (DL-002, planned and past due → overdue), r3 北关街 (no project).
      r1 and r2 lie south of latitude 32.995, r3 north of it.
    - parks: p1 牧马河公园 (YL-001, completed: finished, so never overdue).
    - facilities: f1 公厕一号 (HW-001 suspended), f2 垃圾收集点 (DL-002, overdue).
    - built_up_area: b1 around everything.
    """
    with engine.begin() as conn:
        add_features(
            conn, "road_segments",
            {"fid": "r1", "name": "城南路", "road_class": "arterial",
             "geom": "MULTILINESTRING((107.70 32.98, 107.72 32.98))"},
            {"fid": "r2", "name": "东环路", "road_class": "collector",
             "geom": "MULTILINESTRING((107.74 32.99, 107.76 32.99))"},
            {"fid": "r3", "name": "北关街", "road_class": "local",
             "geom": "MULTILINESTRING((107.71 33.00, 107.71 33.02))"},
        )
        add_features(conn, "parks", {
            "fid": "p1", "name": "牧马河公园", "park_class": "G11",
            "geom": "MULTIPOLYGON(((107.73 32.97, 107.74 32.97, 107.74 32.975, "
                    "107.73 32.975, 107.73 32.97)))"})
        add_features(
            conn, "facilities",
            {"fid": "f1", "name": "公厕一号", "kind": "public_toilet",
             "geom": "POINT(107.705 32.985)"},
            {"fid": "f2", "name": "垃圾收集点", "kind": "garbage_point",
             "geom": "POINT(107.75 32.995)"},
        )
        add_features(conn, "built_up_area", {
            "fid": "b1", "name": "县城建成区",
            "geom": "MULTIPOLYGON(((107.69 32.96, 107.77 32.96, 107.77 33.03, "
                    "107.69 33.03, 107.69 32.96)))"})
        ids = {
            "DL-001": add_project(conn, "DL-001", "城南路改造", status="in_progress",
                                  progress=40, due_date=FUTURE,
                                  campaigns=("national_civilized", "national_sanitary"),
                                  features=(("road_segments", "r1"),)),
            "DL-002": add_project(conn, "DL-002", "东环路提升", status="planned",
                                  department="交通局", due_date=PAST,
                                  features=(("road_segments", "r2"), ("facilities", "f2"))),
            "YL-001": add_project(conn, "YL-001", "牧马河公园建设", status="completed",
                                  progress=100, category="greening", due_date=PAST,
                                  campaigns=("national_garden",),
                                  features=(("parks", "p1"), ("road_segments", "r1"))),
            "HW-001": add_project(conn, "HW-001", "公厕改造", status="suspended",
                                  category="sanitation", department="城管局",
                                  features=(("facilities", "f1"),)),
        }
        add_event(conn, ids["DL-001"], dt.datetime(2024, 1, 5, tzinfo=dt.timezone.utc),
                  kind="import", status="planned", progress=0)
        add_event(conn, ids["DL-001"], dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc),
                  status="in_progress", progress=40, note="路面铣刨完成")
    return ids


@pytest.fixture
def city(clean_db: sa.Engine) -> dict[str, int]:
    """The known data set in an emptied database (project ids by code)."""
    return build_city(clean_db)


@pytest.fixture
def new_project(clean_db: sa.Engine):
    """:func:`add_project` on the test database, for a test's own extra project."""
    def new_project(*args, **kwargs) -> int:
        with clean_db.begin() as conn:
            return add_project(conn, *args, **kwargs)
    return new_project


@pytest.fixture
def app(database_url: str):
    """The app on the test database, with no basemap (no request leaves the machine)."""
    return create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                       "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a server or a closed database)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served over real HTTP on 127.0.0.1 (a free port); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright, one for the session."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
