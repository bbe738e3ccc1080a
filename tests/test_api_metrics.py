"""``/api/metrics/green``: indicators, verdicts, gaps, scenarios and the unserved land, on the
hand-built town of :mod:`tests.green_town` and on the shipped sample data."""

from __future__ import annotations

import pytest
import shapely

from geo.assess import assess
from geo.green import green_indicators
from layers.exchange.importer import import_paths
from layers.green.load import load_green_layers
from tests.conftest import SAMPLE
from tests.files import X0, Y0, bowtie, square
from tests.green_town import (
    NEW_PARK_SITE,
    POPULATION,
    UNSERVED_HOMES,
    build_green_town,
    geojson,
    lonlat,
)

pytest_plugins = ["tests.factories"]


@pytest.fixture
def town(clean_db):
    build_green_town(clean_db)
    return clean_db


def indicators(body: dict) -> dict[str, dict]:
    return {row["key"]: row for row in body["built_up"]["indicators"]}


def community(body: dict, fid: str) -> dict[str, dict]:
    return next(row for row in body["communities"] if row["fid"] == fid)["indicators"]


def add_park(geometry, **extra) -> dict:
    return {"changes": [{"op": "add_green", "geometry": geometry, **extra}]}


def error_of(response) -> str:
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == response.status_code
    return body["error"]["message"]


# --- GET /api/metrics/green --------------------------------------------------------------


def test_a_100_m_square_park_is_10000_m2_and_one_m2_per_person(client, town):
    park = indicators(client.get("/api/metrics/green").get_json())["park_area_per_capita"]

    assert park["numerator"] == pytest.approx(10_000, rel=1e-6)
    assert park["denominator"] == POPULATION
    assert park["value"] == pytest.approx(1.0, rel=1e-6)
    assert (park["unit"], park["numerator_unit"]) == ("m²/person", "m²")


def test_ratios_count_every_green_space_once_over_the_built_up_area(client, town):
    body = client.get("/api/metrics/green").get_json()
    rows = indicators(body)

    assert body["built_up"]["area_m2"] == pytest.approx(1_000_000, rel=1e-6)
    assert rows["green_space_ratio"]["value"] == pytest.approx(2.0, rel=1e-6)
    assert rows["green_coverage_rate"]["value"] == pytest.approx(1.5, rel=1e-6)
    assert rows["park_service_coverage"]["value"] == pytest.approx(50.0, rel=1e-6)


def test_each_community_has_its_own_row(client, town):
    body = client.get("/api/metrics/green").get_json()

    assert [(row["fid"], row["name"]) for row in body["communities"]] == [
        ("C1", "西社区"), ("C2", "东社区")]
    west, east = community(body, "C1"), community(body, "C2")
    assert west["park_area_per_capita"]["value"] == pytest.approx(2.5, rel=1e-6)
    assert east["park_area_per_capita"]["value"] == pytest.approx(0.0, abs=1e-9)
    assert west["park_service_coverage"]["value"] == pytest.approx(100.0)
    assert east["park_service_coverage"]["value"] == pytest.approx(0.0, abs=1e-9)
    assert east["green_coverage_rate"]["value"] == pytest.approx(1.0, rel=1e-6)


def test_a_failing_indicator_gives_its_threshold_and_the_area_it_needs(client, town):
    body = client.get("/api/metrics/green?title=national_garden_old&lang=en").get_json()
    park = indicators(body)["park_area_per_capita"]

    assert park["threshold"]["value"] == 9.0
    assert park["threshold"]["comparison"] == ">="
    assert park["passed"] is False and park["veto"] is True
    assert park["gap"] == {"more": pytest.approx(80_000), "more_unit": "m²",
                           "max_population": 1_111}
    assert park["message"] == ("needs 80,000 m² more park green space, "
                               "or a population of at most 1,111")
    assert body["vetoed"] is True


def test_the_gap_message_is_in_chinese_by_default(client, town):
    park = indicators(client.get("/api/metrics/green?title=national_garden_old")
                      .get_json())["park_area_per_capita"]

    assert park["message"] == "还需增加公园绿地面积 80,000 m²，或人口不超过 1,111 人"


