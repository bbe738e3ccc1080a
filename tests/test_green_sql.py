"""The PostGIS implementation (layers.green.sql_check) against geo.green, on a real database."""

from __future__ import annotations

import pytest

from bench.green.generate import generate_town, green_layers, insert_layers
from geo.assess import assess
from geo.green import green_indicators
from layers.green.load import load_green_layers
from layers.green.sql_check import green_indicators_sql
from tests.conftest import SAMPLE
from tests.files import X0, Y0, square
from tests.test_green_geo import TWO_HALVES, built_up, frame, greens, parks

SQL_KEYS = ("green_coverage_rate", "green_space_ratio", "park_area_per_capita",
            "comprehensive_park_area_per_capita", "community_park_area_per_capita",
            "park_service_coverage")


def hand_town() -> dict:
    return {
        "built_up_area": built_up().assign(name="建成区"),
        "parks": parks(square(X0 + 100, Y0 + 100), square(X0 + 150, Y0 + 150)).assign(name="公园"),
        "green_spaces": greens([square(X0 + 700, Y0 + 100)], ["G3"], [0.4]),
        "communities": TWO_HALVES.assign(street="城关街道"),
        "residential_land": frame([square(X0 + 650, Y0 + 100)], fid=["R1"]),
    }


def assert_agree(expected: dict, actual: dict, keys=SQL_KEYS, rel: float = 1e-4) -> None:
    for key in keys:
        mine, theirs = expected[key], actual[key]
        assert_same_value(mine.value, theirs.value, rel, key)
        assert theirs.communities.keys() == mine.communities.keys(), key
        for community, measure in mine.communities.items():
            assert_same_value(measure.value, theirs.communities[community].value, rel,
                              (key, community))


def assert_same_value(mine: float | None, theirs: float | None, rel: float, where) -> None:
    if mine is None:
        assert theirs is None, where
    else:
        assert theirs == pytest.approx(mine, rel=rel, abs=1e-9), where


def test_sql_counts_two_overlapping_squares_once(clean_db):
    insert_layers(clean_db, hand_town())

    found = green_indicators_sql(clean_db)

    assert found["green_coverage_rate"].numerator == pytest.approx(17_500 + 4_000, rel=1e-6)
    assert found["green_space_ratio"].communities["east"].numerator == pytest.approx(
        4_000, rel=1e-6)
    assert found["park_area_per_capita"].value == pytest.approx(17.5, rel=1e-6)


def test_sql_agrees_with_geo_on_the_hand_made_town(clean_db):
    insert_layers(clean_db, hand_town())

    assert_agree(green_indicators(load_green_layers(clean_db), walking=False).indicators,
                 green_indicators_sql(clean_db))


def test_sql_agrees_with_geo_within_a_hundredth_of_a_percent_on_a_generated_town(clean_db):
    town = generate_town(3_000, 12, seed=7)
    insert_layers(clean_db, town)

    expected = green_indicators(green_layers(town), walking=False).indicators

    assert_agree(expected, green_indicators_sql(clean_db))


def test_layers_load_from_the_database_as_they_were_inserted(clean_db):
    town = generate_town(500, 4, seed=3)
    insert_layers(clean_db, town)

    layers = load_green_layers(clean_db)

    assert len(layers.green_spaces) == len(town["green_spaces"])
    assert layers.streets is not None and len(layers.streets) == len(town["streets"])
    assert_agree(green_indicators(green_layers(town), walking=False).indicators,
                 green_indicators(layers, walking=False).indicators, rel=1e-6)


def test_assessment_of_the_stored_layers_names_the_title(clean_db):
    insert_layers(clean_db, hand_town())

    result = assess(green_indicators(load_green_layers(clean_db), walking=False), "gb55014_2021")

    assert result.title_zh.startswith("GB 55014-2021")
    per_capita = next(i for i in result.items if i.indicator == "park_area_per_capita")
    assert per_capita.passed is True


@pytest.mark.skipif(not list(SAMPLE.glob("*.shp")), reason="no sample shapefiles in data/")
def test_sql_agrees_with_geo_on_the_xixiang_sample_data(clean_db):
    from layers.exchange.importer import import_paths

    import_paths(clean_db, sorted(SAMPLE.glob("*.shp")))
    if not load_green_layers(clean_db).built_up.shape[0]:
        pytest.skip("the sample data has no built-up area yet")

    assert_agree(green_indicators(load_green_layers(clean_db), walking=False).indicators,
                 green_indicators_sql(clean_db))
