"""The upload page's API (``/api/uploads``): a dry run that writes nothing and answers the
report and the diff against the live layer, a commit that is all or nothing, the staging
folder's expiry, the body bound, bad files named, and layer edits in the feed and in the
linked projects' history."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from layers.editing import upload
from layers.exchange.importer import ImportOptions, import_paths
from layers.storage.models import feature_versions, project_events
from layers.tracking.accounts import create_user, issue_token
from tests.factories import add_project
from tests.live_server import with_serving

pytest_plugins = ["tests.factories"]

ITEMS = "/ogc/collections/parks/items"


def square(x0: float, y0: float = 32.980, size: float = 0.001) -> dict:
    """About 100 m × 100 m near Xixiang from (x0, y0)."""
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0],
                                                [x0 + size, y0 + 0.0009], [x0, y0 + 0.0009],
                                                [x0, y0]]]}


def park(fid: str, x0: float, name: str = "公园") -> dict:
    return {"type": "Feature", "geometry": square(x0),
            "properties": {"fid": fid, "name": name, "park_class": "G12"}}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)},
                      ensure_ascii=False).encode()


#: The live layer: P-1, P-2, P-3.
LIVE = collection(park("P-1", 107.760), park("P-2", 107.762), park("P-3", 107.764))
#: The file: P-1 the same, P-2 moved east, P-4 new; P-3 no longer in it.
FILE = collection(park("P-1", 107.760), park("P-2", 107.7625), park("P-4", 107.766))


@pytest.fixture
def app(app, tmp_path, monkeypatch):
    monkeypatch.setenv("LIANCHUANG_UPLOADS", str(tmp_path / "uploads"))
    return with_serving(app)


@pytest.fixture
def tokens(clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王规划", "planner", "住建局")
        create_user(conn, "li", "李巡查", "inspector")
        create_user(conn, "root", "管理员", "admin")
        add_project(conn, "YL-001", "牧马河公园建设", department="住建局")
        return {name: {"Authorization": f"Bearer {issue_token(conn, name)}"}
                for name in ("wang", "li", "root")}


@pytest.fixture
def live(clean_db, tokens, tmp_path):
    path = tmp_path / "parks.geojson"
    path.write_bytes(LIVE)
    import_paths(clean_db, [path], ImportOptions(actor="seed"))
    return clean_db


def post_file(client, headers, content=FILE, name="parks.geojson", **form):
    data = {"file": (io.BytesIO(content), name), **form}
    return client.post("/api/uploads", data=data, headers=headers,
                       content_type="multipart/form-data")


def ids(diff: dict, kind: str) -> list[str]:
    return sorted(f["id"] for f in diff[kind]["features"])


def live_parks(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT fid, ST_AsText(ST_Centroid(geom)) FROM parks ORDER BY fid")).all())


def test_the_dry_run_answers_the_diff_and_writes_nothing(client, tokens, live):
    before = live_parks(live)
    with live.connect() as conn:
        versions_before = conn.scalar(sa.select(sa.func.count()).select_from(feature_versions))
    response = post_file(client, tokens["wang"], replace="true")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["counts"] == {"added": 1, "changed": 1, "removed": 1, "conflicts": 0}
    assert ids(body["diff"], "added") == ["P-4"]
    assert ids(body["diff"], "changed") == ["P-2"]
    assert ids(body["diff"], "removed") == ["P-3"]
    changed = body["diff"]["changed"]["features"][0]
    assert changed["before"]["geometry"]["coordinates"][0][0][0] == [107.762, 32.98]
    assert changed["geometry"]["coordinates"][0][0][0] == [107.7625, 32.98]
    source = body["report"]["sources"][0]
    assert source["crs"] and source["inserted"] == 1 and source["updated"] == 1
    assert body["report"]["dry_run"] is True and body["committable"] is True
    assert live_parks(live) == before
    with live.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(feature_versions)) \
            == versions_before


def test_commit_with_replace_writes_the_diff_stamped_with_the_uploader_and_file(
        client, tokens, live):
    upload_id = post_file(client, tokens["wang"], replace="true").get_json()["id"]
    response = client.post(f"/api/uploads/{upload_id}/commit", json={},
                           headers=tokens["wang"])
    assert response.status_code == 200, response.get_json()
    assert sorted(live_parks(live)) == ["P-1", "P-2", "P-4"]
    with live.connect() as conn:
        rows = conn.execute(sa.select(feature_versions.c.fid, feature_versions.c.op,
                                      feature_versions.c.actor, feature_versions.c.note)
                            .where(feature_versions.c.actor == "wang")
                            .order_by(feature_versions.c.fid)).all()
    assert [(r.fid, r.op) for r in rows] == [("P-2", "update"), ("P-3", "delete"),
                                             ("P-4", "insert")]
    assert all(r.note == "import of parks.geojson" for r in rows)
    again = client.post(f"/api/uploads/{upload_id}/commit", json={}, headers=tokens["wang"])
    assert again.status_code == 404  # the staged file is gone once committed


def test_without_replace_the_missing_feature_stays(client, tokens, live):
    body = post_file(client, tokens["wang"]).get_json()
    assert ids(body["diff"], "removed") == ["P-3"] and body["replace"] is False
    client.post(f"/api/uploads/{body['id']}/commit", json={}, headers=tokens["wang"])
    assert sorted(live_parks(live)) == ["P-1", "P-2", "P-3", "P-4"]


def test_a_feature_edited_through_the_api_since_the_import_is_a_conflict(client, tokens, live):
    edited = client.patch(f"{ITEMS}/P-2", json={"properties": {"name": "改名公园"}},
                          headers={**tokens["wang"], "If-Match": '"1"'})
    assert edited.status_code == 200, edited.get_json()
    body = post_file(client, tokens["wang"]).get_json()
    assert ids(body["diff"], "conflicts") == ["P-2"]
    conflict = body["diff"]["conflicts"]["features"][0]
    assert conflict["edit"]["channel"] == "api" and conflict["edit"]["actor"] == "wang"
    refused = client.post(f"/api/uploads/{body['id']}/commit", json={},
                          headers=tokens["wang"])
    assert refused.status_code == 409 and "overwrite" in refused.get_json()["error"]["message"]
    done = client.post(f"/api/uploads/{body['id']}/commit", json={"overwrite": True},
                       headers=tokens["wang"])
    assert done.status_code == 200


def test_a_commit_after_the_layer_changed_is_refused_409(client, tokens, live):
    upload_id = post_file(client, tokens["wang"]).get_json()["id"]
    client.patch(f"{ITEMS}/P-1", json={"properties": {"name": "新名"}},
                 headers={**tokens["wang"], "If-Match": '"1"'})
    response = client.post(f"/api/uploads/{upload_id}/commit", json={},
                           headers=tokens["wang"])
    assert response.status_code == 409
    assert "dry run again" in response.get_json()["error"]["message"]
    assert "P-4" not in live_parks(live)


def test_a_failure_in_the_middle_of_the_commit_leaves_nothing(client, tokens, live,
                                                             monkeypatch):
    upload_id = post_file(client, tokens["wang"], replace="true").get_json()["id"]
    before = live_parks(live)

    def broken(conn, layers, actor):  # after the upsert and the replace's delete
        raise RuntimeError("disk full")
    monkeypatch.setattr(upload, "record_project_edits", broken)
    response = client.post(f"/api/uploads/{upload_id}/commit", json={},
                           headers=tokens["wang"])
    assert response.status_code == 500
    assert live_parks(live) == before
    with live.connect() as conn:
        assert not conn.scalar(sa.select(sa.func.count()).select_from(feature_versions)
                               .where(feature_versions.c.actor == "wang"))


def test_cancel_forgets_the_upload(client, tokens, live):
    upload_id = post_file(client, tokens["wang"]).get_json()["id"]
    assert client.delete(f"/api/uploads/{upload_id}", headers=tokens["wang"]).status_code == 204
    assert client.post(f"/api/uploads/{upload_id}/commit", json={},
                       headers=tokens["wang"]).status_code == 404


def test_a_staged_upload_expires(client, tokens, live, monkeypatch):
    upload_id = post_file(client, tokens["wang"]).get_json()["id"]
    folder = upload.staging_dir() / upload_id
    meta = json.loads((folder / "meta.json").read_text())
    meta["expires"] -= upload.TTL_SECONDS + 1
    (folder / "meta.json").write_text(json.dumps(meta))
    response = client.post(f"/api/uploads/{upload_id}/commit", json={},
                           headers=tokens["wang"])
    assert response.status_code == 404 and "expired" in response.get_json()["error"]["message"]
    assert not folder.exists()
    other = post_file(client, tokens["wang"]).get_json()["id"]
    meta_path = upload.staging_dir() / other / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["expires"] = 0
    meta_path.write_text(json.dumps(meta))
    assert upload.purge_expired() == 1 and not meta_path.exists()


def test_an_oversized_body_is_413_before_it_is_read(client, tokens, monkeypatch):
    from api import guards
    monkeypatch.setitem(guards.BODY_LIMITS, "uploads.create_upload", 1000)
    response = post_file(client, tokens["wang"], content=b"x" * 2000)
    assert response.status_code == 413


@pytest.mark.parametrize(("content", "name", "form", "status", "words"), [
    (FILE, "parks.csv", {}, 400, "unsupported file type .csv"),
    (FILE, "wetlands.geojson", {}, 400, "'wetlands' is not a layer"),
    (FILE, "anything.geojson", {"layer": "lakes"}, 400, "'lakes' is not a layer"),
    (b"{not json", "parks.geojson", {}, 400, "cannot be read"),
    (b"", "parks.geojson", {}, 400, "empty"),
])
def test_bad_files_are_refused_naming_what_is_wrong(client, tokens, content, name, form,
                                                    status, words):
    response = post_file(client, tokens["wang"], content=content, name=name, **form)
    assert response.status_code == status, response.get_json()
    assert words in response.get_json()["error"]["message"]
    assert not list(upload.staging_dir().glob("*")) if upload.staging_dir().exists() else True


def test_a_zip_without_a_layer_file_is_refused(client, tokens):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "no shapefile here")
    response = post_file(client, tokens["wang"], content=buffer.getvalue(), name="parks.zip")
    assert response.status_code == 400
    assert "holds no layer file" in response.get_json()["error"]["message"]


def test_an_unknown_upload_id_is_404_and_an_inspector_cannot_upload(client, tokens):
    assert client.post("/api/uploads/" + "x" * 24 + "/commit", json={},
                       headers=tokens["wang"]).status_code == 404
    assert client.delete("/api/uploads/../../etc", headers=tokens["wang"]).status_code == 404
    assert post_file(client, tokens["li"]).status_code == 403
    assert post_file(client, {}).status_code == 401


def test_the_uploads_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/uploads"]
    assert "post" in paths["/api/uploads/{upload_id}/commit"]
    assert "delete" in paths["/api/uploads/{upload_id}"]


def test_the_page_asks_to_sign_in_and_then_shows_the_form(client, tokens):
    assert client.get("/upload").status_code == 302


def test_an_edit_and_an_import_are_in_the_feed(client, tokens, live):
    created = client.post(ITEMS, json={"type": "Feature", "id": "P-9", "geometry": square(107.77),
                                       "properties": {"name": "新公园", "park_class": "G12"},
                                       "projects": ["YL-001"]}, headers=tokens["wang"])
    assert created.status_code == 201, created.get_json()
    upload_id = post_file(client, tokens["wang"]).get_json()["id"]
    client.post(f"/api/uploads/{upload_id}/commit", json={}, headers=tokens["wang"])
    feed = client.get("/feeds/changes.atom?lang=en").get_data(as_text=True)
    assert "Parks P-9 新公园: added (version 1)" in feed
    assert "/ogc/collections/parks/items/P-9/versions" in feed
    assert "Projects: YL-001 牧马河公园建设" in feed
    # one entry for the whole upload (P-2 changed, P-4 added), one for the seed import
    assert feed.count("<title>Import into Parks: 1 added, 1 changed, 0 deleted") == 1
    assert feed.count("<title>Import into Parks: 3 added, 0 changed, 0 deleted") == 1
    assert "P-4" not in feed  # not an entry per imported feature


def test_an_edit_of_a_linked_feature_is_in_the_projects_history(client, tokens, live):
    client.post(ITEMS, json={"type": "Feature", "id": "P-9", "geometry": square(107.77),
                             "properties": {"name": "新公园", "park_class": "G12"},
                             "projects": ["YL-001"]}, headers=tokens["wang"])
    client.patch(f"{ITEMS}/P-9", json={"properties": {"name": "改名"}},
                 headers={**tokens["wang"], "If-Match": '"1"'})
    client.patch(f"{ITEMS}/P-1", json={"properties": {"name": "不相关"}},
                 headers={**tokens["wang"], "If-Match": '"1"'})
    with live.connect() as conn:
        events = conn.execute(sa.select(project_events.c.kind, project_events.c.data)
                              .where(project_events.c.kind == "feature")
                              .order_by(project_events.c.id)).all()
    assert [(e.data["feature"], e.data["version"], e.data["op"]) for e in events] == [
        ("parks:P-9", 1, "insert"), ("parks:P-9", 2, "update")]
    assert events[1].data["versions"] == "/ogc/collections/parks/items/P-9/versions"
