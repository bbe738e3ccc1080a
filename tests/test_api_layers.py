"""``/api/layers``: the catalogue and the features, with filters, bbox and paging."""

from __future__ import annotations

import pytest

from layers.serving.project_links import display_status
from layers.storage.catalogue import layer_names

pytest_plugins = ["tests.factories"]

ROADS = "/api/layers/road_segments/features"


def fids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [feature["id"] for feature in response.get_json()["features"]]


def test_catalogue_lists_every_layer_with_count_extent_and_style(client, city):
    layers = {layer["name"]: layer for layer in client.get("/api/layers").get_json()["layers"]}
    assert tuple(layers) == layer_names()
    roads = layers["road_segments"]
    assert roads["title"] == {"zh": "道路改造路段", "en": "Road renovation segments"}
    assert roads["feature_count"] == 3
    assert roads["extent"] == pytest.approx([107.70, 32.98, 107.76, 33.02])
    assert roads["style"]["status_colors"]["in_progress"] == "#fb8c00"
    assert {"code": "arterial", "zh": "主干路", "en": "Arterial road"} in \
        next(f for f in roads["fields"] if f["name"] == "road_class")["choices"]


def test_catalogue_gives_status_colours_to_mission_layers_only(client, city):
    layers = {layer["name"]: layer for layer in client.get("/api/layers").get_json()["layers"]}
    assert "status_colors" not in layers["built_up_area"]["style"]
    assert layers["built_up_area"]["style"]["dash_array"] == "10 6"


def test_empty_layer_has_no_extent(client, city):
    layers = {layer["name"]: layer for layer in client.get("/api/layers").get_json()["layers"]}
    assert layers["watercourses"]["feature_count"] == 0
    assert layers["watercourses"]["extent"] is None


def test_features_are_geojson_with_their_linked_projects(client, city):
    response = client.get(ROADS)
    assert response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert collection["type"] == "FeatureCollection"
    r1 = collection["features"][0]
    assert r1["id"] == "r1"
    assert r1["geometry"] == {"type": "MultiLineString",
                              "coordinates": [[[107.70, 32.98], [107.72, 32.98]]]}
    assert r1["properties"]["road_class"] == "arterial"
    assert [p["code"] for p in r1["properties"]["projects"]] == ["DL-001", "YL-001"]
    dl001 = r1["properties"]["projects"][0]
    assert dl001 | {"id": 0} == {
        "id": 0, "code": "DL-001", "name": "城南路改造", "status": "in_progress",
        "status_label": {"zh": "在建", "en": "In progress"}, "progress": 40,
        "due_date": "2099-12-31", "overdue": False,
        "campaigns": ["national_civilized", "national_sanitary"], "department": "住建局",
    }


@pytest.mark.parametrize(("url", "fid", "status"), [
    (ROADS, "r1", "in_progress"),    # in progress + completed: the least advanced
    (ROADS, "r2", "overdue"),        # planned, due in 2020
    (ROADS, "r3", None),             # no project
    ("/api/layers/parks/features", "p1", "completed"),  # due in 2020 but finished
    ("/api/layers/facilities/features", "f1", "suspended"),
])
def test_display_status_of_the_known_features(client, city, url, fid, status):
    features = {f["id"]: f for f in client.get(url).get_json()["features"]}
    assert features[fid]["properties"]["display_status"] == status


@pytest.mark.parametrize(("projects", "expected"), [
    ([], None),
    ([{"status": "accepted", "overdue": False}, {"status": "approved", "overdue": False}],
     "approved"),
    ([{"status": "planned", "overdue": False}, {"status": "suspended", "overdue": False}],
     "suspended"),
    ([{"status": "suspended", "overdue": False}, {"status": "in_progress", "overdue": True}],
     "overdue"),
])
def test_display_status_rule(projects, expected):
    assert display_status(projects) == expected


def test_bbox_keeps_features_intersecting_it(client, city):
    assert fids(client.get(ROADS + "?bbox=107.69,32.97,107.77,32.995")) == ["r1", "r2"]


