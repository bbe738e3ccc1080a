/* The green-space page (/green): indicator panel, community choropleth, residential land
 * no park serves, and what-if scenarios drawn on the map.
 *
 * webmap/green_page.py writes the Leaflet map and calls LianchuangGreen.start(map, config);
 * everything else is read from the service's API:
 *   GET  {api}/metrics/green            indicators of the built-up area and each community
 *   GET  {api}/metrics/green/unserved   the residential land no park serves (GeoJSON)
 *   GET  {api}/layers/{name}/features   communities, parks, shantytown zones, built-up area
 *   POST {api}/metrics/green/scenario   indicators before and after the planned changes
 * Strings come from the page's catalogue (common.js _).  Data from the API is put into
 * the page as text, never as HTML.
 *
 * For tests and screenshots: document.body.dataset.mapState is "loading", "ready" or
 * "error"; dataset.scenarioState is "computing", "done" or "error"; window.lianchuangGreen
 * is the running app.
 */
import {
  _, pgettext, el, fill, getJSON, otherLanguageName, pageData, setState, showStatus,
} from "./common.js";

const FEATURE_LIMIT = 5000;
/* Panes keep the drawing order whatever loads first; the built-up outline is on top. */
const PANES = {
  communities: 405, unserved: 415, parks: 425, shantytowns: 430, scenario: 440,
  builtup: 445,
};
const FAIL_OUTLINE = { color: "#ff8f00", weight: 3.5 };
const UNITS_ZH = { "m²/person": "m²/人", "%": "%", "m²": "m²", "m": "m" };