def test_a_strict_threshold_asks_for_more_than_the_gap(client, town):
    park = indicators(client.get("/api/metrics/green?lang=en").get_json())[
        "park_area_per_capita"]

    assert park["threshold"]["comparison"] == ">" and park["threshold"]["value"] == 8.0
    assert park["message"] == ("needs more than 70,000 m² more park green space, "
                               "or a population of at most 1,249")


def test_a_passing_indicator_says_so_without_a_gap(client, town):
    west = community(client.get("/api/metrics/green").get_json(), "C1")

    assert west["park_service_coverage"]["passed"] is True
    assert west["park_service_coverage"]["gap"] is None
    assert west["park_service_coverage"]["message"] == "达标"


def test_an_indicator_the_title_does_not_assess_has_no_verdict(client, town):
    rows = indicators(client.get("/api/metrics/green?lang=en").get_json())

    assert rows["green_space_ratio"]["threshold"] is None
    assert rows["green_space_ratio"]["passed"] is None
    assert rows["green_space_ratio"]["message"] == "not assessed for this title"


def test_without_streets_the_walking_variant_is_left_out(client, town):
    rows = indicators(client.get("/api/metrics/green?walking=true").get_json())

    assert "park_service_coverage" in rows
    assert "park_service_coverage_walking" not in rows


def test_the_answer_is_dated_by_the_latest_import(client, town):
    body = client.get("/api/metrics/green").get_json()

    assert body["data_date"] is not None and body["data_date"][:4].isdigit()
    assert body["thresholds_version"]


@pytest.mark.parametrize("query, word", [
    ("title=nope", "unknown title"),
    ("lang=fr", "lang"),
    ("walking=perhaps", "walking"),
    ("title=gb55014_2021&title=national_garden", "once"),
    ("colour=red", "colour"),
])
def test_a_malformed_query_is_a_400_saying_why(client, town, query, word):
    response = client.get(f"/api/metrics/green?{query}")

    assert response.status_code == 400
    assert word in error_of(response)


def test_without_a_built_up_area_the_indicators_are_a_422(client, clean_db):
    response = client.get("/api/metrics/green")

    assert response.status_code == 422
    assert "built_up_area" in error_of(response)


# --- POST /api/metrics/green/scenario ----------------------------------------------------


def test_adding_a_park_raises_per_capita_by_its_area_over_the_population(client, town):
    response = client.post("/api/metrics/green/scenario",
                           json=add_park(geojson(NEW_PARK_SITE), **{"class": "G12"}))

    assert response.status_code == 200
    park = {row["key"]: row for row in response.get_json()["indicators"]}[
        "park_area_per_capita"]
    assert park["after"]["value"] - park["before"]["value"] == pytest.approx(
        10_000 / POPULATION, rel=1e-6)
    assert park["delta"]["numerator"] == pytest.approx(10_000, rel=1e-6)


def test_a_scenario_shows_every_indicator_before_and_after(client, town):
    body = client.post("/api/metrics/green/scenario",
                       json=add_park(geojson(NEW_PARK_SITE))).get_json()
    rows = {row["key"]: row for row in body["indicators"]}

    assert set(rows) == set(indicators(client.get("/api/metrics/green").get_json()))
    assert rows["green_space_ratio"]["after"]["value"] == pytest.approx(3.0, rel=1e-6)
    assert rows["park_service_coverage"]["before"]["value"] == pytest.approx(50.0)
    assert rows["park_service_coverage"]["after"]["value"] == pytest.approx(100.0)
    assert rows["park_service_coverage"]["after"]["passed"] is True


def test_a_scenario_answers_per_community_and_changes_only_where_it_is(client, town):
    body = client.post("/api/metrics/green/scenario",
                       json=add_park(geojson(NEW_PARK_SITE))).get_json()
    by_fid = {row["fid"]: row["indicators"] for row in body["communities"]}

    assert by_fid["C1"]["park_area_per_capita"]["after"] == pytest.approx(
        by_fid["C1"]["park_area_per_capita"]["before"])
    assert by_fid["C2"]["park_area_per_capita"]["after"] == pytest.approx(10_000 / 6_000,
                                                                          rel=1e-6)


