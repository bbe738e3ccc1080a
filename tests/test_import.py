"""Layer import: one crafted file per validation rule, on a real PostGIS."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa

from layers.errors import ImportRefused, ValidationFailed
from layers.exchange import importer
from layers.exchange.importer import ImportOptions, import_paths
from tests.files import X0, Y0, bowtie, park, square, write_layer


def _rows(engine, table: str, columns: str = "fid, name") -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT {columns} FROM {table} ORDER BY fid"))]


def _snapshot(engine) -> dict[str, list]:
    tables = ["parks", "facilities", "projects", "project_features", "project_events"]
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in tables}


def test_square_given_in_epsg4545_measures_10000_m2_after_storage(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [square()], crs=4545)

    import_paths(clean_db, [path])

    area = _rows(clean_db, "parks", "fid, ST_Area(ST_Transform(geom, 4545))")[0][1]
    srid = _rows(clean_db, "parks", "fid, ST_SRID(geom)")[0][1]
    assert srid == 4326
    assert area == pytest.approx(10_000.0, abs=0.01)


def test_gbk_shapefile_without_cpg_keeps_chinese_names(clean_db, tmp_path):
    names = ["牧马河湿地公园", "城北带状公园"]
    path = write_layer(tmp_path, "parks", [park("P1", names[0]), park("P2", names[1])],
                       [square(), square(X0 + 500)], encoding="GBK", cpg=False)
    assert not path.with_suffix(".cpg").exists()
    assert "城北".encode("gbk") in path.with_suffix(".dbf").read_bytes()

    report = import_paths(clean_db, [path])

    assert [name for _, name in _rows(clean_db, "parks")] == names
    assert report.sources[0].encoding.startswith("gb18030 (detected")


def test_encoding_option_overrides_detection(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1", "西关游园")], [square()],
                       encoding="GBK", cpg=False)

    report = import_paths(clean_db, [path], ImportOptions(encoding="GBK"))

    assert _rows(clean_db, "parks") == [("P1", "西关游园")]
    assert report.sources[0].encoding == "gbk (--encoding)"  # not detected: as given


def test_file_without_prj_is_refused_with_a_message_naming_crs(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [square()], crs=None)

    with pytest.raises(ImportRefused, match="--crs"):
        import_paths(clean_db, [path])
    assert _rows(clean_db, "parks") == []


def test_crs_option_gives_a_file_without_prj_its_crs(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [square()], crs=None)

    import_paths(clean_db, [path], ImportOptions(crs="EPSG:4545"))

    area = _rows(clean_db, "parks", "fid, ST_Area(ST_Transform(geom, 4545))")[0][1]
    assert area == pytest.approx(10_000.0, abs=0.01)


def test_gcj02_coordinates_are_shifted_back_to_wgs84(clean_db, tmp_path):
    # A GCJ-02 position is about 490 m east-north-east of the true (WGS84) one at Xixiang.
    rows = [{"fid": "F1", "name": "城东农贸市场", "kind": "market"}]
    gcj = shapely.Point(107.7747, 32.9830)
    path = write_layer(tmp_path, "facilities", rows, [gcj], crs=4326, suffix=".geojson")

    import_paths(clean_db, [path], ImportOptions(crs="gcj02"))

    dist = _rows(clean_db, "facilities",
                 "fid, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(107.7747, 32.9830),"
                 " 4326)::geography)")[0][1]
    assert 480 < dist < 500


def test_self_intersecting_polygon_is_repaired_and_reported(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [bowtie()])

    report = import_paths(clean_db, [path])

    repairs = [p for p in report.sources[0].problems if p.action == "repaired"]
    assert [(p.feature, p.field) for p in repairs] == [("P1", "geometry")]
    assert "Self-intersection" in repairs[0].message
    valid, area = _rows(clean_db, "parks",
                        "fid, ST_IsValid(geom), ST_Area(ST_Transform(geom, 4545))")[0][1:]
    assert valid and area == pytest.approx(5_000.0, abs=0.01)


def test_empty_and_wrong_type_geometries_are_rejected_with_their_ids(clean_db, tmp_path):
    geoms = [square(), shapely.Polygon(), shapely.LineString([(X0, Y0), (X0 + 10, Y0)])]
    path = write_layer(tmp_path, "parks", [park("P1"), park("P2"), park("P3")], geoms,
                       suffix=".gpkg")

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    problems = {p.feature: p.message for p in failure.value.report.sources[0].problems}
    assert problems == {"P2": "empty geometry",
                        "P3": "LineString geometry where the layer takes Polygon or MultiPolygon"}
    assert _rows(clean_db, "parks") == []


def test_skip_invalid_imports_the_valid_features_and_reports_the_rest(clean_db, tmp_path):
    geoms = [square(), shapely.Polygon()]
    path = write_layer(tmp_path, "parks", [park("P1"), park("P2")], geoms, suffix=".gpkg")

    report = import_paths(clean_db, [path], ImportOptions(skip_invalid=True))

    assert report.committed and report.rejected == 1
    assert [fid for fid, _ in _rows(clean_db, "parks")] == ["P1"]


def test_z_values_are_dropped(clean_db, tmp_path):
    z_square = shapely.force_3d(square(), 512.0)
    path = write_layer(tmp_path, "parks", [park("P1")], [z_square], suffix=".gpkg")

    import_paths(clean_db, [path])

    assert _rows(clean_db, "parks", "fid, ST_NDims(geom)") == [("P1", 2)]


def test_empty_optional_attributes_are_stored_as_null(clean_db, tmp_path):
    rows = [park("P1", note="湿地"), park("P2", note=None, opened=None)]
    path = write_layer(tmp_path, "parks", rows, [square(), square(X0 + 200)])

    import_paths(clean_db, [path])

    assert _rows(clean_db, "parks", "fid, note, opened") == [("P1", "湿地", None),
                                                               ("P2", None, None)]


def test_every_attribute_violation_is_reported_not_only_the_first(clean_db, tmp_path):
    rows = [park("P1", park_class="G99", opened=1800),
            park("P2", name=None),
            park("P3", historic="maybe")]
    path = write_layer(tmp_path, "parks", rows, [square(), square(X0 + 200), square(X0 + 400)],
                       suffix=".gpkg")

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    found = {(p.feature, p.field) for p in failure.value.report.sources[0].problems}
    assert found == {("P1", "park_class"), ("P1", "opened"), ("P2", "name"),
                     ("P3", "historic")}


def test_missing_required_column_is_reported_once(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [{"fid": "P1", "name": "无类别"}], [square()])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    messages = [str(p) for p in failure.value.report.sources[0].problems]
    assert messages == ["rejected: park_class: required column 'park_class' (公园类别) is missing"]


def test_duplicate_feature_ids_are_rejected(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1"), park("P1")],
                       [square(), square(X0 + 200)])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    assert {p.row for p in failure.value.report.sources[0].problems} == {1, 2}


def test_file_without_id_column_is_refused_naming_id_field(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [{"name": "无编号", "park_class": "G14"}], [square()])

    with pytest.raises(ImportRefused, match="--id-field"):
        import_paths(clean_db, [path])


def test_geopackage_without_id_column_uses_its_feature_ids(clean_db, tmp_path):
    path = tmp_path / "parks.gpkg"
    gpd.GeoDataFrame({"name": ["甲", "乙"], "park_class": ["G14", "G14"]},
                     geometry=[square(), square(X0 + 200)], crs=4545).to_file(path)

    import_paths(clean_db, [path])

    assert _rows(clean_db, "parks") == [("1", "甲"), ("2", "乙")]


def test_id_field_option_names_the_id_column(clean_db, tmp_path):
    rows = [{"code": "GY-7", "name": "莲花游园", "park_class": "G14"}]
    path = write_layer(tmp_path, "parks", rows, [square()])

    import_paths(clean_db, [path], ImportOptions(id_field="code"))

    assert _rows(clean_db, "parks") == [("GY-7", "莲花游园")]


def test_reimporting_the_same_file_changes_nothing(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1"), park("P2")], [square(), bowtie(X0 + 300)])
    import_paths(clean_db, [path])
    before = _rows(clean_db, "parks", "fid, name, geom, imported_at")

    report = import_paths(clean_db, [path])

    source = report.sources[0]
    assert (source.inserted, source.updated, source.unchanged) == (0, 0, 2)
    assert _rows(clean_db, "parks", "fid, name, geom, imported_at") == before


def test_reimport_updates_only_the_changed_feature(clean_db, tmp_path):
    import_paths(clean_db, [write_layer(tmp_path, "parks", [park("P1"), park("P2")],
                                        [square(), square(X0 + 200)])])

    changed = write_layer(tmp_path / "v2", "parks", [park("P1"), park("P2", "新名称")],
                          [square(), square(X0 + 200)])
    report = import_paths(clean_db, [changed])

    source = report.sources[0]
    assert (source.inserted, source.updated, source.unchanged) == (0, 1, 1)
    assert _rows(clean_db, "parks") == [("P1", "测试公园"), ("P2", "新名称")]


def test_a_failing_batch_leaves_the_database_exactly_as_before(clean_db, tmp_path):
    first = write_layer(tmp_path / "v1", "parks", [park("P1")], [square()])
    import_paths(clean_db, [first])
    before = _snapshot(clean_db)
    batch = tmp_path / "batch"
    write_layer(batch, "parks", [park("P1", "改名"), park("P9")], [square(), square(X0 + 300)])
    write_layer(batch, "facilities", [{"fid": "F1", "name": "公厕", "kind": "spaceport"}],
                [shapely.Point(X0, Y0)])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [batch])

    assert failure.value.report.committed is False
    assert _snapshot(clean_db) == before


def test_geojson_and_geopackage_are_imported(clean_db, tmp_path):
    gpkg = write_layer(tmp_path, "parks", [park("P1")], [square()], suffix=".gpkg")
    geojson = write_layer(tmp_path, "facilities",
                          [{"fid": "F1", "name": "公厕一号", "kind": "public_toilet"}],
                          [shapely.Point(X0, Y0)], suffix=".geojson")

    import_paths(clean_db, [gpkg, geojson])

    assert _rows(clean_db, "parks") == [("P1", "测试公园")]
    assert _rows(clean_db, "facilities", "fid, GeometryType(geom)") == [("F1", "POINT")]


def test_mixed_layer_takes_lines_and_polygons_as_multi_parts(clean_db, tmp_path):
    rows = [{"fid": "W1", "name": "牧马河", "kind": "river"},
            {"fid": "W2", "name": "东渡渠", "kind": "channel"}]
    geoms = [square(side=300), shapely.LineString([(X0, Y0), (X0 + 100, Y0 + 50)])]
    path = write_layer(tmp_path, "watercourses", rows, geoms, suffix=".gpkg")

    import_paths(clean_db, [path])

    assert _rows(clean_db, "watercourses", "fid, GeometryType(geom)") == [
        ("W1", "MULTIPOLYGON"), ("W2", "MULTILINESTRING")]


def test_unknown_layer_name_is_refused_listing_the_layers(clean_db, tmp_path):
    path = write_layer(tmp_path, "lakes", [park("P1")], [square()])

    with pytest.raises(ImportRefused, match="--layer with one of: road_segments"):
        import_paths(clean_db, [path])


def test_layer_option_imports_a_file_with_another_name(clean_db, tmp_path):
    path = write_layer(tmp_path, "绿地2024", [park("P1")], [square()])

    import_paths(clean_db, [path], ImportOptions(layer="parks"))

    assert _rows(clean_db, "parks") == [("P1", "测试公园")]


def test_dry_run_writes_nothing(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [square()])

    report = import_paths(clean_db, [path], ImportOptions(dry_run=True))

    assert report.sources[0].inserted == 1 and not report.committed
    assert _rows(clean_db, "parks") == []
    assert report.to_dict()["dry_run"] is True
    assert report.to_text().splitlines()[0].startswith("parks.shp → parks (")
    assert report.to_text().endswith("dry run: nothing was written")


def test_report_is_available_as_json(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [bowtie()])

    data = json.loads(import_paths(clean_db, [path]).to_json())

    assert data["committed"] is True
    assert data["sources"][0]["repaired"] == 1
    assert data["sources"][0]["problems"][0]["feature"] == "P1"


def _paris(tmp_path, crs: int | None = 4326):
    paris = shapely.box(2.35, 48.85, 2.36, 48.86)
    return write_layer(tmp_path, "parks", [park("P1")], [paris], crs=crs, suffix=".geojson")


def test_data_outside_the_gauss_kruger_zones_is_warned_about_at_once(clean_db, tmp_path):
    report = import_paths(clean_db, [_paris(tmp_path)])

    [note] = [n for n in report.sources[0].notes if n.startswith("warning")]
    assert "1 feature(s) lie outside the CGCS2000 Gauss-Krüger zones" in note
    assert "id P1 at 2.3550, 48.8550" in note


def test_gcj02_outside_china_says_no_offset_applies(clean_db, tmp_path):
    report = import_paths(clean_db, [_paris(tmp_path)], ImportOptions(crs="gcj02"))

    assert any("GCJ-02 has no offset" in n for n in report.sources[0].notes)
    assert _rows(clean_db, "parks", "fid, ST_XMin(geom)")[0][1] == pytest.approx(2.35)


def test_data_in_xixiang_gets_no_warning(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [square()])

    report = import_paths(clean_db, [path])

    assert not [n for n in report.sources[0].notes if n.startswith("warning")]


def test_utf8_shapefile_without_cpg_is_read_as_utf8(clean_db, tmp_path):
    # "汉江公园" in UTF-8 is also valid GB18030 (as other characters): the order of the
    # detection decides which one the names come out as.
    names = ["汉江公园", "牧马河湿地公园"]
    path = write_layer(tmp_path, "parks", [park("P1", names[0]), park("P2", names[1])],
                       [square(), square(X0 + 500)], encoding="UTF-8", cpg=False)
    assert "汉江".encode("utf-8").decode("gb18030")  # valid in both, as the comment says

    report = import_paths(clean_db, [path])

    assert [name for _, name in _rows(clean_db, "parks")] == names
    assert report.sources[0].encoding.startswith("utf-8 (detected")


def test_a_reimport_counts_new_changed_and_unchanged_features_apart(clean_db, tmp_path):
    import_paths(clean_db, [write_layer(tmp_path, "parks", [park("P1"), park("P2")],
                                        [square(), square(X0 + 200)])])

    grown = write_layer(tmp_path / "v2", "parks", [park("P1"), park("P2", "新名称"), park("P3")],
                        [square(), square(X0 + 200), square(X0 + 400)])
    source = import_paths(clean_db, [grown]).sources[0]

    assert (source.inserted, source.updated, source.unchanged) == (1, 1, 1)


def test_a_file_with_more_features_than_the_threshold_shows_a_progress_bar(clean_db, tmp_path,
                                                                           monkeypatch):
    bars = []

    class Bar:  # records what tqdm would have drawn
        def __init__(self, **options):
            self.options, self.steps, self.closed = options, [], False
            bars.append(self)

        def update(self, n):
            self.steps.append(n)

        def close(self):
            self.closed = True

    monkeypatch.setattr(importer, "tqdm", Bar)
    monkeypatch.setattr(importer, "PROGRESS_THRESHOLD", 4)
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    four = write_layer(tmp_path / "a", "parks", [park(f"P{i}") for i in range(4)],
                       [square(X0 + 200 * i) for i in range(4)])
    five = write_layer(tmp_path / "b", "parks", [park(f"P{i}") for i in range(5)],
                       [square(X0 + 200 * i) for i in range(5)])

    import_paths(clean_db, [four])
    assert bars == []
    import_paths(clean_db, [five])

    [bar] = bars
    assert bar.options == {"total": 5, "desc": "parks.shp", "unit": "feature", "disable": None,
                           "leave": False}
    assert (bar.steps, bar.closed) == ([2, 2, 1], True)
