"""What text may be stored: no control characters.

PostgreSQL text cannot hold NUL, and the files the service writes cannot hold the other C0
control characters either (XML 1.0 forbids them, so a KML, GPX or Atom document with one
does not parse, and an XLSX cell refuses them).  Tab, line feed and carriage return are
text.  Every entry point that stores text asks :func:`text_problem` first and refuses the
value naming the character; files already holding one are cleaned by :func:`printable`.
"""

from __future__ import annotations

import re

#: C0 control characters other than tab, line feed and carriage return, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(text: str) -> str | None:
    """Why *text* cannot be stored (its first control character), or ``None``."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    what = "a NUL" if found.group() == "\x00" else "the control"
    return (f"contains {what} character U+{ord(found.group()):04X} at position "
            f"{found.start() + 1}, which cannot be stored: remove it")


def printable(text: str) -> str:
    """*text* without control characters, for a file written from older data."""
    return _CONTROL.sub("", text)
