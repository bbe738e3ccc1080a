"""The API contract, declared once: flask-smorest generates ``/api/openapi.json`` from the
marshmallow schemas the blueprints validate requests with.

Blueprints are :class:`Blueprint` (flask-smorest's, with the parser of :mod:`api.params`
and 400 for a refused request); :func:`init_api` attaches the :class:`flask_smorest.Api`
to the app; :func:`openapi_document` is the document.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, current_app
from werkzeug.routing import IntegerConverter

from api.params import FORM_AND_FILES, NoQuery, Parser

DESCRIPTION = (
    "Campaign projects of 六城（县）联创 and the layers they act on (roads, parks, "
    "watercourses, shantytown zones, water-source areas, facilities). Geometries are GeoJSON "
    "(RFC 7946) in EPSG:4326. Every error answers "
    '`{"error": {"status", "code", "message"}}` with a message saying what to fix '
    "(Open311 and the OGC API answer in their standards' shapes).")


#: The largest id of an integer PostgreSQL column.
MAX_ROW_ID = 2**31 - 1

class ErrorDetail(ma.Schema):
    status = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class Error(ma.Schema):
    """The one error shape: ``{"error": {"status", "code", "message"}}``."""

    class Meta:
        unknown = ma.INCLUDE

    error = ma.fields.Nested(ErrorDetail, required=True)


class Api(flask_smorest.Api):
    ERROR_SCHEMA = Error


class Blueprint(flask_smorest.Blueprint):
    """A blueprint whose requests are parsed by :class:`api.params.Parser`."""

    ARGUMENTS_PARSER = Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        FORM_AND_FILES: "multipart/form-data"}

    def arguments(self, schema, *, location="json", **kwargs):
        kwargs.setdefault("error_status_code", 400)
        return super().arguments(schema, location=location, **kwargs)

    def query(self, schema=NoQuery):
        """The query string parsed by *schema*, given to the view as its first argument
        (nothing is given for :class:`api.params.NoQuery`)."""
        return self.arguments(schema, location="query", as_kwargs=schema is NoQuery)

    def errors(self, *statuses: int, schema=None):
        """Document error answers besides the default (our error shape, or *schema*)."""
        def decorator(func):
            for status in statuses:
                func = (self.alt_response(status, schema=schema, description=HTTPStatus(
                    status).phrase) if schema else self.alt_response(
                    status, response=HTTPStatus(status).name))(func)
            return func
        return decorator

    @staticmethod
    def content(status: int, description: str, *media_types: str,
                schema: dict[str, Any] | None = None, headers: dict | None = None):
        """Document a non-JSON answer (a page, a file, a feed) of *media_types*: *schema*,
        else a binary file (a JSON document for a JSON media type)."""
        def body(media: str) -> dict[str, Any]:
            if schema:
                return schema
            return {"type": "object"} if media.endswith("json") else {
                "type": "string", "format": "binary"}
        response = {"description": description,
                    "content": {media: {"schema": body(media)} for media in media_types}}
        if headers:
            response["headers"] = headers
        return Blueprint.doc(responses={str(status): response})


class RowId(IntegerConverter):
    """``<id:name>``: a row id as PostgreSQL stores it (1 to 2³¹ - 1); anything else matches
    no route, so an id beyond the column's range is a 404 like any unknown id."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


def init_api(app: Flask) -> Api:
    """Attach the API description to *app* (its blueprints are registered on the result)."""
    app.url_map.converters["id"] = RowId
    app.config.update({
        "API_TITLE": "Lianchuang 联创 API", "API_VERSION": "0.1.0",
        "OPENAPI_VERSION": "3.0.3",
        "API_SPEC_OPTIONS": {
            "info": {"description": DESCRIPTION},
            "components": {"securitySchemes": {"token": {
                "type": "http", "scheme": "bearer",
                "description": "An API token from `lianchuang user add` / "
                               "`lianchuang user token`."}}}},
    })
    api = Api(app)
    api.register_converter(RowId, lambda converter: {
        "type": "integer", "minimum": 1, "maximum": MAX_ROW_ID})
    return api


def describe_by_hand(api: Api, app: Flask, path: str, operations: dict[str, Any]) -> None:
    """Add *operations* of a route that has no view of ours to describe it (Flask's static
    files, the OGC API's landing page) at *path*."""
    rules = {api.flask_plugin.flaskpath2openapi(rule.rule): rule
             for rule in app.url_map.iter_rules()}
    api.spec.path(rule=rules[path], operations=operations)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3 document of the current app."""
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
