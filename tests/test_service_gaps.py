"""The residential land no park serves (geo.service_gaps), on squares checked by hand.

A park of 10,000 m² serves 500 m, one of 1,500 m² serves nothing unless it is in a historic
district (then 300 m); see ``service_radius_rules`` in ``geo/thresholds.json``.
"""

from __future__ import annotations

import pytest
import shapely

from geo.errors import GeoInputError
from geo.green import green_indicators
from geo.green_model import GreenLayers
from geo.service_gaps import unserved_residential
from tests.files import X0, Y0, square
from tests.test_green_geo import NO_GREEN, TWO_HALVES, built_up, frame, parks

PARK = square(X0 + 100, Y0 + 100)  # 10,000 m²: serves 500 m, as far as x = X0 + 700


def homes(*geoms):
    return frame(geoms, fid=[f"R{i}" for i in range(len(geoms))])


def town(residential, park_layer=None, communities=TWO_HALVES) -> GreenLayers:
    return GreenLayers(built_up(), parks(PARK) if park_layer is None else park_layer,
                       NO_GREEN, communities=communities, residential_land=residential)


def in_metres(frame):
    return frame.to_crs(4545)


def test_homes_within_500_m_of_a_large_park_are_all_served():
    gaps = unserved_residential(town(homes(square(X0 + 300, Y0 + 100))))

    assert gaps.empty


def test_homes_850_m_away_are_unserved_in_their_own_community():
    gaps = unserved_residential(town(homes(square(X0 + 300, Y0 + 100),
                                           square(X0 + 800, Y0 + 800))))

    assert gaps["community"].tolist() == ["east"]
    assert gaps["name"].tolist() == ["东"]
    assert gaps["unserved_m2"].iloc[0] == pytest.approx(10_000)
    assert gaps["residential_m2"].iloc[0] == pytest.approx(10_000)
    drawn = in_metres(gaps).geometry.iloc[0]
    assert drawn.geom_type == "MultiPolygon"
    assert drawn.symmetric_difference(square(X0 + 800, Y0 + 800)).area < 1e-3


def test_a_strip_is_cut_where_the_500_m_radius_ends():
    strip = shapely.box(X0 + 200, Y0 + 100, X0 + 900, Y0 + 200)  # 700 m × 100 m

    gaps = in_metres(unserved_residential(town(homes(strip))))

    assert gaps["unserved_m2"].sum() == pytest.approx(20_000)  # x from 700 to 900
    assert shapely.union_all(gaps.geometry.array).symmetric_difference(
        shapely.box(X0 + 700, Y0 + 100, X0 + 900, Y0 + 200)).area < 1e-3


def test_the_strip_is_split_between_the_communities_it_crosses():
    strip = shapely.box(X0 + 200, Y0 + 100, X0 + 900, Y0 + 200)

    gaps = unserved_residential(town(homes(strip)))

    # west holds x 200–500 (all served); east holds x 500–900, of which 700–900 unserved
    assert gaps["community"].tolist() == ["east"]
    assert gaps["residential_m2"].iloc[0] == pytest.approx(40_000)
    assert gaps["unserved_m2"].iloc[0] == pytest.approx(20_000)


def test_a_park_under_2000_m2_serves_no_one():
    small = parks(square(X0 + 100, Y0 + 100, side=38.73))  # 1,500 m²

    gaps = unserved_residential(town(homes(square(X0 + 200, Y0 + 100)), small))

    assert gaps["unserved_m2"].sum() == pytest.approx(10_000)


def test_a_small_park_in_a_historic_district_serves_300_m():
    small = parks(square(X0 + 100, Y0 + 100, side=38.73), historic=True)
    near, far = square(X0 + 200, Y0 + 100), square(X0 + 800, Y0 + 800)

    gaps = unserved_residential(town(homes(near, far), small))

    assert gaps["unserved_m2"].sum() == pytest.approx(10_000)
    assert gaps["community"].tolist() == ["east"]


def test_overlapping_homes_are_counted_once():
    overlapping = homes(square(X0 + 800, Y0 + 800), square(X0 + 850, Y0 + 850))

    gaps = unserved_residential(town(overlapping))

    assert gaps["unserved_m2"].sum() == pytest.approx(17_500)


def test_homes_in_no_community_come_as_their_own_row():
    west_only = TWO_HALVES.iloc[[0]]

    gaps = unserved_residential(town(homes(square(X0 + 800, Y0 + 800)),
                                     communities=west_only))

    assert gaps["community"].tolist() == [None]
    assert gaps["unserved_m2"].iloc[0] == pytest.approx(10_000)


def test_homes_outside_the_built_up_area_are_not_counted():
    outside = square(X0 + 1200, Y0 + 800)

    assert unserved_residential(town(homes(outside))).empty


def test_the_unserved_area_is_the_coverage_indicators_shortfall():
    layers = town(homes(square(X0 + 300, Y0 + 100), square(X0 + 800, Y0 + 800),
                        shapely.box(X0 + 200, Y0 + 300, X0 + 900, Y0 + 400)))

    coverage = green_indicators(layers, walking=False).indicators["park_service_coverage"]
    gaps = unserved_residential(layers)

    assert gaps["unserved_m2"].sum() == pytest.approx(coverage.denominator
                                                      - coverage.numerator)


