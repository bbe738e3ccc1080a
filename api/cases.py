"""``/api/cases`` and ``/api/case-categories``: cases on the clock, their steps, and scoring.

A case is a problem report from its first step (上报; ``/api/reports`` and Open311 file
them).  Its status changes only by steps (``POST /api/cases/<id>/steps``), each taken by
a user holding the step's duty, sending back the case's ETag as ``If-Match`` (or
``version``): a skipped step is a 409 naming the allowed next steps, a handler verifying
their own case a 403, a stale version a 409 with the case as it is now.
"""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from flask import Response, current_app, render_template

from api import params, schemas
from api.auth import current_user
from api.database import get_engine
from api.openapi import Blueprint
from api.projects import IfMatch, requested_version
from api.render import GEOJSON, attachment, json_response, with_etag
from geo.errors import InvalidInput
from layers import clock
from layers.cases import bulletin, cases, categories, lifecycle, scoring
from layers.serving.query import plain_text
from layers.storage.catalogue import REPORT_STATUSES
from layers.tracking import problem_reports
from layers.tracking.accounts import Forbidden, NotAuthenticated, require
from webmap.pdf import print_pdf

bp = Blueprint("cases", __name__, url_prefix="/api",
               description="Cases (案件): categories, steps on the clock, scoring and the "
                           "monthly bulletin.")

CASE_ID = {"in": "path", "name": "case_id", "schema": {"type": "integer", "minimum": 1}}
CODE = {"in": "path", "name": "code", "schema": {"type": "string", "maxLength": 64}}
_WRITE = {"security": [{"token": []}]}
_STATUS_CODES = [choice.code for choice, _ in REPORT_STATUSES]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CaseListQuery(params.QuerySchema):
    status = params.Several(metadata={"description": "Statuses: " + ", ".join(_STATUS_CODES)})
    category = params.Several(metadata={"description": "Category codes (service_code)."})
    unit = params.Text(metadata={"description": "Responsible unit (责任单位)."})
    street = params.Text(metadata={"description": "Street office (街道办事处)."})
    community = params.Text(metadata={"description": "Community (社区)."})
    cell = params.Whole(metadata={"description": "Unit grid cell id."})
    overdue = params.YesNo(metadata={"description": "Only overdue (true) or not (false)."})
    warning = params.YesNo(metadata={"description": "Only cases past 80 % of their limit and "
                                                    "not yet overdue (预警), or the others."})
    layer = params.Text(metadata={"description": "With fid: cases about this feature."})
    fid = params.Text()
    since = params.Day(metadata={"description": "Reported on or after this day."})
    until = params.Day(metadata={"description": "Reported on or before this day."})
    limit = params.Whole(load_default=200, validate=ma.validate.Range(
        1, 1000, error="must be between {min} and {max}; got {input}"))
    offset = params.Whole(load_default=0, validate=ma.validate.Range(
        0, 1_000_000, error="must be between {min} and {max}; got {input}"))


class StepBody(ma.Schema):
    action = params.Choice(tuple(lifecycle.STEPS), required=True, metadata={
        "description": "The step: " + ", ".join(f"`{s.action}` ({s.zh})"
                                                for s in lifecycle.STEPS.values())})
    note = params.Text(metadata={"description": "Why (required by refuse, reassign, rework, "
                                                "suspend, escalate, extension requests)."})
    unit = params.Text(metadata={"description": "dispatch (else the category's rules), "
                                                "reassign: the responsible unit."})
    photo_id = params.Text(metadata={"description": "handle and verify: an uploaded photo."})
    lon = ma.fields.Float(metadata={"description": "verify and rework: where you stand."})
    lat = ma.fields.Float()
    minutes = params.Whole(metadata={"description": "request_extension: working minutes."})
    duplicate_of = params.Whole(metadata={"description": "duplicate: the case it repeats."})
    rating = params.Choice(tuple(lifecycle.RATINGS), metadata={"description": "rate."})
    tracking_code = params.Text(metadata={"description": "rate: the reporter's code."})
    version = params.Whole(metadata={"description": "Instead of If-Match"})


