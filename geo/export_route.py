"""An inspection route for the map, the inspector's phone and clipboard: GeoJSON, GPX 1.1,
KML 2.2 and a printable HTML stop list.

GeoJSON (RFC 7946): the lines driven, the visits and the stops left out, as features with
their schedule. GPX: one waypoint per stop (and the depot), one route (``rte``, the stops in
order) and one track (``trk``, the streets driven) per inspector. KML: a placemark per stop
named with its order number, and the line driven. HTML: a printable stop list (巡查点位清单) with the
stops left out and why. Every text is escaped; Chinese names go through as UTF-8.
"""

from __future__ import annotations

import dataclasses
import html
import xml.etree.ElementTree as ET
from string import Template

from shapely.geometry import mapping

from geo.inspection_plan import InspectionRoute, InspectorRoute, SkippedStop, Visit

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"
CREATOR = "Lianchuang 联创"
_ROUTE_COLORS = ("#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa")
#: Why a stop was left out, for the printed list (the detail follows).
REASONS_ZH = {"too_far": "距道路过远", "unreachable": "无路可达",
              "no_return": "单行道无法返回", "dropped": "当日时间不足"}


def route_geojson(route: InspectionRoute) -> dict:
    """The route as a GeoJSON FeatureCollection in lon/lat.

    One feature per inspector's line (``kind: "route"``, with distance and times), one per
    visit (``kind: "visit"``, its order and schedule), one per stop left out
    (``kind: "skipped"``, with the reason) and the depot (``kind: "depot"``).
    """
    features = [_point_feature("depot", route.depot)]
    features += [_point_feature("visit", visit, inspector=inspector.inspector)
                 for inspector in route.routes for visit in inspector.visits]
    features += [_point_feature("skipped", stop) for stop in route.unreachable + route.dropped]
    for inspector in _used(route):
        features.append({"type": "Feature", "geometry": mapping(inspector.geometry),
                         "properties": {"kind": "route", "inspector": inspector.inspector,
                                        "stops": len(inspector.visits),
                                        "distance_m": inspector.distance_m,
                                        "travel_min": inspector.travel_min,
                                        "duration_min": inspector.duration_min}})
    return {"type": "FeatureCollection", "features": features}


def route_gpx(route: InspectionRoute, *, title: str = "督查巡查路线",
              day_start: str = "08:30") -> str:
    """The route as a GPX 1.1 document.

    Parameters
    ----------
    route : geo.inspection_plan.InspectionRoute
        A solved inspection.
    title : str
        Name of the document.
    day_start : str
        Clock time (``HH:MM``) of minute 0 of the working day, for the arrival times.

    Returns
    -------
    str
        The XML text, UTF-8 declared, with waypoints, then routes, then tracks, as the
        GPX 1.1 schema orders them.
    """
    root = ET.Element("gpx", xmlns=GPX_NS, version="1.1", creator=CREATOR)
    _text(ET.SubElement(root, "metadata"), "name", title)
    _gpx_point(root, "wpt", route.depot.lon, route.depot.lat, route.depot.name,
               "出发及返回地点 (depot)", "depot")
    for inspector in route.routes:
        for visit in inspector.visits:
            _gpx_point(root, "wpt", visit.lon, visit.lat, _stop_name(route, inspector, visit),
                       _visit_text(visit, day_start), "inspection stop")
    for inspector in _used(route):
        rte = ET.SubElement(root, "rte")
        _text(rte, "name", _inspector_name(inspector))
        _gpx_point(rte, "rtept", route.depot.lon, route.depot.lat, route.depot.name)
        for visit in inspector.visits:
            _gpx_point(rte, "rtept", visit.lon, visit.lat, _stop_name(route, inspector, visit))
        _gpx_point(rte, "rtept", route.depot.lon, route.depot.lat, route.depot.name)
    for inspector in _used(route):
        trk = ET.SubElement(root, "trk")
        _text(trk, "name", _inspector_name(inspector))
        segment = ET.SubElement(trk, "trkseg")
        for lon, lat in inspector.geometry.coords:
            _gpx_point(segment, "trkpt", lon, lat)
    return _xml(root)


