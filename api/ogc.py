"""``/ogc``: OGC API – Features over the layer catalogue (the work is in :mod:`layers.serving.ogc`).

Formats are negotiated by ``?f=json|html``, else by the Accept header; titles follow
``?lang=zh|en``, else Accept-Language (Chinese by default).  Errors answer in the OGC
exception shape ``{"code", "description"}`` with their HTTP status.
"""

from __future__ import annotations

import datetime as dt
import json
from http import HTTPStatus
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from api import params
from api.auth import current_user
from api.database import get_engine
from api.errors import database_unreachable_message
from api.i18n import page_language
from api.render import json_response
from geo.errors import LianchuangError, NotFound
from layers.editing import features as editing
from layers.serving import ogc, ogc_openapi, ogc_params
from layers.serving.query import InvalidQuery

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

_FORMATS = {"json": "json", "geojson": "json", "html": "html"}

#: The landing page's entry in ``/api/openapi.json``; the rest of ``/ogc`` is described by
#: the service's own document, ``/ogc/api`` (:mod:`layers.serving.ogc_openapi`).
LANDING_OPERATION = {"get": {
    "summary": "OGC API – Features",
    "description": "The layers as an OGC API – Features service (Part 1 Core, Part 2 CRS), "
                   "read by QGIS, ArcGIS and GDAL. Its own OpenAPI document is `/ogc/api`; "
                   "`f=json|html`, `lang=zh|en`.",
    "externalDocs": {"description": "The service's OpenAPI document", "url": "/ogc/api"},
    "parameters": [
        {"in": "query", "name": "f", "schema": {"type": "string", "enum": ["json", "html"]}},
        {"in": "query", "name": "lang", "schema": {"type": "string",
                                                   "enum": list(params.LANGUAGES)}}],
    "responses": {
        "200": {"description": "The landing page, with links to /ogc/api and the "
                               "collections", "content": {
                                   ogc.JSON_MEDIA: {"schema": {"type": "object"}},
                                   ogc.HTML: {"schema": {"type": "string"}}}},
        "400": {"description": "An OGC exception", "content": {ogc.JSON_MEDIA: {"schema": {
            "type": "object", "properties": {"code": {"type": "string"},
                                              "description": {"type": "string"}}}}}}}}}


@bp.get("")
@bp.get("/")
def landing() -> Response:
    _check_args(("f", "lang"))
    return _render(ogc.landing_page(_base(), _lang()), "ogc/landing.html")


@bp.get("/conformance")
def conformance() -> Response:
    _check_args(("f", "lang"))
    return _render(ogc.conformance(), "ogc/conformance.html")


@bp.get("/api")
def openapi() -> Response:
    _check_args(("f", "lang"))
    document = ogc_openapi.openapi_document(_base())
    if _format() == "html":
        return _html("ogc/api.html", document)
    return json_response(document, mimetype=ogc.OPENAPI)


@bp.get("/collections")
def collections() -> Response:
    _check_args(("f", "lang"))
    return _render(ogc.collections(get_engine(), _base(), _lang()), "ogc/collections.html")


@bp.get("/collections/<layer>")
def collection(layer: str) -> Response:
    _check_args(("f", "lang"))
    return _render(ogc.collection(get_engine(), layer, _base(), _lang()),
                   "ogc/collection.html")


@bp.get("/collections/<layer>/queryables")
def queryables(layer: str) -> Response:
    _check_args(("f", "lang"))
    return json_response(ogc.queryables(layer, _base(), _lang()), mimetype=ogc.SCHEMA)


@bp.get("/collections/<layer>/schema")
def schema(layer: str) -> Response:
    _check_args(("f", "lang"))
    return json_response(ogc.feature_schema(layer, _base(), _lang()), mimetype=ogc.SCHEMA)


