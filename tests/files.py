"""Crafting small layer and ledger files whose contents the tests know exactly."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

#: A point in Xixiang's county seat in EPSG:4545 (easting, northing in metres).
X0, Y0 = 478_500.0, 3_650_500.0


def square(x: float = X0, y: float = Y0, side: float = 100.0) -> shapely.Polygon:
    """An axis-aligned square in EPSG:4545 metres: ``side``² m² by construction."""
    return shapely.box(x, y, x + side, y + side)


def bowtie(x: float = X0, y: float = Y0) -> shapely.Polygon:
    """A self-intersecting 'figure eight' polygon: two 50 × 50 m triangles once repaired."""
    return shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])


def write_layer(folder: Path, name: str, rows: list[dict], geometries: list, *,
                crs: int | None = 4545, suffix: str = ".shp", encoding: str = "UTF-8",
                cpg: bool = True) -> Path:
    """Write a layer file; ``crs=None`` leaves out the .prj, ``cpg=False`` the .cpg."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}{suffix}"
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geometries, crs=crs or 4545)
    if suffix == ".shp":
        frame.to_file(path, encoding=encoding)
        if crs is None:
            path.with_suffix(".prj").unlink()
        if not cpg:
            path.with_suffix(".cpg").unlink(missing_ok=True)
    elif suffix == ".gpkg":  # the GeoPackage's own integer FID column must not be "fid" here
        frame.to_file(path, layer=name, layer_options={"FID": "gpkg_fid"})
    else:
        frame.to_file(path)
    return path


def park(fid: str, name: str = "测试公园", park_class: str = "G12", **extra) -> dict:
    return {"fid": fid, "name": name, "park_class": park_class, **extra}


LEDGER_HEADINGS = ["项目编号", "项目名称", "项目类别", "所属创建", "责任单位", "责任人", "状态",
                   "进度(%)", "投资(万元)", "开工日期", "完成时限", "建设内容", "关联要素"]


def ledger_row(code: str, features: str = "", **changes: str) -> dict:
    """A valid ledger row; ``changes`` replace cells by heading, e.g. ``**{"状态": "规划"}``."""
    row = dict(zip(LEDGER_HEADINGS, [
        code, "城北带状公园建设", "园林绿化", "国家园林县城、省级生态园林县城", "县住建局", "王建国",
        "在建", "60", "1200.5", "2023-03-01", "2025-12-31", "带状公园一期", features]))
    row.update(changes)
    return row


def write_ledger(folder: Path, rows: list[dict], name: str = "projects.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    frame = pd.DataFrame(rows, columns=LEDGER_HEADINGS)
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path
