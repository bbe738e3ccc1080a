"""Open311 GeoReport v2 at ``/open311/v2``: services, and problem reports as service requests.

Existing Open311 clients list the services (our report categories), file requests and
read them back.  Following the specification, answers are JSON arrays and errors are
``[{"code": …, "description": …}]`` (the one place our usual error shape gives way to the
standard's).  Filing needs an API token (``api_key``, or ``Authorization: Bearer``);
a photo can come as a multipart ``media`` file.  Only the JSON format is offered.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import marshmallow as ma
from flask import Response, current_app, request

from api import params
from api.auth import current_user
from api.database import get_engine
from api.i18n import page_language
from api.openapi import MAX_ROW_ID, Blueprint
from api.render import json_response
from geo.errors import LianchuangError, NotFound
from layers.cases import categories as case_categories
from layers.tracking import attachments, problem_reports

bp = Blueprint("open311", __name__, url_prefix="/open311/v2",
               description="Open311 GeoReport v2: report categories as services, problem "
                           "reports as service requests.")
#: Most request ids one list may ask for (the list answers at most 1,000).
MAX_IDS = 1000
#: Open311 clients send the jurisdiction; this service has one.
_JURISDICTION = {"jurisdiction_id": params.Text(metadata={
    "description": "Ignored: the service answers for one county."})}


class Open311Error(ma.Schema):
    code = ma.fields.Integer()
    description = ma.fields.String()


class Service(ma.Schema):
    service_code = ma.fields.String()
    service_name = ma.fields.String()
    description = ma.fields.String()
    metadata = ma.fields.Boolean()
    type = ma.fields.String()
    keywords = ma.fields.String()
    group = ma.fields.String()


class ServiceDefinition(ma.Schema):
    service_code = ma.fields.String()
    attributes = ma.fields.List(ma.fields.Dict())


class Receipt(ma.Schema):
    service_request_id = ma.fields.String()
    service_notice = ma.fields.String()
    account_id = ma.fields.String(allow_none=True)


class ServiceRequest(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    service_request_id = ma.fields.String()
    status = ma.fields.String(validate=ma.validate.OneOf(["open", "closed"]))
    service_code = ma.fields.String()
    description = ma.fields.String()
    agency_responsible = ma.fields.String()
    lat = ma.fields.Float()
    long = ma.fields.Float()


class WithKey(params.QuerySchema):
    """``api_key``: the caller's token, where GeoReport v2 puts it (no other route takes it)."""

    api_key = params.Text(metadata={
        "description": "The caller's API token (GeoReport v2); or send it as "
                       "'Authorization: Bearer <token>'."})


class ServicesQuery(params.LangQuery, WithKey):
    jurisdiction_id = _JURISDICTION["jurisdiction_id"]


class RequestsQuery(WithKey):
    service_request_id = params.Text(metadata={"description": "Ids separated by commas."})
    service_code = params.Text(metadata={"description": "Service codes separated by commas."})
    status = params.Choice(("open", "closed"), metadata={"description": "open or closed."})
    start_date = params.Text(metadata={"format": "date-time",
                                       "description": "W3C date-time."})
    end_date = params.Text(metadata={"format": "date-time", "description": "W3C date-time."})
    jurisdiction_id = _JURISDICTION["jurisdiction_id"]


class RequestForm(ma.Schema):
    """A service request; ``api_key`` is the filer's token."""

    class Meta:
        unknown = ma.EXCLUDE  # Open311 clients send attributes of their own

    api_key = params.Text(metadata={"description": "The filer's API token (or send it as "
                                                   "'Authorization: Bearer <token>')."})
    service_code = params.Text(required=True, metadata={
        "description": "A service's code, from /open311/v2/services.json."})
    lat = ma.fields.Float(required=True)
    long = ma.fields.Float(required=True)
    description = params.Text(required=True)
    address_string = params.Text()
    first_name = params.Text()
    last_name = params.Text()
    email = params.Text()
    phone = params.Text()
    jurisdiction_id = params.Text()
    media = params.File(metadata={"description": "A photo of the problem (multipart only)."})


def _open311_errors(func):
    """Document the errors of an Open311 route: the standard's list, whatever the status."""
    func = bp.errors(400, 401, 404, schema=Open311Error(many=True))(func)
    return bp.doc(responses={"default": {
        "description": "An Open311 error list", "content": {"application/json": {
            "schema": {"type": "array", "items": {
                "$ref": "#/components/schemas/Open311Error"}}}}}})(func)


