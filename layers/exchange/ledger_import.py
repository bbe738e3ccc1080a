"""The project ledger (台账): import from CSV or XLSX with the county's column headings.

Each row is a project; its ``关联要素`` cell links it to features as ``layer:fid`` items
separated by ``;``.  Every row is checked and every problem reported (unknown feature ids
included); projects are upserted by code, and each project that is created or changed
gets an event in its history, so the ledger import is part of the record like any edit.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from layers.errors import ImportRefused
from layers.exchange.csv_cells import restore
from layers.exchange.import_report import Problem, SourceReport
from layers.storage.catalogue import CAMPAIGNS, PROJECT_CATEGORIES, STATUSES, layer_names
from layers.storage.models import layer_table, project_events, project_features, projects
from layers.storage.spec import FieldSpec

#: The ledger's columns: the key is the ``projects`` column, the label the county's heading.
COLUMNS: tuple[FieldSpec, ...] = (
    FieldSpec("code", "text", "项目编号", "Code", required=True, max_length=50),
    FieldSpec("name", "text", "项目名称", "Name", required=True, max_length=200),
    FieldSpec("category", "text", "项目类别", "Category", required=True,
              choices=PROJECT_CATEGORIES),
    FieldSpec("campaigns", "text", "所属创建", "Campaigns", required=True),
    FieldSpec("department", "text", "责任单位", "Department", required=True, max_length=100),
    FieldSpec("responsible", "text", "责任人", "Responsible person", max_length=50),
    FieldSpec("status", "text", "状态", "Status", required=True, choices=STATUSES),
    FieldSpec("progress", "integer", "进度(%)", "Progress (%)", minimum=0, maximum=100),
    FieldSpec("budget_wan", "real", "投资(万元)", "Budget (10k CNY)", minimum=0),
    FieldSpec("start_date", "date", "开工日期", "Start date"),
    FieldSpec("due_date", "date", "完成时限", "Due date"),
    FieldSpec("description", "text", "建设内容", "Description", max_length=2000),
    FieldSpec("features", "text", "关联要素", "Linked features"),
)
_CAMPAIGN = FieldSpec("campaign", "text", "所属创建", "Campaign", choices=CAMPAIGNS)
_LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_LINK_SEPARATORS = re.compile(r"[;；\n]+")
#: Fields compared to decide whether a project changed (links are compared separately).
_TRACKED = [c.name for c in COLUMNS if c.name not in ("code", "features")]


def read_ledger(path: Path) -> pd.DataFrame:
    """Read a ledger file into text/objects with headings normalised to column keys."""
    if path.suffix.lower() == ".xlsx":
        try:
            frame = pd.read_excel(path, dtype=object)
        except (ValueError, OSError, KeyError) as exc:
            raise ImportRefused(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
        frame = frame.astype(object).where(frame.notna(), None)  # an empty cell is empty
    else:
        frame = _read_csv(path)
    headings = {_heading_key(c.zh): c.name for c in COLUMNS}
    headings |= {_heading_key(c.name): c.name for c in COLUMNS}
    headings |= {_heading_key(c.en): c.name for c in COLUMNS}
    renamed = {col: headings[_heading_key(str(col))] for col in frame.columns
               if _heading_key(str(col)) in headings}
    missing = [c for c in COLUMNS if c.required and c.name not in renamed.values()]
    if missing:
        raise ImportRefused(
            f"{path.name}: missing column(s) {', '.join(f'{c.zh} ({c.name})' for c in missing)}; "
            f"the ledger's headings are: {', '.join(c.zh for c in COLUMNS)}"
        )
    return frame.rename(columns=renamed)[list(dict.fromkeys(renamed.values()))]


def _read_csv(path: Path) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            return frame.map(restore)
        except UnicodeDecodeError:
            continue
        except pd.errors.ParserError as exc:
            raise ImportRefused(f"{path.name}: not a readable CSV file ({exc})") from None
    raise ImportRefused(f"{path.name}: text is neither UTF-8 nor GBK; save it as UTF-8 CSV")


def _heading_key(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").lower()


def import_ledger(conn: sa.Connection, path: Path, actor: str, *, overwrite: bool = False
                  ) -> SourceReport:
    """Check every row of the ledger at *path* and upsert its projects through *conn*.

    A value the file would change, on a project whose same field was changed in the service
    (on the map, through the API) since the project was last imported, is a conflict: it is
    reported with both values and who changed it when, and nothing of that project is
    written, unless *overwrite*.
    """
    report = SourceReport(target="projects", source=path.name)
    frame = read_ledger(path)
    report.read = len(frame)
    rows = [_parse_row(record, i + 2, report) for i, record in enumerate(frame.to_dict("records"))]
    rows = [r for r in rows if r is not None]
    _reject_duplicate_codes(rows, report)
    _reject_unknown_features(conn, rows, report)
    rejected = {p.feature for p in report.problems if p.action == "rejected"}
    for row in rows:
        if row["code"] not in rejected:
            _upsert_project(conn, row, actor, report, overwrite)
    return report


def _parse_row(record: dict, row_number: int, report: SourceReport) -> dict | None:
    code = str(record.get("code") or "").strip() or None
    row, ok = {}, True
    for column in COLUMNS:
        try:
            value = (campaign_codes(record.get(column.name)) if column.name == "campaigns"
                     else _links(record.get(column.name)) if column.name == "features"
                     else column.coerce(record.get(column.name)))
            problems = column.check(value)
        except (TypeError, ValueError) as exc:
            value, problems = None, [str(exc)]
        for message in problems:
            report.reject(message, feature=code, row=row_number, field=column.zh)
            ok = False
        row[column.name] = value
    if row["start_date"] and row["due_date"] and row["due_date"] < row["start_date"]:
        report.reject("完成时限 is before 开工日期", feature=code, row=row_number, field="完成时限")
        ok = False
    if not ok and code is None:
        return None
    row["row"] = row_number
    row["progress"] = row["progress"] or 0
    if row["budget_wan"] is not None:
        row["budget_wan"] = Decimal(str(row["budget_wan"])).quantize(Decimal("0.01"))
    return row


def campaign_codes(cell) -> list[str] | None:
    items = [x for x in _LIST_SEPARATORS.split(str(cell or "").strip()) if x]
    return sorted({_CAMPAIGN.coerce(x) for x in items}) or None


def _links(cell) -> list[tuple[str, str]]:
    links = []
    for item in _LINK_SEPARATORS.split(str(cell or "").strip()):
        if not item.strip():
            continue
        layer, sep, fid = item.strip().replace("：", ":").partition(":")
        if not sep or not fid.strip():
            raise ValueError(f"{item!r} is not layer:id (e.g. parks:PK-01)")
        if layer.strip() not in layer_names():
            raise ValueError(f"{item!r}: unknown layer {layer.strip()!r}; layers are "
                             + ", ".join(layer_names()))
        links.append((layer.strip(), fid.strip()))
    return sorted(set(links))


def _reject_duplicate_codes(rows: list[dict], report: SourceReport) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row["code"] in seen:
            report.reject(f"项目编号 {row['code']} also on row {seen[row['code']]}",
                          feature=row["code"], row=row["row"], field="项目编号")
        seen.setdefault(row["code"], row["row"])


def _reject_unknown_features(conn: sa.Connection, rows: list[dict], report: SourceReport
                             ) -> None:
    wanted: dict[str, set[str]] = {}
    for row in rows:
        for layer, fid in row["features"] or []:
            wanted.setdefault(layer, set()).add(fid)
    existing = set()
    for layer, fids in wanted.items():
        table = layer_table(layer)
        found = conn.execute(sa.select(table.c.fid).where(table.c.fid.in_(fids))).scalars()
        existing |= {(layer, fid) for fid in found}
    for row in rows:
        for link in row["features"] or []:
            if link not in existing:
                report.reject(f"linked feature {link[0]}:{link[1]} does not exist",
                              feature=row["code"], row=row["row"], field="关联要素")


def _upsert_project(conn: sa.Connection, row: dict, actor: str, report: SourceReport,
                    overwrite: bool) -> None:
    values = {name: row[name] for name in _TRACKED}
    current = conn.execute(sa.select(projects).where(projects.c.code == row["code"])).first()
    links = set(row["features"] or [])
    if current is None:
        project_id = conn.execute(
            projects.insert().values(code=row["code"], **values).returning(projects.c.id)
        ).scalar_one()
        changes = {k: [None, _json(v)] for k, v in values.items()}
        old_links: set = set()
        report.inserted += 1
    else:
        project_id = current.id
        changes = {k: [_json(current._mapping[k]), _json(v)] for k, v in values.items()
                   if _json(current._mapping[k]) != _json(v)}
        old_links = {tuple(link) for link in conn.execute(
            sa.select(project_features.c.layer, project_features.c.fid)
            .where(project_features.c.project_id == project_id))}
        if not changes and old_links == links:
            report.unchanged += 1
            return
        if old_links != links:
            changes["features"] = [sorted(map(":".join, old_links)),
                                   sorted(map(":".join, links))]
        if _conflicts(conn, project_id, row, changes, report, overwrite):
            return
        if changes:
            conn.execute(projects.update().where(projects.c.id == project_id).values(
                **values, version=projects.c.version + 1, updated_at=sa.func.now()))
        report.updated += 1
    _replace_links(conn, project_id, old_links, links)
    if old_links != links and "features" not in changes:
        changes["features"] = [sorted(map(":".join, old_links)), sorted(map(":".join, links))]
    conn.execute(project_events.insert().values(
        project_id=project_id, actor=actor, kind="import", status=values["status"],
        progress=values["progress"], note=f"台账导入 {report.source}", data=changes))


def _conflicts(conn: sa.Connection, project_id: int, row: dict, changes: dict,
               report: SourceReport, overwrite: bool) -> bool:
    """Report each field the file would change that the service changed since the last
    import (see :func:`service_edits`), as a conflict or, with *overwrite*, as overwritten;
    whether the project must be left as it is."""
    edited = service_edits(conn, project_id)
    headings = {c.name: c.zh for c in COLUMNS}
    found = False
    for name, (live, from_file) in changes.items():
        if name not in edited:
            continue
        actor, at = edited[name]
        report.problems.append(Problem(
            "overwritten" if overwrite else "conflict", f"file {from_file!r}, live {live!r}, changed in the service by {actor} "
                        f"at {at:%Y-%m-%d %H:%M}", feature=row["code"], row=row["row"],
            field=headings.get(name, name)))
        found = True
    return found and not overwrite


def service_edits(conn: sa.Connection, project_id: int) -> dict[str, tuple[str, dt.datetime]]:
    """Each ledger field changed in the service since the project's last import, with who
    changed it last and when (a link or unlink counts as a change of ``features``)."""
    last_import = (sa.select(sa.func.coalesce(sa.func.max(project_events.c.id), 0))
                   .where(project_events.c.project_id == project_id,
                          project_events.c.kind == "import").scalar_subquery())
    events = conn.execute(
        sa.select(project_events.c.actor, project_events.c.at, project_events.c.kind,
                  project_events.c.data)
        .where(project_events.c.project_id == project_id,
               project_events.c.kind != "import", project_events.c.id > last_import)
        .order_by(project_events.c.id)).all()
    edited = {}
    for actor, at, kind, data in events:
        fields = {"features"} if kind in ("link", "unlink") else set(data or {})
        edited.update({name: (actor, at) for name in fields})
    return edited


def _replace_links(conn: sa.Connection, project_id: int, old: set, new: set) -> None:
    for layer, fid in old - new:
        conn.execute(project_features.delete().where(
            (project_features.c.project_id == project_id) & (project_features.c.layer == layer)
            & (project_features.c.fid == fid)))
    if new - old:
        conn.execute(project_features.insert(), [
            {"project_id": project_id, "layer": layer, "fid": fid} for layer, fid in new - old])


def _json(value):
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return sorted(value)
    return value
