"""The Atom feed of status changes and overdue projects (/feeds/changes.atom)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from layers import clock
from layers.tracking.accounts import create_user, issue_token

pytest_plugins = ["tests.factories"]

ATOM = "{http://www.w3.org/2005/Atom}"
# city: DL-001 (住建局, in progress, one status event on 2024-05-01), DL-002 (交通局, planned,
# due 2020-06-30: overdue), YL-001 (completed, due 2020: finished, not overdue), HW-001
# (城管局, suspended, no due date).


@pytest.fixture
def planner(city, clean_db) -> str:
    """A token of a planner of 住建局 (DL-001's department)."""
    with clean_db.begin() as conn:
        create_user(conn, "wang", "王工", "planner", "住建局")
        return issue_token(conn, "wang")


def _feed(client, query: str = "", headers: dict | None = None) -> etree._Element:
    response = client.get("/feeds/changes.atom" + query, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return etree.fromstring(response.data)


def _entries(feed) -> list[dict]:
    return [{"id": e.findtext(ATOM + "id"), "title": e.findtext(ATOM + "title"),
             "updated": e.findtext(ATOM + "updated"),
             "link": e.find(ATOM + "link").get("href"),
             "category": e.find(ATOM + "category").get("term"),
             "author": e.findtext(f"{ATOM}author/{ATOM}name"),
             "content": e.findtext(ATOM + "content")} for e in feed.iter(ATOM + "entry")]


def _time(text: str) -> dt.datetime:
    assert text.endswith("Z") or text[-6] in "+-", f"{text} has no time zone (RFC 3339)"
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _change_status(client, project_id: int, token: str, status: str):
    response = client.patch(f"/api/projects/{project_id}", json={"status": status},
                            headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'})
    assert response.status_code == 200, response.get_json()


def test_feed_is_atom_with_the_required_elements(client, city):
    feed = _feed(client)

    assert feed.tag == ATOM + "feed"
    assert feed.findtext(ATOM + "id").startswith("urn:uuid:")
    assert feed.findtext(ATOM + "title")
    assert feed.findtext(f"{ATOM}author/{ATOM}name")
    _time(feed.findtext(ATOM + "updated"))
    links = {link.get("rel"): link.get("href") for link in feed.findall(ATOM + "link")}
    assert urlsplit(links["self"]).path == "/feeds/changes.atom"
    assert urlsplit(links["alternate"]).path == "/dashboard"
    for entry in feed.iter(ATOM + "entry"):
        for required in ("id", "title", "updated"):
            assert entry.findtext(ATOM + required), required
        assert entry.find(ATOM + "link").get("rel") == "alternate"


def test_overdue_project_is_an_entry_dated_the_day_after_its_due_date(client, city):
    overdue = [e for e in _entries(_feed(client)) if e["category"] == "overdue"]

    assert [e["title"] for e in overdue] == [f"逾期：DL-002 东环路提升（{_days_since_past()} 天）"]
    assert overdue[0]["updated"] == "2020-07-01T00:00:00+08:00"  # midnight in Xixiang
    assert "交通局" in overdue[0]["content"] and "2020-06-30" in overdue[0]["content"]
    link = urlsplit(overdue[0]["link"])
    assert (link.path, link.fragment) == ("/", f"project={city['DL-002']}")


def _days_since_past() -> int:
    return (clock.today() - dt.date(2020, 6, 30)).days


def test_status_change_is_an_entry_with_old_and_new_status_and_its_actor(client, city, planner):
    _change_status(client, city["DL-001"], planner, "completed")

    changes = [e for e in _entries(_feed(client)) if e["category"] == "status"]

    assert [e["title"] for e in changes] == ["DL-001 城南路改造：在建 → 完工",
                                             "DL-001 城南路改造：在建"]
    assert changes[0]["author"] == "王工（住建局）"
    assert _time(changes[0]["updated"]) > _time(changes[1]["updated"])
    assert urlsplit(changes[0]["link"]).fragment == f"project={city['DL-001']}"


def test_a_note_or_progress_change_is_not_a_status_change(client, city, planner):
    response = client.patch(f"/api/projects/{city['DL-001']}", json={"progress": 55, "note": "x"},
                            headers={"Authorization": f"Bearer {planner}", "If-Match": '"1"'})
    assert response.status_code == 200

    changes = [e for e in _entries(_feed(client)) if e["category"] == "status"]

    assert [e["title"] for e in changes] == ["DL-001 城南路改造：在建"]


def test_entries_are_newest_first_and_the_feed_is_as_new_as_its_newest(client, city, planner):
    _change_status(client, city["DL-001"], planner, "completed")
    feed = _feed(client)

    times = [_time(e["updated"]) for e in _entries(feed)]

    assert times == sorted(times, reverse=True) and len(times) == 3
    assert _time(feed.findtext(ATOM + "updated")) == times[0]


def test_entry_ids_are_unique_and_stable(client, city, planner):
    _change_status(client, city["DL-001"], planner, "completed")

    first = [e["id"] for e in _entries(_feed(client))]
    second = [e["id"] for e in _entries(_feed(client))]

    assert first == second
    assert len(set(first)) == len(first) == 3
    assert all(i.startswith("urn:uuid:") for i in first)


def test_english_feed_uses_english_labels(client, city):
    feed = _feed(client, "?lang=en")

    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    titles = [e["title"] for e in _entries(feed)]
    assert "DL-001 城南路改造: In progress" in titles
    assert any(t.startswith("Overdue: DL-002") for t in titles)


def test_department_keeps_one_departments_projects(client, city):
    titles = [e["title"] for e in _entries(_feed(client, "?department=交通局"))]

    assert len(titles) == 1 and titles[0].startswith("逾期：DL-002")


def test_text_from_the_database_is_escaped(client, city, new_project):
    new_project("XSS-1", "<b>&amp; 项目</b>", department="x", due_date=dt.date(2020, 1, 1))

    titles = [e["title"] for e in _entries(_feed(client))]

    assert any("XSS-1 <b>&amp; 项目</b>" in t for t in titles)


def test_a_guarded_feed_opens_with_a_bearer_token_and_links_to_itself(app, city, planner):
    app.config["LIANCHUANG_READ"] = "viewer"
    client = app.test_client()
    assert client.get("/feeds/changes.atom").status_code == 401

    feed = _feed(client, "?lang=en", headers={"Authorization": f"Bearer {planner}"})

    self_link = next(link.get("href") for link in feed.findall(ATOM + "link")
                     if link.get("rel") == "self")
    assert parse_qs(urlsplit(self_link).query) == {"lang": ["en"]}


def test_a_token_in_the_feed_url_is_refused_naming_the_header(client, city, planner):
    response = client.get(f"/feeds/changes.atom?api_key={planner}")

    assert response.status_code == 400
    assert "Authorization: Bearer" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("query", ["?lang=fr", "?colour=red", "?department=%00",
                                   "?lang=en&lang=zh&page=2"])
def test_bad_feed_request_is_400_json(client, city, query):
    response = client.get("/feeds/changes.atom" + query)

    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_an_escalated_case_is_an_entry_for_its_unit(client, city, clean_db):
    from layers.cases.cases import escalate_overdue, take_step
    from layers.tracking.problem_reports import file_report

    with clean_db.begin() as conn:
        dispatcher = create_user(conn, "zhang", "张受理", "inspector", duties=("dispatcher",))
    case = file_report(clean_db, None, category="garbage", lon=107.76, lat=32.98,
                       description="垃圾")
    monday = dt.datetime(2026, 11, 2, 9, 0, tzinfo=clock.zone())
    take_step(clean_db, case["id"], dispatcher, "accept", version=1, now=monday)
    take_step(clean_db, case["id"], dispatcher, "dispatch", version=2, now=monday)
    assert escalate_overdue(clean_db, now=monday + dt.timedelta(hours=3)) == [case["id"]]

    (entry,) = [e for e in _entries(_feed(client)) if e["category"] == "escalation"]
    assert entry["title"] == f"督办：案件 {case['id']} 垃圾堆积（县城市管理局）"
    assert entry["author"] == "系统督办" and "县城市管理局领导" in entry["content"]
    assert entry["link"].endswith(f"/api/cases/{case['id']}")
    assert _time(entry["updated"]) == monday + dt.timedelta(hours=3)
    english = [e for e in _entries(_feed(client, "?lang=en")) if e["category"] == "escalation"]
    assert english[0]["title"] == f"Escalated: case {case['id']} Garbage accumulation (县城市管理局)"
    others = _entries(_feed(client, "?department=交通局"))
    assert not [e for e in others if e["category"] == "escalation"]
