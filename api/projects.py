"""``/api/projects`` and ``/api/departments``: the project ledger, read and changed.

Reads: a filtered page of projects, one project with its features and history, the
departments, the ledger as a file.  Writes (:mod:`layers.tracking.workflow`): create,
change with ``If-Match``, link and unlink features.

Optimistic concurrency: ``GET /api/projects/<id>`` gives ``ETag: "<version>"``; a change
must send it back as ``If-Match`` (or ``version`` in the body).  A stale version gets 409
with the project's current state, so no update is ever lost.
"""

from __future__ import annotations

import marshmallow as ma
from flask import Response, url_for

from api import params, schemas
from api.auth import current_user
from api.database import get_engine
from api.openapi import Blueprint
from api.render import GEOJSON, json_response, page_links, with_etag
from geo.errors import LianchuangError, NotFound
from layers import clock
from layers.exchange import ledger_export
from layers.storage.catalogue import CAMPAIGNS, STATUSES
from layers.tracking import projects, workflow

bp = Blueprint("projects", __name__, url_prefix="/api",
               description="The project ledger (台账): read, filter, export, change.")

PROJECT_ID = {"in": "path", "name": "project_id", "description": "The project's numeric id.",
              "schema": {"type": "integer", "minimum": 1}}
_WRITE = {"security": [{"token": []}]}


class PreconditionRequired(LianchuangError):
    status = 428


# --- requests -------------------------------------------------------------------------------


class LedgerExportQuery(params.ProjectFilters, params.Search):
    format = params.Choice(ledger_export.FORMATS, load_default="xlsx",
                           metadata={"description": "File format (xlsx by default)."})


class IfMatch(ma.Schema):
    """The version changed, as the ETag of the caller's last read."""

    class Meta:
        unknown = ma.EXCLUDE

    if_match = params.Text(data_key="If-Match", metadata={
        "description": 'The ETag ("<version>") of the project as last read.'})


def _ledger_value(kind: str, required: bool = False, **metadata) -> ma.fields.Raw:
    # Values are checked by the ledger's own column rules (422 naming the column).
    return ma.fields.Raw(required=required, metadata={"type": kind, **metadata})


class ProjectChange(ma.Schema):
    """Status, progress, ledger fields, or a note/photo; ``version`` instead of If-Match."""

    status = params.Text(metadata={"enum": [s.code for s in STATUSES]})
    progress = _ledger_value("integer", minimum=0, maximum=100)
    note = params.Text()
    photo_id = params.Text()
    version = params.Whole(metadata={"description": "Instead of If-Match"})
    name = params.Text()
    category = params.Text()
    campaigns = _ledger_value("array", items={"type": "string"})
    department = params.Text()
    due_date = _ledger_value("string", format="date")
    start_date = _ledger_value("string", format="date")
    budget_wan = _ledger_value("number")
    responsible = params.Text()
    description = params.Text()


class ProjectNew(ma.Schema):
    """Ledger fields of a new project."""

    code = params.Text(required=True)
    name = params.Text(required=True)
    category = params.Text(required=True)
    campaigns = _ledger_value("array", required=True, items={
        "type": "string", "enum": [c.code for c in CAMPAIGNS]})
    department = params.Text(required=True)
    responsible = params.Text()
    status = params.Text(metadata={"enum": [s.code for s in STATUSES]})
    progress = _ledger_value("integer", minimum=0, maximum=100)
    budget_wan = _ledger_value("number")
    start_date = _ledger_value("string", format="date")
    due_date = _ledger_value("string", format="date")
    description = params.Text()


class FeatureLink(ma.Schema):
    layer = params.Text(required=True, metadata={"enum": params.LAYER["schema"]["enum"]})
    fid = params.Text(required=True)
    version = params.Whole()


# --- reads ----------------------------------------------------------------------------------


@bp.get("/projects")
@bp.query(params.ProjectListQuery)
@bp.response(200, schemas.ProjectList)
def project_list(query: dict) -> Response:
    """Projects

    A page of the project ledger, ordered by code, filtered by status, campaign,
    department, overdue and search text.
    """
    listing = projects.query_projects(get_engine(), projects_filter=query["filter"],
                                      q=query.get("q"), page=query["page"])
    listing["links"] = page_links(query["page"], listing["numberMatched"],
                                  listing["numberReturned"], "application/json")
    return json_response(listing)


@bp.get("/projects/<project_id>", parameters=[PROJECT_ID])
@bp.query()
@bp.response(200, schemas.ProjectDetail)
@bp.errors(404)
def project(project_id: str) -> Response:
    """One project

    A project with links to its features' GeoJSON and its history, newest first; the ETag
    header is its version.
    """
    if not (project_id.isascii() and project_id.isdigit()):
        raise NotFound(f"no project {project_id!r}: project ids are whole numbers; "
                       "list them at /api/projects")
    record = projects.get_project(get_engine(), int(project_id))
    for ref in record["features"]:
        ref["href"] = url_for("layers.feature", layer=ref["layer"], fid=ref["fid"],
                              _external=True)
        ref["type"] = GEOJSON
    for event in record["history"]:
        event["photo"] = event["photo_id"] and {
            "href": url_for("photos.photo", photo_id=event["photo_id"], _external=True),
            "thumbnail": url_for("photos.photo", photo_id=event["photo_id"], size="thumb",
                                 _external=True)}
    return with_etag(json_response(record), record)


