"""The unit grid (万米单元网格): cells counted by hand, codes, cases in cells, supervisors,
import all or nothing, hot spots, the API's refusals and the command line.

The communities are drawn in EPSG:4545 (CGCS2000 / Gauss-Krüger CM 108°E, the zone of
Xixiang) on multiples of 100 m and stored in lon/lat, so the cells a grid of 100 m makes
are known by hand: a 300 m x 200 m community is 3 columns by 2 rows.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa
from geoalchemy2 import Geography
from pyproj import Transformer
from shapely.geometry import box

from geo.errors import Conflict, InvalidInput, NotFound, Unprocessable
from layers.cases import grid
from layers.errors import ImportRefused
from layers.storage.models import grid_cells, reports
from layers.tracking.accounts import Forbidden, NotAuthenticated, create_user, issue_token
from layers.tracking.problem_reports import file_report, get_report
from tests.factories import add_features

pytest_plugins = ["tests.factories"]

X0, Y0 = 478_000.0, 3_649_000.0  # a corner of the 100 m grid near Xixiang, in EPSG:4545
_TO_LONLAT = Transformer.from_crs(4545, 4326, always_xy=True)
UTC = dt.timezone.utc


def lonlat(x: float, y: float) -> tuple[float, float]:
    """(lon, lat) of a point X0 + x, Y0 + y metres in EPSG:4545."""
    return _TO_LONLAT.transform(X0 + x, Y0 + y)


def rectangle(x: float, y: float, width: float, height: float) -> str:
    """The WKT (lon/lat) of a rectangle drawn in metres from (X0 + x, Y0 + y)."""
    corners = [(x, y), (x + width, y), (x + width, y + height), (x, y + height), (x, y)]
    return "MULTIPOLYGON(((" + ", ".join("%.10f %.10f" % lonlat(*c) for c in corners) + ")))"


def communities(engine, *rows: tuple[str, str, str, tuple[float, float, float, float]]):
    with engine.begin() as conn:
        add_features(conn, "communities", *[
            {"fid": fid, "name": name, "street": street, "population": 1000,
             "geom": rectangle(*where)} for fid, name, street, where in rows])


def cells(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.select(
            grid_cells.c.id, grid_cells.c.code, grid_cells.c.community, grid_cells.c.street,
            sa.func.ST_Area(sa.func.ST_Transform(grid_cells.c.geom, 4545)).label("area"),
            sa.func.ST_X(sa.func.ST_Transform(sa.func.ST_Centroid(grid_cells.c.geom), 4545))
            .label("x"),
            sa.func.ST_Y(sa.func.ST_Transform(sa.func.ST_Centroid(grid_cells.c.geom), 4545))
            .label("y")).order_by(grid_cells.c.code)).all()


@pytest.fixture
def east_gate(clean_db):
    """One community, 东关社区 of 城北街道: 300 m x 200 m."""
    communities(clean_db, ("c1", "东关社区", "城北街道", (0, 0, 300, 200)))
    return clean_db


@pytest.fixture
def admin(clean_db):
    with clean_db.begin() as conn:
        return create_user(conn, "root", "管理员", "admin")


@pytest.fixture
def supervisor(clean_db):
    with clean_db.begin() as conn:
        return create_user(conn, "chen", "陈监督", "inspector", duties=("supervisor",))


def case_at(engine, x: float, y: float, category: str = "garbage") -> dict:
    lon, lat = lonlat(x, y)
    return file_report(engine, None, category=category, lon=lon, lat=lat,
                       description="垃圾堆积", reporter_name="市民")


# --- generating -----------------------------------------------------------------------------


def test_a_300_by_200_m_community_gives_six_cells_of_10000_m2(east_gate):
    done = grid.generate_grid(east_gate)

    found = cells(east_gate)
    assert done["cells"] == len(found) == 6
    assert done["srid"] == 4545
    assert [round(c.area, 3) for c in found] == [10_000.0] * 6
    assert {(c.community, c.street) for c in found} == {("东关社区", "城北街道")}


def test_codes_are_county_street_community_and_a_sequence_from_the_north_west(clean_db):
    communities(clean_db, ("c1", "东关社区", "城北街道", (0, 0, 300, 200)),
                ("c2", "莲花社区", "城南街道", (300, 0, 100, 100)))

    grid.generate_grid(clean_db)

    found = cells(clean_db)
    codes = [c.code for c in found]
    assert len(set(codes)) == len(codes) == 7
    assert all(grid.is_generated_code(code) and code.startswith("610724") for code in codes)
    # streets and communities numbered by name: 城北街道 001, 城南街道 002
    assert codes[:6] == [f"6107240010010{n:03d}" for n in range(1, 7)]
    assert codes[6] == "6107240020010001"
    # 0001 is the north-west cell, then left to right, then the row below
    assert [(round(c.x - X0, 3), round(c.y - Y0, 3)) for c in found[:6]] == [
        (50, 150), (150, 150), (250, 150), (50, 50), (150, 50), (250, 50)]


def test_a_cell_across_two_communities_goes_to_the_one_holding_most_of_it(clean_db):
    communities(clean_db, ("c1", "东关社区", "城北街道", (0, 0, 160, 100)),
                ("c2", "西关社区", "城北街道", (160, 0, 140, 100)))

    grid.generate_grid(clean_db)

    # the middle cell: 60 m of 东关, 40 m of 西关
    by_column = {round(c.x - X0): c.community for c in cells(clean_db)}
    assert by_column == {50: "东关社区", 150: "东关社区", 250: "西关社区"}


def test_cells_are_not_clipped_and_slivers_are_left_out(clean_db):
    # 250 m x 100 m: the third cell is half inside and stays whole; no fourth from rounding
    communities(clean_db, ("c1", "东关社区", "城北街道", (0, 0, 250, 100)))

    grid.generate_grid(clean_db)

    assert [round(c.area) for c in cells(clean_db)] == [10_000] * 3


def test_a_case_filed_in_a_cell_carries_it_and_regenerating_relinks_it(east_gate):
    grid.generate_grid(east_gate)
    case = case_at(east_gate, 250, 50)  # the south-east cell, sequence 0006

    by_id = {c.id: c.code for c in cells(east_gate)}
    assert by_id[case["cell_id"]] == "6107240010010006"

    grid.generate_grid(east_gate)

    now = {c.id: c.code for c in cells(east_gate)}
    relinked = get_report(east_gate, case["id"])["cell_id"]
    assert relinked not in by_id  # new rows...
    assert now[relinked] == "6107240010010006"  # ...the same cell


def test_regenerating_keeps_the_supervisors_of_the_same_codes(east_gate, admin, supervisor):
    grid.generate_grid(east_gate)
    grid.assign_supervisor(east_gate, admin, supervisor="chen", cells=["6107240010010001"])

    done = grid.generate_grid(east_gate)

    assert done["supervisors_kept"] == 1
    with east_gate.connect() as conn:
        assert conn.scalar(sa.select(grid_cells.c.supervisor_id)
                           .where(grid_cells.c.code == "6107240010010001")) == supervisor.id


def test_a_polygon_outside_every_community_gets_cells_coded_000(clean_db):
    given = shapely.from_wkt(rectangle(0, 0, 200, 100))

    grid.generate_grid(clean_db, within=given)

    assert [(c.code, c.community) for c in cells(clean_db)] == [
        ("6107240000000001", None), ("6107240000000002", None)]


def test_too_many_cells_are_refused_before_any_is_made(east_gate):
    with pytest.raises(Unprocessable, match="use larger cells"):
        grid.generate_grid(east_gate, size_m=10, within=box(107, 32, 108, 33))
    assert cells(east_gate) == []


def test_generating_with_no_communities_says_what_to_import(clean_db):
    with pytest.raises(Unprocessable, match="import the communities layer"):
        grid.generate_grid(clean_db)


def test_generating_over_an_imported_grid_needs_saying_so(east_gate, tmp_path):
    grid.import_grid(east_gate, grid_file(tmp_path, [("A1", (0, 0, 100, 100))]))

    with pytest.raises(Conflict, match="replace_imported"):
        grid.generate_grid(east_gate)
    assert grid.generate_grid(east_gate, replace_imported=True)["cells"] == 6


# --- importing ------------------------------------------------------------------------------


def grid_file(folder, rows, name="grid.geojson"):
    """A GeoJSON of cells ``(code, (x, y, width, height))`` drawn in metres."""
    frame = gpd.GeoDataFrame(
        {"code": [code for code, _ in rows]},
        geometry=[box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h) if w else None
                  for _, (x, y, w, h) in rows], crs=4545)
    path = folder / name
    frame.to_file(path, driver="GeoJSON")
    return path


def test_importing_a_grid_replaces_it_and_relinks_cases(east_gate, tmp_path):
    grid.generate_grid(east_gate)
    case = case_at(east_gate, 250, 50)

    done = grid.import_grid(east_gate, grid_file(
        tmp_path, [("XX-01", (0, 0, 200, 200)), ("XX-02", (200, 0, 100, 200))]))

    found = cells(east_gate)
    assert done["cells"] == 2 and [c.code for c in found] == ["XX-01", "XX-02"]
    assert {c.community for c in found} == {"东关社区"}  # from the communities layer
    assert get_report(east_gate, case["id"])["cell_id"] == found[1].id


def test_a_bad_row_leaves_the_old_grid(east_gate, tmp_path):
    grid.generate_grid(east_gate)
    before = [c.code for c in cells(east_gate)]
    path = grid_file(tmp_path, [("XX-01", (0, 0, 100, 100)), ("XX-01", (100, 0, 100, 100)),
                                ("XX-03", (0, 0, 0, 0))])

    with pytest.raises(ImportRefused) as refused:
        grid.import_grid(east_gate, path)

    message = str(refused.value)
    assert "grid.geojson row 2: field code 'XX-01' repeats row 1" in message
    assert "grid.geojson row 3 (code XX-03): geometry" in message
    assert [c.code for c in cells(east_gate)] == before


def test_a_grid_file_without_a_code_field_is_refused_naming_it(east_gate, tmp_path):
    path = tmp_path / "cells.geojson"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(X0, Y0, X0 + 100, Y0 + 100)],
                     crs=4545).to_file(path, driver="GeoJSON")

    with pytest.raises(ImportRefused, match="cells.geojson: no 'code' field.*name"):
        grid.import_grid(east_gate, path)


def test_numeric_codes_are_read_as_their_digits(east_gate, tmp_path):
    path = tmp_path / "cells.geojson"
    gpd.GeoDataFrame({"code": [6107240010010001]}, geometry=[box(X0, Y0, X0 + 100, Y0 + 100)],
                     crs=4545).to_file(path, driver="GeoJSON")

    grid.import_grid(east_gate, path)

    assert [c.code for c in cells(east_gate)] == ["6107240010010001"]


def test_a_gcj02_grid_is_moved_to_wgs84(east_gate, tmp_path):
    path = tmp_path / "amap.geojson"
    drawn = box(*lonlat(0, 0), *lonlat(100, 100))
    gpd.GeoDataFrame({"code": ["A1"]}, geometry=[drawn], crs=4326).to_file(path,
                                                                          driver="GeoJSON")

    grid.import_grid(east_gate, path, crs="gcj02")

    with east_gate.connect() as conn:
        moved = conn.scalar(sa.select(sa.func.ST_Distance(
            sa.cast(sa.func.ST_Centroid(grid_cells.c.geom), Geography),
            sa.cast(sa.func.ST_GeomFromText(drawn.centroid.wkt, 4326), Geography))))
    assert 100 < moved < 1000  # GCJ-02's offset, a few hundred metres


# --- supervisors ----------------------------------------------------------------------------


def test_an_admin_makes_a_supervisor_of_a_communitys_cells(east_gate, admin, supervisor):
    grid.generate_grid(east_gate)

    done = grid.assign_supervisor(east_gate, admin, supervisor="chen", community="东关社区")

    assert done == {"supervisor": "chen",
                    "cells": [f"6107240010010{n:03d}" for n in range(1, 7)]}
    with east_gate.connect() as conn:
        assert grid.cells_geojson(conn, supervisor="chen")["features"][0]["properties"][
            "supervisor_name"] == "陈监督"


def test_a_user_without_the_supervisor_duty_cannot_supervise(east_gate, admin):
    grid.generate_grid(east_gate)
    with east_gate.begin() as conn:
        create_user(conn, "wang", "王处置", "inspector", "县城市管理局", duties=("handler",))

    with pytest.raises(InvalidInput, match="wang does not hold the supervisor duty.*"
                                           "lianchuang user duties wang handler supervisor"):
        grid.assign_supervisor(east_gate, admin, supervisor="wang", street="城北街道")


def test_only_an_admin_assigns_supervisors(east_gate, supervisor):
    grid.generate_grid(east_gate)
    with east_gate.begin() as conn:
        planner = create_user(conn, "li", "李规划", "planner", "住建局")

    with pytest.raises(Forbidden):
        grid.assign_supervisor(east_gate, planner, supervisor="chen", street="城北街道")
    with pytest.raises(NotAuthenticated):
        grid.assign_supervisor(east_gate, None, supervisor="chen", street="城北街道")


def test_assigning_an_unknown_cell_names_it_and_changes_nothing(east_gate, admin, supervisor):
    grid.generate_grid(east_gate)

    with pytest.raises(NotFound, match="no cell 6107240010019999"):
        grid.assign_supervisor(east_gate, admin, supervisor="chen",
                               cells=["6107240010010001", "6107240010019999"])
    with east_gate.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count())
                           .where(grid_cells.c.supervisor_id.is_not(None))) == 0


# --- hot spots ------------------------------------------------------------------------------

MAY = (dt.datetime(2026, 5, 1, tzinfo=UTC), dt.datetime(2026, 6, 1, tzinfo=UTC))


@pytest.fixture
def may_cases(east_gate):
    """In May: 3 garbage + 1 road_damage in cell 0001 (north-west), 1 garbage in cell 0006
    (south-east); one garbage in 0001 in April, one refused in 0001 in May."""
    grid.generate_grid(east_gate)
    placed = [(10, 190, "garbage", 5), (12, 188, "garbage", 6), (14, 186, "garbage", 7),
              (16, 184, "road_damage", 8), (250, 50, "garbage", 9),
              (18, 182, "garbage", -20), (20, 180, "garbage", 10)]
    ids = []
    for x, y, category, day in placed:
        case = case_at(east_gate, x, y, category)
        when = MAY[0] + dt.timedelta(days=day)
        with east_gate.begin() as conn:
            conn.execute(reports.update().where(reports.c.id == case["id"])
                         .values(requested_at=when))
        ids.append(case["id"])
    with east_gate.begin() as conn:
        conn.execute(reports.update().where(reports.c.id == ids[-1]).values(status="refused"))
    return east_gate


def counts(answer) -> dict:
    return {(f["properties"].get("code") or f["properties"]["hex"]):
            (f["properties"]["count"], f["properties"]["by_category"])
            for f in answer["features"]}


def test_hot_spots_count_the_periods_cases_per_cell_by_category(may_cases):
    with may_cases.connect() as conn:
        answer = grid.hotspots(conn, *MAY)

    assert counts(answer) == {"6107240010010001": (4, {"garbage": 3, "road_damage": 1}),
                              "6107240010010006": (1, {"garbage": 1})}
    assert answer["features"][0]["properties"]["code"] == "6107240010010001"  # most first
    assert answer["outside_grid"] == 0


def test_hot_spots_of_one_category(may_cases):
    with may_cases.connect() as conn:
        answer = grid.hotspots(conn, *MAY, category="road_damage")

    assert counts(answer) == {"6107240010010001": (1, {"road_damage": 1})}


def test_hot_spots_in_hexagons_count_every_case_once(may_cases):
    with may_cases.connect() as conn:
        answer = grid.hotspots(conn, *MAY, size="hex", hex_size_m=100)

    found = sorted(counts(answer).values(), key=lambda c: -c[0])
    assert found == [(4, {"garbage": 3, "road_damage": 1}), (1, {"garbage": 1})]
    assert answer["features"][0]["geometry"]["type"] == "Polygon"


def test_a_case_outside_the_grid_is_counted_as_such(may_cases):
    case_at(may_cases, 900, 900)  # today, outside every cell

    with may_cases.connect() as conn:
        answer = grid.hotspots(conn, MAY[0], dt.datetime(2100, 1, 1, tzinfo=UTC))

    assert answer["outside_grid"] == 1


# --- the API --------------------------------------------------------------------------------


def test_the_grid_as_geojson_by_community(client, east_gate):
    grid.generate_grid(east_gate)

    answer = client.get("/api/grid?community=东关社区&bbox=100,30,120,40")

    assert answer.status_code == 200 and answer.mimetype == "application/geo+json"
    assert len(answer.json["features"]) == 6
    assert client.get("/api/grid?community=西关社区").json["features"] == []


def test_the_hot_spot_map_over_http(client, may_cases):
    answer = client.get("/api/cases/hotspots?since=2026-05-01&until=2026-05-31")

    assert answer.status_code == 200
    assert counts(answer.json) == {"6107240010010001": (4, {"garbage": 3, "road_damage": 1}),
                                   "6107240010010006": (1, {"garbage": 1})}


@pytest.mark.parametrize("query, words", [
    ("until=2026-05-31", "since"),
    ("since=2026-05-01", "until"),
    ("since=2026-13-01&until=2026-05-31", "YYYY-MM-DD"),
    ("since=2026-05-31&until=2026-05-01", "comes before since"),
    ("since=2026-05-01&until=2026-05-31&size=square", "cell, hex"),
    ("since=2026-05-01&until=2026-05-31&category=nope", "unknown category 'nope'"),
    ("since=2026-05-01&until=2026-05-31&size=hex&hex_size=5", "between 20 and 5000"),
    ("since=2026-05-01&until=2026-05-31&colour=red", "colour"),
])
def test_a_bad_hot_spot_query_is_a_400_saying_why(client, clean_db, query, words):
    answer = client.get(f"/api/cases/hotspots?{query}")

    assert answer.status_code == 400
    assert words in answer.json["error"]["message"]


@pytest.mark.parametrize("query, words", [
    ("bbox=1,2,3", "four numbers"), ("community=", "blank"), ("cell=1", "cell"),
])
def test_a_bad_grid_query_is_a_400_saying_why(client, clean_db, query, words):
    answer = client.get(f"/api/grid?{query}")

    assert answer.status_code == 400
    assert words in answer.json["error"]["message"]


def bearer(engine, user) -> dict:
    with engine.begin() as conn:
        return {"Authorization": f"Bearer {issue_token(conn, user.username)}"}


def test_an_admin_assigns_a_supervisor_over_http(client, east_gate, admin, supervisor):
    grid.generate_grid(east_gate)

    answer = client.post("/api/grid/supervisors", headers=bearer(east_gate, admin),
                         json={"supervisor": "chen", "cells": ["6107240010010002"]})

    assert answer.status_code == 200, answer.json
    assert answer.json == {"supervisor": "chen", "cells": ["6107240010010002"]}


@pytest.mark.parametrize("body, status, words", [
    ({"cells": ["6107240010010002"]}, 400, "supervisor"),
    ({"supervisor": "chen"}, 400, "give one of"),
    ({"supervisor": "chen", "street": "城北街道", "community": "东关社区"}, 400, "give one of"),
    ({"supervisor": "chen", "cells": "6107240010010002"}, 400, "cells"),
    ({"supervisor": "chen", "street": "城北街道", "extra": 1}, 400, "extra"),
    ({"supervisor": "nobody", "street": "城北街道"}, 404, "no active user"),
])
def test_a_bad_assignment_is_refused_saying_why(client, east_gate, admin, supervisor, body,
                                                status, words):
    grid.generate_grid(east_gate)

    answer = client.post("/api/grid/supervisors", headers=bearer(east_gate, admin), json=body)

    assert answer.status_code == status
    assert words in answer.json["error"]["message"]


def test_assigning_needs_an_admins_token(client, east_gate, supervisor):
    grid.generate_grid(east_gate)
    body = {"supervisor": "chen", "street": "城北街道"}

    assert client.post("/api/grid/supervisors", json=body).status_code == 401
    assert client.post("/api/grid/supervisors", headers=bearer(east_gate, supervisor),
                       json=body).status_code == 403


# --- the command line -----------------------------------------------------------------------


def run(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_grid_generate_on_the_command_line(east_gate, database_url):
    done = run(database_url, "grid", "generate", "--size", "100")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("6 cells of 100 m (EPSG:4545)")


def test_a_command_line_error_is_one_line(east_gate, database_url, supervisor):
    done = run(database_url, "grid", "assign", "--supervisor", "chen", "--cell", "123")

    assert done.returncode == 2
    assert done.stderr == "error: no cell 123 in the grid\n"


def test_seeding_the_sample_generates_its_grid_once(clean_db, database_url):
    from tests.conftest import SAMPLE

    first = run(database_url, "db", "seed", str(SAMPLE))
    again = run(database_url, "db", "seed", str(SAMPLE))

    assert first.returncode == 0, first.stderr
    assert "unit grid: " in first.stdout and "unit grid" not in again.stdout
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(grid_cells)) > 900
        assert conn.scalar(sa.select(sa.func.count()).where(grid_cells.c.community.is_(None))
                           ) == 0
