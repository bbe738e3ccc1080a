"""Exporting the project ledger (台账) as XLSX or CSV, in the county's own layout.

The file has the county's column headings (:data:`layers.exchange.ledger_import.COLUMNS`, in Chinese) and
its way of writing values: category, campaigns and status by their Chinese labels (several
campaigns separated by 、), dates as YYYY-MM-DD, linked features as ``layer:fid`` items
separated by ``;``.  It is exactly what :func:`layers.exchange.ledger_import.import_ledger` reads, so an
exported ledger imports back into a database holding the same features as the same projects.

CSV is UTF-8 with a byte-order mark, so that Excel and WPS read the Chinese right.  In the
XLSX every text is stored as text, never as a formula, even when it starts with ``=``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy.dialects.postgresql import aggregate_order_by

from layers import clock
from layers.exchange.csv_cells import neutralise
from layers.exchange.ledger_import import COLUMNS
from layers.serving.query import InvalidQuery, ProjectFilter
from layers.storage.catalogue import CAMPAIGNS, PROJECT_CATEGORIES, STATUSES
from layers.storage.models import project_features, projects
from layers.storage.text import printable
from layers.tracking.projects import project_conditions

#: Media type and file suffix of each format.
FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
}
SHEET_TITLE = "项目台账"
_LABEL = {c.code: c.zh for choices in (CAMPAIGNS, PROJECT_CATEGORIES, STATUSES)
          for c in choices}
_CAMPAIGN_ORDER = {c.code: i for i, c in enumerate(CAMPAIGNS)}
#: Column widths of the XLSX, in characters (Chinese characters count about two).
_WIDTHS = {"code": 14, "name": 34, "category": 12, "campaigns": 26, "department": 16,
           "responsible": 10, "status": 8, "progress": 9, "budget_wan": 11, "start_date": 12,
           "due_date": 12, "description": 40, "features": 30}


def ledger_rows(engine: sa.Engine, projects_filter: ProjectFilter = ProjectFilter(),
                q: str | None = None, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The projects passing the filter as ledger rows (column key → value), ordered by code.

    Values keep their types (``int`` progress, ``Decimal`` budget, ``date`` dates) so each
    format writes them its own way; labelled fields are already their Chinese labels.
    """
    today = today or clock.today()
    conditions = project_conditions(projects_filter, q, today)
    link = sa.func.concat(project_features.c.layer, ":", project_features.c.fid)
    links = (sa.select(sa.func.string_agg(link, aggregate_order_by(
        sa.literal(";"), project_features.c.layer, project_features.c.fid)))
        .where(project_features.c.project_id == projects.c.id).scalar_subquery())
    query = (sa.select(projects, links.label("features")).where(*conditions)
             .order_by(projects.c.code))
    with engine.connect() as conn:
        return [_ledger_row(row) for row in conn.execute(query).mappings()]


def _ledger_row(row: sa.RowMapping) -> dict[str, Any]:
    values = {column.name: row[column.name] for column in COLUMNS}
    values["category"] = _LABEL.get(values["category"], values["category"])
    values["status"] = _LABEL.get(values["status"], values["status"])
    values["campaigns"] = "、".join(_LABEL.get(c, c) for c in sorted(
        values["campaigns"] or (), key=lambda code: _CAMPAIGN_ORDER.get(code, len(CAMPAIGNS))))
    return values


def write_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """The ledger as UTF-8 CSV (with a byte-order mark) under the county's headings, its
    formula-like cells neutralised (:mod:`layers.exchange.csv_cells`)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([column.zh for column in COLUMNS])
    for row in rows:
        writer.writerow([neutralise(_text(row[column.name])) for column in COLUMNS])
    return text.getvalue().encode("utf-8-sig")


def write_xlsx(rows: Iterable[dict[str, Any]]) -> bytes:
    """The ledger as an XLSX workbook: one sheet, headings in bold, frozen first row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append([column.zh for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF7")
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in rows:
        sheet.append([_cell_value(row[column.name]) for column in COLUMNS])
        for cell, column in zip(sheet[sheet.max_row], COLUMNS):
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # "=…" stays text, never a formula
            elif column.type == "date" and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = _WIDTHS[column.name]
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_ledger(engine: sa.Engine, file_format: str,
                  projects_filter: ProjectFilter = ProjectFilter(), q: str | None = None
                  ) -> bytes:
    """The ledger (or the filtered part of it) as a file of *file_format* (``xlsx``, ``csv``)."""
    if file_format not in FORMATS:
        raise InvalidQuery(f"format must be one of: {', '.join(FORMATS)}; got {file_format!r}")
    rows = ledger_rows(engine, projects_filter, q)
    return write_xlsx(rows) if file_format == "xlsx" else write_csv(rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):  # a control character stored before they were refused
        return printable(value)
    if isinstance(value, Decimal):
        # A whole number stays an integer cell: 2360, not 2360.0.
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
