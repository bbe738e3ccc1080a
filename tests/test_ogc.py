"""OGC API – Features at /ogc, endpoint by endpoint (Part 1 core, Part 2 CRS), on the known city."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from pyproj import Transformer

from api.app import create_app
from layers.serving.features import query_features
from layers.serving.project_links import display_status
from layers.storage.catalogue import LAYERS
from layers.storage.models import layer_table
from layers.tracking import accounts
from tests.live_server import with_serving

pytest_plugins = ["tests.factories"]

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
ITEMS = "/ogc/collections/road_segments/items"


@pytest.fixture
def app(app):
    return with_serving(app)


def ids(response) -> list[str]:
    return [feature["id"] for feature in response.get_json()["features"]]


def rels(document) -> dict[str, dict]:
    return {link["rel"]: link for link in document["links"]}


def test_landing_page_links_api_conformance_and_data(client):
    page = client.get("/ogc").get_json()
    links = rels(page)
    assert links["service-desc"]["href"].endswith("/ogc/api")
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["conformance"]["href"].endswith("/ogc/conformance")
    assert links["data"]["href"].endswith("/ogc/collections")


def test_landing_page_is_html_when_a_browser_asks(client):
    response = client.get("/ogc/", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    assert "联创" in response.get_data(as_text=True)


def test_f_parameter_overrides_accept(client):
    response = client.get("/ogc/collections?f=json", headers={"Accept": "text/html"})
    assert response.mimetype == "application/json"


def test_unknown_format_is_a_400_exception(client):
    response = client.get("/ogc/collections?f=xml")
    assert response.status_code == 400
    assert response.get_json()["code"] == "InvalidParameterValue"
    assert "f=json" in response.get_json()["description"]


def test_conformance_declares_core_geojson_html_oas30_and_crs(client):
    classes = client.get("/ogc/conformance").get_json()["conformsTo"]
    for part in ("features-1/1.0/conf/core", "features-1/1.0/conf/geojson",
                 "features-1/1.0/conf/html", "features-1/1.0/conf/oas30",
                 "features-2/1.0/conf/crs"):
        assert f"http://www.opengis.net/spec/ogcapi-{part}" in classes


def test_openapi_describes_items_of_every_collection(client):
    response = client.get("/ogc/api")
    document = response.get_json()
    assert response.mimetype == "application/vnd.oai.openapi+json"
    assert document["openapi"].startswith("3.0")
    for spec in LAYERS:
        parameters = document["paths"][f"/collections/{spec.name}/items"]["get"]["parameters"]
        assert {p.get("name") for p in parameters} >= {f.name for f in spec.fields}


def test_openapi_renders_as_html(client):
    response = client.get("/ogc/api?f=html")
    assert response.mimetype == "text/html"
    assert "/collections/road_segments/items" in response.get_data(as_text=True)


def test_collections_are_every_catalogue_layer_titled_in_chinese(client, city):
    found = client.get("/ogc/collections").get_json()["collections"]
    assert [c["id"] for c in found] == [spec.name for spec in LAYERS]
    assert found[0]["title"] == "道路改造路段"


def test_lang_en_gives_english_titles(client, city):
    found = client.get("/ogc/collections?lang=en").get_json()["collections"]
    assert found[0]["title"] == "Road renovation segments"


def test_accept_language_chooses_the_title_language(client, city):
    found = client.get("/ogc/collections/parks", headers={"Accept-Language": "en-GB,en"})
    assert found.get_json()["title"] == "Parks"


def test_collection_extent_is_the_data_bbox_in_crs84(client, city):
    extent = client.get("/ogc/collections/road_segments").get_json()["extent"]
    assert extent["spatial"]["bbox"] == [[107.70, 32.98, 107.76, 33.02]]
    assert extent["spatial"]["crs"] == CRS84


def test_collection_temporal_extent_is_the_imported_at_range(client, city, clean_db):
    set_imported_at(clean_db, {"r1": "2024-01-05T00:00:00Z", "r2": "2024-03-01T12:00:00Z",
                               "r3": "2024-06-30T23:59:59Z"})
    temporal = client.get("/ogc/collections/road_segments").get_json()["extent"]["temporal"]
    assert temporal["interval"] == [["2024-01-05T00:00:00Z", "2024-06-30T23:59:59Z"]]


def test_collection_offers_the_gauss_kruger_zone_of_its_data(client, city):
    offered = client.get("/ogc/collections/road_segments").get_json()["crs"]
    assert offered == [CRS84, EPSG + "4326", EPSG + "4490", EPSG + "4545"]


def test_empty_collection_offers_geographic_crs_only(client, city):
    offered = client.get("/ogc/collections/streets").get_json()["crs"]
    assert EPSG + "4545" not in offered


def test_collection_links_items_schema_and_queryables(client, city):
    links = client.get("/ogc/collections/parks").get_json()["links"]
    by_rel = {(link["rel"], link["type"]) for link in links}
    assert ("items", "application/geo+json") in by_rel
    assert ("describedby", "application/schema+json") in by_rel
    assert ("http://www.opengis.net/def/rel/ogc/1.0/queryables",
            "application/schema+json") in by_rel


def test_unknown_collection_is_a_404_exception(client, city):
    response = client.get("/ogc/collections/roads")
    assert response.status_code == 404
    assert set(response.get_json()) == {"code", "description"}
    assert "road_segments" in response.get_json()["description"]


def test_unknown_path_under_ogc_is_a_404_exception(client):
    response = client.get("/ogc/nothing/here")
    assert response.status_code == 404
    assert response.get_json()["code"] == "NotFound"


def test_items_are_geojson_with_counts_timestamp_and_content_crs(client, city):
    response = client.get(ITEMS)
    body = response.get_json()
    assert response.mimetype == "application/geo+json"
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    assert body["type"] == "FeatureCollection"
    assert (body["numberMatched"], body["numberReturned"]) == (3, 3)
    assert dt.datetime.fromisoformat(body["timeStamp"].replace("Z", "+00:00"))
    assert ids(response) == ["r1", "r2", "r3"]


def test_items_carry_fields_imported_at_and_display_status(client, city):
    feature = client.get(ITEMS).get_json()["features"][0]
    assert feature["properties"]["name"] == "城南路"
    assert feature["properties"]["road_class"] == "arterial"
    assert feature["properties"]["display_status"] == "in_progress"
    assert feature["properties"]["imported_at"].endswith("Z")
    assert feature["geometry"] == {"type": "MultiLineString",
                                   "coordinates": [[[107.70, 32.98], [107.72, 32.98]]]}


def test_item_display_status_agrees_with_the_features_api(client, city, clean_db):
    for layer in ("road_segments", "facilities", "parks"):
        expected = {f["id"]: display_status(f["properties"]["projects"])
                    for f in query_features(clean_db, layer)["features"]}
        got = {f["id"]: f["properties"]["display_status"]
               for f in client.get(f"/ogc/collections/{layer}/items").get_json()["features"]}
        assert got == expected


def test_limit_pages_with_next_link_until_the_end(client, city):
    first = client.get(ITEMS + "?limit=2").get_json()
    assert (first["numberMatched"], first["numberReturned"]) == (3, 2)
    following = rels(first)["next"]["href"]
    assert rels(first)["next"]["type"] == "application/geo+json"
    last = client.get(following).get_json()
    assert [f["id"] for f in last["features"]] == ["r3"]
    assert "next" not in rels(last)
    assert "prev" in rels(last)


@pytest.mark.parametrize("query", ["limit=0", "limit=5001", "limit=ten", "offset=-1"])
def test_bad_paging_is_a_400(client, city, query):
    assert client.get(f"{ITEMS}?{query}").status_code == 400


def test_bbox_selects_intersecting_items(client, city):
    assert ids(client.get(ITEMS + "?bbox=107.69,32.97,107.73,32.99")) == ["r1"]


@pytest.mark.parametrize("bbox", ["1,2,3", "107.7,32.9,a,33", "200,0,201,1", "107.8,33,107.7,32.9"])
def test_bad_bbox_is_a_400(client, city, bbox):
    response = client.get(f"{ITEMS}?bbox={bbox}")
    assert response.status_code == 400
    assert response.get_json()["code"] == "InvalidParameterValue"


def test_six_number_bbox_ignores_heights(client, city):
    assert ids(client.get(ITEMS + "?bbox=107.69,32.97,0,107.73,32.99,100")) == ["r1"]


def test_property_filter_takes_a_code_or_a_label(client, city):
    assert ids(client.get(ITEMS + "?road_class=collector")) == ["r2"]
    assert ids(client.get(ITEMS + "?road_class=主干路")) == ["r1"]
    assert ids(client.get(ITEMS + "?name=北关街")) == ["r3"]


def test_property_filter_with_a_wrong_value_is_a_400(client, city):
    response = client.get(ITEMS + "?road_class=motorway")
    assert response.status_code == 400
    assert "road_class" in response.get_json()["description"]


def test_unknown_parameter_is_a_400_naming_the_accepted_ones(client, city):
    response = client.get(ITEMS + "?colour=red")
    assert response.status_code == 400
    assert "road_class" in response.get_json()["description"]


def test_repeated_parameter_is_a_400(client, city):
    assert client.get(ITEMS + "?limit=1&limit=2").status_code == 400


def set_imported_at(engine: sa.Engine, moments: dict[str, str]) -> None:
    table = layer_table("road_segments")
    with engine.begin() as conn:
        for fid, moment in moments.items():
            conn.execute(table.update().where(table.c.fid == fid)
                         .values(imported_at=dt.datetime.fromisoformat(
                             moment.replace("Z", "+00:00"))))


@pytest.fixture
def dated(city, clean_db):
    set_imported_at(clean_db, {"r1": "2024-01-05T00:00:00Z", "r2": "2024-03-01T12:00:00Z",
                               "r3": "2024-06-30T23:59:59Z"})


@pytest.mark.parametrize("datetime, expected", [
    ("2024-03-01T12:00:00Z/2024-03-01T12:00:00Z", ["r2"]),
    ("2024-03-01T20:00:00+08:00/2024-03-01T20:00:00+08:00", ["r2"]),
    ("2024-03-01", ["r2"]),
    ("2024-01-01T00:00:00Z/2024-03-01T12:00:00Z", ["r1", "r2"]),
    ("2024-02-01/..", ["r2", "r3"]),
    ("../2024-01-05", ["r1"]),
    ("/2024-01-04", []),
])
def test_datetime_filters_on_imported_at(client, dated, datetime, expected):
    # (a single instant is time travel instead: tests/test_versions.py)
    assert ids(client.get(ITEMS, query_string={"datetime": datetime})) == expected


@pytest.mark.parametrize("datetime", ["yesterday", "2024-03-01T12:00:00", "../..",
                                      "2024-06-01/2024-01-01"])
def test_bad_datetime_is_a_400(client, dated, datetime):
    response = client.get(ITEMS, query_string={"datetime": datetime})
    assert response.status_code == 400


def test_crs_4326_gives_latitude_first(client, city):
    response = client.get(ITEMS, query_string={"limit": 1, "crs": EPSG + "4326"})
    assert response.headers["Content-Crs"] == f"<{EPSG}4326>"
    assert response.get_json()["features"][0]["geometry"]["coordinates"] == [
        [[32.98, 107.70], [32.98, 107.72]]]


def test_crs_4490_gives_latitude_first(client, city):
    response = client.get(ITEMS, query_string={"limit": 1, "crs": EPSG + "4490"})
    first = response.get_json()["features"][0]["geometry"]["coordinates"][0][0]
    assert first == pytest.approx([32.98, 107.70], abs=1e-6)


def test_crs_4545_gives_northing_then_easting_as_epsg_defines(client, city):
    response = client.get(ITEMS, query_string={"limit": 1, "crs": EPSG + "4545"})
    first = response.get_json()["features"][0]["geometry"]["coordinates"][0][0]
    # pyproj in EPSG's own axis order (not always_xy): an independent answer.
    northing, easting = Transformer.from_crs("EPSG:4326", "EPSG:4545").transform(32.98, 107.70)
    assert first == pytest.approx([northing, easting], abs=1e-3)
    assert first[0] > 3_000_000 > first[1]
    assert response.headers["Content-Crs"] == f"<{EPSG}4545>"


def test_single_item_honours_crs(client, city):
    response = client.get("/ogc/collections/facilities/items/f1",
                          query_string={"crs": EPSG + "4326"})
    assert response.get_json()["geometry"]["coordinates"] == [32.985, 107.705]
    assert response.headers["Content-Crs"] == f"<{EPSG}4326>"


def test_bbox_crs_4326_is_read_latitude_first(client, city):
    response = client.get(ITEMS, query_string={"bbox": "32.97,107.69,32.99,107.73",
                                               "bbox-crs": EPSG + "4326"})
    assert ids(response) == ["r1"]


def test_bbox_crs_4545_is_read_northing_first(client, city):
    to_zone = Transformer.from_crs("EPSG:4326", "EPSG:4545")
    south, west = to_zone.transform(32.97, 107.69)
    north, east = to_zone.transform(32.99, 107.73)
    bbox = f"{south},{west},{north},{east}"
    response = client.get(ITEMS, query_string={"bbox": bbox, "bbox-crs": EPSG + "4545"})
    assert ids(response) == ["r1"]


@pytest.mark.parametrize("crs", [EPSG + "3857", EPSG + "4546", "EPSG:999999", "wgs84"])
def test_crs_not_offered_is_a_400(client, city, crs):
    response = client.get(ITEMS, query_string={"crs": crs})
    assert response.status_code == 400
    assert response.get_json()["code"] == "InvalidParameterValue"


def test_bbox_crs_without_bbox_is_a_400(client, city):
    assert client.get(ITEMS, query_string={"bbox-crs": EPSG + "4326"}).status_code == 400


def test_item_is_a_feature_with_links(client, city):
    response = client.get(ITEMS + "/r2")
    feature = response.get_json()
    assert response.mimetype == "application/geo+json"
    assert feature["id"] == "r2"
    assert feature["properties"]["display_status"] == "overdue"
    assert {link["rel"] for link in feature["links"]} >= {"self", "alternate", "collection"}


def test_unknown_item_is_a_404_exception(client, city):
    response = client.get(ITEMS + "/r9")
    assert response.status_code == 404
    assert response.get_json()["code"] == "NotFound"


def test_items_render_as_an_html_table(client, city):
    response = client.get(ITEMS + "?f=html&lang=zh")
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "城南路" in page and "北关街" in page


def test_item_renders_as_html(client, city):
    page = client.get(ITEMS + "/r1", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "城南路" in page


def test_queryables_list_the_layer_fields_with_types(client, city):
    response = client.get("/ogc/collections/road_segments/queryables")
    properties = response.get_json()["properties"]
    assert response.mimetype == "application/schema+json"
    assert properties["lanes"]["type"] == "integer"
    assert properties["road_class"]["enum"][0] == "expressway"


def test_feature_schema_types_every_property(client, city):
    schema = client.get("/ogc/collections/parks/schema").get_json()
    properties = schema["properties"]["properties"]["properties"]
    assert properties["historic"]["type"] == "boolean"
    assert properties["imported_at"]["format"] == "date-time"


def test_a_bearer_token_opens_items_when_reading_needs_one(database_url, city, clean_db):
    with clean_db.begin() as conn:
        accounts.create_user(conn, "gis", "GIS 用户", "viewer")
        token = accounts.issue_token(conn, "gis", "QGIS")
    guarded = with_serving(create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                                       "LIANCHUANG_READ": "viewer", "TESTING": True}))
    client = guarded.test_client()
    refused = client.get(ITEMS)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "Unauthorized"
    headers = {"Authorization": f"Bearer {token}"}
    assert ids(client.get(ITEMS, headers=headers)) == ["r1", "r2", "r3"]
    assert client.get("/ogc/collections", headers=headers).status_code == 200


def test_web_pages_on_other_sites_may_read_the_service(client, city):
    assert client.get(ITEMS).headers["Access-Control-Allow-Origin"] == "*"


def test_the_last_page_still_counts_every_match(client, city):
    last = client.get(ITEMS + "?limit=2&offset=2").get_json()

    assert (last["numberMatched"], last["numberReturned"]) == (3, 1)


@pytest.mark.parametrize("day, expected", [("2024-07-01", ["r3"]), ("2024-06-30", [])])
def test_a_date_is_the_whole_day_in_the_county(client, dated, day, expected):
    # r3 changed at 2024-06-30T23:59:59Z, which is 07:59 on 1 July in Xixiang.
    assert ids(client.get(ITEMS, query_string={"datetime": day})) == expected


@pytest.mark.parametrize("query", [
    {"datetime": "9999-12-31"},
    {"datetime": "9999-12-31/.."},
    {"bbox": "-1e20,-1e20,1e20,1e20", "bbox-crs": EPSG + "4545"},
    {"crs": "EPSG:" + "9" * 4301},
    {"bbox-crs": EPSG + "4" * 4301, "bbox": "1,2,3,4"},
    {"name": "\x00"},  # found by tests/test_ogc_fuzz.py: PostgreSQL text cannot hold a NUL
    {"datetime": "2024\x00"},
])
def test_malformed_queries_that_used_to_500_are_400_exceptions(client, city, query):
    response = client.get(ITEMS, query_string=query)

    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["code"] == "InvalidParameterValue"
