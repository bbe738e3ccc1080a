"""``/api/photos``: photos of notes and problem reports, uploaded and served back
(stored by :mod:`layers.tracking.attachments`, checked by content)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, send_file

from api import params, schemas
from api.auth import require_user
from api.database import get_engine
from api.openapi import Blueprint
from api.render import json_response
from layers.tracking import attachments

bp = Blueprint("photos", __name__, url_prefix="/api/photos",
               description="Photos for project notes and problem reports.")


class PhotoUpload(ma.Schema):
    photo = params.File(required=True, metadata={"description": "JPEG, PNG or WebP"},
                   error_messages={"required": "is required: send the photo as "
                                               "multipart/form-data in a field named 'photo'"})


@bp.post("")
@bp.arguments(PhotoUpload, location="files")
@bp.response(201, schemas.Photo, description="Stored")
@bp.errors(401, 403, 413)
@bp.doc(security=[{"token": []}])
def upload_photo(files: dict) -> Response:
    """Upload a photo

    One photo as multipart/form-data in the field `photo`; JPEG, PNG or WebP, checked by
    content. Returns its id for notes and problem reports (inspector or above).
    """
    user = require_user("inspector")
    upload = files["photo"]
    saved = attachments.save_photo(get_engine(), upload.read(), declared_type=upload.mimetype,
                                   original_name=upload.filename, user=user)
    return json_response(saved, status=201)


class PhotoQuery(params.QuerySchema):
    size = params.Choice(("full", "thumb"), load_default="full", metadata={
        "description": "`thumb`: a JPEG at most 320 pixels on its long side, for timelines."})


@bp.get("/<photo_id>")
@bp.query(PhotoQuery)
@bp.content(200, "The image (re-encoded when it was uploaded), or its thumbnail",
            "image/jpeg", "image/png", "image/webp")
@bp.errors(404)
def photo(query: dict, photo_id: str) -> Response:
    """A photo

    The stored image, or with `size=thumb` its thumbnail.
    """
    path, content_type = attachments.photo_path(get_engine(), photo_id,
                                                thumbnail=query["size"] == "thumb")
    return send_file(path, mimetype=content_type, max_age=86400)