def test_converting_the_shantytown_zone_adds_its_area(client, town):
    body = client.post("/api/metrics/green/scenario", json={"changes": [
        {"op": "convert", "layer": "shantytown_zones", "fid": "S1", "class": "G12"}]}).get_json()
    park = {row["key"]: row for row in body["indicators"]}["park_area_per_capita"]

    assert park["delta"]["numerator"] == pytest.approx(10_000, rel=1e-6)


def test_a_park_drawn_over_homes_takes_their_place(client, town):
    body = client.post("/api/metrics/green/scenario",
                       json=add_park(geojson(UNSERVED_HOMES))).get_json()
    coverage = {row["key"]: row for row in body["indicators"]}["park_service_coverage"]

    assert coverage["after"]["denominator"] == pytest.approx(10_000, rel=1e-6)
    assert coverage["after"]["value"] == pytest.approx(100.0)


def test_removing_the_only_park_leaves_no_park_area(client, town):
    body = client.post("/api/metrics/green/scenario", json={"changes": [
        {"op": "remove", "layer": "parks", "fid": "P1"}]}).get_json()
    rows = {row["key"]: row for row in body["indicators"]}

    assert rows["park_area_per_capita"]["after"]["value"] == pytest.approx(0.0, abs=1e-9)
    assert rows["park_service_coverage"]["after"]["value"] == pytest.approx(0.0, abs=1e-9)


def test_a_scenario_stores_nothing(client, town):
    client.post("/api/metrics/green/scenario", json=add_park(geojson(NEW_PARK_SITE)))

    park = indicators(client.get("/api/metrics/green").get_json())["park_area_per_capita"]
    assert park["value"] == pytest.approx(1.0, rel=1e-6)


FAR_AWAY = shapely.geometry.mapping(shapely.box(116.3, 39.9, 116.31, 39.91))
HUGE = geojson(square(X0 - 2000, Y0 - 2000, side=5000))
BAD_BODIES = {
    "not a list of changes": ({"changes": "park"}, 400, "non-empty list"),
    "no changes": ({"changes": []}, 400, "non-empty list"),
    "no changes key": ({"geometry": geojson(NEW_PARK_SITE)}, 400, '"changes"'),
    "unknown op": ({"changes": [{"op": "plant"}]}, 400, "op"),
    # found by schemathesis' coverage phase against a live server: a TypeError, a 500
    "op an object": ({"changes": [{"fid": "", "layer": "", "op": {}}]}, 400, "op"),
    "op a list": ({"changes": [{"op": ["remove"]}]}, 400, "op"),
    "unknown field": (add_park(geojson(NEW_PARK_SITE), colour="green"), 400, "colour"),
    "unknown class": (add_park(geojson(NEW_PARK_SITE), **{"class": "G9"}), 400, "class"),
    "veg_ratio above one": (add_park(geojson(NEW_PARK_SITE), veg_ratio=2), 400, "veg_ratio"),
    "no geometry": ({"changes": [{"op": "add_green"}]}, 400, "geometry"),
    "coordinates not numbers": (add_park({"type": "Polygon", "coordinates": [[["a", "b"]]]}),
                                400, "position"),
    "too many changes": ({"changes": [{"op": "remove", "layer": "parks", "fid": "P1"}] * 21},
                         400, "at most 20"),
    "a point": (add_park({"type": "Point", "coordinates": [107.77, 32.98]}), 422, "polygon"),
    "empty polygon": (add_park({"type": "Polygon", "coordinates": []}), 422, "empty"),
    "ring of two corners": (add_park({"type": "Polygon", "coordinates": [
        [[107.77, 32.98], [107.771, 32.98]]]}), 422, "polygon"),
    "self-intersecting": (add_park(geojson(bowtie(X0 + 300, Y0 + 300))), 422, "not valid"),
    "outside the built-up area": (add_park(FAR_AWAY), 422, "outside the built-up area"),
    "outside, touching its edge": (add_park(geojson(square(X0 + 1000, Y0 + 400))), 422,
                                   "outside the built-up area"),
    "huge": (add_park(HUGE), 422, "km²"),
    "not lon/lat": (add_park(shapely.geometry.mapping(square(X0, Y0))), 422, "longitude"),
    "too many corners": (add_park(shapely.geometry.mapping(
        lonlat(shapely.Point(X0 + 500, Y0 + 500).buffer(100, quad_segs=1500)))),
        422, "corners"),
    "unknown feature": ({"changes": [{"op": "remove", "layer": "parks", "fid": "P9"}]},
                        422, "P9"),
    "unknown layer": ({"changes": [{"op": "convert", "layer": "toilets", "fid": "T1"}]},
                      422, "toilets"),
}


