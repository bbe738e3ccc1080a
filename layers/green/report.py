"""The assessors' report on the green-space indicators (园林绿化指标报告), in Chinese.

The indicators of :func:`layers.green.judging.assessed_body` with their thresholds,
verdicts and gaps, per-community values, the method with this run's numbers, the data date
and which thresholds are verified; as the context of the HTML template (the API renders it,
with the map :mod:`webmap.green_page` draws) and as an XLSX workbook (without the map).
"""

from __future__ import annotations

import io
from typing import Any

from geo.greening import RIVER_GREEN_DISTANCE, ROAD_GREEN_DISTANCE, SAMPLE_STEP
from geo.scenario import MAX_FEATURE_AREA
from geo.service_coverage import ACCESS_DISTANCE, WALK_BUFFER
from geo.service_gaps import unserved_residential
from geo.thresholds import load_thresholds
from layers import clock
from layers.green.judging import INDICATOR_NAMES, VETO_WORDS, assessed_body, indicator_name
from layers.green.state import GreenState
from layers.i18n import translator

#: The rules of the computation (:mod:`geo.green`, :mod:`geo.assess`) for the assessors'
#: report, which is in Chinese only (the county hands it in as its own document); ``{…}``
#: are filled with this run's numbers.
_METHOD_ZH: tuple[str, ...] = (
    "计算范围与量算：所有指标均以建成区边界为范围；面积和长度在数据所在的 CGCS2000 3 度带"
    "高斯-克吕格投影（本次为 EPSG:{epsg}）中按平面量算；相互重叠的图斑先融合，同一块土地只计一次。",
    "公园绿地（G1）：公园图层（parks）加上其他绿地图层（green_spaces）中 G11–G14 类的图斑；"
    "公园按整体面积计入，园内水体随公园计入。",
    "建成区绿化覆盖率 = 植被垂直投影面积 ÷ 建成区面积。green_spaces 的 veg_ratio 为图斑的植被覆盖"
    "比例（空值视为全部覆盖）；公园视为全部覆盖，但公园内另有绿地图斑时以该图斑的比例为准；"
    "绿地图斑相互重叠时取较高比例。建成区内的 EG 区域绿地植被同样计入。另计行道树树冠投影（道路"
    "改造路段和街道路网的 canopy_w：每侧树冠投影宽度，树冠以路缘为中心，路幅宽度未知时以道路中心线"
    "两侧各 canopy_w 计，端部平头）和滨水绿化（河道水系的 bank_w：每岸绿化宽度），与绿地重叠处只计"
    "一次。覆盖率低于绿地率（数据缺漏的迹象）时，指标附数据提示并指出可能缺少的图层。",
    "建成区绿地率 = 各类城市绿地面积 ÷ 建成区面积：G1、G2、XG 全部计入，G3 广场用地只计绿化部分"
    "（面积 × veg_ratio，空值则全部计入）；EG 区域绿地不计入。",
    "人均公园绿地面积 = 公园绿地（G1）面积 ÷ 城区常住人口（建成区图层 population 之和）；"
    "人均综合公园面积（G11）和人均社区公园面积（G12）同理；分社区时用各社区自己的人口。",
    "公园绿地服务半径覆盖率 = 公园服务范围内的居住用地面积 ÷ 建成区内全部居住用地面积。每个公园"
    "按自身面积取满足条件的最大服务半径：{rules}。直线距离法以公园边界向外扩展服务半径；步行距离法"
    "以距公园 {access} m 内经过的道路为入口，沿道路网步行服务半径以内可达的路段两侧各 {walk} m"
    "（且不超出直线服务范围）为服务范围，比直线距离法更严格。地图中红色为任何公园都不服务的居住用地"
    "（直线距离法）。",
    "城市道路绿化普及率（近似）：缺少行道树数据，道路中心线 {road} m 以内有绿地的路段视为已绿化，"
    "道路按每段不超过 {step} m 判断。河道绿化普及率（近似）：河道标记为已绿化或填写了"
    "岸线绿化宽度，或岸线 {river} m"
    "以内有绿地的岸线长度 ÷ 建成区内岸线总长度。",
    "分社区：各社区先与建成区求交，再按上述规则分别计算，人均指标用社区人口。",
    "判定与差距：指标值按所选称号的阈值判定（“>”为严格大于）；未达标时给出达标还需增加的面积"
    "（或长度），人均指标同时给出达标所允许的最大人口。阈值为空的项暂不判定。否决项未达标则该称号"
    "不能通过。",
    "阈值来源：项目文件 geo/thresholds.json（版本 {version}）。标注“待核实”的阈值尚未对照标准原文"
    "核实，仅供内部参考，不应作为正式结论引用；各条阈值的出处见阈值表。情景模拟中单个新增图斑不得"
    "超过 {max_area} km²。",
)


