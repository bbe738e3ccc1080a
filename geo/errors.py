"""Errors in geometric input that the user can fix (coordinates out of range, unknown CRS)."""


class GeoInputError(ValueError):
    """Input coordinates or a CRS that the computation cannot use; the message says why."""
