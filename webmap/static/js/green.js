/* The green-space page (/green): indicator panel, community choropleth, residential land
 * no park serves, and what-if scenarios drawn on the map.
 *
 * webmap/green_page.py writes the Leaflet map and the page data (common.js pageData);
 * everything else is read from the service's API:
 *   GET  {api}/metrics/green            indicators of the built-up area and each community
 *   GET  {api}/metrics/green/unserved   the residential land no park serves (GeoJSON)
 *   GET  {api}/layers/{name}/features   communities, parks, shantytown zones, built-up area
 *   POST {api}/metrics/green/scenario   indicators before and after the planned changes
 *   POST {api}/readiness/whatif         their effect on each title's checklist items
 *                                       (green-readiness.js; ?project=<id>: a project's)
 * Strings come from the page's catalogue (common.js _).  Data from the API is put into
 * the page as text, never as HTML.
 *
 * For tests and screenshots: document.body.dataset.mapState is "loading", "ready" or
 * "error"; dataset.scenarioState is "computing", "done" or "error"; window.lianchuangGreen
 * is the running app.
 */
import {
  _, pgettext, fill, otherLanguageName, pageData, getJSON, el, setState, showStatus,
  basemapNote, guardBasemap,
} from "./common.js";
import { communityTooltip, paintChoropleth } from "./green-choropleth.js";
import {
  addChange, addCorner, classLabel, currentClass, finishDrawing, renderChanges, runScenario,
  startDrawing, stopDrawing,
} from "./green-scenario.js";
import { clearReadinessEffect, loadProjectEffect } from "./green-readiness.js";

const FEATURE_LIMIT = 5000;
/* Panes keep the drawing order whatever loads first; the built-up outline is on top. */
const PANES = {
  communities: 405, unserved: 415, parks: 425, shantytowns: 430, scenario: 440,
  builtup: 445,
};
export const FAIL_OUTLINE = { color: "#ff8f00", weight: 3.5 };
const UNITS_ZH = { "m²/person": "m²/人", "%": "%", "m²": "m²", "m": "m" };

function start(map, config) {
  const app = {
    map, config, stateKey: "mapState", hideEmptyStatus: true,
    body: null, changes: [], drawing: null,
    layers: {}, choroplethKey: null, title: config.title, walking: true,
  };
  window.lianchuangGreen = app;
  document.body.classList.add("lcg-page");
  for (const [name, z] of Object.entries(PANES)) {
    map.createPane("lcg-" + name).style.zIndex = z;
  }
  buildPanel(app);
  app.statusLine = app.ui.status;
  guardBasemap(map, () => { app.ui.basemapNote.hidden = false; });
  map.invalidateSize();
  load(app);
  if (config.project) loadProjectEffect(app, config.project);
  return app;
}

// --- loading ----------------------------------------------------------------------------

async function load(app) {
  setState(app, "loading");
  showStatus(app, _("Loading…"));
  try {
    const [body, communities, parks, shantytowns, builtUp, unserved] = await Promise.all([
      getJSON(metricsUrl(app, "/metrics/green")),
      features(app, "communities"), features(app, "parks"),
      features(app, "shantytown_zones"), features(app, "built_up_area"),
      getJSON(app.config.api + "/metrics/green/unserved"),
    ]);
    app.body = body;
    app.title = body.title.key;
    drawContext(app, { communities, parks, shantytowns, builtUp, unserved });
    renderPanel(app);
    paintChoropleth(app);
    fitToData(app);
    showStatus(app, "");
    setState(app, "ready");
  } catch (error) {
    showStatus(app, _("Loading failed: ") + error.message, true);
    setState(app, "error");
  }
}

/* Indicators again (another title, or with/without walking), keeping the map's layers. */
async function reloadIndicators(app) {
  setState(app, "loading");
  showStatus(app, _("Loading…"));
  try {
    app.body = await getJSON(metricsUrl(app, "/metrics/green"));
    renderPanel(app);
    paintChoropleth(app);
    showStatus(app, "");
    setState(app, "ready");
    if (app.changes.length) runScenario(app);
  } catch (error) {
    showStatus(app, _("Loading failed: ") + error.message, true);
    setState(app, "error");
  }
}

export function metricsUrl(app, path) {
  const params = new URLSearchParams({ lang: app.config.lang, walking: String(app.walking) });
  if (app.title) params.set("title", app.title);
  return app.config.api + path + "?" + params;
}

function features(app, layer) {
  return getJSON(app.config.api + "/layers/" + encodeURIComponent(layer) + "/features?"
                 + new URLSearchParams({ limit: String(FEATURE_LIMIT) }));
}

