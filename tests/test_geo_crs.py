"""CRS choice and GCJ-02 conversion (pure functions, no database)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod
from shapely import Point

from geo.crs import GCJ02, gauss_kruger_epsg, local_metric_crs, parse_crs
from geo.errors import GeoInputError
from geo.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02

XIXIANG = np.array([[107.7700, 32.9900]])


@pytest.mark.parametrize("lon, epsg", [(107.77, 4545), (75.0, 4534), (135.0, 4554),
                                       (116.39, 4548), (106.4, 4544), (106.6, 4545)])
def test_gauss_kruger_zone_is_the_3_degree_zone_holding_the_longitude(lon, epsg):
    assert gauss_kruger_epsg(lon) == epsg


def test_longitude_outside_china_zones_is_refused():
    with pytest.raises(GeoInputError, match="outside the CGCS2000"):
        gauss_kruger_epsg(2.35)


def test_gcj02_offset_at_xixiang_is_about_490_m_east_and_south():
    shifted = wgs84_to_gcj02(XIXIANG)
    azimuth, _, distance = Geod(ellps="WGS84").inv(*XIXIANG[0], *shifted[0])
    assert 480 < distance < 500
    assert 90 < azimuth < 135  # east-south-east


def test_gcj02_inverse_recovers_wgs84_to_a_millimetre():
    points = np.column_stack([np.linspace(73.5, 135, 50), np.linspace(18.2, 53.5, 50)])
    back = gcj02_to_wgs84(wgs84_to_gcj02(points))
    assert np.abs(back - points).max() < 1e-8  # about a millimetre


def test_gcj02_leaves_points_outside_china_alone():
    paris = np.array([[2.35, 48.85]])
    assert np.array_equal(wgs84_to_gcj02(paris), paris)


@pytest.mark.parametrize("text", ["gcj02", "GCJ-02", "gcj_02"])
def test_gcj02_is_named_in_any_spelling(text):
    assert parse_crs(text) == GCJ02


@pytest.mark.parametrize("text, epsg", [("EPSG:4545", 4545), ("4490", 4490), ("epsg:4326", 4326)])
def test_epsg_codes_are_parsed(text, epsg):
    assert parse_crs(text).to_epsg() == epsg


def test_unknown_crs_names_the_accepted_forms():
    with pytest.raises(GeoInputError, match="gcj02"):
        parse_crs("EPSG:123456789")


# Found by mutation testing (docs/mutation.md).

def test_a_longitude_that_is_not_a_number_is_refused_saying_so():
    with pytest.raises(GeoInputError, match="longitude nan is not a number"):
        gauss_kruger_epsg(float("nan"))


def test_a_longitude_outside_the_zones_is_told_their_extent():
    with pytest.raises(GeoInputError, match="2.3500° lies outside .*zones \\(73.5°E–136.5°E\\)"):
        gauss_kruger_epsg(2.35)


def test_the_measuring_zone_is_that_of_the_centre_of_the_datas_extent():
    # 103°E and 109°E lie in the zones of 102°E and 108°E; their centre, 106°E, in that of 105°E
    data = gpd.GeoSeries([Point(103, 33), Point(109, 33)], crs=4326)
    assert local_metric_crs(data).to_epsg() == 4544


def test_data_in_metres_is_placed_by_its_longitude_not_its_easting():
    data = gpd.GeoSeries([Point(478_500, 3_650_500)], crs=4545)  # Xixiang, 107.77°E
    assert local_metric_crs(data).to_epsg() == 4545


def test_data_without_a_crs_cannot_be_measured():
    with pytest.raises(GeoInputError, match="^the data has no CRS; set one before measuring$"):
        local_metric_crs(gpd.GeoSeries([Point(107.77, 32.99)]))


def test_a_crs_is_read_whatever_the_spaces_around_it():
    assert parse_crs("  4545 ").to_epsg() == 4545
    assert parse_crs(" GCJ02 ") == GCJ02


def test_the_zone_is_a_whole_epsg_code_not_a_float():
    epsg = gauss_kruger_epsg(107.77)
    assert isinstance(epsg, int) and f"EPSG:{epsg}" == "EPSG:4545"
