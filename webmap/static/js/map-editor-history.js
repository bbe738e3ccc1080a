/*
 * The feature card's history (issue 16): every version of the feature (GET /ogc/…/items/
 * {id}/versions: number, when, who, through what, why), a before/after picture of a chosen
 * version against the current geometry (a small drawing in the card, and the same two
 * outlines on the map), and, for planners and admins, "restore this version" (POST …/versions/
 * {n}/restore with If-Match: the restored state becomes a new version).
 * Text from the server goes in with textContent, never innerHTML.
 */
import { _, el, fill, request, serviceRoot } from "./common.js";
import { keepPopupOnMap, localTime } from "./map-card.js";
import { atLeast } from "./map-tracking.js";

const SVG = "http://www.w3.org/2000/svg";
const CURRENT = "#1565c0";
const CHOSEN = "#c62828";

export function featureHistory(app, spec, feature) {
  const details = el("details", "lc-history lc-feature-history");
  const list = el("ol", "lc-versions");
  const compare = el("div", "lc-version-compare");
  const message = el("div", "lc-form-msg");
  details.append(el("summary", null, _("Versions")), list, compare, message);
  const url = serviceRoot(app.config.api) + "/ogc/collections/" + encodeURIComponent(spec.name)
    + "/items/" + encodeURIComponent(feature.id);
  const load = async () => {
    const answer = await request(url + "/versions");
    if (!answer.ok) {
      list.replaceChildren(el("li", "lc-error", (answer.body && answer.body.description)
        || answer.message));
      return;
    }
    const versions = answer.body.features;
    const current = versions.find((v) => v.version.current);
    list.replaceChildren(...versions.slice().reverse().map((version) => versionItem(
      app, version, current, { url, compare, message, reload: load, spec })));
    details.dataset.loaded = "yes";
    keepPopupOnMap(app);
  };
  details.addEventListener("toggle", () => {
    if (details.open && !details.dataset.loaded) load();
    if (!details.open) clearOverlay(app);
  });
  return details;
}

function versionItem(app, version, current, context) {
  const v = version.version;
  const item = el("li", "lc-version" + (v.current ? " lc-version-current" : ""));
  item.dataset.version = String(v.number);
  const head = el("div", "lc-version-head");
  head.append(el("strong", null, fill(_("Version {n}"), { n: v.number })),
    el("span", "lc-version-op", opLabel(v.op)), timeOf(v.valid_from));
  const who = el("div", "lc-version-who");
  who.append(el("span", null, v.actor || "—"), " · ",
    el("span", "lc-version-channel", channelLabel(v.channel)));
  item.append(head, who);
  if (v.note) item.append(el("p", "lc-event-note", v.note));
  const tools = el("div", "lc-version-tools");
  if (current && !v.current && version.geometry) {
    const show = el("button", "lc-link-button lc-version-show", _("Compare with the current"));
    show.type = "button";
    show.addEventListener("click", () => showComparison(app, version, current, context.compare));
    tools.append(show);
  }
  if (!v.current && v.op !== "delete" && atLeast(app.tracking && app.tracking.session, "planner")) {
    const restore = el("button", "lc-link-button lc-version-restore", _("Restore this version"));
    restore.type = "button";
    restore.addEventListener("click", () => restoreVersion(app, v.number, current, context));
    tools.append(restore);
  }
  if (tools.childElementCount) item.append(tools);
  return item;
}

function timeOf(iso) {
  const time = el("time", null, localTime(iso));
  time.dateTime = iso;
  return time;
}

function opLabel(op) {
  return { insert: _("created"), update: _("changed"), delete: _("deleted") }[op] || op;
}

function channelLabel(channel) {
  return {
    map: _("on the map"), api: _("through the API"), import: _("by import"),
    "restore-version": _("restored"), cli: _("by command"), sql: _("in the database"),
  }[channel] || channel;
}