@bp.get("/collections/<layer>/items")
def items(layer: str) -> Response:
    """A page of items: bbox (+bbox-crs), datetime, field filters, crs, limit/offset."""
    spec = ogc.collection_spec(layer)
    fmt, lang = _format(), _lang()  # checked before any work is done
    values = params.single_values(request.args)
    page = params.load(params.Paging(), {k: v for k, v in values.items()
                                         if k in ("limit", "offset")})["page"]
    query = ogc_params.items_query(spec, values, page)
    found = ogc.items(get_engine(), spec.name, query)
    crs = query.crs or ogc_params.parse_crs(ogc_params.CRS84)
    if fmt == "html":
        collection_doc = {"id": spec.name, "title": spec.title(lang)}
        return _html("ogc/items.html", {"collection": collection_doc,
                                        "features": json.loads(found.features),
                                        "matched": found.matched, "returned": found.returned,
                                        "links": _page_links(page, found, "html")})
    body = ogc.feature_collection_text(found, _page_links(page, found, "json"),
                                       dt.datetime.now(dt.timezone.utc))
    response = current_app.response_class(body, mimetype=ogc.GEOJSON)
    response.headers["Content-Crs"] = crs.header
    return response


@bp.get("/collections/<layer>/items/<path:fid>")
def item(layer: str, fid: str) -> Response:
    _check_args(("f", "lang", "crs"))
    spec = ogc.collection_spec(layer)
    fmt, lang = _format(), _lang()
    crs = ogc_params.parse_crs(request.args["crs"]) if "crs" in request.args else None
    feature = ogc.item(get_engine(), spec.name, fid, crs)
    here = f"{_base()}/collections/{spec.name}"
    feature["links"] = [
        ogc.link(request.base_url + "?f=json", "self", ogc.GEOJSON),
        ogc.link(request.base_url + "?f=html", "alternate", ogc.HTML),
        ogc.link(here, "collection", ogc.JSON_MEDIA),
    ]
    if fmt == "html":
        return _html("ogc/item.html", {"collection": {"id": spec.name,
                                                      "title": spec.title(lang)},
                                       "feature": feature})
    response = json_response(feature, mimetype=ogc.GEOJSON)
    response.headers["Content-Crs"] = (crs or ogc_params.parse_crs(ogc_params.CRS84)).header
    version = editing.current_version(get_engine(), spec.name, fid)
    if version is not None:
        response.headers["ETag"] = f'"{version}"'
    return response


@bp.post("/collections/<layer>/items")
def create_item(layer: str) -> Response:
    """Part 4: add a feature (a GeoJSON Feature; ``projects`` and ``note`` beside it link it
    and say why); 201 with its Location and ETag."""
    _check_args(())
    spec = ogc.collection_spec(layer)
    written = editing.create(get_engine(), current_user(), spec.name, _feature_body(),
                             channel=_channel(), crs=_content_crs())
    response = _written(spec.name, written, status=201)
    response.headers["Location"] = f"{_base()}/collections/{spec.name}/items/{written.fid}"
    return response


@bp.put("/collections/<layer>/items/<path:fid>")
def replace_item(layer: str, fid: str) -> Response:
    """Part 4: replace a feature; with If-Match, only the version it names (else 412)."""
    _check_args(())
    spec = ogc.collection_spec(layer)
    written = editing.replace(get_engine(), current_user(), spec.name, fid, _feature_body(),
                              channel=_channel(), if_match=_if_match(), crs=_content_crs())
    return _written(spec.name, written)


@bp.patch("/collections/<layer>/items/<path:fid>")
def update_item(layer: str, fid: str) -> Response:
    """Part 4: update a feature with a JSON merge patch (RFC 7396) of its geometry and
    properties; with If-Match, only the version it names (else 412)."""
    _check_args(())
    spec = ogc.collection_spec(layer)
    written = editing.replace(get_engine(), current_user(), spec.name, fid, _feature_body(),
                              channel=_channel(), if_match=_if_match(), crs=_content_crs(),
                              merge=True)
    return _written(spec.name, written)


