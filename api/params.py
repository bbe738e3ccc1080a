"""Query-string parsing: raw request arguments into the typed values of :mod:`layers.serving.query`.

Each function takes the request's ``MultiDict`` so it can be tested without a request, and
raises :class:`layers.serving.query.InvalidQuery` (a 400) naming the parameter, the value given and
what is expected.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from layers.serving.query import DEFAULT_LIMIT, BBox, InvalidQuery, Page, ProjectFilter

PROJECT_FILTERS = ("status", "campaign", "department", "overdue")
PAGING = ("limit", "offset")
#: Parameters each listing accepts; anything else is refused, so a typo is not ignored.
PROJECT_LIST_PARAMS = (*PROJECT_FILTERS, "q", *PAGING)
FEATURE_LIST_PARAMS = ("bbox", *PROJECT_LIST_PARAMS)

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def check_known(args: MultiDict, allowed: tuple[str, ...]) -> None:
    """Refuse parameters this endpoint does not know, naming the ones it does."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise InvalidQuery(f"unknown parameter(s) {', '.join(map(repr, unknown))}; "
                           f"this endpoint accepts: {', '.join(allowed)}")


def parse_bbox(args: MultiDict) -> BBox | None:
    """``bbox=minx,miny,maxx,maxy`` in lon/lat degrees, or ``None`` when absent."""
    text = _single(args, "bbox")
    if text is None:
        return None
    parts = text.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 4:
        raise InvalidQuery(f"bbox must be four numbers minx,miny,maxx,maxy; got {text!r}")
    return BBox(*numbers)


def parse_page(args: MultiDict) -> Page:
    """``limit`` (default 100) and ``offset`` (default 0)."""
    return Page(limit=_integer(args, "limit", DEFAULT_LIMIT),
                offset=_integer(args, "offset", 0))


def parse_projects_filter(args: MultiDict) -> ProjectFilter:
    """``status``, ``campaign`` (repeatable or comma-separated), ``department``, ``overdue``."""
    return ProjectFilter(statuses=_several(args, "status"), campaigns=_several(args, "campaign"),
                         department=_single(args, "department"),
                         overdue=_boolean(args, "overdue"))


def parse_search(args: MultiDict) -> str | None:
    """``q``, the text searched in names and codes (validated by the query itself)."""
    return _single(args, "q")


def _single(args: MultiDict, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise InvalidQuery(f"{name} was given {len(values)} times; give it once")
    return values[0] if values else None


def _several(args: MultiDict, name: str) -> tuple[str, ...]:
    values = tuple(item for value in args.getlist(name) for item in value.split(","))
    if any(not value.strip() for value in values):
        raise InvalidQuery(f"{name} has an empty value; give codes or labels separated by "
                           f"commas, e.g. {name}=a,b")
    return values


def _integer(args: MultiDict, name: str, default: int) -> int:
    text = _single(args, name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidQuery(f"{name} must be a whole number; got {text!r}") from None


def _boolean(args: MultiDict, name: str) -> bool | None:
    text = _single(args, name)
    if text is None:
        return None
    if text.strip().lower() in _TRUE:
        return True
    if text.strip().lower() in _FALSE:
        return False
    raise InvalidQuery(f"{name} must be true or false; got {text!r}")