function start(map, config) {
  const app = {
    map, config, stateKey: "mapState", hideEmptyStatus: true, body: null, changes: [], drawing: null,
    layers: {}, choroplethKey: null, title: config.title, walking: true,
  };
  window.lianchuangGreen = app;
  document.body.classList.add("lcg-page");
  for (const [name, z] of Object.entries(PANES)) {
    map.createPane("lcg-" + name).style.zIndex = z;
  }
  buildPanel(app);
  app.statusLine = app.ui.status;
  map.invalidateSize();
  load(app);
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

function metricsUrl(app, path) {
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

// --- the choropleth ---------------------------------------------------------------------

function choroplethKeys(app) {
  const present = new Set(app.body.built_up.indicators.map((row) => row.key));
  return app.config.choropleth.filter((key) => present.has(key));
}

function communityRows(app) {
  const rows = {};
  for (const row of app.body.communities) rows[row.fid] = row;
  return rows;
}

function paintChoropleth(app) {
  const keys = choroplethKeys(app);
  if (!keys.includes(app.choroplethKey)) app.choroplethKey = keys[0] || null;
  fillSelect(app.ui.choroplethKey, keys.map((key) => [key, indicatorName(app, key)]),
             app.choroplethKey);
  const rows = communityRows(app);
  const key = app.choroplethKey;
  const values = app.body.communities
    .map((row) => measureOf(row, key)).filter((m) => m && m.value !== null)
    .map((m) => m.value);
  const breaks = classBreaks(values, app.config.colors.length);
  app.breaks = breaks;
  app.layers.communities.eachLayer((layer) => {
    const measure = measureOf(rows[layer.feature.id], key);
    const value = measure ? measure.value : null;
    const fails = measure && measure.passed === false;
    layer.setStyle(Object.assign(
      { color: "#5e35b1", weight: 1, dashArray: null, fillOpacity: 0.75,
        fillColor: value === null ? "#e0e0e0" : app.config.colors[classOf(value, breaks)] },
      fails ? FAIL_OUTLINE : {}));
    layer.feature.properties.choropleth_value = value;
  });
  renderLegend(app, breaks, values.length > 0);
}

function measureOf(row, key) {
  return row && row.indicators ? row.indicators[key] || null : null;
}

/* Equal intervals between the smallest and largest community value. */
function classBreaks(values, count) {
  if (!values.length) return [];
  const low = Math.min(...values);
  const high = Math.max(...values);
  const step = (high - low) / count;
  return Array.from({ length: count + 1 }, (_, i) => low + step * i);
}

function classOf(value, breaks) {
  const count = breaks.length - 1;
  if (count < 1 || breaks[count] === breaks[0]) return count > 0 ? count - 1 : 0;
  const index = Math.floor((value - breaks[0]) / (breaks[count] - breaks[0]) * count);
  return Math.max(0, Math.min(count - 1, index));
}

function renderLegend(app, breaks, any) {
  const legend = app.ui.legend;
  legend.replaceChildren();
  const unit = unitOf(app, app.choroplethKey);
  if (any) {
    const flat = breaks[0] === breaks[breaks.length - 1];
    app.config.colors.forEach((color, i) => {
      if (flat && i > 0) return;
      const text = flat ? number(breaks[0]) + " " + unit
        : number(breaks[i]) + " – " + number(breaks[i + 1]) + " " + unit;
      legend.append(swatchRow(color, text));
    });
  }
  legend.append(swatchRow("#e0e0e0", _("no data")));
  const fails = el("div", "lcg-legend-row");
  const outline = el("span", "lcg-swatch lcg-swatch-fail");
  fails.append(outline, el("span", null, _("Thick orange outline: the community fails")));
  legend.append(fails);
  const unserved = el("div", "lcg-legend-row");
  const red = el("span", "lcg-swatch");
  red.style.background = app.config.unservedStyle.fill_color;
  const summary = app.unservedSummary;
  const detail = summary && summary.residential_m2
    ? " · " + fill(_("{area} ha unserved (of {total} ha residential)"), { area: number(summary.unserved_m2 / 1e4, 1),
                                         total: number(summary.residential_m2 / 1e4, 1) })
    : "";
  unserved.append(red, el("span", null, _("Residential land no park serves") + detail));
  legend.append(unserved);
}

function swatchRow(color, text) {
  const row = el("div", "lcg-legend-row");
  const swatch = el("span", "lcg-swatch");
  swatch.style.background = color;
  row.append(swatch, el("span", null, text));
  return row;
}

function communityTooltip(app, feature) {
  const row = communityRows(app)[feature.id];
  const box = el("div", "lcg-tooltip");
  box.append(el("b", null, (feature.properties && feature.properties.name) || feature.id));
  const measure = measureOf(row, app.choroplethKey);
  const line = el("div", null, indicatorName(app, app.choroplethKey) + ": "
    + (measure && measure.value !== null
      ? number(measure.value) + " " + unitOf(app, app.choroplethKey) : _("no data")));
  box.append(line);
  if (measure && measure.assessed) box.append(verdictBadge(app, measure.passed));
  return box;
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
  walkingLabel.append(walking, document.createTextNode(" " + _("Also compute the walking-distance coverage")));
  controls.append(titleLabel, walkingLabel);

  const veto = el("p", "lcg-veto");
  const table = el("table", "lcg-indicators");
  const head = el("tr");
  for (const word of [_("Indicator"), _("Value"), _("Threshold"), _("Verdict")]) head.append(el("th", null, word));
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
  panel.append(header, status, controls, veto, table, meta, report, scenario);
  document.body.append(panel);
  app.ui.legendSection = choropleth;
  legendControl(app, choropleth);
  app.ui = Object.assign(app.ui || {}, {
    panel, status, title, walking, veto, table, meta, report, choroplethKey, legend,
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
  drawingBar.append(el("p", "lcg-small", _("Click the map to add corners, then Finish (at least 3).")), finish, cancel);
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
  });
  const result = el("div", "lcg-result");
  section.append(el("h2", null, _("What if")), el("p", "lcg-small", _("Draw planned green space, or change a shantytown zone or park from its popup, and see every indicator change.")), tools,
                 drawingBar, el("h3", null, _("Changes")), list, clear, result);
  app.ui = Object.assign(app.ui || {}, { cls, draw, drawingBar, finish, list, clear, result });
  renderChanges(app);
  return section;
}

function renderPanel(app) {
  const { body, ui } = app;
  fillSelect(ui.title, body.titles.map((t) => [t.key, t.label]), body.title.key);
  ui.veto.textContent = body.vetoed ? _("A veto item fails") : _("No veto item fails");
  ui.veto.classList.toggle("lcg-vetoed", Boolean(body.vetoed));
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
  const threshold = row.threshold && row.threshold.value !== null
    ? row.threshold.comparison + " " + number(row.threshold.value) : "—";
  tr.append(name, el("td", "lcg-num", number(row.value) + " " + unitOf(app, row.key, row.unit)),
            el("td", "lcg-num", threshold),
            el("td", null, row.assessed ? verdictBadge(app, row.passed)
                                        : el("span", "lcg-badge", _("not assessed"))));
  return tr;
}

function verdictBadge(app, passed) {
  if (passed === true) return el("span", "lcg-badge lcg-pass", _("pass"));
  if (passed === false) return el("span", "lcg-badge lcg-fail", _("fail"));
  return el("span", "lcg-badge", _("not judged"));
}

// --- scenarios --------------------------------------------------------------------------

function currentClass(app) {
  return app.ui.cls.value;
}

function classLabel(app, code) {
  const found = app.config.classes.find((c) => c.code === code);
  return found ? found.label : code;
}

function startDrawing(app) {
  if (app.drawing) return;
  app.map.closePopup();
  app.drawing = { points: [], line: L.polyline([], { pane: "lcg-scenario", color: "#1565c0",
                                                     weight: 2, dashArray: "4 4" }),
                  corners: L.layerGroup() };
  app.drawing.line.addTo(app.map);
  app.drawing.corners.addTo(app.map);
  app.map.getContainer().classList.add("lcg-drawing-map");
  app.map.doubleClickZoom.disable();
  app.ui.drawingBar.hidden = false;
  app.ui.draw.disabled = true;
  app.ui.finish.disabled = true;
}

function addCorner(app, latlng) {
  const drawing = app.drawing;
  if (!drawing) return;
  drawing.points.push(latlng);
  drawing.line.setLatLngs(drawing.points.concat(drawing.points.length > 2 ? [drawing.points[0]] : []));
  L.circleMarker(latlng, { pane: "lcg-scenario", radius: 4, color: "#1565c0",
                           fillOpacity: 1, interactive: false }).addTo(drawing.corners);
  app.ui.finish.disabled = drawing.points.length < 3;
}

function stopDrawing(app) {
  const drawing = app.drawing;
  if (!drawing) return;
  drawing.line.remove();
  drawing.corners.remove();
  app.drawing = null;
  app.map.getContainer().classList.remove("lcg-drawing-map");
  app.map.doubleClickZoom.enable();
  app.ui.drawingBar.hidden = true;
  app.ui.draw.disabled = false;
}

function finishDrawing(app) {
  const points = app.drawing ? app.drawing.points.slice() : [];
  stopDrawing(app);
  if (points.length < 3) return;
  const ring = points.map((p) => [round(p.lng), round(p.lat)]);
  ring.push(ring[0]);
  const code = currentClass(app);
  const polygon = L.polygon(points, { pane: "lcg-scenario", color: "#33691e", weight: 2.5,
                                      dashArray: "5 3", fillColor: "#aeea00",
                                      fillOpacity: 0.7 });
  const area = geodesicArea(points);
  const label = fill(_("Add {cls} ({area} ha)"), { cls: classLabel(app, code), area: number(area / 1e4, 2) });
  polygon.bindTooltip(label);
  addChange(app, { op: "add_green", geometry: { type: "Polygon", coordinates: [ring] },
                   class: code }, label, polygon);
}

function addChange(app, change, label, layer) {
  if (layer) app.layers.scenario.addLayer(layer);
  app.changes.push({ change, label, layer });
  renderChanges(app);
  runScenario(app, true);
}

function removeChange(app, index) {
  const [item] = app.changes.splice(index, 1);
  if (item && item.layer) app.layers.scenario.removeLayer(item.layer);
  renderChanges(app);
  if (app.changes.length) runScenario(app);
  else app.ui.result.replaceChildren();
}

function renderChanges(app) {
  const list = app.ui.list;
  list.replaceChildren();
  if (!app.changes.length) list.append(el("li", "lcg-small", _("No changes yet")));
  app.changes.forEach((item, index) => {
    const li = el("li", null, item.label + " ");
    const remove = el("button", "lcg-link", "×");
    remove.type = "button";
    remove.title = _("Remove this change");
    remove.addEventListener("click", () => removeChange(app, index));
    li.append(remove);
    list.append(li);
  });
  app.ui.clear.hidden = !app.changes.length;
}

/* Posts every change; a refused last change is taken back, with the service's reason. */
async function runScenario(app, lastIsNew) {
  document.body.dataset.scenarioState = "computing";
  app.ui.result.replaceChildren(el("p", "lcg-small", _("Computing…")));
  const run = (app.scenarioRun || 0) + 1;
  app.scenarioRun = run;
  try {
    const answer = await getJSON(metricsUrl(app, "/metrics/green/scenario"), {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ changes: app.changes.map((item) => item.change) }),
    });
    if (run !== app.scenarioRun) return;
    renderScenario(app, answer);
    showStatus(app, "");
    document.body.dataset.scenarioState = "done";
  } catch (error) {
    if (run !== app.scenarioRun) return;
    if (lastIsNew) {
      const item = app.changes.pop();
      if (item && item.layer) app.layers.scenario.removeLayer(item.layer);
      renderChanges(app);
    }
    app.ui.result.replaceChildren();
    showStatus(app, error.message, true);
    document.body.dataset.scenarioState = "error";
  }
}

