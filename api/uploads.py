"""``/upload`` and ``/api/uploads``: a layer file uploaded in the browser, tried as a dry run
with its report and its diff against the live layer, then committed or cancelled
(:mod:`layers.editing.upload`)."""

from __future__ import annotations

from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, redirect, render_template, request, url_for

from api import params, schemas
from api.auth import current_user
from api.database import get_engine
from api.guards import UPLOAD_BODY_BYTES
from api.i18n import page_language
from api.openapi import Blueprint
from api.render import json_response
from layers.editing import upload
from layers.errors import ValidationFailed
from layers.storage.catalogue import get_layer, layer_names

bp = Blueprint("uploads", __name__,
               description="Layer files uploaded in the browser: dry run, diff, commit.")

UPLOAD_ID = {"in": "path", "name": "upload_id", "required": True, "schema": {"type": "string"},
             "description": "The id the dry run answered."}


class UploadForm(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    file = params.File(required=True, metadata={
        "description": "A zipped Shapefile (.zip), GeoPackage (.gpkg), GeoJSON or KML"},
        error_messages={"required": "is required: send the layer file as "
                                    "multipart/form-data in a field named 'file'"})
    layer = params.Text(metadata={"description": "The target layer; without it, the file's "
                                                 "name (or the GeoPackage's layers) says it."})
    replace = params.YesNo(load_default=False, metadata={
        "description": "Replace the layer: on commit, delete the live features the file no "
                       "longer has (off: the importer adds and updates only)."})
    skip_invalid = params.YesNo(load_default=False, metadata={
        "description": "Import the valid features and leave out the rejected ones."})


class CommitBody(ma.Schema):
    overwrite = params.YesNo(load_default=False, metadata={
        "description": "Overwrite features edited since their last import (the conflicts)."})


@bp.post("/api/uploads")
@bp.arguments(UploadForm, location=params.FORM_AND_FILES)
@bp.response(201, schemas.Document, description="Staged, with its dry run's report and diff")
@bp.errors(400, 401, 403, 413, 422)
@bp.doc(security=[{"token": []}])
def create_upload(form: dict) -> Response:
    """Upload a layer file (dry run)

    The importer runs on the file without writing anything: the answer holds the upload's
    `id`, the import report (per-feature problems, repairs, CRS and encoding used) and the
    `diff` against the live layer as GeoJSON FeatureCollections `added`, `changed` (each
    with its `before`), `removed` (live features the file no longer has) and `conflicts`
    (features edited since their last import). Planner or admin. The file waits 24 h for
    its commit.
    """
    file = form["file"]
    try:
        result = upload.dry_run(get_engine(), current_user(), file.stream, file.filename,
                                layer=form.get("layer") or None, replace=form["replace"],
                                skip_invalid=form["skip_invalid"])
    except ValidationFailed as exc:
        return json_response({
            "error": {"status": 422, "code": "unprocessable_entity", "message": str(exc)},
            "report": exc.report.to_dict() if exc.report else None}, status=422)
    return json_response(result.to_dict(), status=201)


@bp.post("/api/uploads/<upload_id>/commit", parameters=[UPLOAD_ID])
@bp.arguments(CommitBody, location="json", required=False)
@bp.response(200, schemas.Document, description="Committed: the import report")
@bp.errors(401, 403, 404, 409, 422)
@bp.doc(security=[{"token": []}])
def commit_upload(body: dict, upload_id: str) -> Response:
    """Commit an upload

    Imports the staged file as its dry run showed it, in one transaction (channel `import`,
    the uploader's name, the file name as note); with `replace`, the live features the file
    no longer has are deleted. 409 when the layer changed since the dry run (upload again),
    or when features were edited since their last import and `overwrite` is not set.
    """
    body = body or {}
    try:
        report = upload.commit(get_engine(), current_user(), upload_id,
                               overwrite=body.get("overwrite", False))
    except ValidationFailed as exc:
        return json_response({
            "error": {"status": 422, "code": "unprocessable_entity", "message": str(exc)},
            "report": exc.report.to_dict() if exc.report else None}, status=422)
    return json_response({"id": upload_id, "report": report.to_dict()})


@bp.delete("/api/uploads/<upload_id>", parameters=[UPLOAD_ID])
@bp.response(204, description="Cancelled: the staged file is gone")
@bp.errors(401, 403, 404)
@bp.doc(security=[{"token": []}])
def cancel_upload(upload_id: str) -> Response:
    """Cancel an upload

    Forgets the staged file; nothing was written.
    """
    upload.cancel(current_user(), upload_id)
    return Response(status=204)


@bp.get("/upload")
@bp.query(params.LangQuery)
@bp.content(200, "The page", "text/html", schema={"type": "string"})
def page(query: dict) -> Response:
    """The upload page

    Drop a layer file, see the dry run's report and its diff on a map, commit or cancel
    (signed-in planners and admins).
    """
    lang = page_language()
    user = current_user()
    if user is None:
        return redirect(url_for("signin.sign_in_page") + "?"
                        + urlencode({"next": request.full_path.rstrip("?")}))
    layers = [{"name": name, "title": getattr(get_layer(name), lang)} for name in layer_names()]
    html = render_template(
        "upload.html", lang=lang, layers=layers, allowed=user.at_least("planner"),
        user=user, accept=",".join(upload.SUFFIXES),
        max_bytes=UPLOAD_BODY_BYTES, home=request.script_root + "/",
        api_root=request.script_root + "/api",
        static_root=url_for("webmap.static", filename=""),
        page_script=url_for("webmap.static", filename="js/upload.js"),
        other_url=url_for("uploads.page", lang="zh" if lang == "en" else "en"))
    return Response(html, mimetype="text/html")