@bp.get("/departments")
@bp.query()
@bp.response(200, schemas.Departments)
def department_list() -> Response:
    """Departments

    The responsible departments (责任单位) with their number of projects.
    """
    return json_response({"departments": projects.departments(get_engine())})


@bp.get("/projects/export")
@bp.query(LedgerExportQuery)
@bp.content(200, "The ledger file, as an attachment",
            *(media_type for media_type, _ in ledger_export.FORMATS.values()))
@bp.errors(401, 403)
def export_ledger(query: dict) -> Response:
    """Export the project ledger

    The project ledger (台账), or the part the filters keep, as XLSX or CSV (UTF-8 with a
    byte-order mark) under the county's Chinese column headings: the same file
    `lianchuang import` reads back. Category, campaigns (separated by 、) and status are
    written by their Chinese labels, linked features as `layer:fid` items separated by `;`.
    """
    data = ledger_export.export_ledger(get_engine(), query["format"], query["filter"],
                                       query.get("q"))
    media_type, suffix = ledger_export.FORMATS[query["format"]]
    name = f"lianchuang-ledger-{clock.today().isoformat()}{suffix}"
    return Response(data, headers={"Content-Type": media_type, "Cache-Control": "no-store",
                                   "Content-Disposition": f'attachment; filename="{name}"'})


# --- writes ---------------------------------------------------------------------------------


@bp.post("/projects")
@bp.arguments(ProjectNew)
@bp.response(201, schemas.ProjectDetail, description="Created (ETag: its version)")
@bp.errors(401, 403, 409, 422)
@bp.doc(**_WRITE)
def create_project(body: dict) -> Response:
    """Create a project

    Ledger fields; the planner's own department (admins: any).
    """
    project = workflow.create_project(get_engine(), current_user(), body)
    return with_etag(json_response(project, status=201), project)


@bp.patch("/projects/<id:project_id>", parameters=[PROJECT_ID])
@bp.arguments(IfMatch, location="headers")
@bp.arguments(ProjectChange)
@bp.response(200, schemas.ProjectDetail)
@bp.alt_response(409, schema=schemas.Conflict, description="Stale version: the body's "
                                                           "`current` is the state now")
@bp.errors(401, 403, 404, 422, 428)
@bp.doc(**_WRITE)
def update_project(headers: dict, body: dict, project_id: int) -> Response:
    """Change a project

    Status (one workflow step at a time; acceptance needs a note or photo), progress,
    fields, or a note/photo. Send If-Match (or `version`): a stale version gets 409 with
    the current state.
    """
    version = _version(headers, body.pop("version", None))
    project = workflow.update_project(get_engine(), project_id, current_user(), version, body)
    return with_etag(json_response(project), project)


@bp.post("/projects/<id:project_id>/features", parameters=[PROJECT_ID])
@bp.arguments(IfMatch, location="headers")
@bp.arguments(FeatureLink)
@bp.response(200, schemas.ProjectDetail)
@bp.alt_response(409, schema=schemas.Conflict, description="Stale version")
@bp.errors(401, 403, 404, 422, 428)
@bp.doc(**_WRITE)
def link_feature(headers: dict, body: dict, project_id: int) -> Response:
    """Link a feature

    Links `{layer, fid}` to the project (planner of its department).
    """
    project = workflow.link_feature(get_engine(), project_id, current_user(),
                                    _version(headers, body.get("version")),
                                    body["layer"].strip(), body["fid"].strip())
    return with_etag(json_response(project), project)


@bp.delete("/projects/<id:project_id>/features/<layer>/<fid>",
           parameters=[PROJECT_ID, params.LAYER, params.FID])
@bp.arguments(IfMatch, location="headers")
@bp.response(200, schemas.ProjectDetail)
@bp.alt_response(409, schema=schemas.Conflict, description="Stale version")
@bp.errors(401, 403, 404, 422, 428)
@bp.doc(**_WRITE)
def unlink_feature(headers: dict, project_id: int, layer: str, fid: str) -> Response:
    """Unlink a feature

    Removes the link (planner of its department).
    """
    project = workflow.link_feature(get_engine(), project_id, current_user(),
                                    _version(headers, None), layer, fid, unlink=True)
    return with_etag(json_response(project), project)


def requested_version(headers: dict, body_version: int | None) -> int | None:
    """The version the caller read: If-Match (its ETag), else ``version`` in the body, else
    ``None``."""
    header = (headers.get("if_match") or "").strip().removeprefix("W/").strip('"')
    value = header or body_version
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise params.InvalidQuery(f"the version must be a whole number; got {value!r}") from None


def _version(headers: dict, body_version: int | None) -> int:
    version = requested_version(headers, body_version)
    if version is None:
        raise PreconditionRequired(
            "say which version you are changing: send If-Match with the ETag of your last "
            "GET, or \"version\" in the body")
    return version
