"""A small grid town whose inspection answers are known by hand, and the app that plans on it.

Loaded by the inspection tests with ``pytest_plugins``. Streets: three east-west and three
north-south streets 0.002° apart, crossing at nine junctions (SW corner 107.700, 33.000;
NE corner 107.704, 33.004), all at 36 km/h (10 m/s). The sites:

======== ===================================== ===================== =====================
project  feature (its point)                   status, due           other
======== ===================================== ===================== =====================
XC-001   road r1 through the centre (centre)   in progress, past     住建局; import event
XC-002   park p1 in the NW block (block middle) planned, future      园林局; note 3 days ago
XC-003   toilet f1 (NE corner)                 completed, past       城管局; photo 60 days ago
XC-004   none                                  approved, past        宣传部
XC-005   garbage point f2 (SE corner)          suspended, past       城管局
XC-006   far point f3 (2.4 km east of town)    in progress, past     name with HTML
======== ===================================== ===================== =====================

So on TODAY the overdue projects are XC-001, XC-004 (no location), XC-005 and XC-006
(too far from the streets). Each project's one feature is its one site (:func:`stop_id`). Reports: #1 submitted (N middle), #2 resolved (NW corner),
#3 in progress (E middle).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from pyproj import Geod

from api import inspection_page, inspection_routes
from layers.storage.models import reports

TODAY = dt.date(2026, 11, 22)
PAST = dt.date(2026, 1, 31)
FUTURE = dt.date(2027, 12, 31)
X = (107.700, 107.702, 107.704)
Y = (33.000, 33.002, 33.004)
SW, CENTRE, SE, NE, NW = (X[0], Y[0]), (X[1], Y[1]), (X[2], Y[0]), (X[2], Y[2]), (X[0], Y[2])
#: The far site, east of the SE corner, the nearest point of the streets.
FAR = (107.730, 33.000)
HTML_NAME = "<script>alert(1)</script> 远郊点"
#: Each project's site (its one linked feature), as the stop ids name it.
SITES = {"XC-001": "road_segments:r1", "XC-002": "parks:p1", "XC-003": "facilities:f1",
         "XC-005": "facilities:f2", "XC-006": "facilities:f3"}
_GEOD = Geod(ellps="GRS80")
#: The town's width (0.004° of longitude) and height (0.004° of latitude) in metres.
WIDTH_M = _GEOD.inv(X[0], Y[0], X[2], Y[0])[2]
HEIGHT_M = _GEOD.inv(X[0], Y[0], X[0], Y[2])[2]
FAR_M = _GEOD.inv(X[2], Y[0], *FAR)[2]
SPEED_M_S = 10.0


def stop_id(town: dict[str, int], code: str) -> str:
    """The stop id of project *code*'s site, or of the project when it has none."""
    site = SITES.get(code)
    return f"project:{town[code]}/{site}" if site else f"project:{town[code]}"


def _at(days_before: int) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_before), dt.time(10),
                               tzinfo=dt.timezone.utc)


def add_streets(conn: sa.Connection) -> None:
    from tests.factories import add_features  # once pytest has loaded it as a plugin
    rows = [{"fid": f"H{i}", "name": f"横街{i}", "road_class": "local", "speed_kmh": 36.0,
             "geom": f"MULTILINESTRING(({X[0]} {y}, {X[2]} {y}))"} for i, y in enumerate(Y)]
    rows += [{"fid": f"V{i}", "name": f"纵街{i}", "road_class": "local", "speed_kmh": 36.0,
              "geom": f"MULTILINESTRING(({x} {Y[0]}, {x} {Y[2]}))"} for i, x in enumerate(X)]
    add_features(conn, "streets", *rows)


def add_report(conn: sa.Connection, category: str, status: str, lon: float, lat: float,
               description: str = "路边垃圾未清运") -> int:
    return conn.execute(reports.insert().returning(reports.c.id), {
        "category": category, "description": description, "status": status,
        "department": "县城市管理局", "address": "西乡县城关镇",
        "geom": f"SRID=4326;POINT({lon} {lat})"}).scalar_one()


