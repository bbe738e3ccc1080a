"""No secret in a log line: ``api_key=…``, Bearer tokens and our ``lc_`` tokens are redacted.

Open311 clients still send their key in the URL (the standard's ``api_key``), and the
server's access lines (Werkzeug's, gunicorn's, uvicorn's) and our own error lines name the
requested URL; a token pasted in the wrong place could appear in any message.  One filter,
on every logger that writes such lines, rewrites the record before any handler sees it.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

#: Loggers whose records may carry a URL or a header: the app's own and the servers'.
SERVER_LOGGERS = ("werkzeug", "gunicorn.error", "gunicorn.access", "uvicorn.error",
                  "uvicorn.access")
REDACTED = "[redacted]"
_SECRETS = (
    re.compile(r"(api_key=|api_key%3D)([^&\s\"']+)", re.IGNORECASE),
    re.compile(r"(Bearer\s+)([^\s\"',;]+)", re.IGNORECASE),
    re.compile(r"()(\blc_[A-Za-z0-9_-]{20,})"),
)


def redact(text: str, *, keep_placeholders: bool = False) -> str:
    """*text* with every token value replaced by :data:`REDACTED`.

    With *keep_placeholders*, a value that starts with ``%`` (a message's ``%s``) stays.
    """
    def replace(match: re.Match) -> str:
        if keep_placeholders and match.group(2).startswith("%"):
            return match.group(0)
        return match.group(1) + REDACTED

    for pattern in _SECRETS:
        text = pattern.sub(replace, text)
    return text


class RedactSecrets(logging.Filter):
    """Redacts tokens in a record's message and in its string arguments, in place.

    The arguments stay arguments (uvicorn's access formatter reads them by position) unless
    a token is only whole once they are put into the message; then the record becomes
    its redacted text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg, keep_placeholders=bool(record.args))
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_value(arg) for key, arg in record.args.items()}
        if record.args:
            try:
                text = record.getMessage()
            except (TypeError, ValueError):  # a malformed record: logging reports it itself
                return True
            if redact(text) != text:
                record.msg, record.args = redact(text), None
        return True


def install(app: Flask) -> None:
    """Put :class:`RedactSecrets` on *app*'s logger and the servers' (once each)."""
    for logger in (app.logger, *map(logging.getLogger, SERVER_LOGGERS)):
        if not any(isinstance(each, RedactSecrets) for each in logger.filters):
            logger.addFilter(RedactSecrets())


def _redact_value(value):
    return redact(value) if isinstance(value, str) else value
