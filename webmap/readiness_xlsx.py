"""The assessors' readiness report of one title as an XLSX workbook (Chinese, as the
printed report): ``GET /api/readiness/<title>/report?format=xlsx``.

Sheets: 清单 — every item, veto items first (name, veto, value, unit, threshold or 待核实,
status, gap, evidence, clause and whether its text was verified, target date and phase),
then the title's verdict; 快照 — every snapshot of every item, oldest first.  Values and
thresholds are numbers (是/否 for a yes/no item) so the county can sort and chart them.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from layers.i18n import translator
from layers.readiness.readiness import STATUS_WORDS
from layers.storage.catalogue import STATUSES
from webmap.readiness import UNIT_WORDS, gap_text

#: The columns of 清单: heading, width.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 6), ("指标", 28), ("否决项", 8), ("现状值", 12), ("单位", 10), ("阈值", 12),
    ("比较", 6), ("阈值已核实", 10), ("达标情况", 14), ("差距", 22), ("测算方式", 14),
    ("佐证", 40), ("出处", 40), ("条文原文", 50), ("原文已核实", 10), ("目标日期", 12),
    ("阶段", 30), ("推动项目", 40),
)
#: "Threshold to be verified": written where no source gives a threshold.
UNVERIFIED = "待核实"
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_STATUS_FILLS = {"pass": "C8E6C9", "fail": "FFCDD2", "no_data": "ECEFF1",
                 "unverified_threshold": "FFE0B2"}


def workbook(body: dict[str, Any]) -> bytes:
    """*body* (:func:`layers.readiness.readiness.readiness_body` in ``zh``) as XLSX bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "清单"
    sheet.append([f"{body['title']['zh']} 创建达标情况（评估报告）"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([(f"数据日期：{body['as_of']}　当前阶段：{body['phase']['name']}"
                   f"（至 {body['phase']['end']}）")])
    sheet.append([heading for heading, _ in COLUMNS])
    _heading(sheet, 3)
    for number, item in enumerate(body["items"], 1):
        sheet.append(item_row(number, item))
        sheet.cell(sheet.max_row, 9).fill = PatternFill(
            "solid", fgColor=_STATUS_FILLS[item["status"]])
    sheet.append([])
    verdict = body["verdict"]
    sheet.append(["结论", verdict["words"]])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.cell(sheet.max_row, 2).font = Font(bold=True)
    counts = verdict["counts"]
    sheet.append(["", (f"共 {len(body['items'])} 项：达标 {counts['pass']}，未达标 "
                       f"{counts['fail']}，缺数据 {counts['no_data']}，阈值待核实 "
                       f"{counts['unverified_threshold']}")])
    if verdict["provisional"]:
        sheet.append(["", "部分达标项所依据的阈值尚未与标准原文核对。"])
    if body.get("veto_note"):
        sheet.append(["", body["veto_note"]])
    for index, (_, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C4"

    trend = book.create_sheet("快照")
    trend.append(["序号", "指标", "快照日期", "值", "单位", "达标情况"])
    _heading(trend, 1)
    _ = translator("zh").gettext
    for number, item in enumerate(body["items"], 1):
        for point in item["trend"]:
            trend.append([number, item["name_zh"], point["date"],
                          _cell(point["value"], item["unit"]), _unit(item["unit"]),
                          _(STATUS_WORDS[point["status"]]) if point.get("status") else ""])
    if trend.max_row == 1:
        trend.append(["", "尚无快照（lianchuang snapshot）"])
    for letter, width in zip("ABCDEF", (6, 28, 12, 12, 10, 14)):
        trend.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def item_row(number: int, item: dict[str, Any]) -> list[Any]:
    threshold = item["threshold"]
    return [
        number, item["name_zh"], "是" if item["veto"] else "否",
        _cell(item["value"], item["unit"]) if item["value"] is not None else "缺数据",
        _unit(item["unit"]),
        _cell(threshold["value"], item["unit"]) if threshold["value"] is not None
        else UNVERIFIED,
        threshold["comparison"] if threshold["value"] is not None else "",
        "是" if threshold["verified"] else "否",
        item["status_words"], gap_text(item, "zh"), item["kind_words"], evidence(item),
        " ".join(filter(None, (item["clause"]["document_name"],
                               item["clause"].get("section")))),
        item["clause"]["quote"], "是" if item["clause"]["verified"] else "否",
        item["target"]["date"], item["target"]["phase_name"], projects_text(item)]


def projects_text(item: dict[str, Any]) -> str:
    """The ledger's projects that move the item: code, name, status, progress."""
    found = item.get("projects")
    if found is None:
        return ""
    if not found:
        return "台账中暂无"
    labels = {c.code: c.zh for c in STATUSES}
    return "；".join(f"{p['code']} {p['name']}（{labels.get(p['status'], p['status'])}，"
                    f"{p['progress']}%）" for p in found)


def evidence(item: dict[str, Any]) -> str:
    """What the value rests on, in words: the entry's date, evidence and who entered it; the
    layers' data date and method; the cases' period; or why there is no value."""
    details = item["details"] or {}
    if item["value"] is None:
        return item["why_words"] or item["note"] or ""
    if item["kind"] == "entered":
        parts = [f"{details.get('as_of')} 由 {details.get('entered_by')} 填报"]
        if details.get("evidence_text"):
            parts.append(f"文件：{details['evidence_text']}")
        if details.get("evidence_id"):
            parts.append(f"照片：/api/photos/{details['evidence_id']}")
        if details.get("note"):
            parts.append(f"说明：{details['note']}")
        return "；".join(parts)
    if item["kind"] == "cases":
        return (f"{details.get('since')} 至 {details.get('until')}：派遣 "
                f"{details.get('dispatched')} 件，按期结案 {details.get('closed_on_time')} 件")
    parts = []
    if details.get("data_date"):
        parts.append(f"图层数据日期 {details['data_date']}")
    if details.get("method"):
        parts.append(str(details["method"]))
    if "zones" in details:
        parts.append(f"一级保护区 {details['zones']} 个")
    return "；".join(parts) or "由图层计算"


def _cell(value: Any, unit: str) -> Any:
    if unit == "yes_no" or isinstance(value, bool):
        return "是" if value else "否"
    return round(float(value), 4) if value is not None else None


def _unit(unit: str) -> str:
    return "" if unit == "yes_no" else UNIT_WORDS["zh"].get(unit, unit)


def _heading(sheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
