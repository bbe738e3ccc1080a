"""``/api/metrics/green``: green-space indicators judged against a title's thresholds,
what-if scenarios, and the residential land no park serves.

The work is in :mod:`layers.green` (the layers and indicators kept while the data is
unchanged, judging and the words of the answers, the scenario request); this module parses
requests (declared once, as the schemas here and
:class:`layers.green.scenario_request.ScenarioSchema`) and calls it.  A malformed request
answers 400, a geometry or feature the computation refuses 422, a body over
:data:`layers.green.scenario_request.MAX_BODY_BYTES` 413.
"""

from __future__ import annotations

import marshmallow as ma
from flask import Response

from api import params, schemas
from api.database import get_engine
from api.i18n import page_language
from api.openapi import Blueprint
from api.render import GEOJSON, json_response
from geo.thresholds import load_thresholds
from layers.green.judging import DEFAULT_TITLE, assessed_body, scenario_answer, unserved_collection
from layers.green.scenario_request import MAX_BODY_BYTES, MAX_CHANGES, MAX_VERTICES, ScenarioSchema
from layers.green.state import current_state, run_scenario

bp = Blueprint("metrics", __name__, url_prefix="/api/metrics",
               description="Green-space indicators, what-if scenarios, unserved land.")


class Title(params.Choice):
    """A thresholds title (a key of ``geo/thresholds.json``)."""

    def __init__(self, **kwargs):
        super().__init__(tuple(load_thresholds()["titles"]), metadata={
            "description": "Thresholds title to judge against (a key of "
                           "geo/thresholds.json)."}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value not in self.choices:
            raise ma.ValidationError(
                f"title: unknown title {value!r}; the thresholds file knows: "
                f"{', '.join(self.choices)}")
        return value


class GreenQuery(params.LangQuery):
    title = Title(load_default=DEFAULT_TITLE)
    walking = params.YesNo(load_default=True, metadata={
        "description": "true: also compute the walking-distance variant of the park service "
                       "coverage (needs streets)."})


class UnservedQuery(params.QuerySchema):
    walking = params.YesNo(load_default=False, metadata={
        "description": "true: the walking-distance method."})


@bp.get("/green")
@bp.query(GreenQuery)
@bp.response(200, schemas.GreenIndicators)
@bp.errors(422, 503)
def green(query: dict) -> Response:
    """Green-space indicators against a title

    Every indicator of geo.green for the built-up area (建成区) and each community: value,
    numerator and denominator with units, the title's threshold (with standard, clause and
    whether its text was verified), pass/fail, veto flag and the gap to pass; the
    thresholds file version and the data date.
    """
    state = current_state(get_engine(), walking=query["walking"])
    return json_response(assessed_body(state, query["title"], page_language()))


@bp.post("/green/scenario")
@bp.query(GreenQuery)
@bp.arguments(ScenarioSchema)
@bp.response(200, schemas.ScenarioAnswer)
@bp.errors(413, 422, 503)
@bp.doc(description=(
    "Applies the changes in order to the stored layers (nothing is written) and answers "
    "every indicator before and after, with the difference and the verdict against the "
    "title. `add_green` draws new green space (G11–G14 make it a park), `convert` turns a "
    "feature (e.g. of shantytown_zones) into green space, `remove` takes a park, green "
    "space or residential land away. New green space replaces the residential land under "
    f"it. At most {MAX_CHANGES} changes, {MAX_VERTICES} corners per polygon and "
    f"{MAX_BODY_BYTES // 1024} KB of body; an empty, invalid, outside or too large polygon, "
    "or an unknown layer or feature, answers 422."))
def scenario(query: dict, changes: list) -> Response:
    """What if: indicators before and after changes"""
    state, result = run_scenario(get_engine(), changes, walking=query["walking"])
    return json_response(scenario_answer(state, result, query["title"], page_language()))


@bp.get("/green/unserved")
@bp.query(UnservedQuery)
@bp.response(200, schemas.Unserved, content_type=GEOJSON)
@bp.errors(422, 503)
def unserved(query: dict) -> Response:
    """Residential land no park serves

    The residential land inside the built-up area outside every park's service radius, one
    MultiPolygon feature per community (id `outside` for land in no community), by the
    straight-line method or, with walking=true, by walking distance on the streets. Its
    area is the coverage indicator's denominator less its numerator.
    """
    state = current_state(get_engine(), walking=query["walking"])
    return json_response(unserved_collection(state, query["walking"]), GEOJSON)

