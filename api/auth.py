"""Who is calling: API tokens from ``Authorization: Bearer …`` (or Open311's ``api_key``).

Reading is public unless ``LIANCHUANG_READ=viewer``, which makes every read need a
token of at least the viewer role; writes always need the role each endpoint names.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from api.database import get_engine
from layers.tracking.accounts import User, authenticate, require


def current_user() -> User | None:
    """The user of this request's token (``None`` without one); a bad token is a 401."""
    if "user" not in g:
        token = _bearer() or request.values.get("api_key")
        with get_engine().begin() as conn:
            g.user = authenticate(conn, token)
    return g.user


def require_user(role: str) -> User:
    """The calling user, who must hold at least *role* (else 401 or 403)."""
    return require(current_user(), role)


def register_read_policy(app: Flask) -> None:
    """With ``LIANCHUANG_READ=viewer``, every request but the health check needs a token."""

    @app.before_request
    def _viewer_only():
        if current_app.config.get("LIANCHUANG_READ") == "viewer" and request.endpoint not in (
                "health.healthz", None) and not request.path.startswith("/static"):
            require_user("viewer")


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
