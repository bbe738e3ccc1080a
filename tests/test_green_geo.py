"""Green-space indicators (geo.green) on small squares whose answers are known by hand."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.errors import GeoInputError
from geo.green import green_coverage_rate, green_indicators, green_space_ratio, park_area_per_capita
from geo.green_model import GreenLayers
from geo.greening import river_greening_rate, road_greening_rate
from geo.polygons import dissolve
from geo.service_coverage import park_service_coverage
from geo.service_radius import service_radius
from tests.files import X0, Y0, square

KM = 1000.0


def frame(geoms, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=4545)


def built_up(side: float = KM, population: int | None = 1000) -> gpd.GeoDataFrame:
    return frame([square(side=side)], fid=["B1"], population=[population])


def parks(*geoms, park_class="G12", historic=False) -> gpd.GeoDataFrame:
    return frame(geoms, fid=[f"P{i}" for i in range(len(geoms))],
                 park_class=[park_class] * len(geoms), historic=[historic] * len(geoms))


def greens(geoms, classes, veg=None) -> gpd.GeoDataFrame:
    return frame(geoms, fid=[f"G{i}" for i in range(len(geoms))], green_cls=classes,
                 veg_ratio=veg if veg is not None else [None] * len(geoms))


NO_GREEN = greens([], [])
TWO_HALVES = frame([square(side=KM).intersection(shapely.box(X0, Y0, X0 + 500, Y0 + KM)),
                    square(side=KM).intersection(shapely.box(X0 + 500, Y0, X0 + KM, Y0 + KM))],
                   fid=["west", "east"], name=["西", "东"], population=[600, 400])


def test_two_squares_overlapping_by_a_quarter_cover_17500_m2_not_20000():
    overlapping = parks(square(X0 + 100, Y0 + 100), square(X0 + 150, Y0 + 150))

    coverage = green_coverage_rate(built_up(), overlapping, NO_GREEN)

    assert coverage.numerator == pytest.approx(17_500)
    assert coverage.value == pytest.approx(1.75)


def test_park_of_one_hectare_in_a_square_kilometre_is_a_one_percent_ratio():
    ratio = green_space_ratio(built_up(), parks(square(X0 + 300, Y0 + 300)), NO_GREEN)

    assert ratio.value == pytest.approx(1.0)
    assert ratio.denominator == pytest.approx(1_000_000)


def test_park_area_per_capita_with_population_1000_is_10_m2():
    per_capita = park_area_per_capita(built_up(population=1000), parks(square(X0 + 300, Y0 + 300)))

    assert per_capita.value == pytest.approx(10.0)
    assert per_capita.unit == "m²/person"


def test_population_argument_overrides_the_built_up_population():
    per_capita = park_area_per_capita(built_up(population=1000), parks(square(X0 + 300, Y0 + 300)),
                                      population=2000)

    assert per_capita.value == pytest.approx(5.0)


def test_unknown_population_gives_no_value_and_says_why():
    per_capita = park_area_per_capita(built_up(population=None), parks(square(X0 + 300, Y0 + 300)))

    assert per_capita.value is None
    assert "population" in per_capita.notes[0]


def test_green_outside_the_built_up_area_is_clipped_off():
    half_out = parks(square(X0 - 50, Y0 + 300))

    assert green_space_ratio(built_up(), half_out, NO_GREEN).numerator == pytest.approx(5_000)


def test_veg_ratio_scales_coverage_and_none_means_fully_vegetated():
    spaces = greens([square(X0 + 100, Y0 + 100), square(X0 + 400, Y0 + 400)], ["XG", "G2"],
                    [0.4, None])

    assert green_coverage_rate(built_up(), NO_GREEN, spaces).numerator == pytest.approx(14_000)


def test_green_space_share_over_a_park_wins_over_the_park():
    park = parks(square(X0 + 100, Y0 + 100))
    paved_square = greens([square(X0 + 100, Y0 + 100, side=50)], ["G3"], [0.2])

    coverage = green_coverage_rate(built_up(), park, paved_square)

    assert coverage.numerator == pytest.approx(7_500 + 0.2 * 2_500)


def test_overlapping_green_spaces_take_the_highest_share():
    spaces = greens([square(X0 + 100, Y0 + 100), square(X0 + 150, Y0 + 100)], ["XG", "XG"],
                    [0.5, 0.8])

    coverage = green_coverage_rate(built_up(), NO_GREEN, spaces)

    assert coverage.numerator == pytest.approx(0.8 * 10_000 + 0.5 * 5_000)


def test_ratio_counts_g3_by_green_part_and_leaves_out_eg():
    spaces = greens([square(X0 + 100, Y0 + 100), square(X0 + 400, Y0 + 400),
                     square(X0 + 700, Y0 + 700)], ["G3", "EG", "XG"], [0.3, None, 0.1])

    ratio = green_space_ratio(built_up(), NO_GREEN, spaces)

    assert ratio.numerator == pytest.approx(0.3 * 10_000 + 10_000)


def test_g3_over_a_park_is_not_counted_twice_in_the_ratio():
    spaces = greens([square(X0 + 100, Y0 + 100, side=50)], ["G3"], [0.3])

    ratio = green_space_ratio(built_up(), parks(square(X0 + 100, Y0 + 100)), spaces)

    assert ratio.numerator == pytest.approx(10_000)


def test_park_classed_green_spaces_count_as_park_green_space():
    spaces = greens([square(X0 + 100, Y0 + 100)], ["G14"])

    assert park_area_per_capita(built_up(), parks(), spaces).numerator == pytest.approx(10_000)


def test_per_capita_by_class_counts_only_that_class():
    mixed = frame([square(X0 + 100, Y0 + 100), square(X0 + 400, Y0 + 400, side=200)],
                  fid=["P1", "P2"], park_class=["G11", "G12"], historic=[False, False])

    comprehensive = park_area_per_capita(built_up(), mixed, classes=("G11",))

    assert comprehensive.value == pytest.approx(10.0)


def test_communities_are_measured_inside_the_built_up_area_with_their_own_population():
    park = parks(square(X0 + 100, Y0 + 100))

    per_capita = park_area_per_capita(built_up(), park, communities=TWO_HALVES)

    assert per_capita.communities["west"].value == pytest.approx(10_000 / 600)
    assert per_capita.communities["east"].value == pytest.approx(0.0)
    ratio = green_space_ratio(built_up(), park, NO_GREEN, communities=TWO_HALVES)
    assert ratio.communities["west"].value == pytest.approx(2.0)
    assert ratio.communities["west"].denominator == pytest.approx(500_000)


def test_residential_square_half_inside_500_m_is_half_covered():
    park = parks(square(X0, Y0 + 400))  # 1 ha: serves 500 m, edge at x = X0 + 600
    homes = frame([square(X0 + 550, Y0 + 400)])

    coverage = park_service_coverage(built_up(), park, homes)

    assert coverage.value == pytest.approx(50.0)
    assert coverage.numerator == pytest.approx(5_000)


@pytest.mark.parametrize(("area", "historic", "radius"), [
    (5_000, False, 500), (4_999, False, 300), (2_000, False, 300), (1_999, False, 0),
    (1_000, True, 300), (999, True, 0), (6_000, True, 500),
])
def test_service_radius_follows_park_size_and_historic_district(area, historic, radius):
    assert service_radius(np.array([area]), np.array([historic]))[0] == radius


def test_small_park_serves_no_one():
    small = parks(square(X0 + 100, Y0 + 100, side=40))  # 1,600 m²
    homes = frame([square(X0 + 200, Y0 + 100)])

    assert park_service_coverage(built_up(), small, homes).value == pytest.approx(0.0)


def test_historic_pocket_park_serves_300_m():
    pocket = parks(square(X0, Y0 + 400, side=40), park_class="G14", historic=True)
    homes = frame([square(X0 + 290, Y0 + 400, side=40)])  # x from 290 to 330: edge at 340

    assert park_service_coverage(built_up(), pocket, homes).value == pytest.approx(100.0)


STREET_TO_HOMES = frame([shapely.LineString([(X0 + 100, Y0 + 450), (X0 + 900, Y0 + 450)])],
                        road_class=["local"])
DETOUR = frame([shapely.LineString([(X0 + 110, Y0 + 450), (X0 + 110, Y0 - 400),
                                    (X0 + 350, Y0 - 400), (X0 + 350, Y0 + 450)])],
               road_class=["local"])


def test_walking_covers_homes_along_a_street_within_the_radius():
    park = parks(square(X0, Y0 + 400))
    homes = frame([square(X0 + 300, Y0 + 400)])

    coverage = park_service_coverage(built_up(), park, homes, streets=STREET_TO_HOMES,
                                     method="walking")

    assert coverage.value == pytest.approx(100.0)


def test_walking_distance_fails_where_the_straight_line_covers():
    park = parks(square(X0, Y0 + 400))
    homes = frame([square(X0 + 300, Y0 + 400)])  # 200 m away, but 1.9 km on foot

    straight = park_service_coverage(built_up(), park, homes, streets=DETOUR)
    walking = park_service_coverage(built_up(), park, homes, streets=DETOUR, method="walking")

    assert straight.value == pytest.approx(100.0)
    assert walking.value == pytest.approx(0.0)


def test_street_passing_a_park_gives_it_an_entrance_between_junctions():
    park = parks(square(X0 + 400, Y0 + 460))
    long_street = frame([shapely.LineString([(X0, Y0 + 450), (X0 + KM, Y0 + 450)])])
    homes = frame([square(X0 + 750, Y0 + 400)])  # the street's junctions are 400 m off

    walking = park_service_coverage(built_up(), park, homes, streets=long_street,
                                    method="walking")

    assert walking.value == pytest.approx(100.0)


def test_park_without_a_street_nearby_serves_no_one_on_foot():
    park = parks(square(X0, Y0 + 400))
    far_street = frame([shapely.LineString([(X0 + 500, Y0), (X0 + 500, Y0 + 900)])])

    walking = park_service_coverage(built_up(), park, frame([square(X0 + 300, Y0 + 400)]),
                                    streets=far_street, method="walking")

    assert walking.value == pytest.approx(0.0)
    assert "no street within" in walking.notes[0]


def test_road_greening_counts_road_length_near_green_space():
    road = frame([shapely.LineString([(X0 + 100, Y0 + 500), (X0 + 500, Y0 + 500)])])
    verge = greens([shapely.box(X0 + 100, Y0 + 505, X0 + 200, Y0 + 515)], ["XG"])

    rate = road_greening_rate(built_up(), road, parks(), verge)

    assert rate.approximation
    assert rate.denominator == pytest.approx(400)
    assert rate.numerator == pytest.approx(100, abs=SAMPLE_TOLERANCE)


SAMPLE_TOLERANCE = 20.0  # roads are judged in 10 m pieces: one piece either side of an end


def test_river_greening_counts_flagged_watercourses_whole():
    rivers = frame([shapely.LineString([(X0 + 100, Y0 + 100), (X0 + 100, Y0 + 900)]),
                    shapely.LineString([(X0 + 800, Y0 + 100), (X0 + 800, Y0 + 900)])],
                   greened=[True, False])

    rate = river_greening_rate(built_up(), rivers, parks(), NO_GREEN)

    assert rate.value == pytest.approx(50.0)


def test_layers_in_lon_lat_are_measured_in_the_gauss_kruger_zone():
    lonlat = parks(square(X0 + 300, Y0 + 300)).to_crs(4326)

    ratio = green_space_ratio(built_up().to_crs(4326), lonlat, NO_GREEN.to_crs(4326))

    assert ratio.numerator == pytest.approx(10_000, rel=1e-6)


def test_layer_without_crs_is_refused_naming_it():
    no_crs = parks(square()).set_crs(None, allow_override=True)

    with pytest.raises(GeoInputError, match="parks layer has no CRS"):
        green_space_ratio(built_up(), no_crs, NO_GREEN)


def test_empty_built_up_area_is_refused():
    with pytest.raises(GeoInputError, match="built_up_area layer is empty"):
        green_space_ratio(built_up().iloc[0:0], parks(square()), NO_GREEN)


def test_dissolve_returns_pieces_that_do_not_overlap():
    geoms = np.array([square(X0, Y0), square(X0 + 50, Y0), square(X0 + 500, Y0)])

    pieces = dissolve(geoms)

    assert len(pieces) == 2
    assert shapely.area(pieces).sum() == pytest.approx(25_000)


def test_green_indicators_report_is_json_ready():
    layers = GreenLayers(built_up(), parks(square(X0, Y0 + 400)), NO_GREEN, TWO_HALVES,
                         frame([square(X0 + 300, Y0 + 400)]), STREET_TO_HOMES)

    report = green_indicators(layers).to_dict()

    assert report["epsg"] == 4545
    assert set(report["indicators"]) >= {
        "green_coverage_rate", "green_space_ratio", "park_area_per_capita",
        "park_service_coverage", "park_service_coverage_walking", "road_greening_rate"}
    assert report["communities"] == {"west": "西", "east": "东"}


def test_historic_flags_given_as_0_and_1_are_read_as_truth_values():
    # found by mutation testing: without the conversion to bool, 0/1 flags fail to combine
    rules = [{"min_area_m2": 1000, "historic_only": True, "radius_m": 300}]
    assert service_radius(np.array([5000.0, 5000.0]), np.array([1, 0]), rules).tolist() == [300, 0]


def test_an_indicator_is_json_ready_on_its_own():
    # found by mutation testing: no test of the green_model selection called it
    layers = GreenLayers(built_up(), parks(square(X0, Y0 + 400)), NO_GREEN, TWO_HALVES)
    indicator = green_indicators(layers).indicators["green_space_ratio"]

    data = json.loads(json.dumps(indicator.to_dict()))

    assert data["key"] == "green_space_ratio" and set(data["communities"]) == {"west", "east"}


def test_layers_replace_gives_a_copy_with_the_changes_only():
    layers = GreenLayers(built_up(), parks(square(X0, Y0 + 400)), NO_GREEN)

    more = layers.replace(population=5000)

    assert (more.population, layers.population) == (5000, None)
    assert more.parks is layers.parks and more.built_up is layers.built_up