def veto_words(state: str) -> str:
    """What the (Chinese) report says of the title's veto items, from the catalogue."""
    return translator("zh").gettext(VETO_WORDS[state])


def report_context(state: GreenState, title: str) -> dict[str, Any]:
    """Everything the report shows, for the HTML template and the workbook alike."""
    body = assessed_body(state, title, "zh")
    table = load_thresholds()
    layers = state.layers
    buffer_gaps = unserved_residential(layers, method="buffer")
    rules = table["service_radius_rules"]
    built_up = body["built_up"]
    population = next((row["denominator"] for row in built_up["indicators"]
                       if row["key"] == "park_area_per_capita"), None)
    generated = clock.now()
    data_day = (state.data_date.date().isoformat() if state.data_date
                else generated.date().isoformat())
    return {
        **body,
        "place": "、".join(layers.built_up["name"].dropna().astype(str).unique())
                 if "name" in layers.built_up else "",
        "generated": generated.strftime("%Y-%m-%d %H:%M"),
        "data_day": data_day,
        "population": population,
        "veto_words": veto_words(body["veto_state"]),
        "unserved_m2": float(buffer_gaps["unserved_m2"].sum()),
        "thresholds": [row for row in table["thresholds"] if row.title == title],
        "radius_rules": rules,
        "method": method_paragraphs(state, table),
        # The report's map, drawn by the page layer (webmap.green_page.report_map_svg).
        "map_layers": {
            "communities": layers.communities.geometry if layers.communities is not None
            else None,
            "residential": layers.residential_land.geometry
            if layers.residential_land is not None else None,
            "unserved": buffer_gaps.geometry,
            "green_spaces": layers.green_spaces.geometry,
            "parks": layers.parks.geometry,
            "streets": layers.streets.geometry if layers.streets is not None else None,
            "built_up": layers.built_up.geometry,
        },
        "community_keys": [key for key in (
            "green_space_ratio", "green_coverage_rate", "park_area_per_capita",
            "park_service_coverage", "park_service_coverage_walking")
            if key in {row["key"] for row in built_up["indicators"]}],
        "indicator_titles": {**{key: indicator_name(key, "zh", key) for key in INDICATOR_NAMES},
                             **{row["key"]: row["title"] for row in built_up["indicators"]}},
        "units": {row["key"]: row["unit"] for row in built_up["indicators"]},
    }


def method_paragraphs(state: GreenState, table: dict[str, Any]) -> list[str]:
    """The rules of :mod:`geo.green`, in Chinese, with this run's numbers filled in."""
    rules = "；".join(
        f"面积不小于 {rule['min_area_m2']:,} m²{'（仅历史地段）' if rule['historic_only'] else ''}"
        f"的公园服务 {rule['radius_m']} m" for rule in table["service_radius_rules"]["rules"])
    values = {"epsg": state.report.epsg, "rules": rules,
              "access": f"{ACCESS_DISTANCE:g}", "walk": f"{WALK_BUFFER:g}",
              "road": f"{ROAD_GREEN_DISTANCE:g}",
              "river": f"{RIVER_GREEN_DISTANCE:g}",
              "step": f"{SAMPLE_STEP:g}", "version": table["version"],
              "max_area": f"{MAX_FEATURE_AREA / 1e6:g}"}
    return [paragraph.format(**values) for paragraph in _METHOD_ZH]


