"""Writes: projects (create, update with If-Match, link features), photos, problem_reports.

Optimistic concurrency: ``GET /api/projects/<id>`` gives ``ETag: "<version>"``; a
``PATCH`` must send it back as ``If-Match`` (or ``version`` in the body).  A stale version
gets 409 with the project's current state, so no update is ever lost.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, send_file

from api.auth import current_user, require_user
from api.database import get_engine
from api.render import GEOJSON, json_response
from geo.errors import LianchuangError
from layers.serving.query import InvalidQuery, choice_code, plain_text
from layers.storage.catalogue import REPORT_CATEGORIES, REPORT_STATUSES
from layers.tracking import attachments, problem_reports, workflow

bp = Blueprint("tracking", __name__, url_prefix="/api")


class PreconditionRequired(LianchuangError):
    status = 428


@bp.get("/me")
def me() -> Response:
    """The user of the token sent (401 without one)."""
    user = require_user("viewer")
    return json_response({"username": user.username, "display_name": user.display_name,
                          "role": user.role, "department": user.department})


@bp.post("/projects")
def create_project() -> Response:
    """Create a project from ledger fields (planner of its department, or admin)."""
    project = workflow.create_project(get_engine(), current_user(), _body())
    return _with_etag(json_response(project, status=201), project)


@bp.patch("/projects/<int:project_id>")
def update_project(project_id: int) -> Response:
    """Change status, progress, fields, or add a note/photo, at the version given."""
    body = _body()
    version = _version(body.pop("version", None))
    project = workflow.update_project(get_engine(), project_id, current_user(), version, body)
    return _with_etag(json_response(project), project)


@bp.post("/projects/<int:project_id>/features")
def link_feature(project_id: int) -> Response:
    """Link a feature ``{"layer": …, "fid": …}`` to the project."""
    body = _body()
    project = workflow.link_feature(get_engine(), project_id, current_user(),
                                    _version(body.get("version")), _text(body, "layer"),
                                    _text(body, "fid"))
    return _with_etag(json_response(project), project)


@bp.delete("/projects/<int:project_id>/features/<layer>/<fid>")
def unlink_feature(project_id: int, layer: str, fid: str) -> Response:
    project = workflow.link_feature(get_engine(), project_id, current_user(), _version(None),
                                    layer, fid, unlink=True)
    return _with_etag(json_response(project), project)


@bp.post("/photos")
def upload_photo() -> Response:
    """Upload one photo (multipart field ``photo``); returns its id for notes and problem_reports."""
    user = require_user("inspector")
    upload = request.files.get("photo")
    if upload is None:
        raise InvalidQuery("send the photo as multipart/form-data in a field named 'photo'")
    saved = attachments.save_photo(get_engine(), upload.read(), declared_type=upload.mimetype,
                                   original_name=upload.filename, user=user)
    return json_response(saved, status=201)


@bp.get("/photos/<photo_id>")
def photo(photo_id: str) -> Response:
    path, content_type = attachments.photo_path(get_engine(), photo_id)
    return send_file(path, mimetype=content_type, max_age=86400)


@bp.get("/reports")
def report_list() -> Response:
    """Problem reports as GeoJSON for the map (``status``, ``category``, ``department``)."""
    department = request.args.get("department")
    found = problem_reports.list_reports(
        get_engine(),
        statuses=_codes("status", [c for c, _ in REPORT_STATUSES], "report status"),
        categories=_codes("category", REPORT_CATEGORIES, "report category"),
        department=plain_text(department, "department") if department is not None else None)
    features = [{"type": "Feature", "id": r["id"],
                 "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                 "properties": r} for r in found]
    return json_response({"type": "FeatureCollection", "features": features}, GEOJSON)


@bp.get("/reports/<int:report_id>")
def report(report_id: int) -> Response:
    return json_response(problem_reports.get_report(get_engine(), report_id))


@bp.patch("/reports/<int:report_id>")
def update_report(report_id: int) -> Response:
    """Change a report's status with a note, link a project, or mark it a duplicate."""
    body = _body()
    return json_response(problem_reports.update_report(
        get_engine(), report_id, current_user(), status=body.get("status"),
        note=body.get("note"), project_id=_optional_int(body, "project_id"),
        duplicate_of=_optional_int(body, "duplicate_of")))


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidQuery("send a JSON object body with Content-Type: application/json")
    return data


def _version(body_version) -> int:
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    value = header or body_version
    if value in (None, ""):
        raise PreconditionRequired(
            "say which version you are changing: send If-Match with the ETag of your last "
            "GET, or \"version\" in the body")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidQuery(f"the version must be a whole number; got {value!r}") from None


def _text(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidQuery(f"{name} is required (text)")
    return value.strip()


def _optional_int(body: dict, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidQuery(f"{name} must be a whole number; got {value!r}")
    return value


def _codes(name: str, choices, what: str) -> list[str] | None:
    """Codes (or labels) given in parameter *name*, repeated or separated by commas."""
    values = [v for raw in request.args.getlist(name) for v in raw.split(",") if v.strip()]
    return [choice_code(tuple(choices), v, what) for v in values] or None


def _with_etag(response: Response, project: dict) -> Response:
    response.headers["ETag"] = f'"{project["version"]}"'
    return response
