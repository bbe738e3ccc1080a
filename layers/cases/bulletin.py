"""The monthly bulletin (通报) of case handling, as an XLSX workbook.

Sheets: the units ranked (the figures of :func:`layers.cases.scoring.score`), the street
offices, the communities, and what each figure means.  Rates are written as numbers with a
percent format, so the county can sort and chart them in Excel/WPS.
"""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from layers.cases import scoring

#: The columns of every ranking sheet: figure key, Chinese heading.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "排名"), ("key", "单位"), ("dispatched", "应结案数"), ("closed", "结案数"),
    ("closed_on_time", "按期结案数"), ("overdue", "超期数"), ("reworked", "返工案件数"),
    ("reworks", "返工次数"), ("closing_rate", "结案率"), ("on_time_rate", "按期结案率"),
    ("rework_rate", "返工率"), ("avg_handling_hours", "平均处置用时（工作小时）"),
    ("rated", "已评价"), ("satisfaction_rate", "满意率"),
)
_RATES = {"closing_rate", "on_time_rate", "rework_rate", "satisfaction_rate"}
_SHEETS = (("unit", "责任单位排名", "单位"), ("street", "街道办事处", "街道办事处"),
           ("community", "社区", "社区"))


def workbook(conn: sa.Connection, month: str, since: dt.datetime, until: dt.datetime) -> bytes:
    """The bulletin of *month* ([since, until)) as XLSX bytes."""
    book = Workbook()
    book.remove(book.active)
    for by, title, key_heading in _SHEETS:
        rows = scoring.score(conn, since, until, by)
        sheet = book.create_sheet(title)
        sheet.append([f"西乡县城市管理案件办理情况通报（{month}）— {title}"])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([f"统计期：{since.date().isoformat()} 至 "
                      f"{(until - dt.timedelta(days=1)).date().isoformat()}（本期派遣的案件）"])
        sheet.append([key_heading if key == "key" else heading for key, heading in COLUMNS])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in rows:
            sheet.append([(row[key] if row[key] is not None else "—") if key != "key"
                          else (row["key"] or "（未定位）") for key, _ in COLUMNS])
            for index, (key, _) in enumerate(COLUMNS, 1):
                if key in _RATES and isinstance(row[key], float):
                    sheet.cell(sheet.max_row, index).number_format = "0.0%"
        if not rows:
            sheet.append(["本期无派遣案件"])
        for index, (key, _) in enumerate(COLUMNS, 1):
            sheet.column_dimensions[get_column_letter(index)].width = 22 if key == "key" else 11
        sheet.freeze_panes = "C4"
    notes = book.create_sheet("指标说明")
    notes.append(["指标", "说明", "Meaning"])
    for key, text in scoring.DEFINITIONS.items():
        notes.append([key, text["zh"], text["en"]])
    notes.append([])
    notes.append(["排名", "按期结案率高者在前，其次结案率高者，再次返工率低者",
                  "By on-time rate, then closing rate (higher first), then rework rate"])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 60
    notes.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