def report_xlsx(context: dict[str, Any]) -> bytes:
    """The report as a workbook: indicators, communities, thresholds, method."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    sheet.append([f"{context['place']} 园林绿化指标 · {context['title']['zh']}"])
    sheet.append(["数据日期", context["data_date"], "阈值版本", context["thresholds_version"],
                  "生成时间", context["generated"]])
    sheet.append(["否决项", veto_words(context["veto_state"])])
    sheet.append([])
    sheet.append(["指标", "数值", "单位", "分子", "分子单位", "分母", "分母单位", "标准",
                  "阈值", "判定", "否决项", "阈值已核实", "差距", "标准条款", "数据提示"])
    for row in context["built_up"]["indicators"]:
        threshold = row["threshold"] or {}
        sheet.append([row["title"], row["value"], row["unit"], row["numerator"],
                      row["numerator_unit"], row["denominator"], row["denominator_unit"],
                      threshold.get("comparison"), threshold.get("value"),
                      _verdict_zh(row["passed"], row["threshold"]), "是" if row["veto"] else "",
                      {True: "是", False: "否"}.get(threshold.get("verified"), ""),
                      row["message"], " ".join(filter(None, (threshold.get("standard"),
                                                             threshold.get("clause")))),
                      "；".join(w["message"] for w in row["warnings"]) or None])
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    _widths(sheet, (30, 12, 10, 14, 8, 14, 8, 6, 8, 8, 8, 10, 60, 40, 60))

    communities = book.create_sheet("社区")
    keys = context["community_keys"]
    communities.append(["编号", "社区", *[f"{context['indicator_titles'][k]}"
                                          f"（{context['units'][k]}）" for k in keys],
                        *[f"{context['indicator_titles'][k]} 判定" for k in keys]])
    for row in context["communities"]:
        measures = row["indicators"]
        communities.append([row["fid"], row["name"],
                            *[measures.get(k, {}).get("value") for k in keys],
                            *[_verdict_zh(measures.get(k, {}).get("passed"), True)
                              for k in keys]])
    for cell in communities[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    _widths(communities, (8, 12, *[16] * (2 * len(keys))))

    thresholds = book.create_sheet("阈值")
    thresholds.append(["指标", "比较", "阈值", "单位", "标准", "年份", "条款", "否决项",
                       "已核实", "出处"])
    for row in context["thresholds"]:
        thresholds.append([row.indicator, row.comparison, row.value, row.unit, row.standard,
                           row.year, row.clause, "是" if row.veto else "",
                           "是" if row.verified else "否", row.source])
    rules = context["radius_rules"]
    thresholds.append([])
    thresholds.append(["服务半径规则", rules["standard"], "", "", "", rules.get("year"),
                       rules.get("clause"), "", "是" if rules["verified"] else "否",
                       rules["source"]])
    for rule in rules["rules"]:
        thresholds.append(["", f"≥ {rule['min_area_m2']} m²", rule["radius_m"], "m",
                           "仅历史地段" if rule.get("historic_only") else ""])
    for cell in thresholds[1]:
        cell.font = Font(bold=True)
    _widths(thresholds, (34, 6, 8, 10, 40, 6, 8, 6, 6, 80))

    method = book.create_sheet("方法")
    for paragraph in context["method"]:
        method.append([paragraph])
        method.cell(method.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    _widths(method, (120,))

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _verdict_zh(passed: bool | None, threshold: Any) -> str:
    if threshold is None:
        return "不考核"
    return {True: "达标", False: "未达标"}.get(passed, "未判定")


def _widths(sheet, widths: tuple[int, ...]) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
