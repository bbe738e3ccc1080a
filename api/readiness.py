"""``/api/readiness/<title>``: each title's checklist measured and judged; entered figures
with their evidence; the page ``/readiness`` and its printable report.

The work is :mod:`layers.readiness` (checklists, measuring, judging, entries, snapshots);
here requests are parsed and answers shaped.
"""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, render_template, request, url_for

from api import params, schemas
from api.auth import current_user
from api.database import get_engine
from api.i18n import page_language
from api.openapi import Blueprint
from api.render import attachment, json_response
from geo.errors import NotFound
from layers import clock
from layers.i18n import translator
from layers.readiness import communities, entries, movers
from layers.readiness.checklists import checklist, checklists
from layers.readiness.measure import Context
from layers.readiness.readiness import STATUS_WORDS, readiness_body
from layers.storage.models import projects
from webmap import assets, readiness_xlsx
from webmap.pdf import print_pdf
from webmap.readiness import community_view, entry_history, readiness_view

bp = Blueprint("readiness", __name__,
               description="Readiness for each title: every checklist item, veto first.")

TITLE = {"in": "path", "name": "title",
         "schema": {"type": "string", "enum": list(checklists())}}
_WRITE = {"security": [{"token": []}]}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The title the page opens on.
DEFAULT_TITLE = "national_garden"


class EntryBody(ma.Schema):
    item = params.Text(required=True, metadata={"description": "The item's key (an entered "
                                                                "item of the title)."})
    value = ma.fields.Raw(required=True, metadata={
        "description": "A number in the item's unit, or true/false for a yes/no item."})
    as_of = params.Text(required=True, metadata={"description": "YYYY-MM-DD: the date the "
                                                                "value holds for."})
    evidence_id = params.Text(metadata={"description": "An uploaded photo or document "
                                                       "(POST /api/photos)."})
    evidence_text = params.Text(metadata={"description": "A document's title and number."})
    note = params.Text()


class EntriesQuery(params.QuerySchema):
    item = params.Text()


class PageQuery(params.LangQuery):
    title = params.Choice(tuple(checklists()), load_default=DEFAULT_TITLE)


class ReportQuery(params.QuerySchema):
    format = params.Choice(("html", "pdf", "xlsx"), fold_case=True, load_default="html")


@bp.get("/api/readiness/<title>", parameters=[TITLE])
@bp.query(params.LangQuery)
@bp.response(200, schemas.Document)
@bp.errors(404, 503)
def title_readiness(query: dict, title: str) -> Response:
    """Readiness for a title

    Every checklist item, veto items first: its value (from the layers, the cases, or the
    latest entry), the ledger's projects that move it (`projects`, by the item's
    `moved_by` rule; null where it has none), status (pass, fail, no_data,
    unverified_threshold: no threshold found), threshold with whether its text was
    verified, the gap in the item's unit, the clause it comes from, its target date and
    phase, its snapshots and the projection; and the verdict, which never passes while a
    veto item fails or cannot be judged.
    """
    checklist(title)
    engine = get_engine()
    return json_response(with_projects(engine, readiness_body(engine, title, page_language())))


@bp.get("/api/readiness/<title>/entries", parameters=[TITLE])
@bp.query(EntriesQuery)
@bp.response(200, schemas.Document)
@bp.errors(404)
def list_entries(query: dict, title: str) -> Response:
    """Entries of a title

    Every entered figure, newest first (all are kept), with its evidence and who entered it.
    """
    return json_response({"title": title,
                          "entries": entries.list_entries(get_engine(), title,
                                                          query.get("item"))})


@bp.post("/api/readiness/<title>/entries", parameters=[TITLE])
@bp.arguments(EntryBody)
@bp.response(201, schemas.Document)
@bp.errors(400, 401, 403, 404)
@bp.doc(**_WRITE)
def add_entry(body: dict, title: str) -> Response:
    """Enter a figure

    A planner or admin enters an item's value with its date and evidence (an uploaded file's
    id or a document's title and number). Every entry is kept; the latest counts.
    """
    found = entries.add_entry(get_engine(), current_user(), title, body)
    return json_response(found, status=201)


@bp.get("/readiness")
@bp.query(PageQuery)
@bp.content(200, "The page", "text/html", schema={"type": "string"})
def page(query: dict) -> Response:
    """The readiness page

    One title's checklist (tabs for the six), veto items first, with trends and
    projections; Chinese unless `lang=en`.
    """
    lang = page_language()
    title = query["title"]
    engine = get_engine()
    body = with_projects(engine, readiness_body(engine, title, lang))
    other = "zh" if lang == "en" else "en"
    static_root = url_for("webmap.static", filename="").rstrip("/")
    html = render_template(
        "readiness.html", **readiness_view(body, lang), lang=lang,
        history=entry_history(entries.list_entries(engine, title), body["items"], lang),
        by_community=community_view(
            communities.community_readiness(Context(engine, clock.today()), checklist(title)),
            body["items"], lang),
        api_root=request.script_root + "/api",
        signin_url=url_for("signin.sign_in_page", next=request.full_path.rstrip("?")),
        page_script=assets.module_url("readiness-page", static_root),
        tab_urls={t["key"]: url_for("readiness.page", title=t["key"],
                                    lang="en" if lang == "en" else None)
                  for t in body["titles"]},
        other_url=url_for("readiness.page", title=title, lang=other),
        report_url=url_for("readiness.report", title=title),
        pdf_url=url_for("readiness.report", title=title, format="pdf"),
        xlsx_url=url_for("readiness.report", title=title, format="xlsx"),
        json_url=url_for("readiness.title_readiness", title=title),
        dashboard_url=url_for("dashboard.dashboard_page", lang="en" if lang == "en" else None),
        map_url=request.script_root + "/" + ("?lang=en" if lang == "en" else ""),
        static_root=static_root, printable=False)
    return Response(html, mimetype="text/html")


