"""What a reader may ask for: a bounding box, a page, filters on the linked projects.

These small value types validate themselves when built, so that the feature and project
queries (:mod:`layers.serving.features`, :mod:`layers.tracking.projects`) receive only sensible requests,
whichever front end (the API, the CLI, a notebook) built them.  A bad value raises
:class:`InvalidQuery` with a message that says what was given and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa

from geo.errors import InvalidInput
from layers.storage.catalogue import CAMPAIGNS, STATUSES
from layers.storage.spec import Choice
from layers.storage.text import text_problem

#: Largest page a client may ask for; the web map pages through layers with it.
MAX_LIMIT = 5000
DEFAULT_LIMIT = 100
#: PostgreSQL's OFFSET is a bigint; anything near it is a mistake, not a real page.
MAX_OFFSET = 10_000_000
MAX_SEARCH_LENGTH = 100
#: A project in one of these statuses is finished, so it can never be overdue.
FINISHED_STATUSES = ("completed", "accepted")


class InvalidQuery(InvalidInput):
    """A query parameter is malformed or out of range."""


@dataclass(frozen=True)
class BBox:
    """A lon/lat rectangle in EPSG:4326 (RFC 7946 order: west, south, east, north)."""

    minx: float
    miny: float
    maxx: float
    maxy: float

    def __post_init__(self) -> None:
        values = (self.minx, self.miny, self.maxx, self.maxy)
        if not all(math.isfinite(v) for v in values):
            raise InvalidQuery(f"bbox values must be finite numbers; got {list(values)}")
        for name, value, limit in (("minx", self.minx, 180), ("maxx", self.maxx, 180),
                                   ("miny", self.miny, 90), ("maxy", self.maxy, 90)):
            if abs(value) > limit:
                raise InvalidQuery(
                    f"bbox {name}={value:g} is outside -{limit}..{limit}; bbox is in "
                    "longitude/latitude degrees (EPSG:4326), minx,miny,maxx,maxy"
                )
        if self.minx > self.maxx or self.miny > self.maxy:
            raise InvalidQuery(
                f"bbox must be minx,miny,maxx,maxy with minx <= maxx and miny <= maxy; "
                f"got {self.minx:g},{self.miny:g},{self.maxx:g},{self.maxy:g}"
            )


@dataclass(frozen=True)
class Page:
    """Which slice of the matching items to return."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}; got {self.limit}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidQuery(f"offset must be between 0 and {MAX_OFFSET}; got {self.offset}")


@dataclass(frozen=True)
class ProjectFilter:
    """Conditions on projects; a feature passes when one of its linked projects does.

    ``statuses`` and ``campaigns`` accept codes or labels (``in_progress``, ``在建``,
    ``In progress``) and hold codes once built; several values mean "any of them".
    ``overdue`` selects projects past their due date and not finished (or the opposite).
    """

    statuses: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    department: str | None = None
    overdue: bool | None = None

    def __post_init__(self) -> None:
        # Frozen, yet normalised once here so that every consumer sees codes only.
        object.__setattr__(self, "statuses",
                           tuple(choice_code(STATUSES, s, "status") for s in self.statuses))
        object.__setattr__(self, "campaigns",
                           tuple(choice_code(CAMPAIGNS, c, "campaign") for c in self.campaigns))
        if self.department is not None:
            object.__setattr__(self, "department", plain_text(self.department, "department"))

    @property
    def active(self) -> bool:
        """True when any condition is set."""
        return bool(self.statuses or self.campaigns or self.department
                    or self.overdue is not None)

    def conditions(self, projects: sa.Table, today: dt.date) -> list[sa.ColumnElement]:
        """SQL conditions on the ``projects`` table for this filter."""
        conditions = []
        if self.statuses:
            conditions.append(projects.c.status.in_(self.statuses))
        if self.campaigns:
            conditions.append(projects.c.campaigns.overlap(list(self.campaigns)))
        if self.department:
            conditions.append(projects.c.department == self.department)
        if self.overdue is not None:
            late = overdue_condition(projects, today)
            conditions.append(late if self.overdue else sa.not_(late))
        return conditions


def overdue_condition(projects: sa.Table, today: dt.date) -> sa.ColumnElement[bool]:
    """Past its due date and not finished (a project without a due date is never overdue)."""
    return sa.and_(
        projects.c.due_date.is_not(None),
        projects.c.due_date < today,
        projects.c.status.not_in(FINISHED_STATUSES),
    )


def choice_code(choices: tuple[Choice, ...], value: str, what: str) -> str:
    """The code of the choice whose code or label is *value*, or raise naming the choices."""
    text = value.strip()
    for choice in choices:
        if text.lower() in (choice.code, choice.en.lower()) or text == choice.zh:
            return choice.code
    allowed = ", ".join(f"{c.code} ({c.zh})" for c in choices)
    raise InvalidQuery(f"unknown {what} {value!r}; use one of: {allowed}")


def plain_text(value: str, what: str) -> str:
    """*value* stripped, refused when blank or holding a NUL (PostgreSQL text cannot)."""
    text = value.strip()
    if not text:
        raise InvalidQuery(f"{what} must not be blank; leave it out to see everything")
    if problem := text_problem(text):
        raise InvalidQuery(f"{what} {problem}")
    return text


def search_pattern(text: str) -> str:
    """An ILIKE pattern matching *text* anywhere, with LIKE's wildcards taken literally."""
    text = plain_text(text, "q")
    if len(text) > MAX_SEARCH_LENGTH:
        raise InvalidQuery(f"q is {len(text)} characters long; at most "
                           f"{MAX_SEARCH_LENGTH} are searched")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
