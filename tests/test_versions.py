"""Every version of every feature (issue 16): kept by the database for every channel, read
back as a history, and the layer as it was at an instant (OGC ``datetime``)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from geo.errors import InvalidInput, NotFound
from layers.exchange.backup import backup, restore
from layers.exchange.importer import ImportOptions, import_paths
from layers.storage import versions
from layers.storage.catalogue import LAYERS
from layers.storage.models import feature_versions, layer_table, metadata
from tests.factories import add_features
from tests.files import X0, park, square, write_layer
from tests.live_server import with_serving

pytest_plugins = ["tests.factories"]


@pytest.fixture
def app(app):
    return with_serving(app)

SQUARE = "MULTIPOLYGON(((107.73 32.97, 107.74 32.97, 107.74 32.975, 107.73 32.975, 107.73 32.97)))"
MOVED = "MULTIPOLYGON(((107.75 32.97, 107.76 32.97, 107.76 32.975, 107.75 32.975, 107.75 32.97)))"


def _versions(engine, layer="parks", fid="p1") -> list[tuple]:
    v = feature_versions.c
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            sa.select(v.version, v.op, v.actor, v.channel, v.note, v.attrs["name"].astext,
                      v.valid_to.is_(None))
            .where(v.layer == layer, v.fid == fid).order_by(v.version))]


def _now(engine) -> dt.datetime:
    with engine.connect() as conn:
        return conn.scalar(sa.text("SELECT clock_timestamp()"))


def test_every_layer_table_keeps_versions_on_insert_update_and_delete(engine):
    with engine.connect() as conn:
        found = set(conn.execute(sa.text(
            "SELECT event_object_table, event_manipulation FROM information_schema.triggers "
            "WHERE action_statement LIKE '%lianchuang_feature_versions%'")).all())
    expected = {(spec.name, event) for spec in LAYERS for event in ("INSERT", "UPDATE", "DELETE")}
    assert expected <= found  # a layer added to the catalogue needs its triggers


def test_insert_update_delete_each_leave_a_version_with_who_how_and_why(clean_db):
    with clean_db.begin() as conn:
        versions.stamp(conn, actor="王规划", channel="map", note="新建")
        add_features(conn, "parks", {"fid": "p1", "name": "牧马河公园", "park_class": "G11",
                                     "geom": SQUARE})
    parks = layer_table("parks")
    with clean_db.begin() as conn:
        versions.stamp(conn, actor="李审核", channel="api", note="更正名称")
        conn.execute(parks.update().where(parks.c.fid == "p1").values(name="牧马河滨河公园"))
    with clean_db.begin() as conn:
        versions.stamp(conn, actor="王规划", channel="map", note="误建")
        conn.execute(parks.delete().where(parks.c.fid == "p1"))

    assert _versions(clean_db) == [
        (1, "insert", "王规划", "map", "新建", "牧马河公园", False),
        (2, "update", "李审核", "api", "更正名称", "牧马河滨河公园", False),
        (3, "delete", "王规划", "map", "误建", "牧马河滨河公园", False),
    ]


def test_a_statement_nobody_stamped_is_recorded_as_the_database_role_through_sql(clean_db):
    with clean_db.begin() as conn:
        add_features(conn, "parks", {"fid": "p1", "name": "公园", "park_class": "G11",
                                     "geom": SQUARE})
        role = conn.scalar(sa.text("SELECT session_user"))
    assert _versions(clean_db) == [(1, "insert", role, "sql", None, "公园", True)]


def test_the_stamp_ends_with_its_transaction(clean_db):
    with clean_db.begin() as conn:
        versions.stamp(conn, actor="王规划", channel="map")
    with clean_db.begin() as conn:  # the pool may hand back the same connection
        add_features(conn, "parks", {"fid": "p1", "name": "公园", "park_class": "G11",
                                     "geom": SQUARE})
    assert _versions(clean_db)[0][2:4] != ("王规划", "map")


def test_stamp_refuses_an_unknown_channel_and_an_overlong_note(clean_db):
    with clean_db.begin() as conn:
        with pytest.raises(ValueError, match="unknown channel"):
            versions.stamp(conn, actor="x", channel="fax")
        with pytest.raises(InvalidInput, match="2000"):
            versions.stamp(conn, actor="x", channel="map", note="长" * 2001)


def test_an_import_writes_versions_only_for_what_it_changed(clean_db, tmp_path):
    import_paths(clean_db, [write_layer(tmp_path / "v1", "parks", [park("P1"), park("P2")],
                                        [square(), square(X0 + 200)])],
                 ImportOptions(actor="张三"))
    import_paths(clean_db, [write_layer(tmp_path / "v2", "parks",
                                        [park("P1"), park("P2", "新名称")],
                                        [square(), square(X0 + 200)])],
                 ImportOptions(actor="李四"))

    assert [row[:4] for row in _versions(clean_db, fid="P1")] == [(1, "insert", "张三", "import")]
    p2 = _versions(clean_db, fid="P2")
    assert [row[:4] + row[5:] for row in p2] == [(1, "insert", "张三", "import", "测试公园", False),
                                                 (2, "update", "李四", "import", "新名称", True)]
    assert "parks" in p2[1][4]  # the note names the file imported


def test_a_refused_import_leaves_no_version(clean_db, tmp_path):
    path = write_layer(tmp_path, "parks", [park("P1"), park("P1")], [square(), square()])
    with pytest.raises(Exception):
        import_paths(clean_db, [path])
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(feature_versions)) == 0


def test_history_gives_every_version_oldest_first_with_its_geometry(clean_db):
    parks = layer_table("parks")
    with clean_db.begin() as conn:
        add_features(conn, "parks", {"fid": "p1", "name": "公园", "park_class": "G11",
                                     "geom": SQUARE})
    with clean_db.begin() as conn:
        versions.stamp(conn, actor="王规划", channel="map", note="外扩")
        conn.execute(parks.update().where(parks.c.fid == "p1")
                     .values(geom=sa.func.ST_GeomFromEWKT(f"SRID=4326;{MOVED}")))
    with clean_db.connect() as conn:
        found = versions.history(conn, "parks", "p1")
        with pytest.raises(NotFound, match="never had one"):
            versions.history(conn, "parks", "nope")

    assert [f["version"]["number"] for f in found] == [1, 2]
    assert found[0]["geometry"]["coordinates"][0][0][0] == [107.73, 32.97]
    assert found[1]["geometry"]["coordinates"][0][0][0] == [107.75, 32.97]
    assert found[0]["version"]["valid_to"] == found[1]["version"]["valid_from"]
    assert [f["version"]["current"] for f in found] == [False, True]
    assert found[1]["properties"]["name"] == "公园"
    assert "fid" not in found[1]["properties"] and "geom" not in found[1]["properties"]
    assert "imported_at" not in found[1]["properties"]


@pytest.fixture
def moved_park(clean_db):
    """p1 drawn at SQUARE, then moved to MOVED, then p2 added, then p1 deleted; the instants
    between the steps."""
    parks = layer_table("parks")
    moments = {}
    with clean_db.begin() as conn:
        add_features(conn, "parks", {"fid": "p1", "name": "公园", "park_class": "G11",
                                     "geom": SQUARE})
    time.sleep(0.01)
    moments["drawn"] = _now(clean_db)
    with clean_db.begin() as conn:
        conn.execute(parks.update().where(parks.c.fid == "p1")
                     .values(geom=sa.func.ST_GeomFromEWKT(f"SRID=4326;{MOVED}")))
    time.sleep(0.01)
    moments["moved"] = _now(clean_db)
    with clean_db.begin() as conn:
        add_features(conn, "parks", {"fid": "p2", "name": "二号", "park_class": "G12",
                                     "geom": SQUARE})
    time.sleep(0.01)
    moments["added"] = _now(clean_db)
    with clean_db.begin() as conn:
        conn.execute(parks.delete().where(parks.c.fid == "p1"))
    return moments


def _items(client, **args):
    response = client.get("/ogc/collections/parks/items", query_string=args)
    assert response.status_code == 200, response.get_json()
    return {f["id"]: f["geometry"]["coordinates"][0][0][0]
            for f in response.get_json()["features"]}


def test_datetime_instant_gives_the_layer_as_it_was(client, moved_park):
    def at(name):
        return moved_park[name].astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    assert _items(client, datetime=at("drawn")) == {"p1": [107.73, 32.97]}
    assert _items(client, datetime=at("moved")) == {"p1": [107.75, 32.97]}
    assert _items(client, datetime=at("added")) == {"p1": [107.75, 32.97],
                                                    "p2": [107.73, 32.97]}
    assert _items(client) == {"p2": [107.73, 32.97]}  # p1 is deleted now
    assert _items(client, datetime="2000-01-01T00:00:00Z") == {}
    response = client.get("/ogc/collections/parks/items",
                          query_string={"datetime": at("added"), "park_class": "G11"})
    assert [f["id"] for f in response.get_json()["features"]] == ["p1"]
    assert response.get_json()["features"][0]["properties"]["name"] == "公园"


def test_versions_route_lists_every_version_and_404s_an_unknown_item(client, moved_park):
    response = client.get("/ogc/collections/parks/items/p1/versions")
    assert response.status_code == 200
    body = response.get_json()
    assert [f["version"]["op"] for f in body["features"]] == ["insert", "update", "delete"]
    assert body["numberReturned"] == 3
    missing = client.get("/ogc/collections/parks/items/zz/versions")
    assert missing.status_code == 404
    assert client.get("/ogc/collections/nolayer/items/p1/versions").status_code == 404
    assert client.get("/ogc/collections/parks/items/p1/versions?f=html").status_code == 400
    assert client.get("/ogc/collections/parks/items/p1/versions?x=1").status_code == 400


def test_restore_brings_back_every_version_and_writes_none_of_its_own(moved_park, clean_db,
                                                                      tmp_path):
    def rows():
        with clean_db.connect() as conn:
            return conn.execute(sa.select(feature_versions).order_by(feature_versions.c.id)
                                ).all()

    before = rows()
    backup(clean_db, tmp_path / "b.gpkg")
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with clean_db.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    restore(clean_db, tmp_path / "b.gpkg")
    after = rows()
    assert len(after) == len(before) == 4  # p1 insert, update, delete; p2 insert
    assert [(r.layer, r.fid, r.version, r.op, r.valid_from, r.valid_to) for r in after] == \
        [(r.layer, r.fid, r.version, r.op, r.valid_from, r.valid_to) for r in before]
