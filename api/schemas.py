"""What the JSON API answers, as marshmallow schemas (documentation of responses; the
fuzz tests check every answer against them).  Status and campaign codes, layer names and
limits come from the catalogue, so the document cannot drift from what the service does.

Answers may carry members besides those listed (``additionalProperties``), as a layer's
own fields do.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from api.openapi import ErrorDetail
from layers.serving.project_links import DISPLAY_PRIORITY
from layers.storage.catalogue import CAMPAIGNS, STATUSES

_STATUS_CODES = [s.code for s in STATUSES]


class Document(ma.Schema):
    """An answer: more members than those listed may come."""

    class Meta:
        unknown = ma.INCLUDE


def _date(**kwargs) -> fields.Field:
    return fields.String(allow_none=True, metadata={"format": "date"}, **kwargs)


class Label(Document):
    zh = fields.String()
    en = fields.String()


class Link(Document):
    rel = fields.String()
    type = fields.String()
    href = fields.String()
    title = fields.String()


class Health(Document):
    status = fields.String(validate=ma.validate.OneOf(["ok", "unavailable"]))
    database = fields.String()
    error = fields.Nested(ErrorDetail)


class Layer(Document):
    name = fields.String()
    title = fields.Nested(Label)
    description = fields.Nested(Label)
    mission = fields.Boolean()
    geometry = fields.List(fields.String(validate=ma.validate.OneOf(["point", "line",
                                                                      "polygon"])))
    fields_ = fields.List(fields.Dict(), data_key="fields")
    feature_count = fields.Integer()
    extent = fields.List(fields.Float(), allow_none=True,
                         metadata={"description": "minx, miny, maxx, maxy in EPSG:4326"})
    style = fields.Dict()
    links = fields.List(fields.Nested(Link))


class Catalogue(Document):
    layers = fields.List(fields.Nested(Layer))


class ProjectSummary(Document):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    status = fields.String(validate=ma.validate.OneOf(_STATUS_CODES))
    status_label = fields.Nested(Label)
    progress = fields.Integer(validate=ma.validate.Range(0, 100))
    due_date = _date()
    overdue = fields.Boolean()
    campaigns = fields.List(fields.String(validate=ma.validate.OneOf(
        [c.code for c in CAMPAIGNS])))
    department = fields.String()


class Project(ProjectSummary):
    category = fields.String()
    category_label = fields.Nested(Label)
    responsible = fields.String(allow_none=True)
    budget_wan = fields.Float(allow_none=True, metadata={"description": "万元 (10,000 CNY)"})
    start_date = _date()
    description = fields.String(allow_none=True)
    version = fields.Integer()
    updated_at = fields.String(metadata={"format": "date-time"})


class FeatureRef(Document):
    layer = fields.String()
    fid = fields.String()
    name = fields.String(allow_none=True)
    href = fields.String()


class ProjectEvent(Document):
    at = fields.String(metadata={"format": "date-time"})
    actor = fields.String()
    kind = fields.String()
    status = fields.String(allow_none=True)
    progress = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)


class ProjectDetail(Project):
    features = fields.List(fields.Nested(FeatureRef))
    history = fields.List(fields.Nested(ProjectEvent))


class ProjectList(Document):
    projects = fields.List(fields.Nested(Project))
    numberMatched = fields.Integer()
    numberReturned = fields.Integer()
    links = fields.List(fields.Nested(Link))


class Conflict(Document):
    """A stale version: the error, and the project as it is now."""

    error = fields.Nested(ErrorDetail, required=True)
    current = fields.Nested(ProjectDetail)


class FeatureProperties(Document):
    layer = fields.String()
    projects = fields.List(fields.Nested(ProjectSummary))
    display_status = fields.String(allow_none=True, validate=ma.validate.OneOf(
        [*DISPLAY_PRIORITY, None]))


class Feature(Document):
    type = fields.String(required=True, validate=ma.validate.OneOf(["Feature"]))
    id = fields.Raw(metadata={"type": "string"})
    geometry = fields.Dict(required=True, allow_none=True,
                           metadata={"description": "GeoJSON geometry"})
    properties = fields.Nested(FeatureProperties, required=True)


class FeatureCollection(Document):
    type = fields.String(validate=ma.validate.OneOf(["FeatureCollection"]))
    features = fields.List(fields.Nested(Feature))
    numberMatched = fields.Integer()
    numberReturned = fields.Integer()
    links = fields.List(fields.Nested(Link))


class Departments(Document):
    departments = fields.List(fields.Dict(), metadata={
        "description": "`{name, projects}`: the department and its number of projects"})


class User(Document):
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    department = fields.String(allow_none=True)


class Photo(Document):
    id = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class Report(Document):
    id = fields.Integer()
    category = fields.String()
    description = fields.String()
    status = fields.String()
    department = fields.String()
    lon = fields.Float()
    lat = fields.Float()


class ReportCollection(Document):
    type = fields.String(validate=ma.validate.OneOf(["FeatureCollection"]))
    features = fields.List(fields.Dict())