@bp.errorhandler(LianchuangError)
def _error(exc: LianchuangError) -> Response:
    errors = [{"code": exc.status, "description": str(exc)}]
    if request.path.endswith(".xml"):
        response = _xml("errors", "error", errors)
        response.status_code = exc.status
        return response
    return json_response(errors, status=exc.status)


def _xml(root_name: str, item_name: str, items: list[dict]) -> Response:
    """*items* as GeoReport v2 XML: one *item_name* element per item, one child per member
    (lists of attributes become nested elements; None an empty element)."""
    root = ET.Element(root_name)
    for item in items:
        element = ET.SubElement(root, item_name)
        for key, value in item.items():
            child = ET.SubElement(element, key)
            if isinstance(value, bool):
                child.text = "true" if value else "false"
            elif value is not None:
                child.text = str(value)
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return current_app.response_class('<?xml version="1.0" encoding="utf-8"?>\n' + body,
                                      mimetype="text/xml")


@bp.get("/services.json")
@bp.query(ServicesQuery)
@bp.response(200, Service(many=True))
@_open311_errors
def services(query: dict) -> Response:
    """Open311 services

    Every report category as an Open311 service; `lang=en` names them in English.
    """
    return json_response(_services())


@bp.get("/services.xml")
@bp.query(ServicesQuery)
@bp.content(200, "The services as GeoReport v2 XML", "text/xml")
@_open311_errors
def services_xml(query: dict) -> Response:
    """Open311 services (XML)

    The same services as `services.json`, as GeoReport v2 XML.
    """
    return _xml("services", "service", _services())


def _services() -> list[dict]:
    with get_engine().connect() as conn:
        found = case_categories.list_categories(conn)
    return [_service(c, page_language()) for c in found]


@bp.get("/services/<code>.json", parameters=[{
    "in": "path", "name": "code", "schema": {"type": "string", "maxLength": 64}}])
@bp.query(WithKey)
@bp.response(200, ServiceDefinition)
@_open311_errors
def service_definition(query: dict, code: str) -> Response:
    """Open311 service definition

    A service's definition: the questions its category asks, as Open311 attributes.
    """
    with get_engine().connect() as conn:
        try:
            category = case_categories.get_category(conn, code)
        except NotFound:
            category = None
    if category is None or not category["active"]:
        raise NotFound(f"no service {code!r}; list them at /open311/v2/services.json")
    return json_response({"service_code": code, "attributes": [
        {"variable": True, "code": q["code"], "datatype": q["datatype"],
         "required": bool(q.get("required")), "datatype_description": None, "order": order,
         "description": q["description"], **({"values": q["values"]} if "values" in q else {})}
        for order, q in enumerate(category.get("questions", ()), 1)]})


@bp.post("/requests.json")
@bp.arguments(RequestForm, location=params.FORM_AND_FILES)
@bp.doc(requestBody={"content": {"application/x-www-form-urlencoded": {
    "schema": {"$ref": "#/components/schemas/RequestForm"}}}})
@bp.response(201, Receipt(many=True))
@_open311_errors
def create_request(form: dict) -> Response:
    """File a service request

    `service_code`, `lat`, `long`, `description`, optionally the filer's name and contact
    and a photo (`media`). Needs an API token (`api_key`, or `Authorization: Bearer`).
    """
    user = current_user()
    if user is None:
        raise problem_reports.InvalidReport(
            "filing a request needs an API token: send api_key=<token> (ask the 创建办 for one)")
    photo_id = None
    if "media" in form:
        media = form["media"]
        photo_id = attachments.save_photo(get_engine(), media.read(),
                                          declared_type=media.mimetype,
                                          original_name=media.filename, user=user)["id"]
    name = " ".join(x for x in (form.get("last_name"), form.get("first_name")) if x) or None
    report = problem_reports.file_report(
        get_engine(), user, category=form["service_code"], lon=form["long"], lat=form["lat"],
        description=form["description"], address=form.get("address_string"),
        photo_id=photo_id, reporter_name=name,
        reporter_contact=form.get("email") or form.get("phone"))
    notice = f"已派单至{report['department']}"
    if report["duplicate_candidates"]:
        ids = ", ".join(str(c["id"]) for c in report["duplicate_candidates"])
        notice += f"；附近已有同类未结问题：{ids}"
    return json_response([{"service_request_id": str(report["id"]), "service_notice": notice,
                           "account_id": None}], status=201)


