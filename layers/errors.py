"""Errors of storage and file exchange, in the one hierarchy of :mod:`geo.errors`."""

from __future__ import annotations

from geo.errors import InvalidInput, LianchuangError, Unavailable, Unprocessable


class ImportRefused(InvalidInput):
    """A file cannot be imported as given (missing CRS, unreadable, wrong layer...)."""


class ValidationFailed(Unprocessable):
    """Features or ledger rows broke the layer's schema; nothing was written.

    ``report`` carries every problem found, not only the first.
    """

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class DatabaseUnavailable(Unavailable):
    """The database is not configured or cannot be reached."""


class ProvisioningFailed(LianchuangError):
    """A local PostGIS could not be set up on this machine (the CLI's error; never an API's)."""

    status = 500
