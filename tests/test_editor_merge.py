"""The map editor's merge (issue 16): POST /ogc/collections/{layer}/items/{id}/merge joins a
second feature into the first in one transaction — the union kept, the other deleted, each a
version — under the same rules as every write (department, If-Match, validation)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from shapely.geometry import shape

from layers.storage.models import feature_versions
from layers.tracking.accounts import create_user, issue_token
from tests.factories import add_project
from tests.live_server import with_serving

pytest_plugins = ["tests.factories"]

ITEMS = "/ogc/collections/parks/items"


def square(x0: float) -> dict:
    """About 100 m × 100 m near Xixiang, its west edge at longitude *x0*."""
    return {"type": "Polygon", "coordinates": [[[x0, 32.980], [x0 + 0.001, 32.980],
                                                [x0 + 0.001, 32.9809], [x0, 32.9809],
                                                [x0, 32.980]]]}


@pytest.fixture
def app(app):
    return with_serving(app)


@pytest.fixture
def tokens(clean_db):
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王规划", "planner", "住建局")
        create_user(conn, "zhao", "赵规划", "planner", "交通局")
        add_project(conn, "DL-001", "城南路改造", department="交通局")
        return {name: {"Authorization": f"Bearer {issue_token(conn, name)}"}
                for name in ("wang", "zhao")}


def add(client, tokens, fid, x0, who="wang", **extra):
    body = {"type": "Feature", "id": fid, "geometry": square(x0),
            "properties": {"name": fid, "park_class": "G12"}, **extra}
    response = client.post(ITEMS, json=body, headers=tokens[who])
    assert response.status_code == 201, response.get_json()


def test_two_touching_squares_merge_into_one_rectangle_and_the_other_is_deleted(
        client, tokens, clean_db):
    add(client, tokens, "A", 107.760)
    add(client, tokens, "B", 107.761)  # shares A's east edge
    response = client.post(f"{ITEMS}/A/merge", json={"other": "B", "other_version": 1,
                                                     "note": "合并"},
                           headers={**tokens["wang"], "If-Match": '"1"'})
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"2"'
    merged = shape(response.get_json()["geometry"])
    assert merged.area == pytest.approx(0.002 * 0.0009, rel=1e-6)  # one 200 m × 100 m piece
    assert client.get(f"{ITEMS}/B").status_code == 404
    with clean_db.connect() as conn:
        rows = conn.execute(sa.select(feature_versions.c.fid, feature_versions.c.op,
                                      feature_versions.c.note)
                            .order_by(feature_versions.c.fid, feature_versions.c.version)).all()
    assert [tuple(r) for r in rows] == [("A", "insert", None), ("A", "update", "合并"),
                                        ("B", "insert", None), ("B", "delete", "合并")]


def test_a_stale_other_feature_is_412_and_nothing_changes(client, tokens):
    add(client, tokens, "A", 107.760)
    add(client, tokens, "B", 107.761)
    response = client.post(f"{ITEMS}/A/merge", json={"other": "B", "other_version": 7},
                           headers=tokens["wang"])
    assert response.status_code == 412
    assert response.get_json()["current"]["id"] == "B"
    assert client.get(f"{ITEMS}/B").status_code == 200
    assert client.get(f"{ITEMS}/A").headers["ETag"] == '"1"'


def test_a_feature_of_another_departments_project_is_not_merged_in(client, tokens):
    add(client, tokens, "A", 107.760)
    add(client, tokens, "B", 107.761, who="zhao", projects=["DL-001"])
    response = client.post(f"{ITEMS}/A/merge", json={"other": "B"}, headers=tokens["wang"])
    assert response.status_code == 403
    assert client.get(f"{ITEMS}/B").status_code == 200


@pytest.mark.parametrize(("body", "message"), [
    ({}, "must name the feature"),
    ({"other": "A"}, "cannot be merged with itself"),
    ({"other": "B", "other_version": "x"}, "other_version"),
])
def test_a_bad_merge_body_is_400_naming_what_is_wrong(client, tokens, body, message):
    add(client, tokens, "A", 107.760)
    add(client, tokens, "B", 107.761)
    response = client.post(f"{ITEMS}/A/merge", json=body, headers=tokens["wang"])
    assert response.status_code == 400 and message in response.get_json()["description"]
