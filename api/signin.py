"""``/signin`` and ``/signout``: people sign in on the pages with their name and password.

Signing in starts the browser's session (:func:`api.auth.start_session`); the pages and
their data requests then carry its cookie.  Both forms carry the session's CSRF token, so
another site can neither sign a browser in (to an account of its choosing) nor out.
"""

from __future__ import annotations

import secrets

import marshmallow as ma
from flask import Response, redirect, render_template, request, session, url_for

from api import params
from api.auth import check_csrf, current_user, end_session, safe_next, start_session
from api.database import get_engine
from api.i18n import page_language
from api.openapi import Blueprint
from layers.i18n import translator
from layers.tracking.accounts import check_password

bp = Blueprint("signin", __name__, description="Signing in and out on the pages.")


class SignInQuery(params.LangQuery):
    """The page to go back to once signed in (a path of this site)."""

    next = params.Text(metadata={"description": "A path of this site to open after signing "
                                                "in (anything else opens the map)."})


class SignInForm(ma.Schema):
    username = params.Text(required=True)
    password = params.Text(required=True)
    csrf_token = params.Text(required=True)
    next = params.Text()


class SignOutForm(ma.Schema):
    csrf_token = params.Text(required=True)


@bp.get("/signin")
@bp.query(SignInQuery)
@bp.content(200, "The sign-in page", "text/html", schema={"type": "string"})
def sign_in_page(query: dict) -> Response:
    """The sign-in page

    A name and password form (HTML); with `LIANCHUANG_READ=viewer` every page sends a
    browser here until it signs in.
    """
    return _page(safe_next(query.get("next")))


@bp.post("/signin")
@bp.arguments(SignInForm, location="form")
@bp.content(303, "Signed in: on to `next`", "text/html", schema={"type": "string"})
@bp.errors(401, 403)
def sign_in(form: dict) -> Response:
    """Sign in

    Checks the name and password and starts the browser's session (an HttpOnly cookie);
    a wrong name or password shows the form again (401).
    """
    target = safe_next(form.get("next"))
    check_csrf(form["csrf_token"])
    with get_engine().begin() as conn:
        found = check_password(conn, form["username"].strip(), form["password"])
    if found is None:
        gettext = translator(page_language()).gettext
        return _page(target, error=gettext("Wrong user name or password"), status=401,
                     username=form["username"])
    response = redirect(target, code=303)
    start_session(response, *found)
    return response


@bp.post("/signout")
@bp.arguments(SignOutForm, location="form")
@bp.content(303, "Signed out: on to the sign-in page", "text/html", schema={"type": "string"})
@bp.errors(403)
def sign_out(form: dict) -> Response:
    """Sign out

    Ends the browser's session and opens the sign-in page.
    """
    check_csrf(form["csrf_token"])
    response = redirect(url_for("signin.sign_in_page"), code=303)
    end_session(response)
    return response


def _page(target: str, *, error: str | None = None, status: int = 200,
          username: str = "") -> Response:
    if "csrf" not in session:  # the form's token, before anyone has signed in
        session["csrf"] = secrets.token_urlsafe(32)
    lang = page_language()
    user = current_user() if request.method == "GET" and session.get("user_id") else None
    html = render_template(
        "signin.html", lang=lang, error=error, username=username, next=target, user=user,
        csrf_token=session["csrf"],
        action_url=url_for("signin.sign_in", lang="en" if lang == "en" else None),
        signout_url=url_for("signin.sign_out", lang="en" if lang == "en" else None),
        static_root=url_for("webmap.static", filename="").rstrip("/"),
        css_url=url_for("webmap.static", filename="signin.css"),
        other_url=url_for("signin.sign_in_page", lang="zh" if lang == "en" else "en",
                          next=None if target == "/" else target))
    return Response(html, status=status, mimetype="text/html")
