"""``/api/public``: citizens report problems without an account and follow them by code.

``POST /api/public/reports`` files a report (rate-limited per address and per device:
:mod:`layers.cases.intake`), ``GET /api/public/cases/<code>`` shows its progress without
names or contacts, ``POST /api/public/cases/<code>/rating`` rates it once closed.  These
are the only writes open without a token (:data:`api.guards.PUBLIC_WRITES`).
"""

from __future__ import annotations

import marshmallow as ma
from flask import Response, request

from api import params, schemas
from api.database import get_engine
from api.openapi import Blueprint
from api.render import json_response
from layers.cases import intake, lifecycle

bp = Blueprint("public", __name__, url_prefix="/api/public",
               description="Reports from the public: file without an account, follow by "
                           "tracking code, rate when closed.")
CODE = {"in": "path", "name": "code", "schema": {"type": "string", "maxLength": 16}}


class PublicReport(ma.Schema):
    category = params.Text(required=True, metadata={
        "description": "A category code from /api/case-categories."})
    lon = ma.fields.Float(required=True, metadata={"description": "WGS84 longitude"})
    lat = ma.fields.Float(required=True, metadata={"description": "WGS84 latitude"})
    description = params.Text(required=True)
    address = params.Text()
    phone = params.Text(metadata={"description": "Optional: to be called back."})
    device = params.Text(metadata={"description": "The page's own random id (8-64 characters)."})
    photo = params.File(metadata={"description": "JPEG, PNG or WebP (multipart only)."})


class Rating(ma.Schema):
    rating = params.Choice(tuple(lifecycle.RATINGS), required=True)
    note = params.Text()


@bp.post("/reports")
@bp.arguments(PublicReport, location=params.FORM_AND_FILES)
@bp.response(201, schemas.Document, description="Filed: keep the tracking code")
@bp.errors(400, 404, 413, 429)
def file_report(form: dict) -> Response:
    """Report a problem

    No account needed. At most `LIANCHUANG_PUBLIC_REPORTS` (5 an hour, 20 a day) per
    address and per device; the answer carries the tracking code to follow it.
    """
    photo = form.get("photo")
    filed = intake.file_public_report(
        get_engine(), category=form["category"], lon=form["lon"], lat=form["lat"],
        description=form["description"], address=form.get("address"),
        phone=form.get("phone"), device=form.get("device"),
        photo=(photo.read(), photo.mimetype, photo.filename) if photo else None,
        sender=request.remote_addr or "unknown")
    return json_response(filed, status=201)


@bp.get("/cases/<code>", parameters=[CODE])
@bp.query()
@bp.response(200, schemas.Document)
@bp.errors(404)
def follow(code: str) -> Response:
    """Follow a report

    Its status, the steps taken and when, the responsible unit once filed; no names.
    """
    return json_response(intake.public_view(get_engine(), code))


@bp.post("/cases/<code>/rating", parameters=[CODE])
@bp.arguments(Rating)
@bp.response(200, schemas.Document)
@bp.errors(400, 404, 409)
def rate(body: dict, code: str) -> Response:
    """Rate a closed case

    满意 / 基本满意 / 不满意, once, with an optional note.
    """
    return json_response(intake.rate(get_engine(), code, body["rating"], body.get("note")))