function renderScenario(app, answer) {
  const table = el("table", "lcg-indicators lcg-scenario-table");
  const head = el("tr");
  for (const word of [_("Indicator"), _("Now"), _("After"), _("Change")]) head.append(el("th", null, word));
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  for (const row of answer.indicators) {
    const tr = el("tr");
    tr.dataset.indicator = row.key;
    const before = row.before ? row.before.value : null;
    const after = row.after ? row.after.value : null;
    const delta = row.delta ? row.delta.value : null;
    const afterCell = el("td", "lcg-num", number(after));
    if (row.after && row.after.assessed) afterCell.append(el("br"), verdictBadge(app, row.after.passed));
    const deltaCell = el("td", "lcg-num", delta === null ? "—" : signed(delta));
    if (delta !== null && Math.abs(delta) > 1e-9) deltaCell.classList.add(delta > 0 ? "lcg-up" : "lcg-down");
    const name = el("td", "lcg-name", row.title);
    const unit = unitOf(app, row.key, row.unit);
    if (unit) name.append(el("span", "lcg-small", " (" + unit + ")"));
    tr.append(name, el("td", "lcg-num", number(before)), afterCell, deltaCell);
    table.tBodies[0].append(tr);
  }
  const veto = el("p", "lcg-small", _("Now") + ": " + (answer.vetoed.before ? _("A veto item fails") : _("No veto item fails"))
                  + " → " + _("After") + ": " + (answer.vetoed.after ? _("A veto item fails") : _("No veto item fails")));
  app.ui.result.replaceChildren(table, veto);
}

