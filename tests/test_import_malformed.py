"""Malformed real-world files: each bad geometry is refused per feature with its id and
reason, a file-level problem refuses the file whatever --skip-invalid says, and the CLI
never answers with a traceback (and with --json, always with JSON)."""

from __future__ import annotations

import json
import math

import pytest
import shapely

from layers.errors import ValidationFailed
from layers.exchange.importer import ImportOptions, import_paths
from tests.files import X0, Y0, park, square, write_layer
from tests.test_cli import _run

#: A closed lon/lat square near Xixiang, as a GeoJSON ring.
RING = [[107.76, 32.98], [107.77, 32.98], [107.77, 32.99], [107.76, 32.99], [107.76, 32.98]]


def _geojson(tmp_path, features: list[tuple[str, dict]]):
    path = tmp_path / "parks.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": park(fid), "geometry": geometry}
        for fid, geometry in features]}, ensure_ascii=False), encoding="utf-8")
    return path


def _rejections(failure) -> dict[str, str]:
    return {p.feature: p.message for p in failure.value.report.sources[0].problems
            if p.action == "rejected"}


def test_a_two_point_ring_is_refused_with_the_feature_id_and_reason(clean_db, tmp_path):
    clipped = {"type": "MultiPolygon",
               "coordinates": [[RING], [[[107.8, 32.98], [107.81, 32.98]]]]}
    path = _geojson(tmp_path, [("P1", {"type": "Polygon", "coordinates": [RING]}),
                               ("P2", clipped)])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    assert list(_rejections(failure)) == ["P2"]
    assert _rejections(failure)["P2"].startswith("unreadable geometry (")
    assert "Fix Geometries" in _rejections(failure)["P2"]


def test_an_unclosed_ring_is_refused_and_the_rest_imports_with_skip_invalid(clean_db,
                                                                              tmp_path):
    unclosed = {"type": "Polygon", "coordinates": [RING[:-1]]}
    path = _geojson(tmp_path, [("P1", {"type": "Polygon", "coordinates": [RING]}),
                               ("P2", unclosed)])

    report = import_paths(clean_db, [path], ImportOptions(skip_invalid=True))

    assert report.committed and report.rejected == 1
    assert report.sources[0].inserted == 1
    assert report.sources[0].problems[0].feature == "P2"


def test_nan_and_infinite_coordinates_are_refused(clean_db, tmp_path):
    nan = shapely.Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, math.nan), (X0, Y0)])
    inf = shapely.Polygon([(X0, Y0), (X0 + 100, Y0), (math.inf, Y0 + 100), (X0, Y0)])
    path = write_layer(tmp_path, "parks", [park("P1"), park("P2"), park("P3")],
                       [square(), nan, inf], suffix=".gpkg")

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    assert set(_rejections(failure)) == {"P2", "P3"}
    assert "not finite" in _rejections(failure)["P2"]


def test_a_nested_collection_is_refused_as_the_wrong_type(clean_db, tmp_path):
    nested = {"type": "GeometryCollection", "geometries": [
        {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "coordinates": [RING]}]}]}
    path = _geojson(tmp_path, [("P1", {"type": "Polygon", "coordinates": [RING]}),
                               ("P2", nested)])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path])

    assert _rejections(failure)["P2"].startswith("GeometryCollection geometry where")


def test_a_missing_required_column_refuses_the_file_even_with_skip_invalid(clean_db,
                                                                            tmp_path):
    path = write_layer(tmp_path, "parks", [{"fid": "P1", "name": "无类别"}], [square()])

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path], ImportOptions(skip_invalid=True))

    assert not failure.value.report.committed
    assert "required column 'park_class'" in str(failure.value.report.sources[0].problems[0])


def test_an_empty_file_says_it_holds_no_features(clean_db, tmp_path):
    path = tmp_path / "parks.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')

    with pytest.raises(ValidationFailed) as failure:
        import_paths(clean_db, [path], ImportOptions(skip_invalid=True))

    messages = [p.message for p in failure.value.report.sources[0].problems]
    assert messages == ["the file holds no features: check that it is the right file (and "
                        "layer), or leave it out"]


@pytest.mark.parametrize("skip", [False, True])
def test_the_cli_reports_a_bad_ring_as_json_and_exits_1(clean_db, database_url, tmp_path,
                                                        skip):
    path = _geojson(tmp_path, [("P1", {"type": "Polygon", "coordinates": [RING]}),
                               ("P2", {"type": "Polygon", "coordinates": [RING[:2]]})])

    done = _run(database_url, "import", "--json", *(["--skip-invalid"] if skip else []),
                str(path))

    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["sources"][0]["problems"][0]["feature"] == "P2"
    assert done.returncode == (0 if skip else 1)


def test_the_cli_exits_1_on_a_missing_column_with_skip_invalid(clean_db, database_url,
                                                               tmp_path):
    path = write_layer(tmp_path, "parks", [{"fid": "P1", "name": "无类别"}], [square()])

    done = _run(database_url, "import", "--skip-invalid", str(path))

    assert done.returncode == 1
    assert "committed" not in done.stdout + done.stderr


def test_the_cli_prints_json_for_a_refused_file_with_json(clean_db, database_url, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1")], [square()], crs=None)

    done = _run(database_url, "import", "--json", str(path))

    assert done.returncode == 2
    assert "no CRS" in json.loads(done.stdout)["error"]