def test_the_answer_is_in_lon_lat():
    gaps = unserved_residential(town(homes(square(X0 + 800, Y0 + 800))))

    assert gaps.crs.to_epsg() == 4326
    lon, lat = gaps.geometry.iloc[0].centroid.coords[0]
    assert 107 < lon < 108.5 and 32 < lat < 34


def test_an_unknown_method_is_refused():
    with pytest.raises(GeoInputError, match="method"):
        unserved_residential(town(homes(square(X0 + 800, Y0 + 800))), method="crow")


def test_walking_without_streets_is_refused():
    with pytest.raises(GeoInputError, match="streets"):
        unserved_residential(town(homes(square(X0 + 800, Y0 + 800))), method="walking")


def test_walking_follows_the_street_so_homes_off_it_stay_unserved():
    street = frame([shapely.LineString([(X0 + 150, Y0 + 210), (X0 + 650, Y0 + 210)])],
                   fid=["S1"])
    on_street, off_street = square(X0 + 500, Y0 + 220, side=50), square(X0 + 500, Y0 + 600,
                                                                       side=50)
    layers = town(homes(on_street, off_street)).replace(streets=street)

    gaps = in_metres(unserved_residential(layers, method="walking"))

    assert gaps["unserved_m2"].sum() == pytest.approx(2_500)
    assert shapely.union_all(gaps.geometry.array).symmetric_difference(off_street).area < 1e-3


def test_homes_a_park_reaches_in_a_straight_line_but_not_by_street_are_unserved_walking():
    # found by mutation testing: with "walking" misspelt, the buffer answered and no test saw it
    street = frame([shapely.LineString([(X0 + 150, Y0 + 210), (X0 + 650, Y0 + 210)])],
                   fid=["S1"])
    near = square(X0 + 300, Y0 + 450, side=50)  # 269 m from the park, 240 m off the street
    layers = town(homes(near)).replace(streets=street)

    assert unserved_residential(layers, method="buffer").empty
    assert in_metres(unserved_residential(layers, method="walking"))["unserved_m2"].sum() == \
        pytest.approx(2_500)


# Found by mutation testing (docs/mutation.md, geo/service_gaps.py): each test below fails
# with the mutant named in its comment applied.


def test_an_unknown_method_is_told_the_known_ones():
    # unserved_residential 7: the methods joined by "XX, XX"
    with pytest.raises(GeoInputError) as refused:
        unserved_residential(town(homes(square(X0 + 800, Y0 + 800))), method="crow")

    assert str(refused.value) == "unknown service-radius method 'crow'; use one of: buffer, walking"


def test_walking_without_streets_says_what_to_do():
    # unserved_residential 16, 18, 19: the message altered
    with pytest.raises(GeoInputError) as refused:
        unserved_residential(town(homes(square(X0 + 800, Y0 + 800))), method="walking")

    assert str(refused.value) == ("the walking method needs the streets layer (or road_segments): "
                                  "import it, or use the straight-line method")


def test_an_unserved_piece_of_exactly_one_square_metre_is_kept():
    # _by_community 28, 35: `>= SLIVER_M2` made `>`, in a community and in none
    one_m2 = homes(square(X0 + 800, Y0 + 800, side=1))

    in_east = unserved_residential(town(one_m2))
    in_none = unserved_residential(town(one_m2, communities=TWO_HALVES.iloc[[0]]))

    assert in_east["community"].tolist() == ["east"]
    assert in_east["unserved_m2"].iloc[0] == pytest.approx(1.0)
    assert in_none["community"].tolist() == [None]
    assert in_none["unserved_m2"].iloc[0] == pytest.approx(1.0)


def test_homes_half_in_a_community_are_split_between_it_and_no_community():
    # _by_community 45 (the outside land taken from the first community, not the built-up
    # area: 0 m²), 46 (the communities not taken off it: 10,000 m²), 50 (no geometry drawn);
    # unserved_residential 75, 76 (the None of no community's name left NaN).  It found
    # that bug too: land in no community beside a community's row came back as NaN.
    west_of_850 = frame([shapely.box(X0, Y0, X0 + 850, Y0 + 1000)], fid=["W"], name=["西"],
                        population=[1000])

    gaps = unserved_residential(town(homes(square(X0 + 800, Y0 + 800)),
                                     communities=west_of_850))

    assert list(gaps.columns) == ["community", "name", "residential_m2", "unserved_m2",
                                  "geometry"]
    assert gaps["community"].tolist() == ["W", None]
    assert gaps["name"].tolist() == ["西", None]
    assert gaps["residential_m2"].tolist() == pytest.approx([5_000, 5_000])
    assert gaps["unserved_m2"].tolist() == pytest.approx([5_000, 5_000])
    outside = in_metres(gaps).geometry.iloc[1]
    assert outside.symmetric_difference(shapely.box(X0 + 850, Y0 + 800, X0 + 900,
                                                    Y0 + 900)).area < 1e-3


def test_every_piece_of_unserved_land_is_drawn_however_small():
    # _multi 7: polygons under 1 m² left out of the drawing (but counted in unserved_m2)
    gaps = unserved_residential(town(homes(square(X0 + 800, Y0 + 800),
                                           square(X0 + 900, Y0 + 900, side=0.5))))

    assert gaps["unserved_m2"].iloc[0] == pytest.approx(10_000.25)
    drawn = in_metres(gaps).geometry.iloc[0]
    assert len(drawn.geoms) == 2
    assert drawn.area == pytest.approx(10_000.25, abs=1e-3)
