"""``/api/projects`` and ``/api/departments``: the ledger, read-only."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.factories"]


def codes(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [project["code"] for project in response.get_json()["projects"]]


def test_projects_are_listed_by_code(client, city):
    listing = client.get("/api/projects").get_json()
    assert [p["code"] for p in listing["projects"]] == ["DL-001", "DL-002", "HW-001", "YL-001"]
    assert listing["numberMatched"] == 4 and listing["numberReturned"] == 4


def test_a_listed_project_carries_labels_and_overdue(client, city):
    dl002 = client.get("/api/projects?q=DL-002").get_json()["projects"][0]
    assert dl002["overdue"] is True
    assert dl002["status_label"] == {"zh": "规划", "en": "Planned"}
    assert dl002["category_label"] == {"zh": "道路改造", "en": "Road renovation"}
    assert dl002["due_date"] == "2020-06-30"


@pytest.mark.parametrize(("query", "expected"), [
    ({"overdue": "true"}, ["DL-002"]),
    ({"overdue": "false"}, ["DL-001", "HW-001", "YL-001"]),
    ({"status": "暂停"}, ["HW-001"]),
    ({"campaign": "national_garden"}, ["YL-001"]),
    ({"department": "住建局"}, ["DL-001", "YL-001"]),
    ({"q": "公园"}, ["YL-001"]),
    ({"status": "planned,completed", "department": "住建局"}, ["YL-001"]),
])
def test_project_filters(client, city, query, expected):
    assert codes(client.get("/api/projects", query_string=query)) == expected


def test_project_paging(client, city):
    page = client.get("/api/projects?limit=3").get_json()
    assert [p["code"] for p in page["projects"]] == ["DL-001", "DL-002", "HW-001"]
    next_link = next(link["href"] for link in page["links"] if link["rel"] == "next")
    assert codes(client.get(next_link)) == ["YL-001"]


def test_project_detail_links_its_features_as_geojson(client, city):
    project = client.get(f"/api/projects/{city['DL-002']}").get_json()
    assert [(f["layer"], f["fid"], f["name"]) for f in project["features"]] == [
        ("facilities", "f2", "垃圾收集点"), ("road_segments", "r2", "东环路")]
    href = project["features"][1]["href"]
    assert href == "http://localhost/api/layers/road_segments/features/r2"
    assert client.get(href).get_json()["id"] == "r2"


def test_project_history_is_newest_first(client, city):
    history = client.get(f"/api/projects/{city['DL-001']}").get_json()["history"]
    assert [(e["status"], e["progress"], e["note"]) for e in history] == [
        ("in_progress", 40, "路面铣刨完成"), ("planned", 0, None)]
    assert history[0]["at"].startswith("2024-05-01T")


@pytest.mark.parametrize(("project_id", "message"), [
    ("999", "no project with id 999"),
    ("abc", "project ids are whole numbers"),
    ("99999999999999999999", "no project with id 99999999999999999999"),
])
def test_unknown_project_is_404(client, city, project_id, message):
    response = client.get(f"/api/projects/{project_id}")
    assert response.status_code == 404
    assert message in response.get_json()["error"]["message"]


def test_departments_with_their_project_counts(client, city):
    departments = client.get("/api/departments").get_json()["departments"]
    assert {d["name"]: d["projects"] for d in departments} == {
        "住建局": 2, "交通局": 1, "城管局": 1}