def build_town(engine: sa.Engine) -> dict[str, int]:
    """The town above in an emptied database; returns project ids by code and report ids
    by ``R1``..``R3``."""
    from tests.factories import add_event, add_features, add_project
    with engine.begin() as conn:
        add_streets(conn)
        add_features(conn, "road_segments", {
            "fid": "r1", "name": "中街", "road_class": "collector",
            "geom": f"MULTILINESTRING(({X[0]} {Y[1]}, {X[1]} {Y[1]}, {X[2]} {Y[1]}))"})
        add_features(conn, "parks", {
            "fid": "p1", "name": "街心公园", "park_class": "G14",
            "geom": "MULTIPOLYGON(((107.7005 33.0025, 107.7015 33.0025, 107.7015 33.0035, "
                    "107.7005 33.0035, 107.7005 33.0025)))"})
        add_features(conn, "facilities",
                     {"fid": "f1", "name": "公厕一号", "kind": "public_toilet",
                      "geom": f"POINT({NE[0]} {NE[1]})"},
                     {"fid": "f2", "name": "垃圾收集点", "kind": "garbage_point",
                      "geom": f"POINT({SE[0]} {SE[1]})"},
                     {"fid": "f3", "name": "远郊垃圾点", "kind": "garbage_point",
                      "geom": f"POINT({FAR[0]} {FAR[1]})"})
        add_features(conn, "built_up_area", {
            "fid": "b1", "name": "建成区",
            "geom": "MULTIPOLYGON(((107.699 32.999, 107.705 32.999, 107.705 33.005, "
                    "107.699 33.005, 107.699 32.999)))"})
        ids = {
            "XC-001": add_project(conn, "XC-001", "中街改造", status="in_progress",
                                  due_date=PAST, campaigns=("national_civilized",),
                                  features=(("road_segments", "r1"),)),
            "XC-002": add_project(conn, "XC-002", "街心公园提升", status="planned",
                                  due_date=FUTURE, campaigns=("national_garden",),
                                  department="园林局", category="greening",
                                  features=(("parks", "p1"),)),
            "XC-003": add_project(conn, "XC-003", "公厕新建", status="completed",
                                  due_date=PAST, department="城管局", category="sanitation",
                                  features=(("facilities", "f1"),)),
            "XC-004": add_project(conn, "XC-004", "文明宣传", status="approved",
                                  due_date=PAST, department="宣传部", category="civility"),
            "XC-005": add_project(conn, "XC-005", "垃圾点整治", status="suspended",
                                  due_date=PAST, department="城管局", category="sanitation",
                                  features=(("facilities", "f2"),)),
            "XC-006": add_project(conn, "XC-006", HTML_NAME, status="in_progress",
                                  due_date=PAST, department="城管局", category="sanitation",
                                  features=(("facilities", "f3"),)),
        }
        add_event(conn, ids["XC-001"], _at(1), kind="import", status="in_progress")
        add_event(conn, ids["XC-002"], _at(3), kind="note", note="现场查看：铺装完成")
        add_event(conn, ids["XC-003"], _at(60), kind="photo", note="验收照片")
        ids["R1"] = add_report(conn, "garbage", "reported", X[1], Y[2])
        ids["R2"] = add_report(conn, "road_damage", "closed", X[0], Y[2])
        ids["R3"] = add_report(conn, "street_cleaning", "dispatched", X[2], Y[1])
    return ids


@pytest.fixture
def town(clean_db: sa.Engine) -> dict[str, int]:
    """The grid town in an emptied database (project and report ids)."""
    return build_town(clean_db)


def with_inspection(app):
    """*app* with the route API and the route page (until api/app.py registers them)."""
    for blueprint in (inspection_routes.bp, inspection_page.bp):
        if blueprint.name not in app.blueprints:
            app.register_blueprint(blueprint)
    return app



#: Three pocket parks (口袋公园) of project KY-001 in the south-west block, their centres on
#: latitude 33.001 and 0.00107° of longitude (about 100 m) apart: q1, q2, q3 from the west.
POCKET_PARKS = {"q1": 107.70050, "q2": 107.70157, "q3": 107.70264}
POCKET_LAT = 33.001


def add_pocket_parks(engine: sa.Engine, due_date: dt.date) -> int:
    """Project KY-001, linked to the three pocket parks and to community c1 (the whole
    town: context, no site), and KY-002 linked to c1 only; returns KY-001's id."""
    from tests.factories import add_features, add_project
    half = 0.0001
    with engine.begin() as conn:
        add_features(conn, "parks", *(
            {"fid": fid, "name": f"{number}号游园", "park_class": "G14",
             "geom": f"MULTIPOLYGON((({x - half} {POCKET_LAT - half}, {x + half} "
                     f"{POCKET_LAT - half}, {x + half} {POCKET_LAT + half}, {x - half} "
                     f"{POCKET_LAT + half}, {x - half} {POCKET_LAT - half})))"}
            for (fid, x), number in zip(POCKET_PARKS.items(), "一二三")))
        add_features(conn, "communities", {
            "fid": "c1", "name": "城关社区", "street": "城关街道", "population": 5000,
            "geom": "MULTIPOLYGON(((107.699 32.999, 107.705 32.999, 107.705 33.005, "
                    "107.699 33.005, 107.699 32.999)))"})
        project_id = add_project(conn, "KY-001", "社区游园建设", status="in_progress",
                                 due_date=due_date, department="社区办", category="greening",
                                 features=(("communities", "c1"), ("parks", "q3"),
                                           ("parks", "q1"), ("parks", "q2")))
        add_project(conn, "KY-002", "社区志愿服务站", status="approved", due_date=due_date,
                    department="社区办", category="civility", features=(("communities", "c1"),))
    return project_id
