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
    photo_id = fields.String(allow_none=True)
    photo = fields.Dict(allow_none=True, metadata={
        "description": "The evidence photo: `href` (full size) and `thumbnail`."})


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
    duties = fields.List(fields.String(), metadata={
        "description": "Duties in the handling of cases: dispatcher, handler, supervisor, "
                       "leader."})


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


# --- green-space indicators -----------------------------------------------------------------


def _number(**kwargs) -> fields.Field:
    return fields.Float(allow_none=True, **kwargs)


class Gap(Document):
    more = fields.Float()
    more_unit = fields.String()
    max_population = fields.Integer(allow_none=True)


class Measure(Document):
    value = _number()
    numerator = fields.Float()
    denominator = fields.Float()


class Verdict(Measure):
    assessed = fields.Boolean(metadata={"description": "The title has a threshold row for it"})
    passed = fields.Boolean(allow_none=True, metadata={
        "description": "null: not assessed, threshold unknown, or no value"})
    veto = fields.Boolean()
    gap = fields.Nested(Gap, allow_none=True)
    message = fields.String(metadata={"description": "passes, or what it needs to pass"})


class Threshold(Document):
    value = _number()
    comparison = fields.String(validate=ma.validate.OneOf([">", ">="]))
    standard = fields.String()
    clause = fields.String(allow_none=True)
    verified = fields.Boolean()
    source = fields.String()
    veto = fields.Boolean()


class IndicatorRow(Verdict):
    key = fields.String()
    title = fields.String()
    title_zh = fields.String()
    unit = fields.String()
    numerator_unit = fields.String()
    denominator_unit = fields.String()
    method = fields.String()
    approximation = fields.Boolean()
    notes = fields.List(fields.String())
    threshold = fields.Nested(Threshold, allow_none=True)


class TitleRef(Document):
    key = fields.String()
    label = fields.String()


class GreenAbout(Document):
    title = fields.Nested(TitleRef)
    titles = fields.List(fields.Dict())
    thresholds_version = fields.String()
    data_date = fields.String(allow_none=True, metadata={
        "format": "date-time", "description": "Latest imported_at of the layers read"})
    epsg = fields.Integer(allow_none=True, metadata={"description": "CRS areas were "
                                                                    "measured in"})
    walking = fields.Boolean()
    service_radius_rules = fields.Dict()


class BuiltUp(Document):
    area_m2 = fields.Float()
    indicators = fields.List(fields.Nested(IndicatorRow))


class CommunityIndicators(Document):
    fid = fields.String()
    name = fields.String()
    vetoed = fields.Boolean()
    indicators = fields.Dict(keys=fields.String(), values=fields.Nested(Verdict))


class GreenIndicators(GreenAbout):
    vetoed = fields.Boolean(metadata={"description": "A veto item fails"})
    built_up = fields.Nested(BuiltUp)
    communities = fields.List(fields.Nested(CommunityIndicators))


class BeforeAfter(Document):
    before = fields.Boolean()
    after = fields.Boolean()


class ScenarioRow(Document):
    key = fields.String()
    title = fields.String()
    unit = fields.String()
    threshold = fields.Nested(Threshold, allow_none=True)
    before = fields.Nested(Verdict, allow_none=True)
    after = fields.Nested(Verdict, allow_none=True)
    delta = fields.Nested(Measure, allow_none=True)


class ScenarioAnswer(GreenAbout):
    vetoed = fields.Nested(BeforeAfter)
    indicators = fields.List(fields.Nested(ScenarioRow))
    communities = fields.List(fields.Dict())


class UnservedProperties(Document):
    community = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    residential_m2 = fields.Float()
    unserved_m2 = fields.Float()


class UnservedFeature(Document):
    id = fields.String()
    geometry = fields.Dict(metadata={"description": "GeoJSON MultiPolygon"})
    properties = fields.Nested(UnservedProperties)


class Unserved(Document):
    type = fields.String(validate=ma.validate.OneOf(["FeatureCollection"]))
    method = fields.String(validate=ma.validate.OneOf(["buffer", "walking"]))
    residential_m2 = fields.Float()
    unserved_m2 = fields.Float()
    coverage = _number()
    data_date = fields.String(allow_none=True, metadata={"format": "date-time"})
    features = fields.List(fields.Nested(UnservedFeature))