@bp.get("/requests.json")
@bp.query(RequestsQuery)
@bp.response(200, ServiceRequest(many=True))
@_open311_errors
def list_requests(query: dict) -> Response:
    """Open311 service requests

    Filtered by `service_request_id`, `service_code`, `status` (open/closed) and dates.
    """
    return json_response(_requests(query))


@bp.get("/requests.xml")
@bp.query(RequestsQuery)
@bp.content(200, "The service requests as GeoReport v2 XML", "text/xml")
@_open311_errors
def list_requests_xml(query: dict) -> Response:
    """Open311 service requests (XML)

    The same requests as `requests.json`, as GeoReport v2 XML.
    """
    return _xml("service_requests", "request", _requests(query))


def _requests(query: dict) -> list[dict]:
    ids = _int_list(query.get("service_request_id"))
    if ids is not None:
        ids = [i for i in ids if 1 <= i <= MAX_ROW_ID]  # no request has any other id
        if not ids:
            return []
    status = query.get("status")
    statuses = problem_reports.statuses_where(status) if status else None
    categories = [c for c in (query.get("service_code") or "").split(",") if c] or None
    found = problem_reports.list_reports(
        get_engine(), published_only=current_user() is None, ids=ids, statuses=statuses,
        categories=categories,
        since=_datetime(query, "start_date"), until=_datetime(query, "end_date"),
        limit=1000 if ids else 100)
    return [_request(r) for r in found]


@bp.get("/requests/<request_id>.json")
@bp.query(WithKey)
@bp.response(200, ServiceRequest(many=True))
@_open311_errors
def get_request(query: dict, request_id: str) -> Response:
    """One Open311 service request

    As a one-element array (as the specification has it).
    """
    return json_response(_one_request(request_id))


@bp.get("/requests/<request_id>.xml")
@bp.query(WithKey)
@bp.content(200, "The service request as GeoReport v2 XML", "text/xml")
@_open311_errors
def get_request_xml(query: dict, request_id: str) -> Response:
    """One Open311 service request (XML)

    As `requests/{id}.json`, in GeoReport v2 XML.
    """
    return _xml("service_requests", "request", _one_request(request_id))


def _one_request(request_id: str) -> list[dict]:
    ids = _int_list(request_id)
    if len(ids) != 1 or not 1 <= ids[0] <= MAX_ROW_ID:
        raise NotFound(f"no service request {request_id!r}; list them at "
                       "/open311/v2/requests.json")
    return [_request(problem_reports.get_report(
        get_engine(), ids[0], published_only=current_user() is None))]


def _service(category: dict, lang: str) -> dict:
    return {"service_code": category["code"],
            "service_name": category["name_en"] if lang == "en" else category["name"],
            "description": category.get("filing_criteria") or
            f"{category['name']} / {category['name_en']}",
            "metadata": bool(category.get("questions")),
            "type": "realtime", "keywords": category["minor_name"],
            "group": category["major_name"]}


def _request(report: dict) -> dict:
    deadline = report["clock"].get("deadline")
    return {
        "service_request_id": str(report["id"]), "status": report["open311_status"],
        "status_notes": report["status_notes"] or report["status_label"]["zh"],
        "service_name": report["category_label"]["zh"], "service_code": report["category"],
        "description": report["description"], "agency_responsible": report["department"],
        "service_notice": report["assigned_by"], "requested_datetime": report["requested_at"],
        "updated_datetime": report["updated_at"], "expected_datetime": deadline,
        "address": report["address"], "address_id": None, "zipcode": None,
        "lat": report["lat"], "long": report["lon"],
        "media_url": (f"{request.host_url}api/photos/{report['photo_id']}"
                      if report["photo_id"] else None),
    }


def _int_list(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        ids = [int(x) for x in text.split(",")]
    except ValueError:
        raise problem_reports.InvalidReport(
            f"service_request_id must be whole numbers separated by commas; got {text!r}"
        ) from None
    if len(ids) > MAX_IDS:
        raise problem_reports.InvalidReport(
            f"service_request_id lists {len(ids)} ids; ask for at most {MAX_IDS} at once")
    return ids


def _datetime(query: dict, name: str) -> dt.datetime | None:
    text = query.get(name)
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise problem_reports.InvalidReport(
            f"{name} must be a W3C date-time such as 2026-11-01T00:00:00Z; got {text!r}"
        ) from None

