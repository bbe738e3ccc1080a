"""``/api/projects`` and ``/api/departments``: the project ledger, read-only for now."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from api import params
from api.database import get_engine
from api.render import GEOJSON, json_response, page_links
from geo.errors import NotFound
from layers.tracking import projects

bp = Blueprint("projects", __name__, url_prefix="/api")


@bp.get("/projects")
def project_list() -> Response:
    """A page of projects filtered by status, campaign, department, overdue and search text."""
    args = request.args
    params.check_known(args, params.PROJECT_LIST_PARAMS)
    page = params.parse_page(args)
    listing = projects.query_projects(get_engine(),
                                      projects_filter=params.parse_projects_filter(args),
                                      q=params.parse_search(args), page=page)
    listing["links"] = page_links(page, listing["numberMatched"], listing["numberReturned"],
                                  "application/json")
    return json_response(listing)


@bp.get("/projects/<project_id>")
def project(project_id: str) -> Response:
    """One project with its linked features (as links to their GeoJSON) and its history."""
    params.check_known(request.args, ())
    if not (project_id.isascii() and project_id.isdigit()):
        raise NotFound(f"no project {project_id!r}: project ids are whole numbers; "
                       "list them at /api/projects")
    record = projects.get_project(get_engine(), int(project_id))
    for ref in record["features"]:
        ref["href"] = url_for("layers.feature", layer=ref["layer"], fid=ref["fid"],
                              _external=True)
        ref["type"] = GEOJSON
    response = json_response(record)
    response.headers["ETag"] = f'"{record["version"]}"'
    return response


@bp.get("/departments")
def department_list() -> Response:
    """The responsible departments (责任单位) with their number of projects."""
    params.check_known(request.args, ())
    return json_response({"departments": projects.departments(get_engine())})
