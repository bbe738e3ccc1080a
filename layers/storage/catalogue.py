"""The layer catalogue of the 六城（县）联创 campaign, and the project vocabularies.

Everything a user sees named (layer titles, field labels, campaign and status names, the
status colours of the legend) is defined here once, in Chinese and English; so is each
layer's map symbol (its style), which tells the mission layers apart while colour tells
the status.
"""

from __future__ import annotations

from geo.errors import NotFound
from layers.storage.spec import Choice, FieldSpec, LayerSpec, LayerStyle

#: The six titles of 六城（县）联创.
CAMPAIGNS: tuple[Choice, ...] = (
    Choice("national_sanitary", "国家卫生县城", "National Sanitary County"),
    Choice("national_garden", "国家园林县城", "National Garden County"),
    Choice("provincial_eco_garden", "省级生态园林县城", "Provincial Eco-Garden County"),
    Choice("provincial_eco", "省级生态县", "Provincial Eco County"),
    Choice("provincial_civilized", "省级文明城市", "Provincial Civilized City"),
    Choice("national_civilized", "全国文明城市", "National Civilized City"),
)

#: Project statuses in workflow order (暂停 can interrupt any stage).
STATUSES: tuple[Choice, ...] = (
    Choice("planned", "规划", "Planned"),
    Choice("approved", "立项", "Approved"),
    Choice("in_progress", "在建", "In progress"),
    Choice("completed", "完工", "Completed"),
    Choice("accepted", "验收", "Accepted"),
    Choice("suspended", "暂停", "Suspended"),
)

#: What kind of work a project is; the ledger's 项目类别 column takes a code or a label.
PROJECT_CATEGORIES: tuple[Choice, ...] = (
    Choice("road", "道路改造", "Road renovation"),
    Choice("greening", "园林绿化", "Parks and greening"),
    Choice("watercourse", "水系治理", "Watercourse works"),
    Choice("shantytown", "棚户区改造", "Shantytown renovation"),
    Choice("water_source", "水源地保护", "Water-source protection"),
    Choice("sanitation", "环境卫生", "Sanitation"),
    Choice("municipal", "市政设施", "Municipal facilities"),
    Choice("civility", "文明创建", "Civility campaign"),
)

#: Account roles, least to most privileged.
ROLES: tuple[Choice, ...] = (
    Choice("viewer", "查看", "Viewer"),
    Choice("inspector", "督查员", "Inspector"),
    Choice("planner", "规划/部门管理员", "Planner"),
    Choice("admin", "系统管理员", "Administrator"),
)

#: Duties in the handling of cases (案件), beside the role: a user may hold several.
CASE_DUTIES: tuple[Choice, ...] = (
    Choice("dispatcher", "受理员", "Dispatcher"),
    Choice("handler", "处置单位", "Handling unit"),
    Choice("supervisor", "监督员", "Supervisor"),
    Choice("leader", "领导", "Leader"),
)
#: Where a case goes when no rule of its category applies (outside every community).
FALLBACK_DEPARTMENT = "县创建办"

#: Report statuses; Open311 sees only open/closed (the last column).
REPORT_STATUSES: tuple[tuple[Choice, str], ...] = (
    (Choice("reported", "已上报", "Reported"), "open"),
    (Choice("filed", "已立案", "Filed"), "open"),
    (Choice("dispatched", "处置中", "Being handled"), "open"),
    (Choice("handled", "待核查", "Awaiting verification"), "open"),
    (Choice("verified", "已核查", "Verified"), "open"),
    (Choice("suspended", "挂账", "Long-term (suspended)"), "open"),
    (Choice("closed", "已结案", "Closed"), "closed"),
    (Choice("refused", "不予立案", "Not filed"), "closed"),
    (Choice("duplicate", "重复", "Duplicate"), "closed"),
)

