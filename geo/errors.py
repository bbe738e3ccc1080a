"""The project's one error hierarchy: errors a user can fix, each carrying its HTTP status.

Rooted here, in the lowest package, so that :mod:`geo` can raise it and every layer above
can catch it.  The message names what is wrong and how to fix it.  The CLI prints it without
a traceback; the API's one error handler (:mod:`api.errors`) answers it as a 4xx (or 503)
JSON document with the same message.  Anything that is not a :class:`LianchuangError` is a
bug, and only a bug is a 500.
"""

from __future__ import annotations


class LianchuangError(Exception):
    """Base of every error the user can act on."""

    #: HTTP status the API answers with.
    status = 400

    def body_members(self) -> dict:
        """Members the error document carries beside ``error`` (e.g. the current state)."""
        return {}

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (e.g. the current ETag)."""
        return {}


class InvalidInput(LianchuangError):
    """A value the user gave is malformed or out of range (400)."""


class NotFound(LianchuangError):
    """The thing asked for (layer, feature, project, route...) does not exist (404)."""

    status = 404


class Conflict(LianchuangError):
    """The request contradicts the current state, e.g. a stale version (409)."""

    status = 409


class Unprocessable(LianchuangError):
    """Well-formed input that breaks the rules of the data it would change (422)."""

    status = 422


class GeoInputError(Unprocessable, ValueError):
    """Input coordinates, a geometry or a CRS that the computation cannot use (422)."""


class Unavailable(LianchuangError):
    """Something the request needs is down or missing on this server (503)."""

    status = 503
