"""Vector tiles at /tiles/{layer}/{z}/{x}/{y}.mvt and their TileJSON, read by GDAL's MVT driver."""

from __future__ import annotations

import math

import pyogrio
import pytest
import shapely
import sqlalchemy as sa
from pyproj import Transformer

from layers.serving import tiles
from layers.storage.models import projects
from tests.live_server import with_serving

pytest_plugins = ["tests.factories"]

#: The zoom the tests look at (a z14 tile is about 2 km wide here).
Z = 14


def tile_of(lon: float, lat: float, z: int = Z) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture
def app(app):
    return with_serving(app)


def decode(data: bytes, z: int, x: int, y: int, tmp_path):
    """The tile's features in EPSG:3857, read the way GDAL reads a tile file z/x/y.pbf."""
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return pyogrio.read_dataframe(path).set_index("fid")


def get_tile(client, layer: str, lon: float, lat: float, z: int = Z, **kwargs):
    x, y = tile_of(lon, lat, z)
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", **kwargs), (z, x, y)


def test_tile_carries_attributes_and_project_status(client, city, tmp_path):
    response, address = get_tile(client, "road_segments", 107.71, 32.98)
    features = decode(response.data, *address, tmp_path)
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    assert features.loc["r1", "name"] == "城南路"
    assert features.loc["r1", "road_class"] == "arterial"
    assert features.loc["r1", "display_status"] == "in_progress"
    assert features.loc["r1", "projects"] == "DL-001,YL-001"


def test_tile_geometry_lies_where_the_feature_is(client, city, tmp_path):
    response, address = get_tile(client, "facilities", 107.705, 32.985)
    point = decode(response.data, *address, tmp_path).loc["f1", "geometry"]
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(107.705, 32.985)
    tile_metres = 40075016.69 / 2**Z / 4096  # one unit of the tile grid
    assert point.distance(shapely.Point(x, y)) <= tile_metres


def test_overdue_feature_shows_overdue(client, city, tmp_path):
    response, address = get_tile(client, "facilities", 107.75, 32.995)
    assert decode(response.data, *address, tmp_path).loc["f2", "display_status"] == "overdue"


def test_tile_holds_only_features_near_it(client, city, tmp_path):
    response, address = get_tile(client, "road_segments", 107.71, 33.02)
    assert "r2" not in decode(response.data, *address, tmp_path).index


def test_tile_without_features_is_empty(client, city):
    response, _ = get_tile(client, "road_segments", 10.0, 50.0)
    assert response.status_code == 200
    assert response.data == b""


def test_tile_has_etag_and_cache_control(client, city):
    response, _ = get_tile(client, "road_segments", 107.71, 32.98)
    assert response.headers["ETag"].startswith('"')
    assert "max-age" in response.headers["Cache-Control"]


def test_unchanged_tile_answers_304(client, city):
    first, _ = get_tile(client, "road_segments", 107.71, 32.98)
    again, _ = get_tile(client, "road_segments", 107.71, 32.98,
                        headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_project_status_change_changes_the_etag(client, city, clean_db):
    first, _ = get_tile(client, "road_segments", 107.71, 32.98)
    with clean_db.begin() as conn:
        conn.execute(sa.update(projects).where(projects.c.code == "DL-001")
                     .values(status="completed", version=projects.c.version + 1))
    again, _ = get_tile(client, "road_segments", 107.71, 32.98,
                        headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize("address", ["23/0/0", "14/16384/0", "14/0/-1", "a/1/1", "1/1.5/1"])
def test_bad_tile_address_is_a_400(client, city, address):
    response = client.get(f"/tiles/road_segments/{address}.mvt")
    assert response.status_code == 400
    assert "z" in response.get_json()["error"]["message"]


def test_unknown_layer_is_a_404(client, city):
    response = client.get("/tiles/roads/14/13287/6626.mvt")
    assert response.status_code == 404
    assert "road_segments" in response.get_json()["error"]["message"]


def test_tilejson_describes_the_tiles(client, city):
    document = client.get("/tiles/road_segments.json").get_json()
    assert document["tilejson"] == "3.0.0"
    assert document["tiles"][0].endswith("/tiles/road_segments/{z}/{x}/{y}.mvt")
    assert document["bounds"] == [107.70, 32.98, 107.76, 33.02]
    layer = document["vector_layers"][0]
    assert layer["id"] == "road_segments"
    assert layer["fields"]["display_status"] == "String"
    assert layer["fields"]["lanes"] == "Number"


def test_tilejson_of_an_unknown_layer_is_a_404(client, city):
    assert client.get("/tiles/roads.json").status_code == 404


@pytest.fixture
def tiny_tiles(monkeypatch):
    """Tiles that may hold one feature each, so the three roads are a 'dense' layer."""
    monkeypatch.setattr(tiles, "MAX_TILE_FEATURES", 1)
    monkeypatch.setattr(tiles, "_MIN_ZOOMS", {})


def test_dense_layer_tiles_start_at_a_zoom_where_they_stay_small(client, city, tiny_tiles):
    lowest = client.get("/tiles/road_segments.json").get_json()["minzoom"]
    assert lowest > 0
    too_low, _ = get_tile(client, "road_segments", 107.71, 32.98, z=lowest - 1)
    assert too_low.status_code == 400
    assert f"zoom {lowest}" in too_low.get_json()["error"]["message"]
    assert get_tile(client, "road_segments", 107.71, 32.98, z=lowest)[0].status_code == 200


def test_project_filter_keeps_passing_features_and_their_passing_projects(client, city,
                                                                          tmp_path):
    unfiltered, address = get_tile(client, "road_segments", 107.71, 32.98, z=12)
    assert list(decode(unfiltered.data, *address, tmp_path).index) == ["r1", "r2"]
    response, address = get_tile(client, "road_segments", 107.71, 32.98, z=12,
                                 query_string={"status": "completed"})
    features = decode(response.data, *address, tmp_path / "filtered")
    assert list(features.index) == ["r1"]
    assert features.loc["r1", "projects"] == "YL-001"
    assert features.loc["r1", "display_status"] == "completed"


def test_overdue_filter_in_a_tile(client, city, tmp_path):
    response, address = get_tile(client, "facilities", 107.75, 32.995,
                                 query_string={"overdue": "true"})
    assert list(decode(response.data, *address, tmp_path).index) == ["f2"]


def test_bad_filter_is_a_400(client, city):
    response, _ = get_tile(client, "road_segments", 107.71, 32.98,
                           query_string={"status": "finished"})
    assert response.status_code == 400


def test_tilejson_keeps_the_filters_in_the_tile_url(client, city):
    document = client.get("/tiles/road_segments.json?status=in_progress&lang=en").get_json()
    assert document["tiles"][0].endswith("/{z}/{x}/{y}.mvt?status=in_progress")