#: Map colours per status; the legend and the features use these same values.
STATUS_COLORS = {
    "planned": "#9e9e9e",
    "approved": "#1e88e5",
    "in_progress": "#fb8c00",
    "completed": "#43a047",
    "accepted": "#1b5e20",
    "suspended": "#8e24aa",
}
OVERDUE_COLOR = "#e53935"

_NAME = FieldSpec("name", "text", "名称", "Name", required=True, max_length=100)
_NOTE = FieldSpec("note", "text", "备注", "Note", max_length=500)
#: The projected crown width of the street-tree row (行道树) on each side of the road, in
#: metres; empty or 0: no street trees.  Green coverage counts the canopy (geo.green).
_CANOPY = FieldSpec("canopy_w", "real", "行道树树冠投影宽度（每侧，米）",
                    "Street-tree canopy width (m, each side)", minimum=0, maximum=50)

ROAD_CLASSES = (
    Choice("expressway", "高速公路", "Expressway"),
    Choice("national", "国道", "National highway"),
    Choice("arterial", "主干路", "Arterial road"),
    Choice("collector", "次干路", "Collector road"),
    Choice("local", "支路", "Local street"),
    Choice("approach", "引道", "Approach road"),
)

GREEN_CLASSES = (
    Choice("G11", "综合公园", "Comprehensive park"),
    Choice("G12", "社区公园", "Community park"),
    Choice("G13", "专类公园", "Specialised park"),
    Choice("G14", "游园", "Pocket park"),
    Choice("G2", "防护绿地", "Protective green space"),
    Choice("G3", "广场用地", "Square"),
    Choice("XG", "附属绿地", "Attached green space"),
    Choice("EG", "区域绿地", "Regional green space"),
)
PARK_CLASSES = GREEN_CLASSES[:4]

ZONE_LEVELS = (
    Choice("level1", "一级保护区", "First-level zone"),
    Choice("level2", "二级保护区", "Second-level zone"),
    Choice("quasi", "准保护区", "Quasi-protection zone"),
)

WATER_SOURCE_TYPES = (
    Choice("river", "河流型", "River"),
    Choice("reservoir", "湖库型", "Lake or reservoir"),
    Choice("groundwater", "地下水型", "Groundwater"),
)

FACILITY_KINDS = (
    Choice("public_toilet", "公共厕所", "Public toilet"),
    Choice("garbage_point", "垃圾收集点", "Garbage collection point"),
    Choice("litter_bin", "果皮箱", "Litter bin"),
    Choice("transfer_station", "垃圾转运站", "Transfer station"),
    Choice("market", "农贸市场", "Farmers' market"),
    Choice("landfill", "建筑垃圾填埋场", "Construction-waste landfill"),
    Choice("water_intake", "取水口", "Water intake"),
    Choice("marker", "界碑/警示牌", "Boundary marker / warning sign"),
)

WATERCOURSE_KINDS = (
    Choice("river", "河流", "River"),
    Choice("channel", "渠道", "Channel"),
    Choice("stream", "溪沟", "Stream"),
)

LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        "road_segments", "道路改造路段", "Road renovation segments", ("line",),
        (
            _NAME,
            FieldSpec("road_class", "text", "道路等级", "Road class", required=True,
                      choices=ROAD_CLASSES),
            FieldSpec("width_m", "real", "路幅宽度（米）", "Width (m)", minimum=0, maximum=200),
            FieldSpec("lanes", "integer", "车道数", "Lanes", minimum=1, maximum=12),
            FieldSpec("oneway", "boolean", "单行", "One-way"),
            FieldSpec("reference", "boolean", "改造参照标准", "Reference standard"),
            _CANOPY,
            _NOTE,
        ),
        LayerStyle(color="#455a64", weight=6),  # a broad solid line
        mission=True,
        description_zh="主次干道及引道的综合改造路段",
        description_en="Road segments under comprehensive renovation",
    ),
    LayerSpec(
        "parks", "公园", "Parks", ("polygon",),
        (
            _NAME,
            FieldSpec("park_class", "text", "公园类别", "Park class", required=True,
                      choices=PARK_CLASSES),
            FieldSpec("historic", "boolean", "位于历史地段", "In a historic district"),
            FieldSpec("opened", "integer", "建成年份", "Year opened", minimum=1900, maximum=2100),
            _NOTE,
        ),
        LayerStyle(color="#2e7d32", fill_color="#66bb6a", fill_opacity=0.45, fill_pattern="dots"),
        mission=True,
        description_zh="公园绿地（CJJ/T 85-2017 G1）",
        description_en="Park green space (CJJ/T 85-2017 class G1)",
    ),
    LayerSpec(
        "watercourses", "河道水系", "Watercourses", ("line", "polygon"),
        (
            _NAME,
            FieldSpec("kind", "text", "类型", "Kind", required=True, choices=WATERCOURSE_KINDS),
            FieldSpec("width_m", "real", "宽度（米）", "Width (m)", minimum=0, maximum=2000),
            FieldSpec("greened", "boolean", "岸线已绿化", "Banks greened"),
            FieldSpec("bank_w", "real", "岸线绿化宽度（每岸，米）",
                      "Planted bank width (m, each bank)", minimum=0, maximum=500),
            _NOTE,
        ),
        LayerStyle(color="#1565c0", fill_color="#64b5f6", weight=3, fill_opacity=0.5,
                   dash_array="10 5", fill_pattern="waves"),
        mission=True,
        description_zh="河流水面与渠道",
        description_en="River surfaces and channels",
    ),
    LayerSpec(
        "shantytown_zones", "棚户区改造片区", "Shantytown renovation zones", ("polygon",),
        (
            _NAME,
            FieldSpec("households", "integer", "户数", "Households", minimum=0),
            FieldSpec("community", "text", "所在社区", "Community", max_length=50),
            _NOTE,
        ),
        LayerStyle(color="#6d4c41", fill_color="#bcaaa4", dash_array="6 4", fill_pattern="hatch"),
        mission=True,
        description_zh="棚户区及城乡结合部改造片区",
        description_en="Shantytown and urban-fringe renovation zones",
    ),
    LayerSpec(
        "water_source_areas", "饮用水水源保护区", "Drinking-water source protection areas",
        ("polygon",),
        (
            _NAME,
            FieldSpec("zone_level", "text", "保护区级别", "Zone level", required=True,
                      choices=ZONE_LEVELS),
            FieldSpec("src_type", "text", "水源类型", "Source type", required=True,
                      choices=WATER_SOURCE_TYPES),
            FieldSpec("backup", "boolean", "备用水源", "Backup source"),
            FieldSpec("approved", "boolean", "已批复划定", "Approved delineation"),
            _NOTE,
        ),
        LayerStyle(color="#00838f", fill_color="#80deea", weight=2.5, fill_opacity=0.3,
                   dash_array="2 4", fill_pattern="cross"),
        mission=True,
        description_zh="饮用水水源一级、二级保护区（HJ 338-2018）",
        description_en="Drinking-water source protection zones (HJ 338-2018)",
    ),
    LayerSpec(
        "green_spaces", "其他绿地", "Other green space", ("polygon",),
        (
            FieldSpec("name", "text", "名称", "Name", max_length=100),
            FieldSpec("green_cls", "text", "绿地类别", "Green-space class", required=True,
                      choices=GREEN_CLASSES),
            FieldSpec("veg_ratio", "real", "植被覆盖比例", "Vegetated share",
                      minimum=0, maximum=1),
            _NOTE,
        ),
        LayerStyle(color="#558b2f", fill_color="#aed581", weight=1, fill_opacity=0.4),
        description_zh="防护绿地、广场、附属绿地等公园以外的绿地（CJJ/T 85-2017）",
        description_en="Green space other than parks: protective, squares, attached (CJJ/T 85)",
    ),
    LayerSpec(
        "built_up_area", "建成区", "Built-up area", ("polygon",),
        (
            _NAME,
            FieldSpec("year", "integer", "划定年份", "Year delineated", minimum=1949,
                      maximum=2100),
            FieldSpec("population", "integer", "城区常住人口", "Urban resident population",
                      minimum=0),
        ),
        LayerStyle(color="#c62828", weight=2, fill_opacity=0.0, dash_array="10 6"),
        description_zh="县城建成区范围",
        description_en="Boundary of the county seat's built-up area",
    ),
    LayerSpec(
        "communities", "社区", "Communities", ("polygon",),
        (
            _NAME,
            FieldSpec("street", "text", "所属街道", "Street office", required=True, max_length=50),
            FieldSpec("population", "integer", "常住人口", "Resident population", required=True,
                      minimum=0),
            FieldSpec("res_share", "real", "居住用地比例", "Residential share",
                      minimum=0, maximum=1),
        ),
        LayerStyle(color="#5e35b1", weight=1, fill_opacity=0.05),
        description_zh="社区（居委会）范围及常住人口",
        description_en="Community (residents' committee) areas with population",
    ),
    LayerSpec(
        "residential_land", "居住用地", "Residential land", ("polygon",),
        (
            FieldSpec("name", "text", "名称", "Name", max_length=100),
            FieldSpec("community", "text", "所在社区", "Community", max_length=50),
            FieldSpec("population", "integer", "居住人口", "Residents", minimum=0),
        ),
        LayerStyle(color="#f9a825", fill_color="#fff59d", weight=1, fill_opacity=0.35),
        description_zh="居住用地（R 类），用于公园绿地服务半径覆盖率",
        description_en="Residential land (class R), for the park service-radius coverage",
    ),
    LayerSpec(
        "streets", "街道路网", "Street network", ("line",),
        (
            FieldSpec("name", "text", "名称", "Name", max_length=100),
            FieldSpec("road_class", "text", "道路等级", "Road class", required=True,
                      choices=ROAD_CLASSES),
            FieldSpec("oneway", "boolean", "单行", "One-way"),
            FieldSpec("speed_kmh", "real", "限速（km/h）", "Speed (km/h)", minimum=1,
                      maximum=130),
            _CANOPY,
        ),
        LayerStyle(color="#90a4ae", weight=1.5),
        description_zh="县城可通行道路网（巡查路线规划用）；单行道沿线要素方向通行",
        description_en="The town's drivable streets, for inspection routes; one-way streets "
                       "run in the direction the line is drawn",
    ),
    LayerSpec(
        "facilities", "环卫及市政设施", "Sanitation and municipal facilities", ("point",),
        (
            _NAME,
            FieldSpec("kind", "text", "设施类型", "Facility type", required=True,
                      choices=FACILITY_KINDS),
            FieldSpec("status", "text", "设施状态", "Facility state",
                      choices=(Choice("existing", "现状", "Existing"),
                               Choice("planned", "规划", "Planned"))),
            _NOTE,
        ),
        LayerStyle(color="#ef6c00", icon="info-sign"),
        mission=True,
        description_zh="公厕、垃圾收集点、农贸市场、填埋场等",
        description_en="Public toilets, garbage points, markets, landfill and the like",
    ),
)

_BY_NAME = {spec.name: spec for spec in LAYERS}


class UnknownLayer(NotFound, KeyError):
    """A layer name that is not in the catalogue."""

    def __str__(self) -> str:
        return (f"unknown layer {self.args[0]!r}; the layers are: "
                + ", ".join(_BY_NAME))


def get_layer(name: str) -> LayerSpec:
    """Return the spec of layer *name*, or raise :class:`UnknownLayer` listing the layers."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownLayer(name) from None


def layer_names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def mission_layer_names() -> tuple[str, ...]:
    """The layers holding the campaign's work (``LayerSpec.mission``), in catalogue order."""
    return tuple(spec.name for spec in LAYERS if spec.mission)