def test_bbox_touching_a_line_end_keeps_it(client, city):
    assert fids(client.get(ROADS + "?bbox=107.72,32.97,107.73,32.98")) == ["r1"]


@pytest.mark.parametrize("status", ["in_progress", "在建", "In progress", "IN_PROGRESS"])
def test_status_filter_takes_codes_and_labels(client, city, status):
    assert fids(client.get(ROADS, query_string={"status": status})) == ["r1"]


def test_project_filter_narrows_the_listed_projects(client, city):
    collection = client.get(ROADS + "?status=completed").get_json()
    r1 = collection["features"][0]
    assert [p["code"] for p in r1["properties"]["projects"]] == ["YL-001"]
    assert r1["properties"]["display_status"] == "completed"


def test_several_statuses_mean_any_of_them(client, city):
    assert fids(client.get(ROADS + "?status=planned,in_progress")) == ["r1", "r2"]
    assert fids(client.get(ROADS + "?status=planned&status=in_progress")) == ["r1", "r2"]


def test_campaign_filter(client, city):
    assert fids(client.get(ROADS, query_string={"campaign": "国家园林县城"})) == ["r1"]
    assert fids(client.get(ROADS + "?campaign=national_sanitary")) == ["r1", "r2"]


def test_department_filter(client, city):
    assert fids(client.get(ROADS, query_string={"department": "交通局"})) == ["r2"]


def test_overdue_filter(client, city):
    assert fids(client.get(ROADS + "?overdue=true")) == ["r2"]
    assert fids(client.get(ROADS + "?overdue=false")) == ["r1"]
    assert fids(client.get("/api/layers/parks/features?overdue=true")) == []


@pytest.mark.parametrize(("q", "expected"), [
    ("东环", ["r2"]),          # the feature's name
    ("公园建设", ["r1"]),       # a linked project's name
    ("dl-00", ["r1", "r2"]),   # project codes, case-insensitive
    ("%", []),                 # LIKE wildcards are literal
])
def test_search_in_feature_and_project_names(client, city, q, expected):
    assert fids(client.get(ROADS, query_string={"q": q})) == expected


def test_paging_follows_next_links_through_every_feature(client, city):
    seen, url = [], ROADS + "?limit=1&status=planned,in_progress,suspended,completed"
    while url:
        page = client.get(url).get_json()
        assert page["numberMatched"] == 2 and page["numberReturned"] == 1
        seen += [f["id"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert seen == ["r1", "r2"]


def test_paging_links_keep_the_filters(client, city):
    query = "?bbox=107,32,108,34&limit=1&offset=1"
    links = {link["rel"]: link["href"] for link in client.get(ROADS + query).get_json()["links"]}
    assert links == {
        "self": "http://localhost" + ROADS + "?bbox=107%2C32%2C108%2C34&limit=1&offset=1",
        "next": "http://localhost" + ROADS + "?bbox=107%2C32%2C108%2C34&limit=1&offset=2",
        "prev": "http://localhost" + ROADS + "?bbox=107%2C32%2C108%2C34&limit=1&offset=0",
    }


def test_last_page_has_no_next_link(client, city):
    page = client.get(ROADS + "?limit=2&offset=2").get_json()
    assert [f["id"] for f in page["features"]] == ["r3"]
    assert {link["rel"] for link in page["links"]} == {"self", "prev"}


def test_unknown_layer_is_404_naming_the_layers(client, city):
    response = client.get("/api/layers/roads/features")
    assert response.status_code == 404
    message = response.get_json()["error"]["message"]
    assert "'roads'" in message and "road_segments" in message and "parks" in message


def test_one_feature_by_fid(client, city):
    feature = client.get(ROADS + "/r2").get_json()
    assert feature["type"] == "Feature" and feature["id"] == "r2"
    assert feature["properties"]["projects"][0]["overdue"] is True


def test_unknown_fid_is_404(client, city):
    response = client.get(ROADS + "/r9")
    assert response.status_code == 404
    assert "no feature 'r9' in layer road_segments" in response.get_json()["error"]["message"]
