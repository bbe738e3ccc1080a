"""The green-space page's words, and the indicators' and classes' names, in Chinese and English.

Threshold titles come from ``geo/thresholds.json`` (it names them in both languages); the
indicators' Chinese names are :mod:`geo.green`'s own, repeated here beside the English so a
page in either language reads them from one place.  The assessors' report is in Chinese.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

#: Indicator key -> name, in each language.
INDICATORS: dict[str, dict[str, str]] = {
    "green_coverage_rate": {"zh": "建成区绿化覆盖率", "en": "Green coverage rate"},
    "green_space_ratio": {"zh": "建成区绿地率", "en": "Green space ratio"},
    "park_area_per_capita": {"zh": "人均公园绿地面积", "en": "Park area per capita"},
    "comprehensive_park_area_per_capita": {"zh": "人均综合公园面积",
                                           "en": "Comprehensive park area per capita"},
    "community_park_area_per_capita": {"zh": "人均社区公园面积",
                                       "en": "Community park area per capita"},
    "park_service_coverage": {"zh": "公园绿地服务半径覆盖率",
                              "en": "Park service-radius coverage"},
    "park_service_coverage_walking": {"zh": "公园绿地服务半径覆盖率（步行距离）",
                                      "en": "Park service coverage (walking distance)"},
    "road_greening_rate": {"zh": "城市道路绿化普及率（近似）",
                           "en": "Road greening rate (approximation)"},
    "river_greening_rate": {"zh": "河道绿化普及率（近似）",
                            "en": "River greening rate (approximation)"},
}

#: What an indicator's numerator is, for the Chinese gap message ("还需增加…").
GAP_WHAT_ZH: dict[str, str] = {
    "green_coverage_rate": "绿化覆盖面积",
    "green_space_ratio": "绿地面积",
    "park_area_per_capita": "公园绿地面积",
    "comprehensive_park_area_per_capita": "综合公园（G11）面积",
    "community_park_area_per_capita": "社区公园（G12）面积",
    "park_service_coverage": "公园服务半径覆盖的居住用地",
    "park_service_coverage_walking": "步行可达公园的居住用地",
    "road_greening_rate": "绿化道路长度",
    "river_greening_rate": "绿化河岸长度",
}

#: CJJ/T 85-2017 classes a scenario may create.
GREEN_CLASSES: dict[str, dict[str, str]] = {
    "G11": {"zh": "G11 综合公园", "en": "G11 Comprehensive park"},
    "G12": {"zh": "G12 社区公园", "en": "G12 Community park"},
    "G13": {"zh": "G13 专类公园", "en": "G13 Specialised park"},
    "G14": {"zh": "G14 游园", "en": "G14 Pocket park"},
    "G2": {"zh": "G2 防护绿地", "en": "G2 Protective green"},
    "G3": {"zh": "G3 广场用地", "en": "G3 Square"},
    "XG": {"zh": "XG 附属绿地", "en": "XG Attached green"},
    "EG": {"zh": "EG 区域绿地", "en": "EG Regional green"},
}

#: Gap and verdict messages of the API and page (the English gap message is geo.assess's).
MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "passes": "达标",
        "not_assessed": "该称号不考核此项",
        "no_threshold": "该称号的阈值尚未确认，暂不判定",
        "no_value": "无法判定：缺少数据",
        "needs": "还需增加{what} {more} {unit}",
        "needs_more_than": "还需增加{what}超过 {more} {unit}",
        "or_population": "，或人口不超过 {people} 人",
    },
    "en": {
        "passes": "passes",
        "not_assessed": "not assessed for this title",
        "no_threshold": "no threshold known for this title yet",
        "no_value": "cannot be judged: no data",
    },
}

UI: dict[str, dict[str, str]] = {
    "zh": {
        "title": "联创 · 园林绿化指标",
        "heading": "园林绿化指标",
        "other_language": "English",
        "main_map": "项目一张图",
        "assessed_title": "考核标准",
        "walking": "同时计算步行距离服务半径",
        "indicator": "指标",
        "value": "现状值",
        "threshold": "标准",
        "verdict": "判定",
        "passed": "达标",
        "failed": "未达标",
        "unjudged": "未判定",
        "veto": "否决项",
        "unverified": "阈值待核实",
        "vetoed": "有否决项未达标",
        "not_vetoed": "否决项均未失分",
        "data_date": "数据日期",
        "thresholds_version": "阈值版本",
        "report": "评估报告",
        "report_html": "网页",
        "report_pdf": "PDF",
        "report_xlsx": "Excel",
        "choropleth": "分社区专题图",
        "legend": "图例",
        "no_data": "无数据",
        "fails_outline": "橙色粗边框：该社区未达标",
        "unserved": "公园服务半径未覆盖的居住用地",
        "unserved_walking": "步行距离未覆盖的居住用地",
        "unserved_area": "未覆盖 {area} 公顷（居住用地 {total} 公顷）",
        "parks": "公园绿地",
        "shantytowns": "棚户区",
        "built_up": "建成区",
        "communities": "社区",
        "scenario": "情景模拟",
        "scenario_hint": "绘制规划绿地，或在棚户区、公园的弹窗中改变用途，查看各项指标的变化。",
        "draw": "绘制绿地",
        "drawing_hint": "在地图上依次点击添加顶点，点击“完成”结束（至少 3 个点）。",
        "finish": "完成",
        "cancel": "取消",
        "green_class": "绿地类型",
        "changes": "拟定变更",
        "no_changes": "尚无变更",
        "clear": "清空",
        "remove_change": "删除此项",
        "computing": "正在计算…",
        "before": "现状",
        "after": "情景",
        "delta": "变化",
        "change_add": "新增{cls}（{area} 公顷）",
        "change_convert": "{name} 改为 {cls}",
        "change_remove": "移除 {name}",
        "convert_zone": "改为绿地（情景）",
        "remove_park": "移除此公园（情景）",
        "population": "人口",
        "loading": "正在加载…",
        "failed_load": "加载失败：",
        "empty": "数据库中还没有建成区：先运行 lianchuang import 导入数据",
        "ha": "公顷",
        "people": "人",
        "fid": "编号",
        "class": "类别",
        "of_threshold": "标准 {cmp} {value}",
        "not_assessed": "不考核",
    },
    "en": {
        "title": "Lianchuang · green-space indicators",
        "heading": "Green-space indicators",
        "other_language": "中文",
        "main_map": "Projects map",
        "assessed_title": "Assessed against",
        "walking": "Also compute the walking-distance coverage",
        "indicator": "Indicator",
        "value": "Value",
        "threshold": "Threshold",
        "verdict": "Verdict",
        "passed": "pass",
        "failed": "fail",
        "unjudged": "not judged",
        "veto": "veto item",
        "unverified": "threshold to verify",
        "vetoed": "A veto item fails",
        "not_vetoed": "No veto item fails",
        "data_date": "Data date",
        "thresholds_version": "Thresholds version",
        "report": "Report",
        "report_html": "Web page",
        "report_pdf": "PDF",
        "report_xlsx": "Excel",
        "choropleth": "By community",
        "legend": "Legend",
        "no_data": "no data",
        "fails_outline": "Thick orange outline: the community fails",
        "unserved": "Residential land no park serves",
        "unserved_walking": "Residential land beyond walking distance",
        "unserved_area": "{area} ha unserved (of {total} ha residential)",
        "parks": "Parks",
        "shantytowns": "Shantytown zones",
        "built_up": "Built-up area",
        "communities": "Communities",
        "scenario": "What if",
        "scenario_hint": "Draw planned green space, or change a shantytown zone or park from "
                         "its popup, and see every indicator change.",
        "draw": "Draw green space",
        "drawing_hint": "Click the map to add corners, then Finish (at least 3).",
        "finish": "Finish",
        "cancel": "Cancel",
        "green_class": "Class",
        "changes": "Changes",
        "no_changes": "No changes yet",
        "clear": "Clear",
        "remove_change": "Remove this change",
        "computing": "Computing…",
        "before": "Now",
        "after": "After",
        "delta": "Change",
        "change_add": "Add {cls} ({area} ha)",
        "change_convert": "{name} becomes {cls}",
        "change_remove": "Remove {name}",
        "convert_zone": "Make it green space (what if)",
        "remove_park": "Remove this park (what if)",
        "population": "Population",
        "loading": "Loading…",
        "failed_load": "Loading failed: ",
        "empty": "No built-up area in the database yet: run lianchuang import first",
        "ha": "ha",
        "people": "people",
        "fid": "Id",
        "class": "Class",
        "of_threshold": "threshold {cmp} {value}",
        "not_assessed": "not assessed",
    },
}

#: The rules of the computation (:mod:`geo.green`, :mod:`geo.assess`), in Chinese, for the
#: assessors' report; ``{…}`` are filled with this run's numbers.
REPORT_METHOD_ZH: tuple[str, ...] = (
    "计算范围与量算：所有指标均以建成区边界为范围；面积和长度在数据所在的 CGCS2000 3 度带"
    "高斯-克吕格投影（本次为 EPSG:{epsg}）中按平面量算；相互重叠的图斑先融合，同一块土地只计一次。",
    "公园绿地（G1）：公园图层（parks）加上其他绿地图层（green_spaces）中 G11–G14 类的图斑；"
    "公园按整体面积计入，园内水体随公园计入。",
    "建成区绿化覆盖率 = 植被垂直投影面积 ÷ 建成区面积。green_spaces 的 veg_ratio 为图斑的植被覆盖"
    "比例（空值视为全部覆盖）；公园视为全部覆盖，但公园内另有绿地图斑时以该图斑的比例为准；"
    "绿地图斑相互重叠时取较高比例。建成区内的 EG 区域绿地植被同样计入。",
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
    "道路按每段不超过 {step} m 判断。河道绿化普及率（近似）：河道标记为已绿化，或岸线 {river} m"
    "以内有绿地的岸线长度 ÷ 建成区内岸线总长度。",
    "分社区：各社区先与建成区求交，再按上述规则分别计算，人均指标用社区人口。",
    "判定与差距：指标值按所选称号的阈值判定（“>”为严格大于）；未达标时给出达标还需增加的面积"
    "（或长度），人均指标同时给出达标所允许的最大人口。阈值为空的项暂不判定。否决项未达标则该称号"
    "不能通过。",
    "阈值来源：项目文件 geo/thresholds.json（版本 {version}）。标注“待核实”的阈值尚未对照标准原文"
    "核实，仅供内部参考，不应作为正式结论引用；各条阈值的出处见阈值表。情景模拟中单个新增图斑不得"
    "超过 {max_area} km²。",
)
