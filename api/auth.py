"""Who is calling: an API token, or a person signed in on the pages.

API clients send their token as ``Authorization: Bearer …``; Open311 clients may send it as
``api_key`` (the standard's parameter), which no other route accepts, so a token never sits
in the URL of any other request.  People sign in at ``/signin`` (:mod:`api.signin`) with
their name and password; the browser then holds Flask's signed session cookie (HttpOnly,
SameSite=Lax, Secure over https) and every request of the pages carries it.  A write that
relies on that cookie must also send the session's CSRF token in the ``X-CSRF-Token`` header,
which only the service's own pages can read (from the ``lianchuang_csrf`` cookie); a write
with a Bearer token needs none.

Reading is public unless ``LIANCHUANG_READ=viewer``, which makes every read need a viewer:
a page asked for without one sends the browser to ``/signin``, any other request is a 401;
writes always need the role each endpoint names.
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, current_app, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface

from api.database import get_engine
from layers.serving.query import InvalidQuery
from layers.tracking.accounts import Forbidden, User, authenticate, require, session_user

#: The token parameter of Open311 GeoReport v2, accepted on its routes only.
OPEN311_KEY = "api_key"
CSRF_HEADER = "X-CSRF-Token"
#: The cookie the pages' scripts read the CSRF token from (not HttpOnly, by design).
CSRF_COOKIE = "lianchuang_csrf"
SESSION_COOKIE = "lianchuang_session"
#: Hours a sign-in lasts when LIANCHUANG_SESSION_HOURS is unset: a working day.
DEFAULT_SESSION_HOURS = 12
#: The pages: asked for without a session in viewer mode, they send the browser to sign in.
PAGES = frozenset({"webmap.index", "green_page.page", "inspection_page.inspection",
                   "dashboard.dashboard_page", "docs.docs", "readiness.page", "uploads.page"})
#: Open to everyone whatever LIANCHUANG_READ says: the health check, signing in and out, and
#: the public's reporting (its pages, and the categories it chooses from).
OPEN_ENDPOINTS = frozenset({"health.healthz", "signin.sign_in_page", "signin.sign_in",
                            "signin.sign_out", "webmap.static", "public.file_report",
                            "public.follow", "public.rate", "cases.category_list",
                            "public_pages.report_page", "public_pages.track_page", None})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_user() -> User | None:
    """The user of this request's token or session (``None`` without either).

    A bad token is a 401; a write made with the session cookie but without its CSRF token
    is a 403.
    """
    if "user" not in g:
        token = _bearer() or (request.values.get(OPEN311_KEY)
                              if request.blueprint == "open311" else None)
        with get_engine().begin() as conn:
            g.user = authenticate(conn, token) if token else _session_user(conn)
        if g.user is not None and not token and request.method not in _SAFE_METHODS:
            check_csrf(request.headers.get(CSRF_HEADER))
    return g.user


def require_user(role: str) -> User:
    """The calling user, who must hold at least *role* (else 401 or 403)."""
    return require(current_user(), role)


def check_csrf(given: str | None) -> None:
    """403 unless *given* is this session's CSRF token."""
    expected = session.get("csrf")
    if not expected or not given or not secrets.compare_digest(str(given), str(expected)):
        raise Forbidden(
            f"this write came with the sign-in cookie but without its CSRF token: the page "
            f"sends it in the {CSRF_HEADER} header (reload the page, or sign in again); "
            "API clients send 'Authorization: Bearer <token>' instead")


def start_session(response: Response, user: User, stamp: str) -> None:
    """Sign *user* in: a fresh session (and CSRF token) for this browser."""
    session.clear()
    session.permanent = True
    session.update(user_id=user.id, stamp=stamp, csrf=secrets.token_urlsafe(32))
    response.set_cookie(CSRF_COOKIE, session["csrf"],
                        max_age=current_app.permanent_session_lifetime,
                        secure=_secure_cookies(current_app), httponly=False, samesite="Lax")


def end_session(response: Response) -> None:
    """Forget the signed-in user in this browser."""
    session.clear()
    response.delete_cookie(CSRF_COOKIE, secure=_secure_cookies(current_app), samesite="Lax")


def safe_next(target: str | None) -> str:
    """*target* if it is a path of this site (no scheme, host or ``//``), else ``/``."""
    if (not target or not target.startswith("/") or target.startswith(("//", "/\\"))
            or any(ord(c) < 32 or c == "\\" for c in target)):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def configure_sessions(app: Flask) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure over https, lasting a working day.

    ``LIANCHUANG_SECURE_COOKIES=1`` marks it Secure always (behind a proxy that ends https);
    a request that arrives over https gets a Secure cookie anyway.
    ``LIANCHUANG_SESSION_HOURS`` sets how long a sign-in lasts (12 by default), counted
    from signing in, not renewed by use.
    """
    flag = str(app.config.get("LIANCHUANG_SECURE_COOKIES") or "").strip().lower()
    hours = float(app.config.get("LIANCHUANG_SESSION_HOURS") or DEFAULT_SESSION_HOURS)
    app.config.update(SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=flag in {"1", "true", "yes"},
                      SESSION_REFRESH_EACH_REQUEST=False,
                      PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=hours))
    app.session_interface = _SessionCookies()


def register_key_rule(app: Flask) -> None:
    """``api_key`` in the URL of any route but Open311's is a 400 saying what to send."""

    @app.before_request
    def _open311_key_only():
        if OPEN311_KEY in request.args and request.blueprint != "open311":
            raise InvalidQuery(
                f"{OPEN311_KEY} is accepted by Open311 (/open311/v2/…) only: send the token "
                "as 'Authorization: Bearer <token>', or, in a browser, sign in at /signin")


def register_read_policy(app: Flask) -> None:
    """With ``LIANCHUANG_READ=viewer``, a viewer for every read (pages: sign in first)."""

    @app.before_request
    def _viewer_only():
        if (current_app.config.get("LIANCHUANG_READ") != "viewer"
                or request.endpoint in OPEN_ENDPOINTS):
            return None
        if request.endpoint in PAGES and current_user() is None:
            return redirect(f"{request.script_root}/signin?"
                            + urlencode({"next": request.full_path.rstrip("?")}))
        require_user("viewer")
        return None


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return _secure_cookies(app)


def _secure_cookies(app: Flask) -> bool:
    return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _session_user(conn) -> User | None:
    user_id, stamp = session.get("user_id"), session.get("stamp")
    if user_id is None or not stamp:
        return None
    return session_user(conn, int(user_id), str(stamp))


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
