"""``/api/me``: who the caller's token belongs to (:mod:`layers.tracking.accounts`)."""

from __future__ import annotations

from flask import Response

from api import schemas
from api.auth import require_user
from api.openapi import Blueprint
from api.render import json_response

bp = Blueprint("accounts", __name__, url_prefix="/api",
               description="The caller's account.")


@bp.get("/me")
@bp.query()
@bp.response(200, schemas.User)
@bp.errors(401)
@bp.doc(security=[{"token": []}])
def me() -> Response:
    """Who am I

    The user of the token sent (401 without one).
    """
    user = require_user("viewer")
    return json_response({"username": user.username, "display_name": user.display_name,
                          "role": user.role, "department": user.department,
                          "duties": list(user.duties)})
