"""What-if scenarios (geo.scenario): indicators before and after a planner's changes."""

from __future__ import annotations

import pytest
import shapely

from geo.errors import GeoInputError
from geo.green_model import GreenLayers
from geo.scenario import AddGreen, ConvertFeature, RemoveFeature, apply_changes, what_if
from tests.files import X0, Y0, bowtie, square
from tests.test_green_geo import NO_GREEN, built_up, frame, parks

HOMES = frame([square(X0 + 600, Y0 + 600, side=200)], fid=["R1"])
SHANTYTOWN = frame([square(X0 + 600, Y0 + 600, side=100)], fid=["S1"], name=["东关棚户区"])


def town() -> GreenLayers:
    return GreenLayers(built_up(), parks(square(X0 + 100, Y0 + 100)), NO_GREEN,
                       residential_land=HOMES)


def test_drawing_a_park_adds_its_area_to_ratio_and_per_capita():
    drawn = AddGreen(square(X0 + 300, Y0 + 300), "G12", crs="EPSG:4545")

    result = what_if(town(), [drawn])

    assert result.before.indicators["green_space_ratio"].value == pytest.approx(1.0)
    assert result.after.indicators["green_space_ratio"].value == pytest.approx(2.0)
    assert result.deltas["green_space_ratio"].value == pytest.approx(1.0)
    assert result.deltas["park_area_per_capita"].numerator == pytest.approx(10_000)


def test_drawn_park_in_lon_lat_is_measured_in_metres():
    lonlat = shapely.Polygon(frame([square(X0 + 300, Y0 + 300)]).to_crs(4326).geometry[0])

    result = what_if(town(), [AddGreen(lonlat, "G14")])

    assert result.deltas["green_space_ratio"].numerator == pytest.approx(10_000, rel=1e-6)


def test_converting_a_shantytown_zone_to_a_park_also_removes_its_residential_land():
    change = ConvertFeature("shantytown_zones", "S1", "G12")

    result = what_if(town(), [change], sources={"shantytown_zones": SHANTYTOWN})

    assert result.deltas["park_area_per_capita"].numerator == pytest.approx(10_000)
    coverage = result.after.indicators["park_service_coverage"]
    assert coverage.denominator == pytest.approx(30_000)


def test_converting_to_protective_green_counts_in_the_ratio_not_per_capita():
    change = ConvertFeature("shantytown_zones", "S1", "G2")

    result = what_if(town(), [change], sources={"shantytown_zones": SHANTYTOWN})

    assert result.deltas["green_space_ratio"].numerator == pytest.approx(10_000)
    assert result.deltas["park_area_per_capita"].numerator == pytest.approx(0.0)


def test_reclassifying_a_park_moves_it_rather_than_copying_it():
    layers = apply_changes(town(), [ConvertFeature("parks", "P0", "G2")])

    assert len(layers.parks) == 0
    assert layers.green_spaces["green_cls"].tolist() == ["G2"]


def test_removing_a_park_takes_its_area_away():
    result = what_if(town(), [RemoveFeature("parks", "P0")])

    assert result.deltas["green_space_ratio"].value == pytest.approx(-1.0)


def test_the_given_layers_are_left_unchanged():
    layers = town()

    what_if(layers, [RemoveFeature("parks", "P0"), AddGreen(square(X0 + 300, Y0 + 300),
                                                            crs=4545)])

    assert len(layers.parks) == 1 and len(layers.residential_land) == 1


@pytest.mark.parametrize(("geometry", "message"), [
    (shapely.Polygon(), "empty"),
    (None, "empty"),
    (shapely.LineString([(X0, Y0), (X0 + 10, Y0)]), "LineString cannot be green space"),
    (bowtie(X0 + 300, Y0 + 300), "not valid"),
    (square(X0 + 5000, Y0 + 5000), "outside the built-up area"),
    (square(X0 - 100, Y0 - 100, side=1500), "more than 1.00 km²"),
])
def test_unusable_drawn_geometry_is_refused_with_the_reason(geometry, message):
    with pytest.raises(GeoInputError, match=message):
        apply_changes(town(), [AddGreen(geometry, crs=4545)])


def test_polygon_larger_than_five_square_kilometres_is_refused():
    big_town = GreenLayers(built_up(side=4000), parks(), NO_GREEN)

    with pytest.raises(GeoInputError, match="more than 5.00 km²"):
        apply_changes(big_town, [AddGreen(square(X0, Y0, side=2300), crs=4545)])


def test_unknown_class_is_refused_listing_the_classes():
    with pytest.raises(GeoInputError, match="unknown green-space class 'G9'; use one of G11"):
        apply_changes(town(), [AddGreen(square(X0 + 300, Y0 + 300), "G9", crs=4545)])


def test_converting_from_a_layer_not_given_is_refused():
    with pytest.raises(GeoInputError, match="no layer 'shantytown_zones'"):
        apply_changes(town(), [ConvertFeature("shantytown_zones", "S1")])


def test_removing_an_unknown_feature_is_refused():
    with pytest.raises(GeoInputError, match="no feature with fid 'P9' in layer 'parks'"):
        apply_changes(town(), [RemoveFeature("parks", "P9")])