/* Area of a lon/lat ring in m² on the sphere (as Leaflet.draw's GeometryUtil does). */
function geodesicArea(points) {
  const R = 6378137;
  const rad = Math.PI / 180;
  let area = 0;
  for (let i = 0; i < points.length; i++) {
    const p1 = points[i];
    const p2 = points[(i + 1) % points.length];
    area += (p2.lng - p1.lng) * rad * (2 + Math.sin(p1.lat * rad) + Math.sin(p2.lat * rad));
  }
  return Math.abs(area * R * R / 2);
}

// --- small helpers ----------------------------------------------------------------------

function indicatorName(app, key) {
  return app.config.indicators[key] || key;
}

function unitOf(app, key, unit) {
  let found = unit;
  if (!found && app.body) {
    const row = app.body.built_up.indicators.find((r) => r.key === key);
    found = row ? row.unit : "";
  }
  return app.config.lang === "zh" ? UNITS_ZH[found] || found || "" : found || "";
}

function number(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const places = digits === undefined ? 2 : digits;
  return Number(value).toLocaleString(undefined, { minimumFractionDigits: places,
                                                   maximumFractionDigits: places });
}

function signed(value) {
  return (value > 0 ? "+" : "") + number(value);
}

function round(value) {
  return Math.round(value * 1e7) / 1e7;
}

function fillSelect(select, options, selected) {
  select.replaceChildren(...options.map(([value, label]) => {
    const option = el("option", null, label);
    option.value = value;
    return option;
  }));
  if (selected !== null && selected !== undefined) select.value = selected;
}

const page = pageData();
start(page.map, page.config);
