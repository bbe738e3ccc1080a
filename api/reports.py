"""``/api/reports``: problem reports (问题上报) for the map, and their handling
(:mod:`layers.tracking.problem_reports`; Open311 clients file them at ``/open311/v2``)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response

from api import params, schemas
from api.auth import current_user
from api.database import get_engine
from api.openapi import Blueprint
from api.render import GEOJSON, json_response
from layers.serving.query import choice_code, plain_text
from layers.storage.catalogue import REPORT_STATUSES
from layers.tracking import problem_reports

bp = Blueprint("reports", __name__, url_prefix="/api/reports",
               description="Problem reports found in the field or filed by citizens.")

_STATUS_CHOICES = tuple(choice for choice, _ in REPORT_STATUSES)
REPORT_ID = {"in": "path", "name": "report_id", "schema": {"type": "integer", "minimum": 1}}


class ReportListQuery(params.QuerySchema):
    status = params.Several(metadata={"description": "Report status codes: " + ", ".join(
        c.code for c in _STATUS_CHOICES) + "."})
    category = params.Several(metadata={"description": "Report categories (codes from "
                                                       "/api/case-categories)."})
    department = params.Text(metadata={"description": "Responsible department."})


class ReportChange(ma.Schema):
    status = params.Text(metadata={"enum": [c.code for c in _STATUS_CHOICES]})
    note = params.Text()
    project_id = params.Whole(allow_none=True)
    duplicate_of = params.Whole(allow_none=True)


@bp.get("")
@bp.query(ReportListQuery)
@bp.response(200, schemas.ReportCollection, content_type=GEOJSON)
def report_list(query: dict) -> Response:
    """Problem reports

    Reports as GeoJSON points, newest first, by `status`, `category` and `department`.
    """
    found = problem_reports.list_reports(
        get_engine(), published_only=current_user() is None,
        statuses=[choice_code(_STATUS_CHOICES, v, "report status")
                  for v in query.get("status", ())] or None,
        categories=[plain_text(v, "category") for v in query.get("category", ())] or None,
        department=plain_text(query["department"], "department")
        if "department" in query else None)
    features = [{"type": "Feature", "id": r["id"],
                 "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                 "properties": r} for r in found]
    return json_response({"type": "FeatureCollection", "features": features}, GEOJSON)


@bp.get("/<id:report_id>", parameters=[REPORT_ID])
@bp.query()
@bp.response(200, schemas.Report)
@bp.errors(404)
def report(report_id: int) -> Response:
    """One report

    A report with its history, newest first.
    """
    return json_response(problem_reports.get_report(
        get_engine(), report_id, published_only=current_user() is None))


@bp.patch("/<id:report_id>", parameters=[REPORT_ID])
@bp.arguments(ReportChange)
@bp.response(200, schemas.Report)
@bp.errors(401, 403, 404, 409, 422)
@bp.doc(security=[{"token": []}])
def update_report(body: dict, report_id: int) -> Response:
    """Change a report

    A note or a project link (inspector or above). The status changes by the case's
    steps (`POST /api/cases/{id}/steps`): a status here is a 409 naming them.
    """
    return json_response(problem_reports.update_report(
        get_engine(), report_id, current_user(), status=body.get("status"),
        note=body.get("note"), project_id=body.get("project_id"),
        duplicate_of=body.get("duplicate_of")))