@pytest.mark.parametrize("body, status, word", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_bad_scenario_is_a_4xx_saying_why(client, town, body, status, word):
    response = client.post("/api/metrics/green/scenario", json=body)

    assert response.status_code == status
    assert word in error_of(response)


def test_a_body_that_is_not_json_is_a_400(client, town):
    response = client.post("/api/metrics/green/scenario", data="{changes:",
                           content_type="application/json")

    assert response.status_code == 400
    assert "not JSON" in error_of(response)


def test_nan_in_the_body_is_refused_as_not_json(client, town):
    response = client.post("/api/metrics/green/scenario", data='{"changes": NaN}',
                           content_type="application/json")

    assert response.status_code == 400


def test_a_body_over_256_kb_is_a_413(client, town):
    response = client.post("/api/metrics/green/scenario", data=b" " * (300 * 1024),
                           content_type="application/json")

    assert response.status_code == 413
    assert set(response.get_json()) == {"error"}


def test_get_on_the_scenario_is_a_405(client, town):
    assert client.get("/api/metrics/green/scenario").status_code == 405


# --- GET /api/metrics/green/unserved -----------------------------------------------------


def test_the_unserved_land_is_the_far_homes_in_the_east(client, town):
    response = client.get("/api/metrics/green/unserved")
    body = response.get_json()

    assert response.mimetype == "application/geo+json"
    assert [f["id"] for f in body["features"]] == ["C2"]
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["unserved_m2"] == pytest.approx(10_000, rel=1e-6)
    assert body["unserved_m2"] == pytest.approx(10_000, rel=1e-6)
    assert body["residential_m2"] == pytest.approx(20_000, rel=1e-6)
    drawn = shapely.geometry.shape(feature["geometry"])
    assert drawn.centroid.distance(lonlat(square(X0 + 800, Y0 + 800)).centroid) < 1e-6


def test_walking_unserved_without_streets_is_a_422(client, town):
    response = client.get("/api/metrics/green/unserved?walking=true")

    assert response.status_code == 422
    assert "streets" in error_of(response)


# --- the shipped sample ------------------------------------------------------------------


def test_on_the_sample_data_the_api_gives_geo_greens_numbers(client, clean_db):
    import_paths(clean_db, [SAMPLE])
    expected = green_indicators(load_green_layers(clean_db), walking=True)
    judged = {item.indicator: item for item in assess(expected, "gb55014_2021").items}

    body = client.get("/api/metrics/green").get_json()

    rows = indicators(body)
    assert set(rows) == set(expected.indicators)
    for key, indicator in expected.indicators.items():
        assert rows[key]["value"] == pytest.approx(indicator.value, rel=1e-9), key
        assert rows[key]["passed"] == (judged[key].passed if key in judged else None), key
        for fid, measure in indicator.communities.items():
            given = community(body, fid)[key]["value"]
            assert given == (measure.value if measure.value is None
                             else pytest.approx(measure.value, rel=1e-9, abs=1e-12)), key
    assert len(body["communities"]) == len(expected.communities) == 15


def test_converting_a_sample_shantytown_zone_walks_the_streets_without_error(client, clean_db):
    # SZ-01 puts a park entrance a float's width past a street edge's end: a negative
    # walking offset once made Dijkstra fail with a 500.
    import_paths(clean_db, [SAMPLE])

    response = client.post("/api/metrics/green/scenario?walking=true", json={"changes": [
        {"op": "convert", "layer": "shantytown_zones", "fid": "SZ-01", "class": "G12"}]})

    assert response.status_code == 200
    keys = {row["key"] for row in response.get_json()["indicators"]}
    assert "park_service_coverage_walking" in keys


def test_the_cached_state_is_keyed_without_the_database_password(client, town, database_url):
    from layers.green import state

    assert client.get("/api/metrics/green?walking=false").status_code == 200

    password = database_url.split(":")[2].split("@")[0]
    assert state._states and not any(password in key for key in state._states)
