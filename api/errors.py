"""One JSON shape for every error: ``{"error": {"status", "code", "message"}}``.

The project's own errors (:class:`layers.errors.LianchuangError`) carry their HTTP status
and a message the user can act on; HTTP errors (404, 405...) get one too; a database that
cannot be reached, or was never migrated, is a 503.  Anything else is a bug: logged with
its traceback, answered with a 500 in the same shape.

Requests are validated by the marshmallow schemas of the blueprints (:mod:`api.params`);
their errors become :class:`InvalidRequest` (400) with :func:`validation_message`, so
flask-smorest's own 422 shape never reaches a client.
"""

from __future__ import annotations

from http import HTTPStatus

import sqlalchemy as sa
from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from api.i18n import page_language
from api.render import json_response
from geo.errors import InvalidInput, LianchuangError
from layers.serving.schema_errors import schema_error_message
from layers.storage import db


class InvalidRequest(InvalidInput):
    """A parameter or body member the request schema refuses (400)."""


def register_error_handlers(app: Flask) -> None:
    """Answer every error of *app* in the JSON shape above."""
    app.register_error_handler(LianchuangError, _project_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sa.exc.OperationalError, _database_error)
    app.register_error_handler(sa.exc.TimeoutError, _database_error)
    app.register_error_handler(sa.exc.DataError, _unstorable_value)
    app.register_error_handler(sa.exc.ProgrammingError, _schema_error)
    app.register_error_handler(Exception, _bug)


#: The pages a person opens: when the service fails them (a 5xx, such as the database being
#: down), the answer is a page in the page's language, as the map's own status line is.
PAGE_RULES = frozenset({"/", "/green", "/inspection", "/dashboard"})


def error_response(http_status: int, message: str, **extra) -> Response:
    """The error JSON for *http_status* with *message* (plus *extra* top-level members); for
    a page (:data:`PAGE_RULES`) the service failed, the same message as a page."""
    if http_status >= 500 and request.url_rule is not None and request.url_rule.rule in PAGE_RULES:
        return _error_page(http_status, message)
    code = HTTPStatus(http_status).phrase.lower().replace(" ", "_").replace("-", "_")
    body = {**extra, "error": {"status": http_status, "code": code, "message": message}}
    return json_response(body, status=http_status)


def _error_page(http_status: int, message: str) -> Response:
    if http_status == 503:
        heading = gettext("The service cannot answer right now")
        advice = gettext("Its database cannot be reached or is not set up. Try again in a "
                         "few minutes; if it lasts, tell the system's administrator.")
    else:
        heading = gettext("This page cannot be shown")
        advice = gettext("Check the address, or go back to the map.")
    html = render_template("error.html", lang=page_language(), heading=heading, advice=advice,
                           status=http_status, message=message,
                           home=request.script_root + "/")
    return Response(html, status=http_status, mimetype="text/html")


def database_unreachable_message(exc: Exception) -> str:
    """What to tell a user whose database is down, with the driver's first line."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return (f"the database cannot be reached ({reason}); check that PostgreSQL is running "
            "and that DATABASE_URL points at it. The service reconnects by itself once it is up.")


def validation_message(messages: dict, req, schema, given=None) -> str:
    """One sentence per refused parameter or member, naming it, the value given and the fix
    (webargs' *messages* are ``{location: {name: [message, ...]}}``)."""
    sentences = []
    for location, by_name in messages.items():
        what = "parameter" if location in ("query", "querystring") else "member"
        sentences.append(schema_error_message(
            by_name, given if given is not None else _given(req, location), schema, what))
    return "; ".join(sentences)


def _given(req, location: str):
    if location in ("query", "querystring"):
        return req.args
    if location in ("form", "form_and_files"):
        return req.form
    return req.get_json(silent=True) if location == "json" else {}


def _project_error(exc: LianchuangError) -> Response:
    response = error_response(exc.status, str(exc), **exc.body_members())
    response.headers.update(exc.headers())
    return response


def _http_error(exc: HTTPException) -> Response:
    if isinstance(exc, NotFound):
        message = f"nothing at {request.path}; the API is described at /api/docs"
    elif isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(sorted(set(exc.valid_methods or ()) - {"HEAD", "OPTIONS"}))
        message = f"{request.method} is not allowed on {request.path}; use {allowed}"
    else:
        message = exc.description or HTTPStatus(exc.code).phrase
    response = error_response(exc.code or 500, message)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _database_error(exc: Exception) -> Response:
    current_app.logger.warning("database unavailable: %s", exc)
    return error_response(503, database_unreachable_message(exc))


def _schema_error(exc: sa.exc.ProgrammingError) -> Response:
    # A table, column or PostGIS function missing means a database that was never migrated
    # (or is older than the code); anything else is a bug in our SQL.
    behind = db.schema_behind(exc)
    if behind is None:
        return _bug(exc)
    current_app.logger.warning("database schema behind the code: %s", exc.orig)
    return error_response(503, str(behind))


def _unstorable_value(exc: sa.exc.DataError) -> Response:
    # A value PostgreSQL refuses (out of range, NUL in text) that validation let through:
    # the client can fix it, so 400 with the database's reason; logged so we add the check.
    current_app.logger.warning("value refused by the database: %s", exc)
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return error_response(400, f"a value cannot be stored: {reason}")


def _bug(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.full_path)
    return error_response(500, "internal error: this is a bug in Lianchuang, not in your "
                               "request; the server log has the details")
