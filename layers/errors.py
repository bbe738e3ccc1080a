"""Errors a user can fix.  Each message names what is wrong and how to fix it; the CLI
prints it without a traceback and the API maps it to a 4xx (or 503) JSON answer."""

from __future__ import annotations


class LianchuangError(Exception):
    """Base of every error the user can act on."""

    #: HTTP status the API answers with.
    status = 400


class ImportRefused(LianchuangError):
    """A file cannot be imported as given (missing CRS, unreadable, wrong layer...)."""


class ValidationFailed(LianchuangError):
    """Features or ledger rows broke the layer's schema; nothing was written.

    ``report`` carries every problem found, not only the first.
    """

    status = 422

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class DatabaseUnavailable(LianchuangError):
    """The database is not configured or cannot be reached."""

    status = 503


class ProvisioningFailed(LianchuangError):
    """A local PostGIS could not be set up on this machine."""

    status = 500