// --- the map ----------------------------------------------------------------------------

function drawContext(app, data) {
  const { map, config } = app;
  const style = (name) => pathStyle(config.styles[name]);
  app.layers.communities = L.geoJSON(data.communities, {
    pane: "lcg-communities",
    style: () => ({ color: "#5e35b1", weight: 1, fillOpacity: 0.75, fillColor: "#e0e0e0" }),
    onEachFeature: (feature, layer) => layer.bindTooltip(() => communityTooltip(app, feature),
                                                         { sticky: true }),
  }).addTo(map);
  const unservedStyle = config.unservedStyle;
  app.layers.unserved = L.geoJSON(data.unserved, {
    pane: "lcg-unserved", interactive: false,
    style: () => ({ color: unservedStyle.color, weight: unservedStyle.weight,
                    fillColor: unservedStyle.fill_color,
                    fillOpacity: unservedStyle.fill_opacity }),
  }).addTo(map);
  app.unservedSummary = data.unserved;
  app.layers.parks = L.geoJSON(data.parks, {
    pane: "lcg-parks", style: () => style("parks"),
    onEachFeature: (feature, layer) => onClick(app, layer, (e) => featurePopup(
      app, e.latlng, feature, _("Remove this park (what if)"),
      { op: "remove", layer: "parks", fid: String(feature.id) })),
  }).addTo(map);
  app.layers.shantytowns = L.geoJSON(data.shantytowns, {
    pane: "lcg-shantytowns", style: () => style("shantytown_zones"),
    onEachFeature: (feature, layer) => onClick(app, layer, (e) => featurePopup(
      app, e.latlng, feature, _("Make it green space (what if)"),
      { op: "convert", layer: "shantytown_zones", fid: String(feature.id) })),
  }).addTo(map);
  app.layers.builtUp = L.geoJSON(data.builtUp, {
    pane: "lcg-builtup", interactive: false, style: () => style("built_up_area"),
  }).addTo(map);
  app.layers.scenario = L.featureGroup([], { pane: "lcg-scenario" }).addTo(map);
  L.control.layers(null, {
    [_("Communities") + " · " + _("By community")]: app.layers.communities,
    [_("Residential land no park serves")]: app.layers.unserved,
    [_("Parks")]: app.layers.parks,
    [_("Shantytown zones")]: app.layers.shantytowns,
    [_("Built-up area")]: app.layers.builtUp,
    [_("What if")]: app.layers.scenario,
  }, { collapsed: true, position: "topleft" }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  map.on("click", (e) => addCorner(app, e.latlng));
}

function pathStyle(spec) {
  return {
    color: spec.color, weight: spec.weight, dashArray: spec.dash_array || null,
    fillColor: spec.fill_color || spec.color, fillOpacity: spec.fill_opacity,
    fill: spec.fill_color !== null,
  };
}

/* A feature's popup opens on click, except while a scenario polygon is being drawn. */
function onClick(app, layer, open) {
  layer.on("click", (e) => {
    if (app.drawing) return;
    L.DomEvent.stopPropagation(e);
    open(e);
  });
}

function featurePopup(app, latlng, feature, action, change) {
  const props = feature.properties || {};
  const box = el("div", "lcg-popup");
  box.append(el("b", null, props.name || String(feature.id)),
             el("div", "lcg-small", _("Id") + " " + feature.id));
  const button = el("button", "lcg-button", action);
  button.type = "button";
  button.addEventListener("click", () => {
    app.map.closePopup();
    const named = props.name || String(feature.id);
    const label = change.op === "remove"
      ? fill(_("Remove {name}"), { name: named })
      : fill(_("{name} becomes {cls}"), { name: named, cls: classLabel(app, currentClass(app)) });
    if (change.op === "convert") change = Object.assign({}, change, { class: currentClass(app) });
    addChange(app, change, label, null);
  });
  box.append(button);
  L.popup().setLatLng(latlng).setContent(box).openOn(app.map);
}

function fitToData(app) {
  const bounds = app.layers.builtUp.getBounds();
  const target = bounds.isValid() ? bounds : app.layers.communities.getBounds();
  if (!target.isValid()) {  // no data yet: the county seat
    app.map.setView([32.99, 107.77], 13);
    return;
  }
  // The town goes beside or above the legend in the bottom right corner, never under it:
  // whichever of the two shows it larger.
  const legend = app.ui.legendSection;
  const beside = { paddingTopLeft: [16, 16], paddingBottomRight: [legend.offsetWidth + 24, 16] };
  const above = { paddingTopLeft: [16, 16], paddingBottomRight: [16, legend.offsetHeight + 24] };
  const zoomOf = (fit) => app.map.getBoundsZoom(
    target, false, L.point(fit.paddingTopLeft).add(fit.paddingBottomRight));
  app.map.fitBounds(target, zoomOf(above) > zoomOf(beside) ? above : beside);
}

// --- the panel --------------------------------------------------------------------------

function buildPanel(app) {
  const panel = el("aside", "lcg-panel");
  const header = el("header", "lcg-header");
  const nav = el("nav", "lcg-nav");
  const home = el("a", null, _("Projects map"));
  home.href = app.config.home;
  const other = el("a", null, otherLanguageName(app.config.lang));
  const params = new URLSearchParams(window.location.search);
  params.set("lang", app.config.lang === "zh" ? "en" : "zh");
  other.href = "?" + params;
  nav.append(home, other);
  header.append(el("h1", null, _("Green-space indicators")), nav);
  const status = el("div", "lc-status lcg-status");
  const note = basemapNote("lcg-status");

  const title = el("select", "lcg-title");
  title.addEventListener("change", () => {
    app.title = title.value;
    reloadIndicators(app);
  });
  const walking = el("input", "lcg-walking");
  walking.type = "checkbox";
  walking.checked = app.walking;
  walking.addEventListener("change", () => {
    app.walking = walking.checked;
    reloadIndicators(app);
  });
  const controls = el("div", "lcg-controls");
  const titleLabel = el("label", null, _("Assessed against") + " ");
  titleLabel.append(title);
  const walkingLabel = el("label", "lcg-check");
  walkingLabel.append(walking,
    document.createTextNode(" " + _("Also compute the walking-distance coverage")));
  controls.append(titleLabel, walkingLabel);

  const veto = el("p", "lcg-veto");
  const table = el("table", "lcg-indicators");
  const head = el("tr");
  for (const word of [_("Indicator"), _("Value"), _("Threshold"), _("Verdict")]) {
    head.append(el("th", null, word));
  }
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  const meta = el("p", "lcg-meta");
  const report = el("p", "lcg-report");

  const choropleth = el("section", "lcg-section lcg-choropleth");
  const choroplethKey = el("select", "lcg-choropleth-key");
  choroplethKey.addEventListener("change", () => {
    app.choroplethKey = choroplethKey.value;
    paintChoropleth(app);
  });
  const legend = el("div", "lcg-legend");
  choropleth.append(el("h2", null, _("By community")), choroplethKey, legend);

  const scenario = buildScenario(app);
  panel.append(header, status, note, controls, veto, table, meta, report, scenario);
  document.body.append(panel);
  app.ui.legendSection = choropleth;
  legendControl(app, choropleth);
  app.ui = Object.assign(app.ui || {}, {
    panel, status, basemapNote: note, title, walking, veto, table, meta, report, choroplethKey, legend,
  });
}

/* The choropleth's indicator and legend sit on the map, at its bottom right. */
function legendControl(app, section) {
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => {
    section.classList.add("lcg-map-legend");
    L.DomEvent.disableClickPropagation(section);
    L.DomEvent.disableScrollPropagation(section);
    return section;
  };
  control.addTo(app.map);
}

function buildScenario(app) {
  const section = el("section", "lcg-section lcg-scenario");
  const cls = el("select", "lcg-class");
  fillSelect(cls, app.config.classes.map((c) => [c.code, c.label]), "G12");
  const clsLabel = el("label", null, pgettext("scenario", "Class") + " ");
  clsLabel.append(cls);
  const draw = el("button", "lcg-button lcg-draw", _("Draw green space"));
  draw.type = "button";
  draw.addEventListener("click", () => startDrawing(app));
  const drawingBar = el("div", "lcg-drawing");
  drawingBar.hidden = true;
  const finish = el("button", "lcg-button lcg-finish", _("Finish"));
  finish.type = "button";
  finish.disabled = true;
  finish.addEventListener("click", () => finishDrawing(app));
  const cancel = el("button", "lcg-button lcg-cancel", _("Cancel"));
  cancel.type = "button";
  cancel.addEventListener("click", () => stopDrawing(app));
  drawingBar.append(
    el("p", "lcg-small", _("Click the map to add corners, then Finish (at least 3).")),
    finish, cancel);
  const tools = el("div", "lcg-tools");
  tools.append(clsLabel, draw);
  const list = el("ul", "lcg-changes");
  const clear = el("button", "lcg-button lcg-clear", _("Clear"));
  clear.type = "button";
  clear.addEventListener("click", () => {
    app.changes = [];
    app.layers.scenario.clearLayers();
    renderChanges(app);
    app.ui.result.replaceChildren();
    clearReadinessEffect(app);
  });
  const result = el("div", "lcg-result");
  const readiness = el("div", "lcg-readiness");
  section.append(el("h2", null, _("What if")),
    el("p", "lcg-small", _("Draw planned green space, or change a shantytown zone or park "
                           + "from its popup, and see every indicator change.")), tools,
                 drawingBar, el("h3", null, _("Changes")), list, clear, result, readiness);
  app.ui = Object.assign(app.ui || {}, { cls, draw, drawingBar, finish, list, clear, result,
                                         readiness });
  renderChanges(app);
  return section;
}

function renderPanel(app) {
  const { body, ui } = app;
  fillSelect(ui.title, body.titles.map((t) => [t.key, t.label]), body.title.key);
  ui.veto.textContent = vetoWords(body.veto_state);
  ui.veto.classList.toggle("lcg-vetoed", ["failed", "unjudged"].includes(body.veto_state));
  const rows = body.built_up.indicators.map((row) => indicatorRow(app, row));
  ui.table.tBodies[0].replaceChildren(...rows);
  const date = body.data_date ? body.data_date.slice(0, 10) : "—";
  ui.meta.textContent = _("Data date") + " " + date + " · " + _("Thresholds version") + " "
    + body.thresholds_version;
  ui.report.replaceChildren(el("span", null, _("Report") + ": "));
  for (const [format, word] of [["html", _("Web page")], ["pdf", _("PDF")],
                                ["xlsx", _("Excel")]]) {
    const link = el("a", "lcg-report-" + format, word);
    link.href = app.config.api + "/metrics/green/report?" + new URLSearchParams(
      { format, title: body.title.key, walking: String(app.walking) });
    if (format === "html") link.target = "_blank";
    ui.report.append(link, document.createTextNode(" "));
  }
}

function indicatorRow(app, row) {
  const tr = el("tr");
  tr.dataset.indicator = row.key;
  const name = el("td", "lcg-name", row.title);
  if (row.veto) name.append(el("span", "lcg-tag lcg-tag-veto", _("veto item")));
  if (row.threshold && !row.threshold.verified) {
    name.append(el("span", "lcg-tag lcg-tag-unverified", _("threshold to verify")));
  }
  if (row.passed === false && row.message) name.append(el("div", "lcg-gap", row.message));
  for (const warning of row.warnings || []) {
    const note = el("div", "lcg-warning", "⚠ " + _("Data warning") + ": " + warning.message);
    note.dataset.warning = warning.code;
    name.append(note);
  }
  const threshold = row.threshold && row.threshold.value !== null
    ? row.threshold.comparison + " " + number(row.threshold.value) : "—";
  tr.append(name, el("td", "lcg-num", number(row.value) + " " + unitOf(app, row.key, row.unit)),
            el("td", "lcg-num", threshold),
            el("td", null, row.assessed ? verdictBadge(app, row.passed)
                                        : el("span", "lcg-badge", _("not assessed"))));
  return tr;
}

export function verdictBadge(app, passed) {
  if (passed === true) return el("span", "lcg-badge lcg-pass", _("pass"));
  if (passed === false) return el("span", "lcg-badge lcg-fail", _("fail"));
  return el("span", "lcg-badge", _("not judged"));
}

// --- small helpers ----------------------------------------------------------------------

export function indicatorName(app, key) {
  return app.config.indicators[key] || key;
}

export function unitOf(app, key, unit) {
  let found = unit;
  if (!found && app.body) {
    const row = app.body.built_up.indicators.find((r) => r.key === key);
    found = row ? row.unit : "";
  }
  return app.config.lang === "zh" ? UNITS_ZH[found] || found || "" : found || "";
}

/* What the page says of the title's veto items; never "none fails" while one is unjudged. */
export function vetoWords(state) {
  if (state === "failed") return _("A veto item fails");
  if (state === "unjudged") return _("Not every veto item can be judged yet");
  if (state === "none") return _("No veto item among these indicators");
  return _("Every veto item is judged and passes");
}

export function number(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const places = digits === undefined ? 2 : digits;
  return Number(value).toLocaleString(undefined, { minimumFractionDigits: places,
                                                   maximumFractionDigits: places });
}

export function signed(value) {
  return (value > 0 ? "+" : "") + number(value);
}

export function round(value) {
  return Math.round(value * 1e7) / 1e7;
}

export function fillSelect(select, options, selected) {
  select.replaceChildren(...options.map(([value, label]) => {
    const option = el("option", null, label);
    option.value = value;
    return option;
  }));
  if (selected !== null && selected !== undefined) select.value = selected;
}

const page = pageData();
start(page.map, page.config);
