"""The dashboard: its figures on the known city (worked out by hand) and the page itself.

city: DL-001 住建局 在建 40% (全国文明城市, 国家卫生县城; due 2099), DL-002 交通局 规划 0%
(国家卫生县城; due 2020: overdue), YL-001 住建局 完工 100% (国家园林县城; due 2020 but
finished), HW-001 城管局 暂停 0% (国家卫生县城; no due date).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from lxml import html

from layers import clock
from layers.tracking import dashboard
from layers.tracking.accounts import create_user, issue_token
from webmap import charts

pytest_plugins = ["tests.factories"]

TODAY = dt.date(2024, 7, 1)


@pytest.fixture
def with_reports(city, clean_db, client) -> dict[str, int]:
    """The city and three reports: garbage ×2 (县城市管理局; one refused by the dispatcher),
    road damage (县住建局)."""
    with clean_db.begin() as conn:
        create_user(conn, "li", "小李", "inspector", None)
        token = issue_token(conn, "li")
        create_user(conn, "zhang", "张受理", "inspector", duties=("dispatcher",))
        dispatcher = issue_token(conn, "zhang")
    filed = [client.post("/open311/v2/requests.json", data={
        "api_key": token, "service_code": code, "lat": lat, "long": "107.75",
        "description": "问题"}).get_json()[0]["service_request_id"]
        for code, lat in (("garbage", "32.99"), ("garbage", "33.01"), ("road_damage", "32.98"))]
    refused = client.post(f"/api/cases/{filed[1]}/steps",
                          json={"action": "refuse", "note": "已自行清理"},
                          headers={"Authorization": f"Bearer {dispatcher}", "If-Match": '"1"'})
    assert refused.status_code == 200, refused.get_json()
    return city


def _page(client, query: str = ""):
    response = client.get("/dashboard" + query)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return html.fromstring(response.data)


def _select(tree, selector: str) -> list:
    """Elements matching a simple CSS selector: descendants of ``#id``, ``.class``, ``tag``
    and ``tag[attr=value]`` steps (lxml's cssselect needs a package we do without)."""
    path = "."
    for step in selector.split():
        if step.startswith("#"):
            path += f"//*[@id='{step[1:]}']"
        elif step.startswith("."):
            path += f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {step[1:]} ')]"
        else:
            tag, _, condition = step.partition("[")
            attribute, _, value = condition.rstrip("]").partition("=")
            path += f"//{tag}" + (f"[@{attribute}='{value}']" if condition else "")
    return tree.xpath(path)


def _labels(tree, selector: str) -> list[str]:
    """The own text of each chart label (without its <title> tooltip)."""
    return ["".join(e.xpath("text()")) for e in _select(tree, selector)]


def _text(tree, selector: str) -> str:
    return " ".join(" ".join(e.itertext()) for e in _select(tree, selector))


def test_totals(clean_db, city):
    assert dashboard.totals(clean_db, TODAY) == {
        "projects": 4, "mean_progress": 35.0, "overdue": 1, "open_reports": 0,
        "by_status": {"planned": 1, "approved": 0, "in_progress": 1, "completed": 1,
                      "accepted": 0, "suspended": 1}}


def test_progress_by_campaign_counts_a_project_in_each_of_its_campaigns(clean_db, city):
    groups = {g["key"]: g for g in dashboard.progress_by(clean_db, "campaign", TODAY)}

    assert list(groups) == ["national_sanitary", "national_garden", "provincial_eco_garden",
                            "provincial_eco", "provincial_civilized", "national_civilized"]
    assert groups["national_sanitary"] == {
        "key": "national_sanitary", "projects": 3, "mean_progress": 13.3, "overdue": 1,
        "by_status": {"in_progress": 1, "planned": 1, "suspended": 1}}
    assert groups["national_garden"]["by_status"] == {"completed": 1}
    assert groups["national_garden"]["mean_progress"] == 100.0
    assert groups["national_civilized"]["projects"] == 1
    assert groups["provincial_eco"] == {"key": "provincial_eco", "projects": 0,
                                        "mean_progress": 0.0, "overdue": 0, "by_status": {}}


def test_progress_by_department_lists_the_busiest_first(clean_db, city):
    groups = dashboard.progress_by(clean_db, "department", TODAY)

    assert [(g["key"], g["projects"], g["mean_progress"], g["overdue"]) for g in groups] == [
        ("住建局", 2, 70.0, 0), ("交通局", 1, 0.0, 1), ("城管局", 1, 0.0, 0)]


def test_unknown_grouping_is_refused(clean_db):
    with pytest.raises(ValueError, match="grouping"):
        dashboard.progress_by(clean_db, "colour")


def test_overdue_list_is_the_late_unfinished_projects(clean_db, city):
    overdue = dashboard.overdue_projects(clean_db, TODAY)

    assert [(p["code"], p["department"], p["due_date"], p["days_overdue"]) for p in overdue] \
        == [("DL-002", "交通局", "2020-06-30", (TODAY - dt.date(2020, 6, 30)).days)]
    assert dashboard.overdue_projects(clean_db, dt.date(2020, 6, 30)) == []  # due that day


def test_reports_by_status_lists_every_status(clean_db, with_reports):
    assert dashboard.reports_by(clean_db, "status") == [
        {"key": "reported", "count": 2}, {"key": "filed", "count": 0},
        {"key": "dispatched", "count": 0}, {"key": "handled", "count": 0},
        {"key": "verified", "count": 0}, {"key": "suspended", "count": 0},
        {"key": "closed", "count": 0}, {"key": "refused", "count": 1},
        {"key": "duplicate", "count": 0}]


def test_reports_by_department_most_first(clean_db, with_reports):
    assert dashboard.reports_by(clean_db, "department") == [
        {"key": "县城市管理局", "count": 2}, {"key": "县住建局", "count": 1}]


def test_status_changes_are_status_events_newest_first(clean_db, city):
    changes = dashboard.status_changes(clean_db)

    assert [(c["code"], c["status"], c["note"]) for c in changes] == [
        ("DL-001", "in_progress", "路面铣刨完成")]


def test_page_shows_the_headline_numbers(client, with_reports):
    tree = _page(client)

    assert _text(tree, "#tile-projects .db-tile-value") == "4"
    assert _text(tree, "#tile-progress .db-tile-value") == "35%"
    assert _text(tree, "#tile-overdue .db-tile-value") == "1"
    assert _text(tree, "#tile-reports .db-tile-value") == "2"


def test_page_draws_a_bar_per_campaign_and_per_department(client, city):
    tree = _page(client)

    campaign_labels = _labels(tree, "#by-campaign .db-label")
    assert campaign_labels == ["国家卫生县城", "国家园林县城", "省级生态园林县城", "省级生态县",
                               "省级文明城市", "全国文明城市"]
    department_values = [t.text_content() for t in _select(tree, "#by-department .db-value")]
    assert department_values == ["70%", "0%", "0%"]
    # 国家卫生县城: three projects stacked as 规划, 在建, 暂停 segments of equal width
    first_row = _select(tree, "#by-campaign .db-row")[0]
    segments = [(r.get("fill"), float(r.get("width"))) for r in _select(first_row, "rect")
                if float(r.get("width")) > 0]
    assert len(segments) == 3 and len({round(w, 3) for _, w in segments}) == 1


def test_page_lists_the_overdue_projects_linked_to_the_map(client, city):
    tree = _page(client)

    rows = _select(tree, "#overdue tbody tr")
    assert len(rows) == 1
    cells = [c.text_content().strip() for c in _select(rows[0], "td")]
    days = (clock.today() - dt.date(2020, 6, 30)).days
    assert cells == ["DL-002", "东环路提升", "交通局", "2020-06-30", str(days), "规划", "0%"]
    assert _select(rows[0], "a")[0].get("href") == f"/#project={city['DL-002']}"


def test_page_counts_reports_by_status_and_category(client, with_reports):
    tree = _page(client)

    status_rows = dict(zip(_labels(tree, "#reports-by-status .db-label"),
                           [t.text_content() for t in
                            _select(tree, "#reports-by-status .db-value")]))
    assert status_rows == {"已上报": "2", "已立案": "0", "处置中": "0", "待核查": "0",
                           "已核查": "0", "挂账": "0", "已结案": "0", "不予立案": "1",
                           "重复": "0"}
    assert _labels(tree, "#reports-by-category .db-label") == [
        "垃圾堆积", "道路破损"]


def test_page_links_the_exports_and_the_feed(client, city):
    tree = _page(client)

    links = [a.get("href") for a in _select(tree, ".db-nav a")]
    assert "/api/projects/export?format=xlsx" in links
    assert "/api/projects/export?format=csv" in links
    assert "/feeds/changes.atom" in links
    for href in ("/api/projects/export?format=xlsx", "/feeds/changes.atom"):
        assert client.get(href).status_code == 200
    alternate = _select(tree, "link[rel=alternate]")[0]
    assert alternate.get("type") == "application/atom+xml"


def test_english_page(client, with_reports):
    tree = _page(client, "?lang=en")

    assert tree.get("lang") == "en"
    assert _text(tree, "h1") == "Lianchuang · campaign dashboard"
    assert "National Sanitary County" in _text(tree, "#by-campaign")
    assert "Not filed" in _text(tree, "#reports-by-status")
    assert "Planned" in _text(tree, "#overdue")
    assert "/feeds/changes.atom?lang=en" in [a.get("href") for a in _select(tree, "a")]


def test_empty_database_says_so(client, clean_db):
    tree = _page(client)

    assert _text(tree, "#tile-projects .db-tile-value") == "0"
    assert "没有逾期项目" in _text(tree, "#overdue")
    assert "暂无问题上报" in _text(tree, "#reports-by-category")


def test_names_from_the_database_are_escaped(client, city, new_project):
    new_project("X-1", "<script>alert(1)</script>", department="<b>局</b>",
                due_date=dt.date(2020, 1, 1))

    response = client.get("/dashboard")

    assert b"<script>alert(1)" not in response.data
    assert "<script>alert(1)</script>" in _text(html.fromstring(response.data), "#overdue")


@pytest.mark.parametrize("query", ["?lang=fr", "?page=2", "?lang=%00"])
def test_bad_dashboard_request_is_400_json(client, clean_db, query):
    response = client.get("/dashboard" + query)

    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_chart_scale_ticks_are_round_numbers(client, city):
    tree = _page(client)

    ticks = [t.text_content() for t in _select(tree, "#by-campaign .db-tick")]
    assert ticks and ticks[0] == "0"
    assert all(re.fullmatch(r"\d+", t) for t in ticks)


@pytest.mark.parametrize("largest, scale", [(0, (1, 1)), (1, (1, 1)), (7, (8, 2)),
                                            (30, (30, 10)), (54, (60, 20)), (0.3, (0.3, 0.1))])
def test_chart_scale_ends_on_a_round_number_covering_the_largest_bar(largest, scale):
    top, step = charts.nice_scale(largest)

    assert (top, step) == pytest.approx(scale)


def test_long_labels_are_shortened_to_fit_with_the_full_label_kept():
    row = charts.Row("Provincial Eco-Garden County of Shaanxi", (charts.Part(2, "#000", "x"),), "2")

    chart = charts.horizontal_bars([row], max_label_width=120)

    bar = chart.bars[0]
    assert bar.label.endswith("…") and charts.text_width(bar.label) <= 110
    assert bar.full_label == "Provincial Eco-Garden County of Shaanxi"
    assert bar.segments[0].x == chart.plot_x
    assert bar.segments[0].width == pytest.approx(chart.plot_width)  # 2 of a scale ending at 2


def test_page_scores_this_month_s_cases_by_unit(client, clean_db, city):
    from layers.cases.cases import take_step
    from layers.tracking.problem_reports import file_report

    with clean_db.begin() as conn:
        dispatcher = create_user(conn, "zhang", "张受理", "inspector", duties=("dispatcher",))
    case = file_report(clean_db, None, category="garbage", lon=107.76, lat=32.98,
                       description="垃圾")
    take_step(clean_db, case["id"], dispatcher, "accept", version=1)
    take_step(clean_db, case["id"], dispatcher, "dispatch", version=2)
    tree = _page(client)

    card = _select(tree, "#case-scores")[0]
    cells = [c.text_content().strip() for c in _select(card, "tbody td")]
    assert cells[:4] == ["1", "县城市管理局", "1", "0"]
    month = clock.today().strftime("%Y-%m")
    links = [a.get("href") for a in _select(card, "a")]
    assert f"/api/cases/bulletin?month={month}" in links
    assert client.get(links[0]).status_code == 200