def route_kml(route: InspectionRoute, *, title: str = "督查巡查路线",
              day_start: str = "08:30") -> str:
    """The route as a KML 2.2 document: numbered stop placemarks and the line driven,
    one folder per inspector (parameters as :func:`route_gpx`)."""
    root = ET.Element("kml", xmlns=KML_NS)
    document = ET.SubElement(root, "Document")
    _text(document, "name", title)
    for number, color in enumerate(_ROUTE_COLORS, start=1):
        style = ET.SubElement(document, "Style", id=f"route{number}")
        line = ET.SubElement(style, "LineStyle")
        _text(line, "color", _kml_color(color))
        _text(line, "width", "4")
    _kml_point(document, route.depot.name, "出发及返回地点 (depot)",
               route.depot.lon, route.depot.lat)
    for inspector in _used(route):
        folder = ET.SubElement(document, "Folder")
        _text(folder, "name", _inspector_name(inspector))
        for visit in inspector.visits:
            _kml_point(folder, _stop_name(route, inspector, visit),
                       _visit_text(visit, day_start), visit.lon, visit.lat)
        placemark = ET.SubElement(folder, "Placemark")
        _text(placemark, "name", f"{_inspector_name(inspector)} 路线")
        _text(placemark, "description", f"{inspector.distance_m / 1000:.1f} km, "
                                              f"{inspector.duration_min:.0f} min")
        style = (inspector.inspector - 1) % len(_ROUTE_COLORS) + 1
        _text(placemark, "styleUrl", f"#route{style}")
        line = ET.SubElement(placemark, "LineString")
        _text(line, "tessellate", "1")
        _text(line, "coordinates", _kml_coordinates(inspector.geometry.coords))
    return _xml(root)


def stop_list_html(route: InspectionRoute, *, title: str = "督查巡查点位清单",
                   day_start: str = "08:30") -> str:
    """A printable, self-contained HTML stop list: per inspector the stops in order with
    address or coordinates, arrival time, minutes on site and notes; then the stops left
    out with the reason (parameters as :func:`route_gpx`)."""
    sections = [_html_route(route, inspector, day_start) for inspector in _used(route)]
    skipped = route.unreachable + route.dropped
    return _PAGE.substitute(
        title=html.escape(title),
        summary=html.escape(
            f"出发地点 {route.depot.name} · {day_start} 出发 · 共 {_visit_count(route)} 个点位 · "
            f"{route.distance_m / 1000:.1f} km · {route.duration_min:.0f} 分钟"),
        sections="\n".join(sections) or "<p>没有可安排的点位。</p>",
        skipped=_html_skipped(skipped) if skipped else "",
    )


def clock(minutes: float, day_start: str = "08:30") -> str:
    """Clock time ``HH:MM`` that is *minutes* after *day_start* (``HH:MM``)."""
    hours, mins = (int(part) for part in day_start.split(":"))
    total = round(hours * 60 + mins + minutes)
    return f"{total // 60 % 24:02d}:{total % 60:02d}"


def _point_feature(kind: str, record: object, **extra: object) -> dict:
    """A GeoJSON point feature from a dataclass with ``lon`` and ``lat``."""
    properties = dataclasses.asdict(record)
    lonlat = [properties.pop("lon"), properties.pop("lat")]
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": lonlat},
            "properties": {"kind": kind, **extra, **properties}}


def _used(route: InspectionRoute) -> list[InspectorRoute]:
    return [inspector for inspector in route.routes if inspector.visits]


def _visit_count(route: InspectionRoute) -> int:
    return sum(len(inspector.visits) for inspector in route.routes)


def _inspector_name(inspector: InspectorRoute) -> str:
    return f"巡查员 {inspector.inspector}"


