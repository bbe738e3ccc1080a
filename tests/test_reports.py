"""Problem reports: automatic assignment, duplicate suggestions, status with notes, photos."""

from __future__ import annotations

import pytest
from pyproj import Transformer

from layers.exchange.importer import import_paths
from layers.tracking.accounts import create_user
from layers.tracking.attachments import UploadRefused, UploadTooLarge, save_photo
from layers.tracking.problem_reports import InvalidReport, file_report
from tests.files import square, write_layer
from tests.images import PNG

# EPSG:4545 squares: a water-source zone and the community 东渡社区 beside it.
ZONE, COMMUNITY = square(470_000, 3_650_000, 1000), square(471_000, 3_650_000, 1000)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return Transformer.from_crs(4545, 4326, always_xy=True).transform(x, y)


@pytest.fixture
def county(clean_db, tmp_path):
    write_layer(tmp_path, "water_source_areas",
                [{"fid": "WS-1", "name": "牧马河水源地一级保护区", "zone_level": "level1",
                  "src_type": "river"}], [ZONE])
    write_layer(tmp_path, "communities",
                [{"fid": "CM-1", "name": "东渡社区", "street": "城南街道", "population": 5000}],
                [COMMUNITY])
    import_paths(clean_db, [tmp_path])
    return clean_db


def test_report_inside_a_water_source_zone_goes_to_the_environment_bureau(county):
    lon, lat = _lonlat(470_500, 3_650_500)

    report = file_report(county, None, category="garbage", lon=lon, lat=lat,
                         description="取水口附近垃圾堆积")

    assert report["department"] == "县环保局"
    assert "牧马河水源地一级保护区" in report["assigned_by"]


def test_garbage_outside_zones_goes_by_category(county):
    lon, lat = _lonlat(471_500, 3_650_500)

    assert file_report(county, None, category="garbage", lon=lon, lat=lat,
                       description="河滨北路垃圾堆积")["department"] == "县城市管理局"


def test_street_category_goes_to_the_street_office_of_the_community(county):
    lon, lat = _lonlat(471_500, 3_650_500)

    report = file_report(county, None, category="street_cleaning", lon=lon, lat=lat,
                         description="路面未清扫")

    assert report["department"] == "城南街道办事处"


def test_nearby_open_report_of_the_same_category_is_suggested_as_duplicate(county):
    first = file_report(county, None, category="road_damage", lon=107.78, lat=32.99,
                        description="路面坑洼")
    far = file_report(county, None, category="road_damage", lon=107.79, lat=32.99,
                      description="另一处")

    second = file_report(county, None, category="road_damage", lon=107.7802, lat=32.99,
                         description="同一处坑洼")

    assert [c["id"] for c in second["duplicate_candidates"]] == [first["id"]]
    assert 15 < second["duplicate_candidates"][0]["distance_m"] < 25
    assert far["id"] not in [c["id"] for c in second["duplicate_candidates"]]


@pytest.mark.parametrize("lon, lat, message", [
    (32.99, 107.78, "WGS84"), (2.35, 48.85, "outside China"), ("x", 1, "numbers")])
def test_bad_positions_are_refused_with_the_reason(county, lon, lat, message):
    with pytest.raises(InvalidReport, match=message):
        file_report(county, None, category="garbage", lon=lon, lat=lat, description="x")


@pytest.mark.parametrize("texts, word", [
    ({"description": "垃圾\x08堆积"}, r"description contains the control character U\+0008"),
    ({"description": "x", "address": "河滨\x00北路"}, "address contains a NUL"),
    ({"description": "x", "reporter_name": "王\x1f"}, r"reporter_name .*U\+001F")])
def test_text_with_a_control_character_is_refused_naming_field_and_character(county, texts,
                                                                             word):
    # An Atom or KML document with one does not parse; PostgreSQL cannot store a NUL.
    with pytest.raises(InvalidReport, match=word):
        file_report(county, None, category="garbage", lon=107.78, lat=32.99, **texts)


def test_unknown_category_lists_the_services(county):
    with pytest.raises(InvalidReport, match="garbage"):
        file_report(county, None, category="ufo", lon=107.78, lat=32.99, description="x")


def test_photo_upload_checks_content_type_and_size(clean_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path))
    saved = save_photo(clean_db, PNG, declared_type="image/png", original_name="../../x.png",
                       user=None)
    assert saved["content_type"] == "image/png"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{saved['id']}.png",
                                                          f"{saved['id']}.thumb.jpg"]

    with pytest.raises(UploadRefused, match="only JPEG, PNG and WebP"):
        save_photo(clean_db, b"<?php evil();", declared_type="image/png", original_name="a.png",
                   user=None)
    with pytest.raises(UploadRefused, match="sent as image/jpeg"):
        save_photo(clean_db, PNG, declared_type="image/jpeg", original_name="a.jpg", user=None)
    monkeypatch.setattr("layers.tracking.attachments.MAX_BYTES", 10)
    with pytest.raises(UploadTooLarge):
        save_photo(clean_db, PNG, declared_type="image/png", original_name="a.png", user=None)
