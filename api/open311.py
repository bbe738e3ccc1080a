"""Open311 GeoReport v2 at ``/open311/v2``: services, and problem reports as service requests.

Existing Open311 clients list the services (our report categories), file requests and
read them back.  Following the specification, answers are JSON arrays and errors are
``[{"code": …, "description": …}]`` (the one place our usual error shape gives way to the
standard's).  Filing needs an API token (``api_key``, or ``Authorization: Bearer``);
a photo can come as a multipart ``media`` file.  Only the JSON format is offered.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, request

from api.auth import current_user
from api.database import get_engine
from api.render import json_response
from geo.errors import LianchuangError, NotFound
from layers.storage.catalogue import REPORT_CATEGORIES
from layers.tracking import attachments, problem_reports

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
_CATEGORY = {c.code: c for c in REPORT_CATEGORIES}


@bp.errorhandler(LianchuangError)
def _error(exc: LianchuangError) -> Response:
    return json_response([{"code": exc.status, "description": str(exc)}], status=exc.status)


@bp.get("/services.json")
def services() -> Response:
    """Every report category as an Open311 service."""
    lang = _lang()
    return json_response([_service(c, lang) for c in REPORT_CATEGORIES])


@bp.get("/services/<code>.json")
def service_definition(code: str) -> Response:
    """A service's definition; ours ask for no extra attributes."""
    if code not in _CATEGORY:
        raise NotFound(f"no service {code!r}; list them at /open311/v2/services.json")
    return json_response({"service_code": code, "attributes": []})


@bp.post("/requests.json")
def create_request() -> Response:
    """File a service request (``service_code``, ``lat``, ``long``, ``description``...)."""
    form = request.form
    user = current_user()
    if user is None:
        raise problem_reports.InvalidReport(
            "filing a request needs an API token: send api_key=<token> (ask the 创建办 for one)")
    photo_id = None
    if "media" in request.files:
        media = request.files["media"]
        photo_id = attachments.save_photo(get_engine(), media.read(),
                                          declared_type=media.mimetype,
                                          original_name=media.filename, user=user)["id"]
    name = " ".join(x for x in (form.get("last_name"), form.get("first_name")) if x) or None
    report = problem_reports.file_report(
        get_engine(), user, category=_required(form, "service_code"),
        lon=_required(form, "long"), lat=_required(form, "lat"),
        description=_required(form, "description"), address=form.get("address_string"),
        photo_id=photo_id, reporter_name=name,
        reporter_contact=form.get("email") or form.get("phone"))
    notice = f"已派单至{report['department']}"
    if report["duplicate_candidates"]:
        ids = ", ".join(str(c["id"]) for c in report["duplicate_candidates"])
        notice += f"；附近已有同类未结问题：{ids}"
    return json_response([{"service_request_id": str(report["id"]), "service_notice": notice,
                           "account_id": None}], status=201)


@bp.get("/requests.json")
def list_requests() -> Response:
    """Requests filtered by ``service_request_id``, ``service_code``, ``status``, dates."""
    args = request.args
    ids = _int_list(args.get("service_request_id"))
    status = args.get("status")
    if status not in (None, "open", "closed"):
        raise problem_reports.InvalidReport(f"status must be open or closed; got {status!r}")
    statuses = problem_reports.statuses_where(status) if status else None
    categories = [c for c in (args.get("service_code") or "").split(",") if c] or None
    found = problem_reports.list_reports(
        get_engine(), ids=ids, statuses=statuses, categories=categories,
        since=_datetime(args, "start_date"), until=_datetime(args, "end_date"),
        limit=1000 if ids else 100)
    return json_response([_request(r) for r in found])


@bp.get("/requests/<request_id>.json")
def get_request(request_id: str) -> Response:
    """One request, as a one-element array (as the specification has it)."""
    ids = _int_list(request_id)
    return json_response([_request(problem_reports.get_report(get_engine(), ids[0]))])


def _service(category, lang: str) -> dict:
    return {"service_code": category.code,
            "service_name": category.en if lang == "en" else category.zh,
            "description": f"{category.zh} / {category.en}", "metadata": False,
            "type": "realtime", "keywords": "", "group": "六城联创"}


def _request(report: dict) -> dict:
    category = _CATEGORY[report["category"]]
    return {
        "service_request_id": str(report["id"]), "status": report["open311_status"],
        "status_notes": report["status_notes"] or report["status_label"]["zh"],
        "service_name": category.zh, "service_code": category.code,
        "description": report["description"], "agency_responsible": report["department"],
        "service_notice": report["assigned_by"], "requested_datetime": report["requested_at"],
        "updated_datetime": report["updated_at"], "expected_datetime": None,
        "address": report["address"], "address_id": None, "zipcode": None,
        "lat": report["lat"], "long": report["lon"],
        "media_url": (f"{request.host_url}api/photos/{report['photo_id']}"
                      if report["photo_id"] else None),
    }


def _required(form, name: str) -> str:
    value = form.get(name)
    if value is None or not value.strip():
        raise problem_reports.InvalidReport(f"{name} is required")
    return value


def _int_list(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise problem_reports.InvalidReport(
            f"service_request_id must be whole numbers separated by commas; got {text!r}"
        ) from None


def _datetime(args, name: str) -> dt.datetime | None:
    text = args.get(name)
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise problem_reports.InvalidReport(
            f"{name} must be a W3C date-time such as 2026-11-01T00:00:00Z; got {text!r}"
        ) from None


def _lang() -> str:
    return "en" if request.args.get("lang") == "en" else "zh"
