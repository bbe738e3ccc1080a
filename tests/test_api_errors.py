"""Every error answers one JSON shape with a message to act on; bad input is never a 500."""

from __future__ import annotations

import logging

import pytest

from api.app import create_app

pytest_plugins = ["tests.factories"]

LISTINGS = ["/api/layers/road_segments/features", "/api/projects"]

#: (query string, a word the message must contain): each must be a 400 on both listings.
MALFORMED = [
    ("bbox=abc", "bbox"),
    ("bbox=1,2,3", "bbox"),
    ("bbox=1,2,3,4,5", "bbox"),
    ("bbox=,,,", "bbox"),
    ("bbox=10,0,5,1", "minx <= maxx"),
    ("bbox=0,1,1,0", "miny <= maxy"),
    ("bbox=0,0,200,1", "outside -180..180"),
    ("bbox=0,-95,1,1", "outside -90..90"),
    ("bbox=nan,0,1,1", "finite"),
    ("bbox=-inf,0,1,1", "finite"),
    ("bbox=1e999,0,1,1", "finite"),
    ("limit=abc", "limit"),
    ("limit=1.5", "whole number"),
    ("limit=", "limit"),
    ("limit=0", "between 1 and 5000"),
    ("limit=-1", "between 1 and 5000"),
    ("limit=5001", "between 1 and 5000"),
    ("limit=99999999999999999999999999", "limit"),
    ("limit=1&limit=2", "once"),
    ("offset=-1", "offset"),
    ("offset=x", "offset"),
    ("offset=99999999999", "offset"),
    ("status=foo", "planned (规划)"),
    ("status=", "status"),
    ("status=planned,", "status"),
    ("campaign=nope", "national_garden (国家园林县城)"),
    ("campaign=%00", "campaign"),
    ("overdue=maybe", "true or false"),
    ("overdue=", "overdue"),
    ("department=", "department"),
    ("department=%20%20", "department"),
    ("department=a%00b", "NUL"),
    ("q=", "q"),
    ("q=%00", "NUL"),
    ("q=" + "x" * 101, "101 characters"),
    ("stauts=planned", "stauts"),
]


def assert_error(response, status: int, word: str = "") -> None:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status
    assert error["code"] and error["message"]
    assert word in error["message"]


@pytest.mark.parametrize("url", LISTINGS)
@pytest.mark.parametrize(("query", "word"), MALFORMED)
def test_malformed_parameter_is_400_saying_why(client, city, url, query, word):
    if url == "/api/projects" and query.startswith("bbox"):
        word = "bbox"  # projects have no bbox: an unknown parameter, still a 400
    assert_error(client.get(f"{url}?{query}"), 400, word)


def test_bbox_message_quotes_what_was_given(client, city):
    response = client.get("/api/layers/road_segments/features?bbox=abc")
    assert response.get_json() == {"error": {
        "status": 400, "code": "bad_request",
        "message": "bbox must be four numbers minx,miny,maxx,maxy; got 'abc'"}}


@pytest.mark.parametrize("url", [
    "/api/layers/%00/features",
    "/api/layers/road_segments/features/%00",
    "/api/layers/road_segments/features/a%2Fb",
    "/api/projects/%00",
    "/api/projects/-1",
    "/api/projects/1.5",
    "/api/projects/%D9%A3",  # an Arabic-Indic digit: isdigit() but not an id
    "/api/nothing",
])
def test_odd_paths_are_404_not_500(client, city, url):
    assert_error(client.get(url), 404)


@pytest.mark.parametrize("url", ["/api/layers", "/api/departments",
                                 "/api/layers/parks/features/p1", "/api/projects/1"])
def test_parameters_are_refused_where_none_are_taken(client, city, url):
    assert_error(client.get(url + "?limit=5"), 400, "unknown parameter")


def test_wrong_method_is_405_json_with_allow(client, city):
    response = client.put("/api/projects")
    assert_error(response, 405, "use GET, POST")
    assert "GET" in response.headers["Allow"]


def test_map_page_refuses_an_unknown_language(client):
    assert_error(client.get("/?lang=fr"), 400, "lang must be one of: zh, en")


def test_unexpected_exception_is_a_logged_500_in_the_same_shape(database_url, caplog):
    app = create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none"})

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("kaput")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/api/boom")
    assert_error(response, 500, "bug")
    assert "kaput" not in response.get_data(as_text=True)
    assert "RuntimeError: kaput" in caplog.text
