"""``/api/readiness/whatif``: what a green scenario or a drawn project does to each title's
checklist items.

The work is :mod:`layers.readiness.whatif`; the scenario's body is the one
``POST /api/metrics/green/scenario`` takes, declared and checked once by
:class:`layers.green.scenario_request.ScenarioSchema`.  A malformed request answers 400, a
geometry or feature the layers refuse or a project with no drawn green space 422, an unknown
project 404, a body over :data:`layers.green.scenario_request.MAX_BODY_BYTES` 413.
"""

from __future__ import annotations

import marshmallow as ma
from flask import Response

from api import params, schemas
from api.database import get_engine
from api.i18n import page_language
from api.openapi import Blueprint
from api.render import json_response
from layers.green.scenario_request import MAX_BODY_BYTES, MAX_CHANGES, ScenarioSchema
from layers.readiness.whatif import project_whatif, readiness_whatif
from layers.tracking.projects import MAX_PROJECT_ID

bp = Blueprint("readiness_whatif", __name__, url_prefix="/api/readiness",
               description="What a green scenario or a drawn project does to each title's "
                           "checklist items.")

_ANSWER = (
    "Every title (veto items first) with each item's value and status before and after "
    "(达标 pass, 未达标 fail, 缺数据 no_data, 阈值待核实 unverified_threshold), whether the "
    "status changes, and the title's verdict before and after. Only items computed from the "
    "green layers can move; those from the cases, the entries and the water-source layers "
    "are the same on both sides. Nothing is written.")


class ProjectQuery(params.LangQuery):
    project = params.Whole(required=True, validate=ma.validate.Range(
        min=1, max=MAX_PROJECT_ID, error="must be a project id from 1 to {max}; got {input}"),
        metadata={"description": "The project's numeric id (GET /api/projects)."})


@bp.post("/whatif")
@bp.query(params.LangQuery)
@bp.arguments(ScenarioSchema)
@bp.response(200, schemas.Document)
@bp.errors(413, 422, 503)
@bp.doc(description=(
    "The changes of a green scenario, as POST /api/metrics/green/scenario takes them "
    f"(add_green, convert, remove; at most {MAX_CHANGES}, {MAX_BODY_BYTES // 1024} KB of "
    "body), applied to the stored green layers: before is today, after is with the "
    f"changes. {_ANSWER}"))
def scenario_effect(query: dict, changes: list) -> Response:
    """Effect of a green scenario on readiness"""
    return json_response(readiness_whatif(get_engine(), changes, page_language()))


@bp.get("/whatif")
@bp.query(ProjectQuery)
@bp.response(200, schemas.Document)
@bp.errors(404, 422, 503)
@bp.doc(description=(
    "The parks and green space a project of the ledger links (its drawn geometry): before "
    "is the layers without them, after the layers as they are, so the answer is what the "
    "project's green space brings to each title. A project that links none answers 422. "
    f"{_ANSWER}"))
def project_effect(query: dict) -> Response:
    """Effect of a drawn project on readiness"""
    return json_response(project_whatif(get_engine(), query["project"], page_language()))
