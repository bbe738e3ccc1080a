"""Query strings, declared once: the marshmallow fields and schemas every blueprint uses.

A route declares what it reads with ``@bp.arguments(SomeQuery, location="query")``
(:class:`api.openapi.Blueprint`); the same schema validates the request and writes its
parameters into ``/api/openapi.json``.  The rules are the same everywhere:

* a parameter is given once, unless it is a list (:class:`Several`); a repeated one is a
  400 naming it;
* yes/no is ``true``/``1``/``yes`` or ``false``/``0``/``no`` (:class:`YesNo`);
* ``lang`` is ``zh`` or ``en``; anything else is a 400, never a silent fallback;
* a parameter the endpoint does not know is a 400 listing the ones it does.

Values become the types of :mod:`layers.serving.query` (:class:`BBox`, :class:`Page`,
:class:`ProjectFilter`), which check their own ranges.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import CombinedMultiDict, FileStorage, MultiDict

from api.errors import InvalidRequest, validation_message
from layers.i18n import LANGUAGES
from layers.serving.query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_SEARCH_LENGTH,
    BBox,
    InvalidQuery,
    Page,
    ProjectFilter,
)
from layers.storage.catalogue import CAMPAIGNS, STATUSES, layer_names

#: A request location: form fields and uploaded files in one schema.
FORM_AND_FILES = "form_and_files"
_WHOLE = re.compile(r"^[+-]?[0-9]+$")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


# --- fields ---------------------------------------------------------------------------------
# Their messages are completed with the parameter's name by ``api.errors``.


class Text(ma.fields.String):
    """Text as given (a NUL or blank is refused by the layer that uses it)."""

    default_error_messages = {"invalid": "must be text; got {input!r}"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):  # marshmallow's own check gives no input to quote
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class Whole(ma.fields.Integer):
    """A whole number written in decimal."""

    default_error_messages = {"invalid": "must be a whole number; got {input!r}",
                              "too_large": "must be a whole number; got {input!r}"}

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and _WHOLE.match(value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid", input=value)
        return value


class YesNo(ma.fields.Boolean):
    """``true``/``1``/``yes`` or ``false``/``0``/``no``, in any case."""

    default_error_messages = {"invalid": "must be true or false; got {input!r}"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip().lower() if isinstance(value, (str, bool)) else None
        if isinstance(value, bool):
            return value
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self.make_error("invalid", input=value)


class Choice(ma.fields.String):
    """One of a fixed set of codes."""

    def __init__(self, choices, *, fold_case: bool = False, **kwargs):
        self.choices, self.fold_case = tuple(choices), fold_case
        super().__init__(validate=ma.validate.OneOf(self.choices), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if self.fold_case and isinstance(value, str):
            value = value.lower()
        if value not in self.choices:
            raise ma.ValidationError(f"must be one of: {', '.join(self.choices)}; got {value!r}")
        return value


class Day(ma.fields.Date):
    """A date ``YYYY-MM-DD``."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ma.ValidationError(f"must be a date YYYY-MM-DD; got {value!r}") from None


class Several(ma.fields.List):
    """Codes or labels, the parameter repeated or its values separated by commas."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        given = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in given):
            raise ma.ValidationError(f"must be texts; got {value!r}")
        items = tuple(item for text in given for item in text.split(","))
        if any(not item.strip() for item in items):
            name = self.data_key or attr
            raise ma.ValidationError(f"has an empty value; give codes or labels separated by "
                                     f"commas, e.g. {name}=a,b")
        return items


class BBoxField(ma.fields.String):
    """``minx,miny,maxx,maxy`` in lon/lat degrees (EPSG:4326)."""

    def _deserialize(self, value, attr, data, **kwargs):
        numbers = []
        if isinstance(value, str):
            try:
                numbers = [float(part) for part in value.split(",")]
            except ValueError:
                numbers = []
        if len(numbers) != 4:
            raise ma.ValidationError(f"must be four numbers minx,miny,maxx,maxy; got {value!r}")
        return BBox(*numbers)


class Language(Choice):
    """``zh`` or ``en``; when absent, the request's language is the browser's preference,
    else Chinese (:func:`api.i18n.page_language`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"description": "Language: zh or en (default: the "
                                                      "Accept-Language header, else zh)."})
        super().__init__(LANGUAGES, **kwargs)