def _stop_name(route: InspectionRoute, inspector: InspectorRoute, visit: Visit) -> str:
    several = sum(1 for r in route.routes if r.visits) > 1
    number = f"{inspector.inspector}-{visit.order}" if several else f"{visit.order}"
    return f"{number}. {visit.name}"


def _visit_text(visit: Visit, day_start: str) -> str:
    parts = [f"到达 {clock(visit.arrival_min, day_start)}", f"停留 {visit.service_min:g} 分钟"]
    parts += [text for text in (visit.address, visit.note) if text]
    return "；".join(parts)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _gpx_point(parent: ET.Element, tag: str, lon: float, lat: float, name: str | None = None,
               desc: str | None = None, kind: str | None = None) -> None:
    point = ET.SubElement(parent, tag, lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    for child, text in (("name", name), ("desc", desc), ("type", kind)):
        if text:
            _text(point, child, text)


def _kml_point(parent: ET.Element, name: str, description: str, lon: float, lat: float) -> None:
    placemark = ET.SubElement(parent, "Placemark")
    _text(placemark, "name", name)
    _text(placemark, "description", description)
    point = ET.SubElement(placemark, "Point")
    _text(point, "coordinates", _kml_coordinates([(lon, lat)]))


def _kml_color(rgb: str) -> str:
    """KML's opaque ``aabbggrr`` for an ``#rrggbb`` colour."""
    return f"ff{rgb[5:7]}{rgb[3:5]}{rgb[1:3]}"


def _kml_coordinates(coords) -> str:
    return " ".join(f"{lon:.7f},{lat:.7f}" for lon, lat in coords)


def _xml(root: ET.Element) -> str:
    """The document; its namespace is the root's plain ``xmlns`` attribute, which keeps
    ElementTree from inventing ``ns0:`` prefixes that some GPS apps cannot read."""
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _html_route(route: InspectionRoute, inspector: InspectorRoute, day_start: str) -> str:
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in (
            visit.order, visit.name,
            visit.address or f"{visit.lat:.6f}, {visit.lon:.6f}",
            clock(visit.arrival_min, day_start), f"{visit.service_min:g}",
            "；".join(text for text in (visit.note, _window(visit, day_start)) if text),
        )) + "</tr>"
        for visit in inspector.visits)
    heading = (f"{_inspector_name(inspector)} · {inspector.distance_m / 1000:.1f} km · 返回 "
               f"{clock(inspector.return_min, day_start)}")
    return _ROUTE.substitute(heading=html.escape(heading), rows=rows)


def _window(visit: Visit, day_start: str) -> str:
    if visit.earliest_min is None and visit.latest_min is None:
        return ""
    start = clock(visit.earliest_min, day_start) if visit.earliest_min is not None else ""
    end = clock(visit.latest_min, day_start) if visit.latest_min is not None else ""
    return f"限定时段 {start}–{end}"


def _html_skipped(skipped: tuple[SkippedStop, ...]) -> str:
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in (
            stop.stop_id, stop.name, f"{stop.lat:.6f}, {stop.lon:.6f}",
            f"{REASONS_ZH[stop.reason]}：{stop.detail}")) + "</tr>"
        for stop in skipped)
    return _SKIPPED.substitute(rows=rows)


_PAGE = Template("""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>$title</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
th, td { border: 1px solid #999; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eee; }
@media print { body { margin: 0; } section { page-break-inside: avoid; } }
</style>
</head>
<body>
<h1>$title</h1>
<p>$summary</p>
$sections
$skipped
</body>
</html>
""")

_ROUTE = Template("""<section>
<h2>$heading</h2>
<table>
<thead><tr><th>序号</th><th>点位名称</th><th>地址 / 坐标</th><th>到达时间</th>\
<th>停留（分钟）</th><th>备注</th></tr></thead>
<tbody>
$rows
</tbody>
</table>
</section>""")

_SKIPPED = Template("""<section>
<h2>未安排的点位</h2>
<table>
<thead><tr><th>编号</th><th>点位名称</th><th>坐标</th><th>原因</th></tr></thead>
<tbody>
$rows
</tbody>
</table>
</section>""")