@bp.delete("/collections/<layer>/items/<path:fid>")
def delete_item(layer: str, fid: str) -> Response:
    """Part 4: delete a feature (its versions stay); ``note`` says why."""
    _check_args(("note",))
    spec = ogc.collection_spec(layer)
    editing.delete(get_engine(), current_user(), spec.name, fid, channel=_channel(),
                   if_match=_if_match(), note=request.args.get("note") or None)
    return current_app.response_class(status=204)


def _feature_body() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise InvalidQuery("the body must be a GeoJSON Feature (JSON): "
                           '{"type": "Feature", "geometry": {...}, "properties": {...}}')
    if body.get("type", "Feature") != "Feature":
        raise InvalidQuery(f"the body is a {body.get('type')!r}; send one Feature per request")
    return body


def _content_crs() -> tuple[int, bool]:
    """(EPSG code, north first) of the body's coordinates: the Content-Crs header (Part 2/4),
    CRS84 without one."""
    given = request.headers.get("Content-Crs")
    if not given:
        return 4326, False
    crs = ogc_params.parse_crs(given.strip().removeprefix("<").removesuffix(">"), "Content-Crs")
    return crs.srid, crs.north_first


def _if_match() -> int | None:
    given = (request.headers.get("If-Match") or "").strip()
    if not given or given == "*":
        return None
    value = given.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise InvalidQuery(f"If-Match {given!r} is not an ETag of this service; send the ETag "
                           "of your last GET of the item (e.g. \"3\")")
    return int(value)


def _channel() -> str:
    """``api`` for a client with a token, ``map`` for the signed-in page."""
    return "api" if request.headers.get("Authorization") else "map"


def _written(layer: str, written: editing.Written, status: int = 200) -> Response:
    feature = ogc.item(get_engine(), layer, written.fid)
    feature["lianchuang"] = {"version": written.version, "repairs": written.repairs,
                             "notes": written.notes}
    response = json_response(feature, status=status, mimetype=ogc.GEOJSON)
    response.headers["ETag"] = f'"{written.version}"'
    return response


@bp.post("/collections/<layer>/items/<path:fid>/merge")
def merge_items(layer: str, fid: str) -> Response:
    """Merge another feature of the layer into this one in one step (the map's merge):
    body ``{"other": id, "other_version": n, "note": why}``; If-Match guards this one,
    ``other_version`` the other (412 when either is stale)."""
    _check_args(())
    spec = ogc.collection_spec(layer)
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("other"), str) \
            or not body["other"]:
        raise InvalidQuery('the body must name the feature to merge in: {"other": "<id>", '
                           '"other_version": <its ETag>, "note": "why"}')
    other_version = body.get("other_version")
    if other_version is not None and (not isinstance(other_version, int)
                                      or isinstance(other_version, bool)):
        raise InvalidQuery("other_version: the other feature's ETag as a number, e.g. 3")
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise InvalidQuery("note: a text saying why, or leave it out")
    written = editing.merge(get_engine(), current_user(), spec.name, fid, body["other"],
                            channel=_channel(), if_match=_if_match(),
                            other_if_match=other_version, note=note or None)
    return _written(spec.name, written)


@bp.post("/collections/<layer>/items/<path:fid>/versions/<int:number>/restore")
def restore_item_version(layer: str, fid: str, number: int) -> Response:
    """Restore an earlier version of a feature as a new version (a deleted one comes back);
    If-Match guards a live feature as for PUT."""
    _check_args(("note",))
    spec = ogc.collection_spec(layer)
    written = editing.restore_version(get_engine(), current_user(), spec.name, fid, number,
                                      if_match=_if_match(),
                                      note=request.args.get("note") or None)
    return _written(spec.name, written)