@bp.get("/api/readiness/<title>/report", parameters=[TITLE])
@bp.query(ReportQuery)
@bp.content(200, "The report", "text/html", "application/pdf", XLSX)
@bp.errors(404, 503)
def report(query: dict, title: str) -> Response:
    """The printable readiness report

    The title's checklist in Chinese, self-contained: `html` a printable page, `pdf` the
    same printed by headless Chromium (503 where it is missing); `xlsx` a workbook: every
    item veto first with its value, threshold (待核实 where none), status, gap, evidence,
    clause and target, the verdict, and a sheet of the snapshots.
    """
    checklist(title)
    engine = get_engine()
    body = with_projects(engine, readiness_body(engine, title, "zh"))
    if query["format"] == "xlsx":
        return attachment(readiness_xlsx.workbook(body), XLSX,
                          f"readiness-{title}-{body['as_of']}.xlsx")
    html = render_template("readiness.html", **readiness_view(body, "zh"), lang="zh",
                           tab_urls={}, printable=True, static_root=None)
    if query["format"] == "pdf":
        return attachment(print_pdf(html), "application/pdf",
                          f"readiness-{title}-{body['as_of']}.pdf")
    return Response(html, mimetype="text/html")


@bp.get("/api/readiness/projects/<int:project_id>",
        parameters=[{"in": "path", "name": "project_id", "schema": {"type": "integer"}}])
@bp.query(params.LangQuery)
@bp.response(200, schemas.Document)
@bp.errors(404)
def project_items(query: dict, project_id: int) -> Response:
    """The readiness items a project moves

    Every title's item whose `moved_by` rule takes this project (its category, a linked
    feature's layer, or a linked feature inside a first-level water-source zone), with why
    and a link to the item on the readiness page.
    """
    engine = get_engine()
    with engine.connect() as conn:
        if conn.scalar(sa.select(projects.c.id).where(projects.c.id == project_id)) is None:
            raise NotFound(f"no project {project_id}; list them at /api/projects")
    lang = page_language()
    found = movers.moved_by_project(engine, project_id)
    for row in found:
        row["href"] = url_for("readiness.page", title=row["title"],
                              lang="en" if lang == "en" else None) + f"#item-{row['item']}"
    return json_response({"project": project_id, "items": found})


def with_projects(engine: sa.Engine, body: dict) -> dict:
    """*body* with each item's ``projects``: the ledger's projects that move it (``None``
    where the item has no ``moved_by`` rule)."""
    moving = movers.movers(engine, checklist(body["title"]["key"]))
    for item in body["items"]:
        item["projects"] = moving.get(item["key"])
    return body


@bp.get("/api/readiness/<title>/map", parameters=[TITLE])
@bp.query(params.LangQuery)
@bp.response(200, schemas.Document)
@bp.errors(404)
def title_map(query: dict, title: str) -> Response:
    """Readiness on the map

    Each community coloured by its own values of the title's green items (绿地率,
    绿化覆盖率, 人均公园绿地…) against the title's thresholds: `communities`, a GeoJSON
    FeatureCollection whose `status` is the worst of its items; and `zones`, the
    first-level water-source zones with `marked` (a boundary marker near the boundary)
    and `open_cases` inside.  `legend` words each status in the page's language.
    """
    found = checklist(title)
    engine = get_engine()
    lang = page_language()
    _ = translator(lang).gettext
    judged = communities.community_readiness(Context(engine, clock.today()), found)
    shapes = communities.community_shapes(engine)
    names = {item.key: item.zh if lang == "zh" else item.en for item in found.items}
    features = [{"type": "Feature", "id": row["fid"], "geometry": shapes.get(row["fid"]),
                 "properties": {**row, "names": {k: names[k] for k in row["items"]}}}
                for row in judged["communities"] if shapes.get(row["fid"])]
    zones = [{"type": "Feature", "id": zone["fid"], "geometry": zone.pop("geometry"),
              "properties": zone} for zone in communities.level1_zones(engine, found)]
    return json_response({
        "title": {"key": found.key, "label": found.zh if lang == "zh" else found.en},
        "items": [{"key": key, "name": names[key]} for key in judged["items"]],
        "legend": {status: _(STATUS_WORDS[status]) for status in communities.WORST_FIRST},
        "note": judged["note"],
        "communities": {"type": "FeatureCollection", "features": features},
        "zones": {"type": "FeatureCollection", "features": zones}})