async function restoreVersion(app, number, current, context) {
  const headers = current ? { "If-Match": '"' + current.version.number + '"' } : {};
  const answer = await request(context.url + "/versions/" + number + "/restore",
    { method: "POST", headers });
  if (!answer.ok) {
    context.message.textContent = _("Not restored: ")
      + ((answer.body && answer.body.description) || answer.message);
    context.message.classList.add("lc-error");
    context.message.hidden = false;
    return;
  }
  context.message.classList.remove("lc-error");
  context.message.textContent = fill(_("Version {n} restored as version {version}."),
    { n: number, version: answer.body.lianchuang.version });
  context.message.hidden = false;
  context.compare.replaceChildren();
  clearOverlay(app);
  app.projectsChanged = true;  // the layer is drawn again when the card closes
  await context.reload();
}

/* ---- before and after ------------------------------------------------------------- */

function showComparison(app, version, current, slot) {
  slot.replaceChildren(miniMap(version.geometry, current.geometry),
    legendOf(fill(_("Version {n}"), { n: version.version.number }),
      fill(_("Current (version {n})"), { n: current.version.number })));
  clearOverlay(app);
  const style = (color, dash) => ({ color, weight: 3, dashArray: dash, fill: false,
    interactive: false });
  app.versionOverlay = L.featureGroup([
    L.geoJSON(current.geometry, { style: () => style(CURRENT) }),
    L.geoJSON(version.geometry, { style: () => style(CHOSEN, "5 5") }),
  ]).addTo(app.map);
  keepPopupOnMap(app);
  slot.scrollIntoView({ block: "nearest" });
}

function clearOverlay(app) {
  if (app.versionOverlay) app.map.removeLayer(app.versionOverlay);
  app.versionOverlay = null;
}

function legendOf(chosen, now) {
  const legend = el("div", "lc-version-legend");
  const a = el("span", "lc-version-key");
  a.style.borderColor = CHOSEN;
  const b = el("span", "lc-version-key lc-version-key-current");
  b.style.borderColor = CURRENT;
  legend.append(a, chosen, b, now);
  return legend;
}

export function miniMap(before, after, width = 220, height = 130) {
  // Both geometries drawn in one small box, north up, each scaled alike (equirectangular,
  // longitudes shrunk by the cosine of the latitude).
  const rings = (g) => (g.type === "Point" ? [[g.coordinates]]
    : g.type === "MultiPoint" || g.type === "LineString" ? [g.coordinates]
      : g.type === "MultiLineString" || g.type === "Polygon" ? g.coordinates
        : g.type === "MultiPolygon" ? g.coordinates.flat() : []);
  const all = [...rings(before), ...rings(after)].flat();
  const xs = all.map((c) => c[0]);
  const ys = all.map((c) => c[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys),
    Math.max(...ys)];
  const k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
  const spanX = Math.max((maxX - minX) * k, 1e-9);
  const spanY = Math.max(maxY - minY, 1e-9);
  const scale = Math.min((width - 20) / spanX, (height - 20) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "lc-minimap");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  const draw = (geometry, color, dash) => rings(geometry).forEach((ring) => {
    const points = ring.map((c) => [offX + (c[0] - minX) * k * scale,
      height - offY - (c[1] - minY) * scale]);
    const shape = document.createElementNS(SVG, points.length > 1 ? "polyline" : "circle");
    if (points.length > 1) {
      shape.setAttribute("points", points.map((p) => p.map((n) => n.toFixed(1)).join(","))
        .join(" "));
    } else {
      shape.setAttribute("cx", points[0][0].toFixed(1));
      shape.setAttribute("cy", points[0][1].toFixed(1));
      shape.setAttribute("r", "4");
    }
    shape.setAttribute("fill", "none");
    shape.setAttribute("stroke", color);
    shape.setAttribute("stroke-width", "2");
    if (dash) shape.setAttribute("stroke-dasharray", dash);
    svg.append(shape);
  });
  draw(after, CURRENT);
  draw(before, CHOSEN, "5 4");
  return svg;
}
