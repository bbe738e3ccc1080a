"""OGC API – Features Part 4 on ``/ogc/collections/{layer}/items``, driven with plain HTTP as
QGIS would: create, replace, merge-patch and delete with ETag and If-Match (412 when stale,
with the current feature), the role and department rules, the importer's validation and
repair, project links in the same step, and every version kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from layers.storage.models import feature_versions, project_events, project_features
from layers.tracking.accounts import create_user, issue_token
from tests.factories import add_features, add_project
from tests.live_server import with_serving

pytest_plugins = ["tests.factories"]

ITEMS = "/ogc/collections/parks/items"
#: About 100 m × 100 m near Xixiang (0.001° of longitude × 0.0009° of latitude at 33° N).
SQUARE = {"type": "Polygon", "coordinates": [[[107.760, 32.980], [107.761, 32.980],
                                              [107.761, 32.9809], [107.760, 32.9809],
                                              [107.760, 32.980]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[107.760, 32.980], [107.761, 32.9809],
                                              [107.761, 32.980], [107.760, 32.9809],
                                              [107.760, 32.980]]]}


@pytest.fixture
def app(app):
    return with_serving(app)


@pytest.fixture
def tokens(clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王规划", "planner", "住建局")
        create_user(conn, "zhao", "赵规划", "planner", "交通局")
        create_user(conn, "li", "李巡查", "inspector")
        create_user(conn, "root", "管理员", "admin")
        add_project(conn, "YL-001", "牧马河公园建设", department="住建局")
        add_project(conn, "DL-001", "城南路改造", department="交通局")
        return {name: {"Authorization": f"Bearer {issue_token(conn, name)}"}
                for name in ("wang", "zhao", "li", "root")}


def park(**properties):
    return {"type": "Feature", "geometry": SQUARE,
            "properties": {"name": "滨河公园", "park_class": "G12", **properties}}


def created(client, tokens, body=None, who="wang"):
    response = client.post(ITEMS, json=body or park(), headers=tokens[who])
    assert response.status_code == 201, response.get_json()
    return response


def test_create_answers_201_with_location_etag_and_the_stored_feature(client, tokens):
    response = created(client, tokens, {**park(), "id": "P-1", "note": "新建"})
    assert response.headers["Location"].endswith("/ogc/collections/parks/items/P-1")
    assert response.headers["ETag"] == '"1"'
    body = response.get_json()
    assert body["id"] == "P-1" and body["properties"]["name"] == "滨河公园"
    read = client.get(response.headers["Location"])
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'


def test_create_without_an_id_gets_a_new_one_and_a_taken_id_is_409(client, tokens):
    first = created(client, tokens).get_json()["id"]
    second = created(client, tokens).get_json()["id"]
    assert first != second
    again = client.post(ITEMS, json={**park(), "id": first}, headers=tokens["wang"])
    assert again.status_code == 409 and "PUT" in again.get_json()["description"]


def test_a_label_is_stored_as_its_code(client, tokens):
    body = created(client, tokens, park(park_class="社区公园")).get_json()
    assert body["properties"]["park_class"] == "G12"


def test_a_self_intersecting_polygon_is_repaired_and_the_repair_said(client, tokens):
    response = created(client, tokens, {**park(), "geometry": BOWTIE})
    assert response.get_json()["lianchuang"]["repairs"]  # what make_valid did, in words
    assert response.get_json()["geometry"]["type"] == "MultiPolygon"


@pytest.mark.parametrize("body, named", [
    ({"type": "Feature", "geometry": SQUARE, "properties": {"park_class": "G12"}}, "name"),
    (park(park_class="G99"), "park_class"),
    ({**park(), "geometry": {"type": "Point", "coordinates": [107.76, 32.98]}}, "geometry"),
    ({**park(), "geometry": {"type": "Polygon", "coordinates": "x"}}, "geometry"),
    ({**park(), "geometry": None}, "geometry"),
    ({**park(), "geometry": {"type": "Blob", "coordinates": []}}, "geometry"),
    ({**park(), "geometry": {"coordinates": [107.76, 32.98]}}, "geometry"),
    ({**park(), "properties": [1, 2]}, "properties"),
    ({**park(), "projects": "YL-001"}, "projects"),
    ({**park(), "projects": ["NO-1"]}, "NO-1"),
    ({**park(), "id": "a/b"}, "id"),
    ({"type": "FeatureCollection", "features": []}, "one Feature"),
    ([1, 2], "GeoJSON Feature"),
])
def test_a_body_that_cannot_be_stored_is_a_400_naming_what(client, tokens, clean_db, body,
                                                            named):
    response = client.post(ITEMS, json=body, headers=tokens["wang"])
    assert response.status_code == 400, response.get_json()
    assert named in response.get_json()["description"]
    with clean_db.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM parks")) == 0


def test_a_body_that_is_not_json_is_a_400(client, tokens):
    response = client.post(ITEMS, data=b"\xff\xfe", headers={**tokens["wang"],
                                                           "Content-Type": "application/json"})
    assert response.status_code == 400


def test_writes_need_a_token_first_then_a_planner(client, tokens):
    assert client.post(ITEMS, json=park()).status_code == 401
    assert client.post(ITEMS, data=b"junk").status_code == 401  # before the body is read
    assert client.delete(ITEMS + "/P-1").status_code == 401
    assert client.post(ITEMS, json=park(), headers=tokens["li"]).status_code == 403


def test_content_crs_gives_the_body_in_the_gauss_kruger_zone(client, tokens, clean_db):
    x, y = 478_500.0, 3_650_500.0
    ring = [[x, y], [x + 100, y], [x + 100, y + 100], [x, y + 100], [x, y]]
    # EPSG:4545 is northing first: a client sends (northing, easting)
    body = {**park(), "geometry": {"type": "Polygon",
                                   "coordinates": [[[b, a] for a, b in ring]]}}
    response = client.post(ITEMS, json=body, headers={
        **tokens["wang"], "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/4545>"})
    assert response.status_code == 201, response.get_json()
    with clean_db.connect() as conn:
        area, lon, lat = conn.execute(sa.text(
            "SELECT ST_Area(geom::geography), ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom))"
            " FROM parks")).one()
    assert area == pytest.approx(10_000, rel=1e-3)
    assert 107.7 < lon < 107.8 and 32.9 < lat < 33.0  # Xixiang, not swapped into the sea


def test_replace_with_the_current_etag_then_a_stale_one_is_412_with_the_current(client,
                                                                                 tokens):
    location = created(client, tokens, {**park(), "id": "P-1"}).headers["Location"]
    put = client.put(location, json=park(name="滨河公园（一期）"),
                     headers={**tokens["wang"], "If-Match": '"1"'})
    assert put.status_code == 200 and put.headers["ETag"] == '"2"'
    stale = client.put(location, json=park(name="别的名字"),
                       headers={**tokens["wang"], "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"2"'
    assert stale.get_json()["current"]["properties"]["name"] == "滨河公园（一期）"
    assert stale.get_json()["current"]["version"] == 2
    assert client.get(location).get_json()["properties"]["name"] == "滨河公园（一期）"
    bad = client.put(location, json=park(), headers={**tokens["wang"], "If-Match": "abc"})
    assert bad.status_code == 400


def test_patch_merges_properties_and_keeps_the_geometry(client, tokens):
    location = created(client, tokens, {**park(), "id": "P-1"}).headers["Location"]
    patch = client.patch(location, json={"properties": {"name": "新名"}},
                         headers={**tokens["wang"], "If-Match": '"1"',
                                  "Content-Type": "application/merge-patch+json"})
    assert patch.status_code == 200, patch.get_json()
    body = patch.get_json()
    assert body["properties"]["name"] == "新名" and body["properties"]["park_class"] == "G12"
    assert body["geometry"]["type"] == "MultiPolygon"
    cleared = client.patch(location, json={"properties": {"name": None}},
                           headers=tokens["wang"])
    assert cleared.status_code == 400 and "name" in cleared.get_json()["description"]


def test_delete_then_the_item_is_gone_and_its_versions_stay(client, tokens, clean_db):
    location = created(client, tokens, {**park(), "id": "P-1"}).headers["Location"]
    stale = client.delete(location, headers={**tokens["wang"], "If-Match": '"7"'})
    assert stale.status_code == 412
    gone = client.delete(location + "?note=误建", headers={**tokens["wang"], "If-Match": '"1"'})
    assert gone.status_code == 204
    assert client.get(location).status_code == 404
    assert client.delete(location, headers=tokens["wang"]).status_code == 404
    history = client.get(location + "/versions").get_json()["features"]
    assert [(f["version"]["op"], f["version"]["actor"], f["version"]["channel"],
             f["version"]["note"]) for f in history] == [
        ("insert", "wang", "api", None), ("delete", "wang", "api", "误建")]


def test_a_feature_is_linked_to_a_project_in_the_same_step(client, tokens, clean_db):
    body = created(client, tokens, {**park(), "projects": ["YL-001"]}).get_json()
    with clean_db.connect() as conn:
        links = conn.execute(sa.select(project_features.c.layer, project_features.c.fid)).all()
        events = conn.execute(sa.select(project_events.c.kind, project_events.c.data)).all()
    assert links == [("parks", body["id"])]
    assert ("link", {"feature": f"parks:{body['id']}"}) in [tuple(e) for e in events]


def test_a_planner_edits_only_features_of_their_departments_projects(client, tokens):
    # wang (住建局) links to his own project; zhao (交通局) may not touch it, nor link to it
    location = created(client, tokens, {**park(), "id": "P-1", "projects": ["YL-001"]}
                       ).headers["Location"]
    assert client.patch(location, json={"properties": {"name": "x"}},
                        headers=tokens["zhao"]).status_code == 403
    assert client.delete(location, headers=tokens["zhao"]).status_code == 403
    refused = client.post(ITEMS, json={**park(), "projects": ["YL-001"]}, headers=tokens["zhao"])
    assert refused.status_code == 403 and "住建局" in refused.get_json()["description"]
    assert client.patch(location, json={"properties": {"name": "x"}},
                        headers=tokens["root"]).status_code == 200
    # a feature linked to no project is anyone's (any planner's) to edit
    free = created(client, tokens, {**park(), "id": "P-2"}).headers["Location"]
    assert client.patch(free, json={"properties": {"name": "y"}},
                        headers=tokens["zhao"]).status_code == 200


def test_every_write_is_a_version_with_who_and_how(client, tokens, clean_db):
    location = created(client, tokens, {**park(), "id": "P-1"}).headers["Location"]
    client.patch(location, json={"properties": {"name": "二"}, "note": "更名"},
                 headers=tokens["wang"])
    v = feature_versions.c
    with clean_db.connect() as conn:
        rows = conn.execute(sa.select(v.version, v.op, v.actor, v.channel, v.note)
                            .where(v.fid == "P-1").order_by(v.version)).all()
    assert [tuple(r) for r in rows] == [(1, "insert", "wang", "api", None),
                                        (2, "update", "wang", "api", "更名")]


def test_conformance_announces_part_4(client):
    classes = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert any(c.endswith("ogcapi-features-4/1.0/conf/create-replace-delete") for c in classes)


def test_an_earlier_version_is_restored_as_a_new_one_even_after_a_delete(client, tokens):
    location = created(client, tokens, {**park(), "id": "P-1"}).headers["Location"]
    client.patch(location, json={"properties": {"name": "改过"}}, headers=tokens["wang"])
    back = client.post(location + "/versions/1/restore", headers={**tokens["wang"],
                                                                  "If-Match": '"2"'})
    assert back.status_code == 200 and back.headers["ETag"] == '"3"'
    assert back.get_json()["properties"]["name"] == "滨河公园"
    history = client.get(location + "/versions").get_json()["features"]
    assert [(f["version"]["number"], f["version"]["channel"], f["properties"]["name"])
            for f in history] == [(1, "api", "滨河公园"), (2, "api", "改过"),
                                  (3, "restore-version", "滨河公园")]
    client.delete(location, headers=tokens["wang"])
    assert client.post(location + "/versions/4/restore",
                       headers=tokens["wang"]).status_code == 404  # the deletion itself
    revived = client.post(location + "/versions/2/restore", headers=tokens["wang"])
    assert revived.status_code == 200 and revived.get_json()["properties"]["name"] == "改过"
    assert client.post(location + "/versions/9/restore", headers=tokens["wang"]).status_code == 404
    assert client.post(location + "/versions/1/restore", headers=tokens["li"]).status_code == 403
    assert client.post(location + "/versions/1/restore").status_code == 401


def test_an_edit_on_the_map_reaches_the_green_indicators_at_once(client, tokens, clean_db):
    """The green layers are kept while unchanged: an edit that keeps the row count and the
    import time (a park renamed, reshaped) must still count as a change."""
    from layers.green.state import current_state

    with clean_db.begin() as conn:
        add_features(conn, "built_up_area", {
            "fid": "b1", "name": "县城建成区",
            "geom": "MULTIPOLYGON(((107.75 32.97, 107.77 32.97, 107.77 32.99, 107.75 32.99, "
                    "107.75 32.97)))"})
    location = created(client, tokens, {**park(), "id": "P-1"}).headers["Location"]
    before = current_state(clean_db, walking=False).layers.parks
    assert list(before["name"]) == ["滨河公园"]
    client.patch(location, json={"properties": {"name": "改名公园"}}, headers=tokens["wang"])
    after = current_state(clean_db, walking=False).layers.parks
    assert list(after["name"]) == ["改名公园"]
