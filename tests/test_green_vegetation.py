"""Green coverage counts all vegetation (issue 15 item 5): street-tree canopy, attached green,
planted banks, each square metre once, and warns where it stays below the green ratio.

Every answer is known by hand: a 1 km × 1 km built-up area (1,000,000 m²), a 100 m road
whose trees' crowns are 3 m wide on each side (2 × 100 × 3 = 600 m²), a 100 m × 100 m park
(10,000 m²), and so on.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.green import green_coverage_rate, green_indicators
from geo.green_model import GreenLayers
from geo.vegetation import bank_planting, street_canopy
from layers.green.load import load_green_layers
from layers.green.sql_check import green_indicators_sql
from layers.readiness.checklists import checklist
from layers.readiness.measure import Context, measure
from tests.files import X0, Y0, square
from tests.green_town import build_green_town
from tests.test_green_geo import NO_GREEN, TWO_HALVES, built_up, frame, greens, parks

pytest_plugins = ["tests.factories"]

NAN = float("nan")


def line(x0, y0, x1, y1) -> shapely.LineString:
    return shapely.LineString([(x0, y0), (x1, y1)])


def roads(geoms, canopy, width=None, fid="RD") -> gpd.GeoDataFrame:
    n = len(geoms)
    return frame(geoms, fid=[f"{fid}{i}" for i in range(n)], road_class=["arterial"] * n,
                 canopy_w=canopy, width_m=width if width is not None else [None] * n)


def layers(*, green=NO_GREEN, park=None, segments=None, streets=None, water=None,
           communities=None) -> GreenLayers:
    return GreenLayers(built_up(), park if park is not None else parks(), green, communities,
                       streets=streets, watercourses=water, road_segments=segments)


def coverage(**kwargs):
    return green_indicators(layers(**kwargs), walking=False).indicators["green_coverage_rate"]


# --- the canopy and bank strips ------------------------------------------------------------


def test_a_100_m_road_with_3_m_crowns_each_side_carries_600_m2_of_canopy_flat_ended():
    strip = street_canopy(np.array([line(0, 0, 100, 0)]), np.array([3.0]), np.array([NAN]))

    assert shapely.area(strip).tolist() == pytest.approx([600.0])
    # flat ends: nothing beyond the segment's end points
    assert shapely.bounds(strip[0]).tolist() == pytest.approx([0.0, -3.0, 100.0, 3.0])


def test_with_the_road_width_the_canopy_sits_on_the_kerbs_and_leaves_the_middle_open():
    strip = street_canopy(np.array([line(0, 0, 100, 0)]), np.array([3.0]), np.array([20.0]))[0]

    assert strip.area == pytest.approx(600.0)  # 8.5 m to 11.5 m from the centre, each side
    assert strip.contains(shapely.Point(50, 10)) and strip.contains(shapely.Point(50, -10))
    assert not strip.contains(shapely.Point(50, 0))
    assert not strip.contains(shapely.Point(50, 12))


def test_crowns_meeting_over_a_narrow_road_are_counted_once():
    # a 4 m lane, 6 m crowns each side: the canopy spans 5 m each side of the centre
    strip = street_canopy(np.array([line(0, 0, 100, 0)]), np.array([6.0]), np.array([4.0]))

    assert shapely.area(strip).tolist() == pytest.approx([1_000.0])


def test_a_road_without_canopy_width_has_no_canopy():
    lines = np.array([line(0, 0, 100, 0)] * 3)

    assert len(street_canopy(lines, np.array([0.0, NAN, -1.0]), np.full(3, NAN))) == 0


def test_planted_banks_of_a_20_m_wide_channel_are_10_m_beyond_each_bank():
    banks = bank_planting(np.array([line(0, 0, 100, 0)]), np.array([10.0]), np.array([20.0]))

    assert shapely.area(banks).tolist() == pytest.approx([2_000.0])  # 2 × 100 × 10
    assert not banks[0].contains(shapely.Point(50, 5))  # the water is not planting
    assert banks[0].contains(shapely.Point(50, 15))


def test_planted_banks_of_a_water_polygon_are_the_ring_around_it():
    water = shapely.box(0, 0, 100, 20)
    ring = bank_planting(np.array([water]), np.array([10.0]), np.array([NAN]))[0]

    # the rectangle grown by 10 m has round corners: 120 × 40 + 4 quarter circles − 100 × 20,
    # less what 8 segments a quarter circle leave off (1.3 %)
    assert ring.area == pytest.approx(2 * 100 * 10 + 2 * 20 * 10 + np.pi * 100, rel=0.02)
    assert not ring.intersects(shapely.box(1, 1, 99, 19))


# --- green coverage in a 1 km² built-up area -----------------------------------------------


def test_a_100_m_road_with_3_m_crowns_adds_600_m2_to_the_coverage():
    found = coverage(segments=roads([line(X0 + 200, Y0 + 500, X0 + 300, Y0 + 500)], [3.0]))

    assert found.numerator == pytest.approx(600.0)
    assert found.value == pytest.approx(0.06)


def test_a_park_over_half_the_canopy_counts_that_half_once():
    # the park spans x 250..350: it covers the road's canopy from 250 to 300 (300 m²)
    found = coverage(park=parks(square(X0 + 250, Y0 + 450)),
                     segments=roads([line(X0 + 200, Y0 + 500, X0 + 300, Y0 + 500)], [3.0]))

    assert found.numerator == pytest.approx(10_000 + 600 - 300)


def test_a_street_drawn_again_as_a_road_segment_takes_the_segments_canopy_only():
    road = line(X0 + 200, Y0 + 500, X0 + 300, Y0 + 500)
    # the segment knows the road is 20 m wide (strips 8.5-11.5 m out); the street does not
    # (it would put the canopy 0-3 m out): counting both would give 1,200 m²
    found = coverage(segments=roads([road], [3.0], [20.0]),
                     streets=roads([road], [3.0], fid="ST"))

    assert found.numerator == pytest.approx(600.0)


def test_street_canopy_counts_from_the_streets_layer_too():
    found = coverage(streets=roads([line(X0 + 200, Y0 + 500, X0 + 300, Y0 + 500)], [3.0]))

    assert found.numerator == pytest.approx(600.0)


def test_canopy_outside_the_built_up_area_is_clipped_off():
    # half the road lies west of the built-up area (x < X0)
    found = coverage(segments=roads([line(X0 - 50, Y0 + 500, X0 + 50, Y0 + 500)], [3.0]))

    assert found.numerator == pytest.approx(300.0)


def test_an_attached_green_square_counts_in_coverage_by_its_vegetated_share():
    found = coverage(green=greens([square(X0 + 600, Y0 + 600)], ["XG"], [0.8]))

    assert found.numerator == pytest.approx(8_000.0)


def test_planted_banks_count_in_coverage_and_mark_the_bank_greened():
    channel = frame([line(X0 + 100, Y0 + 200, X0 + 200, Y0 + 200)], fid=["W1"],
                    kind=["channel"], width_m=[20.0], bank_w=[10.0], greened=[False])

    report = green_indicators(layers(water=channel), walking=False).indicators

    assert report["green_coverage_rate"].numerator == pytest.approx(2_000.0)
    assert report["river_greening_rate"].value == pytest.approx(100.0)
    assert report["green_space_ratio"].numerator == 0  # planting on the bank is not green land


def test_canopy_and_banks_never_enter_the_green_space_ratio_or_park_area():
    report = green_indicators(layers(segments=roads(
        [line(X0 + 200, Y0 + 500, X0 + 300, Y0 + 500)], [3.0])), walking=False).indicators

    assert report["green_space_ratio"].numerator == 0
    assert report["park_area_per_capita"].numerator == 0


# --- the data-quality warning ------------------------------------------------------------


def test_coverage_below_the_ratio_warns_and_names_the_missing_layers():
    # protective green, half vegetated, in the east half: ratio 10,000 m², coverage 5,000 m²
    found = coverage(green=greens([square(X0 + 600, Y0 + 100)], ["G2"], [0.5]),
                     communities=TWO_HALVES)

    (warning,) = found.warnings
    assert warning.code == "coverage_below_ratio"
    assert warning.zones == ("", "east")  # the built-up area and the east half, not the west
    assert warning.missing == ("street_tree_canopy", "attached_green", "other_vegetation")
    assert "road_segments and streets have no canopy_w" in warning.message
    assert "(0.5 % < 1.0 %)" in warning.message


def test_no_warning_when_coverage_reaches_the_ratio():
    found = coverage(green=greens([square(X0 + 600, Y0 + 100)], ["G2"], [None]),
                     communities=TWO_HALVES)

    assert found.numerator == pytest.approx(10_000.0)
    assert found.warnings == ()


def test_enough_canopy_lifts_coverage_to_the_ratio_and_the_warning_goes():
    half_green = greens([square(X0 + 600, Y0 + 100)], ["G2"], [0.5])
    # 5,000 m² missing: 10 roads of 100 m with 2.5 m crowns each side carry 5,000 m²
    streets = roads([line(X0 + 50, Y0 + 300 + 50 * k, X0 + 150, Y0 + 300 + 50 * k)
                     for k in range(10)], [2.5] * 10)

    found = coverage(green=half_green, segments=streets)

    assert found.numerator == pytest.approx(10_000.0)
    assert found.warnings == ()


def test_with_canopy_and_attached_green_mapped_only_other_vegetation_is_named():
    found = coverage(green=greens([square(X0 + 600, Y0 + 100)], ["XG"], [0.5]),
                     segments=roads([line(X0 + 200, Y0 + 500, X0 + 300, Y0 + 500)], [3.0]))

    assert [w.missing for w in found.warnings] == [("other_vegetation",)]


def test_the_single_indicator_function_warns_too():
    found = green_coverage_rate(built_up(), parks(), greens([square(X0 + 600, Y0 + 100)],
                                                            ["G2"], [0.5]))

    assert [w.zones for w in found.warnings] == [("",)]


# --- the database: PostGIS agrees, the API and readiness carry the warning -----------------


def test_sql_counts_the_same_canopy_and_banks(clean_db):
    from bench.green.generate import insert_layers

    insert_layers(clean_db, {
        "built_up_area": built_up().assign(name="建成区"),
        "communities": TWO_HALVES.assign(street="城关街道"),
        "parks": parks(square(X0 + 250, Y0 + 450)).assign(name="公园"),
        "road_segments": roads([line(X0 + 200, Y0 + 500, X0 + 300, Y0 + 500),
                                line(X0 + 450, Y0 + 800, X0 + 650, Y0 + 800)],
                               [3.0, 4.0], [20.0, None]).assign(name="路"),
        "streets": roads([line(X0 + 200, Y0 + 500, X0 + 300, Y0 + 500),
                          line(X0 + 100, Y0 + 100, X0 + 100, Y0 + 300)],
                         [3.0, 2.0], fid="ST").drop(columns="width_m"),
        "watercourses": frame([line(X0 + 700, Y0 + 300, X0 + 900, Y0 + 300)], fid=["W1"],
                              name=["渠"], kind=["channel"], width_m=[20.0], bank_w=[10.0]),
    })

    mine = green_indicators(load_green_layers(clean_db), walking=False).indicators
    theirs = green_indicators_sql(clean_db)

    # park 10,000 + segment 600 − 300 under the park + 2 × 200 × 4 (no width: 0-4 m out)
    # + street 2 × 200 × 2 + banks 2 × 200 × 10 (the twin street adds nothing)
    expected = 10_000 + 300 + 1_600 + 800 + 4_000
    assert mine["green_coverage_rate"].numerator == pytest.approx(expected, rel=1e-4)
    assert theirs["green_coverage_rate"].numerator == pytest.approx(expected, rel=1e-4)
    for key in ("west", "east"):
        assert theirs["green_coverage_rate"].communities[key].value == pytest.approx(
            mine["green_coverage_rate"].communities[key].value, rel=1e-4)


@pytest.mark.parametrize("lang, words", [
    ("zh", ("建成区", "2个社区中的1个", "行道树树冠投影", "绿化覆盖率低于绿地率")),
    ("en", ("the built-up area", "1 of 2 communities", "no street-tree canopy")),
])
def test_the_api_carries_the_warning_in_the_asked_language(client, clean_db, lang, words):
    build_green_town(clean_db)  # coverage 1.5 % < ratio 2.0 %: the east half's G2 is half bare

    body = client.get(f"/api/metrics/green?lang={lang}").get_json()

    row = next(r for r in body["built_up"]["indicators"] if r["key"] == "green_coverage_rate")
    (warning,) = row["warnings"]
    assert (warning["code"], warning["zones"]) == ("coverage_below_ratio", ["", "C2"])
    assert warning["missing"][0] == "street_tree_canopy"
    assert all(word in warning["message"] for word in words), warning["message"]
    east = next(c for c in body["communities"] if c["fid"] == "C2")["indicators"]
    west = next(c for c in body["communities"] if c["fid"] == "C1")["indicators"]
    assert len(east["green_coverage_rate"]["warnings"]) == 1
    assert west["green_coverage_rate"]["warnings"] == []
    ratio = next(r for r in body["built_up"]["indicators"] if r["key"] == "green_space_ratio")
    assert ratio["warnings"] == []


def test_readiness_passes_the_warning_on_and_keeps_the_value(clean_db):
    build_green_town(clean_db)
    item = checklist("national_garden").item("green_coverage_rate")

    found = measure(item, Context(clean_db, None))

    assert found["value"] == pytest.approx(1.5, rel=1e-6)  # a warning, not 缺数据
    assert "green coverage is below the green space ratio" in found["note"]
    assert found["details"]["warnings"][0]["missing"][0] == "street_tree_canopy"


def test_canopy_wholly_outside_the_built_up_area_is_not_carried_at_all():
    from geo.green_study import CANOPY_CLASS, GreenStudy

    study = GreenStudy(layers(segments=roads([line(X0 - 500, Y0 + 500, X0 - 100, Y0 + 500),
                                              line(X0 - 50, Y0 + 500, X0 + 50, Y0 + 500)],
                                             [3.0, 3.0])))

    assert (study.cls == CANOPY_CLASS).sum() == 1
    assert shapely.area(study.green).tolist() == pytest.approx([300.0])  # clipped at x = X0


# --- import, export, migration -------------------------------------------------------------


@pytest.mark.parametrize("layer, field, fid, value", [
    ("road_segments", "canopy_w", "RD-02", 7.0),
    ("streets", "canopy_w", "ST-001", 7.0),
    ("watercourses", "bank_w", "WC-01", 20.0),
])
def test_the_widths_import_from_the_sample_and_export_back_unchanged(
        client, clean_db, tmp_path, layer, field, fid, value):
    from layers.exchange.importer import import_paths
    from layers.exchange.layer_export import selection
    from tests.conftest import SAMPLE
    from tests.test_export import assert_same_features, empty, export, unpack

    import_paths(clean_db, [SAMPLE])
    before = selection(clean_db, layer)
    assert before.set_index("fid").loc[fid, field] == value
    files = unpack(export(client, layer, format="shp"), tmp_path)
    empty(clean_db)

    assert import_paths(clean_db, files).committed
    assert_same_features(selection(clean_db, layer), before, layer)


def test_migration_0009_adds_the_width_columns_and_its_downgrade_drops_them(database_url):
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from layers.storage import migrate

    schema = "migration_0009"
    admin = sa.create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        conn.execute(sa.text(f"CREATE TABLE {schema}.alembic_version ("
                             "version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    url = make_url(database_url).update_query_dict(
        {"options": f"-csearch_path={schema},public"}).render_as_string(hide_password=False)

    def columns() -> set[tuple[str, str]]:
        with admin.connect() as conn:
            return set(conn.execute(sa.text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = :s AND column_name IN ('canopy_w', 'bank_w')"),
                {"s": schema}).all())

    try:
        migrate.upgrade(url, "0009")
        assert columns() == {("road_segments", "canopy_w"), ("streets", "canopy_w"),
                             ("watercourses", "bank_w")}
        migrate.command.downgrade(migrate.alembic_config(url), "0008")
        assert columns() == set()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_the_assessors_report_shows_the_warning_and_the_canopy_rule(client, clean_db):
    build_green_town(clean_db)

    page = client.get("/api/metrics/green/report?title=national_garden&format=html")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count("数据提示：") == 1  # on the coverage row only
    assert "行道树树冠投影" in text and "canopy_w" in text and "bank_w" in text


def test_the_assessors_workbook_has_the_warning_in_its_last_column(client, clean_db):
    import io

    from openpyxl import load_workbook

    build_green_town(clean_db)
    response = client.get("/api/metrics/green/report?title=national_garden&format=xlsx")

    sheet = load_workbook(io.BytesIO(response.data))["指标"]
    assert [c.value for c in sheet[5]][-1] == "数据提示"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=6, values_only=True)}
    assert "绿化覆盖率低于绿地率" in rows["建成区绿化覆盖率"][-1]
    assert rows["建成区绿地率"][-1] is None