class File(Upload):
    """A file uploaded as multipart/form-data."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ma.ValidationError("must be a file sent as multipart/form-data; got "
                                     f"{type(value).__name__} {str(value)[:40]!r}")
        return value


def _choices(choices) -> str:
    return ", ".join(f"`{c.code}` ({c.zh})" for c in choices)


# --- schemas --------------------------------------------------------------------------------


class QuerySchema(ma.Schema):
    """A query string: unknown parameters are refused."""

    class Meta:
        unknown = ma.RAISE


class NoQuery(QuerySchema):
    """An endpoint that takes no parameter."""


class Paging(QuerySchema):
    """``limit`` and ``offset`` as a :class:`layers.serving.query.Page` (``page``)."""

    limit = Whole(load_default=DEFAULT_LIMIT, metadata={"description": "Page size."},
                  validate=ma.validate.Range(1, MAX_LIMIT,
                                             error="must be between {min} and {max}; "
                                                   "got {input}"))
    offset = Whole(load_default=0, metadata={"description": "Items to skip."},
                   validate=ma.validate.Range(0, MAX_OFFSET,
                                              error="must be between {min} and {max}; "
                                                    "got {input}"))

    @ma.post_load
    def _page(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        data["page"] = Page(limit=data.pop("limit"), offset=data.pop("offset"))
        return data


class ProjectFilters(QuerySchema):
    """The project filters as a :class:`layers.serving.query.ProjectFilter` (``filter``)."""

    status = Several(metadata={"description": "Project status, code or label; repeat or "
                                              "separate by commas for any of several: "
                                              + _choices(STATUSES) + "."})
    campaign = Several(metadata={"description": "Campaign, code or label; several mean any "
                                                "of them: " + _choices(CAMPAIGNS) + "."})
    department = Text(metadata={"description": "Responsible department, exact name (see "
                                               "/api/departments)."})
    overdue = YesNo(metadata={"description": "true: due date passed and not completed or "
                                             "accepted; false: the others."})

    @ma.post_load
    def _filter(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        data["filter"] = ProjectFilter(statuses=data.pop("status", ()),
                                       campaigns=data.pop("campaign", ()),
                                       department=data.pop("department", None),
                                       overdue=data.pop("overdue", None))
        return data


class Search(QuerySchema):
    """``q``: text searched in names and codes (checked by the query itself)."""

    q = Text(metadata={"description": "Text searched (case-insensitive) in feature names "
                                      "and project names and codes.",
                       "maxLength": MAX_SEARCH_LENGTH})


class ProjectListQuery(ProjectFilters, Search, Paging):
    """``/api/projects``: filters, search text and paging."""


class FeatureListQuery(ProjectFilters, Search, Paging):
    """``/api/layers/<layer>/features``: bbox, project filters, search text, paging."""

    bbox = BBoxField(metadata={"description": "minx,miny,maxx,maxy in longitude/latitude "
                                              "(EPSG:4326); keeps features intersecting it."})


class LangQuery(QuerySchema):
    """A page or document in Chinese (default) or English."""

    lang = Language()


# --- the parser -----------------------------------------------------------------------------


def single_values(args: MultiDict, repeatable: tuple[str, ...] = ()) -> dict[str, str]:
    """*args* as one value per name; a name given twice (and not *repeatable*) is a 400."""
    for name in args:
        count = len(args.getlist(name))
        if count > 1 and name not in repeatable:
            raise InvalidQuery(f"{name} was given {count} times; give it once")
    return args.to_dict()


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def check_known(args: MultiDict, allowed: tuple[str, ...]) -> None:
    """Refuse parameters not in *allowed* (for the OGC API, whose items take each
    collection's fields), naming the ones it takes."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise InvalidQuery(f"unknown parameter(s) {', '.join(map(repr, unknown))}; "
                           f"this endpoint accepts: {', '.join(allowed)}")


def load(schema: ma.Schema, values: dict[str, str]) -> dict[str, Any]:
    """*values* checked by *schema* outside a declared route (the OGC API's)."""
    try:
        return schema.load(values)
    except ma.ValidationError as exc:
        raise InvalidRequest(validation_message({"query": exc.messages}, None, schema,
                                                given=values)) from None


class Parser(FlaskParser):
    """webargs' Flask parser with our rules: the schema refuses unknown names, a repeated
    single-valued parameter is refused, errors are :class:`InvalidRequest` (400)."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {location: None for location in
                                   (*FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, FORM_AND_FILES)}
    __location_map__ = {**FlaskParser.__location_map__,
                        FORM_AND_FILES: "load_form_and_files"}

    def load_json(self, req, schema: ma.Schema):
        # A schema may bound its body (Meta.max_body_bytes): a larger one is a 413.
        limit = getattr(getattr(schema, "Meta", None), "max_body_bytes", None)
        if limit:
            req.max_content_length = limit
        return super().load_json(req, schema)

    def _raw_load_json(self, req):
        # A body must say it is JSON, and be JSON as RFC 8259 has it (no NaN or Infinity).
        if not is_json_request(req):
            raise InvalidRequest("send the body as a JSON object with Content-Type: "
                                 "application/json (see /api/docs)")
        try:
            return json.loads(req.get_data(cache=True), parse_constant=_no_constant)
        except ValueError as exc:  # not JSON, not UTF-8, or NaN
            raise InvalidRequest(f"the body is not JSON ({exc}); send a JSON object with "
                                 "Content-Type: application/json (see /api/docs)") from None

    def load_form_and_files(self, req, schema: ma.Schema):
        """A multipart form's fields and files together (an Open311 request and its photo)."""
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)

    def load_querystring(self, req, schema: ma.Schema):
        lists = tuple(field.data_key or name for name, field in schema.fields.items()
                      if isinstance(field, ma.fields.List))
        single_values(req.args, lists)
        return super().load_querystring(req, schema)

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        raise InvalidRequest(validation_message(error.messages, req, schema))


# --- path parameters ------------------------------------------------------------------------
# Routes name them with ``parameters=[...]`` so the document lists the values they take.

LAYER = {"in": "path", "name": "layer", "description": "Catalogue layer name.",
         "schema": {"type": "string", "enum": list(layer_names())}}
FID = {"in": "path", "name": "fid", "description": "The feature's id (fid)."}