class NewCase(ma.Schema):
    category = params.Text(required=True, metadata={
        "description": "A category code (service_code) from /api/case-categories."})
    description = params.Text(required=True)
    lon = ma.fields.Float(metadata={"description": "WGS84; or give the feature instead."})
    lat = ma.fields.Float()
    layer = params.Text(metadata={"description": "The feature the case is about (部件): "
                                                 "its layer..."})
    fid = params.Text(metadata={"description": "...and its id; the case is placed on it "
                                               "when lon/lat are not given."})
    address = params.Text()
    photo_id = params.Text()
    project_id = params.Whole()


class ScoreQuery(params.QuerySchema):
    month = params.Text(metadata={"description": "A calendar month YYYY-MM (or since/until)."})
    since = params.Day()
    until = params.Day(metadata={"description": "Last day of the period (included)."})
    by = params.Choice(tuple(scoring.GROUPS), load_default="unit")


class BulletinQuery(params.QuerySchema):
    month = params.Text(required=True, metadata={"description": "YYYY-MM"})
    format = params.Choice(("xlsx", "pdf", "html"), load_default="xlsx", metadata={
        "description": "xlsx (default), pdf (printed by headless Chromium; 503 where it is "
                       "missing) or html (a printable page)."})


class CategoryBody(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    version = params.Whole(metadata={"description": "Instead of If-Match; none to create."})
    note = params.Text(metadata={"description": "Why it changed (kept with the version)."})
    active = params.YesNo(load_default=True)


class ListCategoriesQuery(params.QuerySchema):
    inactive = params.YesNo(load_default=False)


# --- categories -----------------------------------------------------------------------------


@bp.get("/case-categories")
@bp.query(ListCategoriesQuery)
@bp.response(200, schemas.Document)
def category_list(query: dict) -> Response:
    """Case categories

    Parts (部件) and events (事件) with their codes, filing and closing criteria, time
    limits, units and location rules.
    """
    with get_engine().connect() as conn:
        found = categories.list_categories(conn, include_inactive=query["inactive"])
    return json_response({"categories": found})


@bp.get("/case-categories/<code>", parameters=[CODE])
@bp.query()
@bp.response(200, schemas.Document)
@bp.errors(404)
def category(code: str) -> Response:
    """One case category

    Its current definition; the ETag is its version.
    """
    with get_engine().connect() as conn:
        found = categories.get_category(conn, plain_text(code, "code"))
    return with_etag(json_response(found), found)


@bp.get("/case-categories/<code>/versions", parameters=[CODE])
@bp.query()
@bp.response(200, schemas.Document)
@bp.errors(404)
def category_versions(code: str) -> Response:
    """A category's versions

    Every version, newest first, with who changed it, when and why.
    """
    with get_engine().connect() as conn:
        found = categories.category_versions(conn, plain_text(code, "code"))
    return json_response({"code": code, "versions": found})


@bp.put("/case-categories/<code>", parameters=[CODE])
@bp.arguments(IfMatch, location="headers")
@bp.arguments(CategoryBody)
@bp.response(200, schemas.Document)
@bp.errors(400, 401, 403, 404, 409)
@bp.doc(**_WRITE)
def save_category(headers: dict, body: dict, code: str) -> Response:
    """Create or change a category

    Admins only. The whole definition (as GET gives it); to change one, send its version
    as If-Match. Every version is kept.
    """
    version = requested_version(headers, body.pop("version", None))
    note, active = body.pop("note", None), body.pop("active", True)
    for member in ("updated_at", "updated_by", "code"):
        body.pop(member, None)
    found = categories.save_category(get_engine(), current_user(), plain_text(code, "code"),
                                     body, version=version, note=note, active=active)
    return with_etag(json_response(found), found)


# --- cases ----------------------------------------------------------------------------------


@bp.get("/cases")
@bp.query(CaseListQuery)
@bp.response(200, schemas.ReportCollection, content_type=GEOJSON)
def case_list(query: dict) -> Response:
    """Cases

    Cases as GeoJSON points with their clock, newest first, by status, category, unit,
    street office, community, grid cell, feature and overdue.
    """
    statuses = list(query.get("status", ()))
    unknown = [s for s in statuses if s not in _STATUS_CODES]
    if unknown:
        raise InvalidInput(f"status {unknown[0]!r} is not a case status; statuses are: "
                           + ", ".join(_STATUS_CODES))
    if ("layer" in query) != ("fid" in query):
        raise InvalidInput("give layer and fid together: the feature whose cases to list")
    since = clock.day_start(query["since"]) if "since" in query else None
    until = (clock.day_start(query["until"] + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)
             if "until" in query else None)
    found = problem_reports.list_reports(
        get_engine(), published_only=current_user() is None, statuses=statuses or None,
        categories=list(query.get("category", ())) or None,
        department=_text(query, "unit"), street=_text(query, "street"),
        community=_text(query, "community"), cell=query.get("cell"),
        overdue=query.get("overdue"), warning=query.get("warning"), since=since, until=until,
        limit=query["limit"],
        offset=query["offset"],
        feature=(plain_text(query["layer"], "layer"), plain_text(query["fid"], "fid"))
        if "layer" in query else None)
    features = [{"type": "Feature", "id": r["id"],
                 "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                 "properties": r} for r in found]
    return json_response({"type": "FeatureCollection", "features": features}, GEOJSON)


@bp.post("/cases")
@bp.arguments(NewCase)
@bp.response(201, schemas.Report)
@bp.errors(400, 401, 403, 404)
@bp.doc(**_WRITE)
def file_case(body: dict) -> Response:
    """File a case

    上报 by a signed-in inspector (or above): a category, a description, and the place as
    lon/lat or as a feature of a layer (a 公厕, a road segment) the case is about.
    """
    user = require(current_user(), "inspector")
    layer, fid = body.get("layer"), body.get("fid")
    if (layer is None) != (fid is None):
        raise InvalidInput("give layer and fid together: the feature the case is about")
    lon, lat = body.get("lon"), body.get("lat")
    if (lon is None) != (lat is None):
        raise InvalidInput("give lon and lat together, or neither and a feature")
    if lon is None:
        if layer is None:
            raise InvalidInput("say where: lon and lat, or the feature (layer and fid)")
        lon, lat = problem_reports.feature_point(get_engine(), layer, fid)
    found = problem_reports.file_report(
        get_engine(), user, category=body["category"], lon=lon, lat=lat,
        description=body["description"], address=body.get("address"),
        photo_id=body.get("photo_id"), project_id=body.get("project_id"),
        feature_layer=layer, feature_fid=fid)
    return with_etag(json_response(found, status=201), found)


@bp.get("/cases/<id:case_id>", parameters=[CASE_ID])
@bp.query()
@bp.response(200, schemas.Report)
@bp.errors(404)
def case(case_id: int) -> Response:
    """One case

    The case with its clock, next steps and every event, newest first; the ETag is its
    version.
    """
    found = problem_reports.get_report(get_engine(), case_id,
                                       published_only=current_user() is None)
    return with_etag(json_response(found), found)


@bp.post("/cases/<id:case_id>/steps", parameters=[CASE_ID])
@bp.arguments(IfMatch, location="headers")
@bp.arguments(StepBody)
@bp.response(200, schemas.Report)
@bp.errors(400, 401, 403, 404, 409, 422, 428)
@bp.doc(**_WRITE)
def take_step(headers: dict, body: dict, case_id: int) -> Response:
    """Take a step

    One step of the case (立案, 派遣, 处置, 核查, 结案, 返工, 延期, 挂账, 督办, 评价...),
    by a user holding its duty; a step that is not next is a 409 with the allowed steps.
    """
    version = requested_version(headers, body.pop("version", None))
    found = cases.take_step(get_engine(), case_id, current_user(), body.pop("action"),
                            version=version, **body)
    return with_etag(json_response(found), found)


@bp.post("/cases/escalations")
@bp.arguments(params.NoQuery, location="query")
@bp.response(200, schemas.Document)
@bp.errors(401, 403)
@bp.doc(**_WRITE)
def escalate(query: dict) -> Response:
    """Escalate overdue cases

    督办: every case past its deadline and not yet escalated (dispatcher, leader or admin;
    `lianchuang cases escalate` does the same from cron).
    """
    user = current_user()
    if user is None:
        raise NotAuthenticated("escalating needs a dispatcher's, leader's or admin's token")
    if user.role != "admin" and not {"dispatcher", "leader"} & set(user.duties):
        raise Forbidden(f"{user.username} is neither dispatcher nor leader")
    return json_response({"escalated": cases.escalate_overdue(get_engine())})


@bp.get("/cases/scores")
@bp.query(ScoreQuery)
@bp.response(200, schemas.Document)
def case_scores(query: dict) -> Response:
    """Scores

    For a month or a period: per unit, street office or community, the cases dispatched,
    closed, closed on time, reworked, overdue, the average handling time, 结案率,
    按期结案率, 返工率 and 满意率, ranked.
    """
    since, until = _period(query)
    with get_engine().connect() as conn:
        rows = scoring.score(conn, since, until, query["by"])
    return json_response({"since": since.isoformat(), "until": until.isoformat(),
                          "by": query["by"], "definitions": scoring.DEFINITIONS, "rows": rows})


@bp.get("/cases/bulletin")
@bp.query(BulletinQuery)
@bp.content(200, "The bulletin (通报)", XLSX, "application/pdf", "text/html")
@bp.errors(400, 503)
def case_bulletin(query: dict) -> Response:
    """Monthly bulletin

    The month's 通报: units ranked, street offices, communities, and what each figure
    means; as an XLSX workbook, a PDF or a printable page (Chinese).
    """
    month = query["month"]
    since, until = scoring.period_of_month(month)
    with get_engine().connect() as conn:
        if query["format"] == "xlsx":
            return attachment(bulletin.workbook(conn, month, since, until), XLSX,
                               f"bulletin-{month}.xlsx")
        tables = {by: scoring.score(conn, since, until, by)
                  for by in ("unit", "street", "community")}
    html = render_template(
        "case_bulletin.html", month=month, first_day=since.date().isoformat(),
        last_day=(until - dt.timedelta(days=1)).date().isoformat(),
        made=clock.now().strftime("%Y-%m-%d %H:%M"), units=tables["unit"],
        streets=tables["street"], communities=tables["community"],
        total=scoring.totals(tables["unit"]), definitions=scoring.DEFINITIONS)
    if query["format"] == "pdf":
        return attachment(print_pdf(html), "application/pdf", f"bulletin-{month}.pdf")
    return current_app.response_class(html, mimetype="text/html")


def _period(query: dict) -> tuple[dt.datetime, dt.datetime]:
    if "month" in query:
        if "since" in query or "until" in query:
            raise InvalidInput("give month, or since and until, not both")
        return scoring.period_of_month(query["month"])
    if "since" not in query or "until" not in query:
        raise InvalidInput("give month=YYYY-MM, or since and until (YYYY-MM-DD)")
    if query["until"] < query["since"]:
        raise InvalidInput("until comes before since")
    return (clock.day_start(query["since"]),
            clock.day_start(query["until"] + dt.timedelta(days=1)))


def _text(query: dict, name: str) -> str | None:
    return plain_text(query[name], name) if name in query else None

