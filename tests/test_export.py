"""Exports of a layer or a filtered selection: formats, encodings, and the round trip back in."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pyogrio
import pytest
import shapely
import sqlalchemy as sa
from pyproj import CRS

from layers.exchange.importer import import_paths
from layers.exchange.layer_export import selection
from layers.storage.catalogue import get_layer
from layers.storage.models import metadata
from tests.conftest import SAMPLE
from tests.live_server import with_serving

pytest_plugins = ["tests.factories"]


@pytest.fixture
def app(app):
    return with_serving(app)


@pytest.fixture
def add(clean_db):
    """Insert features (as :func:`tests.factories.add_features`) into the emptied database."""
    from tests.factories import add_features  # imported once pytest loaded it as a plugin

    def add(layer: str, *rows: dict) -> None:
        with clean_db.begin() as conn:
            add_features(conn, layer, *rows)
    return add


@pytest.fixture
def sample(clean_db):
    """The Xixiang sample layers and project ledger, imported."""
    import_paths(clean_db, [SAMPLE])
    return clean_db


def export(client, layer: str, **query):
    response = client.get(f"/api/layers/{layer}/export", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def unpack(response, folder) -> list:
    """The files an export holds, written into *folder* (a Shapefile zip is extracted)."""
    name = response.headers["Content-Disposition"].split("filename=")[1].strip('"')
    path = folder / name
    path.write_bytes(response.data)
    if path.suffix != ".zip":
        return [path]
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
        return sorted(folder / n for n in archive.namelist() if n.endswith(".shp"))


def empty(engine: sa.Engine) -> None:
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def assert_same_features(after, before, layer: str) -> None:
    assert list(after["fid"]) == list(before["fid"])
    for field in get_layer(layer).fields:
        left = after[field.name].astype(object).where(after[field.name].notna(), None)
        right = before[field.name].astype(object).where(before[field.name].notna(), None)
        assert left.tolist() == right.tolist(), field.name
    # Topological equality: a Shapefile may store a polygon's rings in another order.
    assert all(shapely.equals(np.asarray(after.geometry.array),
                              np.asarray(before.geometry.array)))


@pytest.mark.parametrize("fmt, encoding", [("gpkg", "utf-8"), ("shp", "utf-8"),
                                           ("shp", "gbk"), ("geojson", "utf-8")])
@pytest.mark.parametrize("layer", ["road_segments", "parks", "facilities", "communities"])
def test_exported_layer_imports_back_unchanged(client, sample, tmp_path, fmt, encoding, layer):
    before = selection(sample, layer)
    files = unpack(export(client, layer, format=fmt, encoding=encoding), tmp_path)
    empty(sample)
    report = import_paths(sample, files)
    assert report.committed
    assert_same_features(selection(sample, layer), before, layer)


def test_shapefile_zip_holds_every_part_with_wgs84_prj(client, city):
    response = export(client, "road_segments", format="shp")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = sorted(archive.namelist())
        prj = archive.read("road_segments.prj").decode()
        cpg = archive.read("road_segments.cpg").decode()
    assert names == [f"road_segments.{s}" for s in ("cpg", "dbf", "prj", "shp", "shx")]
    assert CRS(prj).to_epsg() == 4326
    assert cpg.strip().upper() == "UTF-8"
    assert response.mimetype == "application/zip"


def test_gbk_shapefile_says_so_and_holds_gbk_bytes(client, city):
    response = export(client, "road_segments", format="shp", encoding="gbk")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.read("road_segments.cpg").decode().strip().upper() == "GBK"
        dbf = archive.read("road_segments.dbf")
    assert "城南路".encode("gbk") in dbf
    assert "城南路".encode("utf-8") not in dbf


def test_text_gbk_cannot_hold_is_refused_by_feature(client, city, add):
    add("road_segments", {"fid": "r9", "name": "𠀀路", "road_class": "local",
                          "geom": "MULTILINESTRING((107.7 33.0, 107.8 33.0))"})
    response = client.get("/api/layers/road_segments/export",
                          query_string={"format": "shp", "encoding": "gbk"})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "r9" in message and "encoding=utf-8" in message


def test_geopackage_is_in_epsg_4326_with_chinese_names(client, city, tmp_path):
    [path] = unpack(export(client, "parks", format="gpkg"), tmp_path)
    assert CRS(pyogrio.read_info(path, layer="parks")["crs"]).to_epsg() == 4326
    frame = pyogrio.read_dataframe(path, layer="parks")
    assert frame.loc[0, "name"] == "牧马河公园"
    assert frame.loc[0, "projects"] == "YL-001"


def test_export_takes_the_features_api_filters(client, city, tmp_path):
    def fids(**query):
        [path] = unpack(export(client, "road_segments", format="gpkg", **query), tmp_path)
        return list(pyogrio.read_dataframe(path)["fid"])

    assert fids(status="in_progress") == ["r1"]
    assert fids(overdue="true") == ["r2"]
    assert fids(bbox="107.69,32.97,107.73,32.99") == ["r1"]
    assert fids(q="北关") == ["r3"]
    assert fids() == ["r1", "r2", "r3"]


def test_geojson_is_rfc7946_with_ids(client, city):
    document = export(client, "facilities", format="geojson").get_json(force=True)
    assert [f["id"] for f in document["features"]] == ["f1", "f2"]
    assert document["features"][0]["geometry"]["coordinates"] == [107.705, 32.985]
    assert document["features"][1]["properties"]["disp_stat"] == "overdue"


def test_kml_names_placemarks_in_chinese(client, city):
    response = export(client, "facilities", format="kml")
    text = response.get_data(as_text=True)
    assert response.mimetype == "application/vnd.google-earth.kml+xml"
    assert text.count("<Placemark") == 2
    assert "<name>公厕一号</name>" in text


def test_csv_with_wkt_opens_in_excel_as_utf8(client, city):
    response = export(client, "road_segments", format="csv")
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["城南路", "东环路", "北关街"]
    assert shapely.from_wkt(rows[0]["wkt"]).equals(
        shapely.from_wkt("MULTILINESTRING ((107.70 32.98, 107.72 32.98))"))


def test_csv_lonlat_in_gbk(client, city):
    response = export(client, "facilities", format="csv", encoding="gbk", geometry="lonlat")
    assert response.headers["Content-Type"] == "text/csv; charset=gbk"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("gbk"))))
    assert (rows[0]["name"], float(rows[0]["lon"]), float(rows[0]["lat"])) == \
        ("公厕一号", 107.705, 32.985)


def test_csv_lonlat_of_a_line_is_a_point_on_it(client, city):
    rows = list(csv.DictReader(io.StringIO(
        export(client, "road_segments", format="csv", geometry="lonlat").data
        .decode("utf-8-sig"))))
    line = shapely.from_wkt("LINESTRING (107.70 32.98, 107.72 32.98)")
    assert line.distance(shapely.Point(float(rows[0]["lon"]), float(rows[0]["lat"]))) < 1e-9


def test_mixed_layer_becomes_one_shapefile_per_geometry_type(client, add):
    add("watercourses",
        {"fid": "w1", "name": "牧马河", "kind": "river",
         "geom": "MULTIPOLYGON(((107.7 32.9, 107.8 32.9, 107.8 32.91, 107.7 32.9)))"},
        {"fid": "w2", "name": "东干渠", "kind": "channel",
         "geom": "MULTILINESTRING((107.7 32.95, 107.8 32.95))"})
    with zipfile.ZipFile(io.BytesIO(export(client, "watercourses", format="shp").data)) as z:
        shapefiles = sorted(n for n in z.namelist() if n.endswith(".shp"))
    assert shapefiles == ["watercourses_line.shp", "watercourses_polygon.shp"]


def test_empty_selection_exports_an_empty_layer(client, city, tmp_path):
    [path] = unpack(export(client, "streets", format="gpkg"), tmp_path)
    assert pyogrio.read_info(path)["features"] == 0


@pytest.mark.parametrize("query, status", [
    ({"format": "dxf"}, 400),
    ({"format": "gpkg", "encoding": "gbk"}, 400),
    ({"format": "csv", "geometry": "xy"}, 400),
    ({"format": "gpkg", "colour": "red"}, 400),
    ({"format": "gpkg", "status": "unknown"}, 400),
])
def test_bad_export_request_is_refused(client, city, query, status):
    assert client.get("/api/layers/parks/export", query_string=query).status_code == status


def test_unknown_layer_export_is_a_404(client, city):
    assert client.get("/api/layers/roads/export").status_code == 404


def test_export_is_a_named_attachment(client, city):
    response = export(client, "parks", format="gpkg")
    assert response.headers["Content-Disposition"] == "attachment; filename=parks.gpkg"
    assert response.mimetype == "application/geopackage+sqlite3"


def test_csv_cells_that_would_run_as_formulas_are_neutralised(client, city, clean_db):
    with clean_db.begin() as conn:
        conn.execute(sa.text("UPDATE road_segments SET name = '=HYPERLINK(\"http://x\")' "
                             "WHERE name = '城南路'"))
    rows = list(csv.DictReader(io.StringIO(
        export(client, "road_segments", format="csv").data.decode("utf-8-sig"))))
    assert rows[0]["name"] == "'=HYPERLINK(\"http://x\")"


@pytest.fixture
def hectare(clean_db, tmp_path):
    """One park, a 100 m × 100 m square drawn in EPSG:4545: 10,000 m²."""
    from tests.files import park, square, write_layer
    import_paths(clean_db, [write_layer(tmp_path / "in", "parks", [park("P1")], [square()])])


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "csv"])
def test_gk_export_is_in_the_zone_of_the_data_with_true_areas(client, hectare, tmp_path, fmt):
    files = unpack(export(client, "parks", format=fmt, crs="gk"), tmp_path)
    data = [f for f in files if f.suffix in (".gpkg", ".shp", ".csv")][0]

    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.read_text(encoding="utf-8-sig"))))
        area = shapely.from_wkt(rows[0]["wkt"]).area
    else:
        frame = pyogrio.read_dataframe(data)
        assert frame.crs.to_epsg() == 4545
        area = frame.geometry.area.iloc[0]
    assert area == pytest.approx(10_000.0, abs=0.5)


def test_cgcs2000_export_carries_epsg_4490(client, hectare, tmp_path):
    files = unpack(export(client, "parks", format="shp", crs="EPSG:4490"), tmp_path)

    shp = [f for f in files if f.suffix == ".shp"][0]
    assert pyogrio.read_dataframe(shp).crs.to_epsg() == 4490


@pytest.mark.parametrize("query, words", [
    ({"format": "geojson", "crs": "gk"}, "WGS84 (EPSG:4326) by definition"),
    ({"format": "gpkg", "crs": "EPSG:3857"}, "export in EPSG:4326"),
    ({"format": "gpkg", "crs": "EPSG:4546"}, "not the Gauss-Krüger zone of the data"),
    ({"format": "csv", "crs": "gk", "geometry": "lonlat"}, "needs a lon/lat CRS"),
])
def test_a_crs_the_format_cannot_carry_is_refused(client, hectare, query, words):
    response = client.get("/api/layers/parks/export", query_string=query)

    assert response.status_code == 400
    assert words in response.get_json()["error"]["message"]