@bp.get("/collections/<layer>/items/<path:fid>/versions")
def item_versions(layer: str, fid: str) -> Response:
    """Every version of an item, oldest first: what it was, when, by whom, through what,
    why; the delete of a deleted item is its last version."""
    _check_args(("f",))
    spec = ogc.collection_spec(layer)
    if request.args.get("f", "json") != "json":
        raise InvalidQuery("the versions are served as GeoJSON only: leave f out or use f=json")
    found = ogc.item_versions(get_engine(), spec.name, fid)
    item_url = request.base_url.removesuffix("/versions")
    return json_response({
        "type": "FeatureCollection", "features": found,
        "numberReturned": len(found),
        "links": [ogc.link(request.base_url, "self", ogc.GEOJSON),
                  ogc.link(item_url, "item", ogc.GEOJSON)]}, mimetype=ogc.GEOJSON)


@bp.after_request
def _open_to_web_clients(response: Response) -> Response:
    # Map libraries on other sites (a county portal, a MapLibre page) read the service too.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/<path:anything>")
def nothing_here(anything: str) -> Response:
    """Unknown paths under /ogc answer in the OGC exception shape too."""
    raise NotFound(f"nothing at {request.path}; start at {_base()}")


@bp.errorhandler(LianchuangError)
def _project_error(exc: LianchuangError) -> Response:
    code = {400: "InvalidParameterValue"}.get(exc.status) or _phrase(exc.status)
    response = _exception(exc.status, code, str(exc), **exc.body_members())
    response.headers.update(exc.headers())
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return _exception(exc.code or 500, _phrase(exc.code or 500), exc.description or exc.name)


@bp.errorhandler(sa.exc.OperationalError)
def _database_error(exc: sa.exc.OperationalError) -> Response:
    current_app.logger.warning("database unavailable: %s", exc)
    return _exception(503, "ServiceUnavailable", database_unreachable_message(exc))


def _phrase(status: int) -> str:
    """The OGC-style exception code of an HTTP status: ``NotFound``, ``Unauthorized``…"""
    return HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")


def _exception(status: int, code: str, description: str, **members) -> Response:
    return json_response({**members, "code": code, "description": description}, status=status)


def _base() -> str:
    return request.host_url.rstrip("/") + bp.url_prefix


def _format() -> str:
    given = request.args.get("f")
    if given is not None:
        if given.lower() not in _FORMATS:
            raise InvalidQuery(f"f={given!r} is not a format here; use f=json or f=html")
        return _FORMATS[given.lower()]
    best = request.accept_mimetypes.best_match(
        [ogc.JSON_MEDIA, ogc.GEOJSON, ogc.SCHEMA, ogc.OPENAPI, ogc.HTML])
    return "html" if best == ogc.HTML else "json"


def _lang() -> str:
    return page_language()


def _check_args(allowed: tuple[str, ...]) -> None:
    params.check_known(request.args, allowed)
    params.single_values(request.args)


def _render(document: dict, template: str) -> Response:
    if _format() == "html":
        return _html(template, document)
    return json_response(document)


def _html(template: str, document: dict) -> Response:
    response = current_app.response_class(
        render_template(template, doc=document, lang=_lang(), base=_base(),
                        json_href=_with(f="json")),
        mimetype=ogc.HTML)
    response.headers["Content-Language"] = _lang()
    return response


def _page_links(page, found: ogc.ItemsPage, fmt: str) -> list[dict[str, str]]:
    media = ogc.GEOJSON if fmt == "json" else ogc.HTML
    other, other_media = ("html", ogc.HTML) if fmt == "json" else ("json", ogc.GEOJSON)
    links = [ogc.link(_with(offset=page.offset, f=fmt), "self", media),
             ogc.link(_with(offset=page.offset, f=other), "alternate", other_media),
             ogc.link(f"{_base()}/collections/{request.view_args['layer']}", "collection",
                      ogc.JSON_MEDIA)]
    if page.offset + found.returned < found.matched:
        links.append(ogc.link(_with(offset=page.offset + page.limit, f=fmt), "next", media))
    if page.offset > 0:
        links.append(ogc.link(_with(offset=max(0, page.offset - page.limit), f=fmt), "prev",
                              media))
    return links


def _with(**changes) -> str:
    args = request.args.to_dict() | {k: str(v) for k, v in changes.items()}
    return f"{request.base_url}?{urlencode(args)}"
