"""What an import says of each feature and of the file: the id, the 1-based row and the field
of every refusal and repair, the exact reason, and the notes (dropped Z, ignored columns).
Written for the survivors of mutation testing in layers/exchange/validate.py
(docs/mutation.md): the tests before checked that a feature was refused, not what was said.
"""

from __future__ import annotations

import json

import pytest
import shapely
import sqlalchemy as sa

from layers.errors import ImportRefused, ValidationFailed
from layers.exchange.importer import ImportOptions, import_paths
from tests.files import X0, Y0, bowtie, park, square, write_layer

RING = [[107.76, 32.98], [107.77, 32.98], [107.77, 32.99], [107.76, 32.99], [107.76, 32.98]]
POLYGON = {"type": "Polygon", "coordinates": [RING]}


def _geojson(tmp_path, features: list[tuple[dict, dict | None]]):
    path = tmp_path / "parks.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": properties, "geometry": geometry}
        for properties, geometry in features]}, ensure_ascii=False), encoding="utf-8")
    return path


def _problems(report) -> list[tuple]:
    return [(p.action, p.feature, p.row, p.field, p.message)
            for source in report.sources for p in source.problems]


def test_each_refused_geometry_is_named_by_id_row_field_and_reason(clean_db, tmp_path):
    path = _geojson(tmp_path, [(park("P1"), POLYGON), (park("P2"), None),
                               (park("P3"), {"type": "Polygon", "coordinates": []})])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    assert _problems(failure.value.report) == [
        ("rejected", "P2", 2, "geometry", "no geometry"),
        ("rejected", "P3", 3, "geometry", "empty geometry")]


def test_non_finite_coordinates_are_named_so(clean_db, tmp_path):
    nan = shapely.Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, float("nan")), (X0, Y0)])
    path = write_layer(tmp_path, "parks", [park("P1"), park("P2")], [square(), nan],
                       suffix=".gpkg")

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    assert _problems(failure.value.report) == [
        ("rejected", "P2", 2, "geometry",
         "coordinates that are not finite numbers (NaN or infinite)")]


def test_a_repaired_bowtie_is_reported_with_its_row_and_stored_as_both_triangles(clean_db,
                                                                                 tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1"), park("P2")], [square(), bowtie()],
                       suffix=".gpkg")

    report = import_paths(clean_db, [path])

    (action, feature, row, field, message), = _problems(report)
    assert (action, feature, row, field) == ("repaired", "P2", 2, "geometry")
    assert message.startswith("invalid geometry (Self-intersection") and message.endswith(
        "repaired with make_valid")
    with clean_db.connect() as conn:
        area = conn.scalar(sa.text(
            "SELECT ST_Area(ST_Transform(geom, 4545)) FROM parks WHERE fid = 'P2'"))
    assert area == pytest.approx(5000, rel=1e-3)  # two 50 m × 100 m / 2 triangles


def test_a_polygon_that_repairs_to_a_point_is_refused_as_unrepairable(clean_db, tmp_path):
    # Four times the same corner: it stays one point whatever the projection.
    flat = shapely.Polygon([(X0, Y0)] * 4)
    path = write_layer(tmp_path, "parks", [park("P1"), park("P2")], [square(), flat],
                       suffix=".gpkg")

    report = import_paths(clean_db, [path], ImportOptions(skip_invalid=True))

    (action, feature, row, field, message), = _problems(report)
    assert (action, feature, row, field) == ("rejected", "P2", 2, "geometry")
    assert message.startswith("invalid geometry (") and message.endswith(
        ") that cannot be repaired")
    assert report.sources[0].inserted == 1


def test_z_values_are_dropped_with_a_note(clean_db, tmp_path):
    cube_top = shapely.Polygon([(x, y, 520.0) for x, y in square().exterior.coords])
    path = write_layer(tmp_path, "parks", [park("P1")], [cube_top], suffix=".gpkg")

    report = import_paths(clean_db, [path])

    assert "Z/M values dropped: features are stored in 2D" in report.sources[0].notes
    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT ST_NDims(geom) FROM parks")) == 2


def test_columns_outside_the_schema_are_listed_as_ignored_but_not_the_id(clean_db, tmp_path):
    path = _geojson(tmp_path, [({**park("P1"), "colour": "green", "ID": "x", "管理员": "王"},
                                POLYGON)])

    report = import_paths(clean_db, [path])

    assert "columns not in the layer's schema, ignored: colour, 管理员" in report.sources[0].notes


def test_columns_named_by_their_chinese_labels_are_read(clean_db, tmp_path):
    path = _geojson(tmp_path, [({"fid": "P1", "名称": "城北带状公园", "公园类别": "G12"},
                                POLYGON)])

    report = import_paths(clean_db, [path])

    assert report.committed and report.sources[0].notes == []
    with clean_db.connect() as conn:
        assert tuple(conn.execute(sa.text("SELECT name, park_class FROM parks")).one()) == (
            "城北带状公园", "G12")


def test_a_whole_number_id_read_as_a_float_is_stored_without_its_point(clean_db, tmp_path):
    path = _geojson(tmp_path, [({**park("x"), "fid": 12.0}, POLYGON)])

    import_paths(clean_db, [path])

    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT fid FROM parks")) == "12"


def test_a_missing_or_repeated_id_is_refused_at_its_row(clean_db, tmp_path):
    path = _geojson(tmp_path, [(park("P1"), POLYGON), ({**park("x"), "fid": None}, POLYGON),
                               (park("P2"), POLYGON), (park("P2"), POLYGON)])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    assert _problems(failure.value.report) == [
        ("rejected", None, 2, "fid", "no feature id"),
        ("rejected", "P2", 3, "fid", "id 'P2' is used by more than one feature"),
        ("rejected", "P2", 4, "fid", "id 'P2' is used by more than one feature")]


def test_a_bad_attribute_is_refused_with_its_feature_row_and_field(clean_db, tmp_path):
    path = _geojson(tmp_path, [(park("P1"), POLYGON), (park("P2", park_class="G99"), POLYGON)])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    (action, feature, row, field, message), = _problems(failure.value.report)
    assert (action, feature, row, field) == ("rejected", "P2", 2, "park_class")
    assert "'G99' is not one of the allowed values" in message


def test_the_id_field_option_names_the_id_column_in_any_case(clean_db, tmp_path):
    path = _geojson(tmp_path, [({"CODE": "K-7", "name": "口袋公园", "park_class": "G12"},
                                POLYGON)])

    import_paths(clean_db, [path], ImportOptions(id_field="code"))

    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT fid FROM parks")) == "K-7"


def test_an_id_field_that_is_not_there_is_refused_listing_the_columns(clean_db, tmp_path):
    path = _geojson(tmp_path, [(park("P1"), POLYGON)])

    with pytest.raises(ImportRefused, match=r"no column 'code' for --id-field; the columns "
                                            r"are: fid, name, park_class"):
        import_paths(clean_db, [path], ImportOptions(id_field="code"))


def test_an_id_column_is_taken_when_there_is_no_fid(clean_db, tmp_path):
    path = _geojson(tmp_path, [({"ID": "A1", "name": "甲", "park_class": "G12"}, POLYGON)])

    import_paths(clean_db, [path])

    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT fid FROM parks")) == "A1"


def test_a_shapefile_without_an_id_column_is_refused_saying_how_to_name_one(clean_db,
                                                                           tmp_path):
    path = write_layer(tmp_path, "parks", [{"name": "无编号", "park_class": "G12"}], [square()])

    with pytest.raises(ImportRefused, match=r"no feature id column 'fid'.*--id-field"):
        import_paths(clean_db, [path])
