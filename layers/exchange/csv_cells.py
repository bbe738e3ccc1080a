"""CSV cells that Excel or WPS would run as formulas, neutralised on export, restored on import.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading the next character) is a formula to Excel and WPS: an
exported description such as ``=HYPERLINK(...)`` would run when the planner opens the file
(CSV injection, OWASP). Such a cell is written with a leading apostrophe, which spreadsheets
show as text; a cell that already starts with an apostrophe gets one more, so that
:func:`restore` (used by the ledger importer) gives back exactly the text that was exported.
Plain numbers (``-12.5``) are left alone.
"""

from __future__ import annotations

import re

#: Characters that make a spreadsheet read a cell as a formula, and the escape itself.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def neutralise(text: str) -> str:
    """*text* as a CSV cell that no spreadsheet runs as a formula."""
    if text.startswith(_TRIGGERS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore(cell: str) -> str:
    """The text :func:`neutralise` was given (other cells come back unchanged)."""
    if cell.startswith("'") and cell[1:].startswith(_TRIGGERS):
        return cell[1:]
    return cell
