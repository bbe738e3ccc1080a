"""The files the county receives every day: zipped Shapefiles (nested folders, GBK names),
zipped GeoPackages, and KML/KMZ from Google Earth and 奥维."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from layers.errors import ImportRefused
from layers.exchange.importer import ImportOptions, import_paths
from tests.files import X0, park, square, write_layer

KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>奥维导出</name>
<Style id="s1"><PolyStyle><color>7f00ff00</color></PolyStyle></Style>
<Folder><name>公园</name>
<Placemark id="pm1"><name>牧马河湿地公园</name><styleUrl>#s1</styleUrl>
<ExtendedData><Data name="fid"><value>PK-01</value></Data>
<Data name="park_class"><value>G11</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>107.76,32.98,0 107.77,32.98,0
107.77,32.99,0 107.76,32.99,0 107.76,32.98,0</coordinates></LinearRing></outerBoundaryIs>
</Polygon></Placemark></Folder>
<Folder><name>游园</name><Folder><name>城北</name>
<Placemark><name>城北小游园</name>
<ExtendedData><Data name="fid"><value>PK-02</value></Data>
<Data name="park_class"><value>G14</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>107.78,32.98,5 107.79,32.98,5
107.79,32.99,5 107.78,32.98,5</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Folder></Folder></Document></kml>"""


def _parks(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT fid, name, park_class, ST_NDims(geom) FROM parks ORDER BY fid"))]


class _GbkName(zipfile.ZipInfo):
    """A member whose name is written as the GBK bytes it holds, without the UTF-8 flag."""

    __slots__ = ()

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp437"), self.flag_bits


def _zip_gbk(archive: Path, files: dict[str, Path]) -> Path:
    """A zip whose member names are GBK, as Chinese Windows writes them (Python's zipfile
    would write UTF-8 with its flag)."""
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, path in files.items():
            zipped.writestr(_GbkName(name.encode("gbk").decode("cp437")), path.read_bytes())
    return archive


def test_a_zipped_shapefile_in_a_nested_gbk_folder_imports(clean_db, tmp_path):
    shp = write_layer(tmp_path / "src", "parks", [park("P1", "汉江公园"), park("P2")],
                      [square(), square(X0 + 300)])
    parts = {f"西乡数据/园林/parks{p.suffix}": p for p in shp.parent.iterdir()}
    archive = _zip_gbk(tmp_path / "园林.zip", parts)

    report = import_paths(clean_db, [archive])

    assert [row[:2] for row in _parks(clean_db)] == [("P1", "汉江公园"), ("P2", "测试公园")]
    assert report.sources[0].source == "园林.zip!西乡数据/园林/parks.shp"


def test_a_zipped_shapefile_with_a_chinese_name_takes_the_layer_option(clean_db, tmp_path):
    shp = write_layer(tmp_path / "src", "公园", [park("P1")], [square()])
    archive = _zip_gbk(tmp_path / "a.zip", {f"公园{p.suffix}": p for p in shp.parent.iterdir()})

    import_paths(clean_db, [archive], ImportOptions(layer="parks"))

    assert [row[0] for row in _parks(clean_db)] == ["P1"]


def test_a_zipped_geopackage_imports(clean_db, tmp_path):
    gpkg = write_layer(tmp_path / "src", "parks", [park("P1")], [square()], suffix=".gpkg")
    archive = tmp_path / "parks.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(gpkg, "export/parks.gpkg")

    import_paths(clean_db, [archive])

    assert [row[0] for row in _parks(clean_db)] == ["P1"]


def test_a_member_that_would_unpack_outside_is_refused(clean_db, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../../parks.geojson", "{}")

    with pytest.raises(ImportRefused, match="outside"):
        import_paths(clean_db, [archive])


def test_a_zip_without_layer_files_says_so(clean_db, tmp_path):
    archive = tmp_path / "docs.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("说明.txt", "无")

    with pytest.raises(ImportRefused, match="holds no layer file"):
        import_paths(clean_db, [archive])


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_kml_folders_are_read_with_extended_data_and_without_z(clean_db, tmp_path, suffix):
    path = tmp_path / f"parks{suffix}"
    if suffix == ".kml":
        path.write_text(KML, encoding="utf-8")
    else:
        with zipfile.ZipFile(path, "w") as zipped:
            zipped.writestr("doc.kml", KML)

    report = import_paths(clean_db, [path])

    assert _parks(clean_db) == [("PK-01", "牧马河湿地公园", "G11", 2),
                                ("PK-02", "城北小游园", "G14", 2)]
    assert report.sources[0].crs.startswith("EPSG:4326")
