/*
 * The planners' map, its controls: the panel (language, dashboard link, search box, project
 * filters, status line), the view buttons, and the legend of the mission layers' symbols,
 * the statuses' colours, the reference layers and problem reports.
 */
import {
  _, pgettext, otherLanguageName, getJSON, languageUrl, el, fail, basemapNote,
} from "./common.js";
import { popupContent, popupOptions } from "./map-card.js";
import { LEGEND_COLOR, layerSymbol } from "./map-symbols.js";
import { featuresUrl, fitWithin, loadLayers } from "./map.js";

/* ---- panel: language, search, filters, status line --------------------------------- */

export function buildPanel(app) {
  const panel = el("div", "lc-panel lc-shrinks");
  const head = el("div", "lc-panel-head");
  const links = el("span", "lc-head-links");
  const dashboard = el("a", "lc-dashboard-link", _("Dashboard"));
  dashboard.href = app.config.dashboard + (app.config.lang === "en" ? "?lang=en" : "");
  const other = el("a", "lc-lang", otherLanguageName(app.config.lang));
  other.href = languageUrl(app.config.lang === "en" ? "zh" : "en");
  links.append(dashboard, other);
  head.append(el("strong", null, _("Lianchuang · campaign projects map")), links);
  const filters = el("fieldset", "lc-filters");
  filters.append(
    el("legend", null, _("Filters")),
    selectFilter(app, "campaign", _("Campaign"),
      app.config.campaigns.map((c) => [c.code, c.label])),
    selectFilter(app, "status", _("Status"), app.config.statuses.map((s) => [s.code, s.label])),
    selectFilter(app, "department", _("Department"), []),
    overdueToggle(app));
  app.statusLine = el("div", "lc-status", _("Loading…"));
  app.basemapNote = basemapNote();
  panel.append(head, searchBox(app), filters, app.statusLine, app.basemapNote);
  app.panel = panel;
  return panel;
}

function selectFilter(app, name, label, options) {
  const wrapper = el("label", "lc-field");
  const select = el("select");
  select.name = name;
  addOptions(select, [["", _("All")], ...options]);
  select.addEventListener("change", () => setFilter(app, name, select.value));
  app.selects[name] = select;
  wrapper.append(el("span", null, label), select);
  return wrapper;
}

export function addOptions(select, options) {
  options.forEach(([value, label]) => {
    const option = el("option", null, label);
    option.value = value;
    select.append(option);
  });
}

function overdueToggle(app) {
  const wrapper = el("label", "lc-field lc-check");
  const box = el("input");
  box.type = "checkbox";
  box.name = "overdue";
  box.addEventListener("change", () => setFilter(app, "overdue", box.checked ? "true" : ""));
  wrapper.append(box, el("span", null, _("Overdue projects only")));
  return wrapper;
}

function setFilter(app, name, value) {
  if (value) app.filters[name] = value;
  else delete app.filters[name];
  // Filters are about projects, so only the mission layers are asked again.
  loadLayers(app, app.config.layers.filter((spec) => spec.mission).map((spec) => spec.name));
}

export function loadDepartments(app) {
  return getJSON(app.config.api + "/departments").then((body) => addOptions(
    app.selects.department, body.departments.map((d) => [d.name, d.name])));
}

function searchBox(app) {
  const box = el("div", "lc-search");
  const input = el("input");
  input.type = "search";
  input.name = "q";
  input.maxLength = 100;
  input.placeholder = _("Search projects or places");
  input.setAttribute("aria-label", _("Search projects or places"));
  const results = el("ul", "lc-results");
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(app, input.value.trim(), results), 250);
  });
  box.append(input, results);
  return box;
}

function search(app, text, results) {
  const generation = ++app.searchGeneration;
  results.replaceChildren();
  if (!text) return;
  const perLayer = app.config.layers.map((spec) =>
    getJSON(featuresUrl(app, spec, { q: text, limit: 5 }))
      .then((collection) => collection.features.map((feature) => ({ spec, feature }))));
  Promise.all(perLayer)
    .then((lists) => {
      if (generation !== app.searchGeneration) return;
      const hits = lists.flat();
      if (!hits.length) results.append(el("li", "lc-muted", _("Nothing found")));
      hits.slice(0, 12).forEach((hit) => results.append(searchHit(app, hit.spec, hit.feature)));
    })
    .catch((error) => fail(app, error));
}

function searchHit(app, spec, feature) {
  const item = el("li");
  const button = el("button", "lc-hit");
  button.type = "button";
  button.append(el("span", "lc-hit-name", feature.properties.name || feature.id),
    el("span", "lc-hit-layer", spec.title));
  const projects = feature.properties.projects.map((p) => p.name)
    .join(_(", "));
  if (projects) button.append(el("span", "lc-hit-projects", projects));
  button.addEventListener("click", () => focusFeature(app, spec, feature));
  item.append(button);
  return item;
}

export function focusFeature(app, spec, feature) {
  const group = app.groups[spec.name];
  if (!app.map.hasLayer(group)) app.map.addLayer(group);
  const layer = app.features[spec.name + "/" + feature.id];
  const clustered = typeof group.zoomToShowLayer === "function";
  const shown = layer && (clustered ? group.hasLayer(layer) : app.map.hasLayer(layer));
  if (shown && clustered) {
    group.zoomToShowLayer(layer, () => layer.openPopup());
    return;
  }
  const bounds = L.geoJSON(feature).getBounds();
  app.map.fitBounds(bounds, { maxZoom: 17, animate: false });
  if (shown) {
    layer.openPopup();
  } else {  // filtered off the map: show its card on its own
    L.popup(popupOptions(app)).setLatLng(bounds.getCenter())
      .setContent(popupContent(app, spec, feature)).openOn(app.map);
  }
}

/* ---- view buttons: the project features, the whole county -------------------------- */

export function buildViewButtons(app) {
  const bar = el("div", "leaflet-bar lc-view-buttons");
  const button = (className, text, title, extents) => {
    const node = el("button", className, text);
    node.type = "button";
    node.title = title;
    node.setAttribute("aria-label", title);
    node.addEventListener("click", () => {
      const chosen = extents();
      if (chosen.length) fitWithin(app, chosen);
    });
    return node;
  };
  if (app.config.startExtent) {
    bar.append(button("lc-view-projects", pgettext("map view", "Projects"), _("Show the project features"),
      () => [app.config.startExtent]));
  }
  bar.append(button("lc-view-all", _("Whole county"), _("Show everything on the map"),
    () => app.allExtents || []));
  return bar;
}

/* ---- legend ----------------------------------------------------------------------- */

export function buildLegend(app) {
  // Shape tells the layer, colour the status: the mission layers' symbols in a neutral
  // grey, then the status colours, then the reference layers in their own style.
  const legend = el("div", "lc-legend lc-shrinks");
  const missions = app.config.layers.filter((spec) => spec.mission);
  legend.append(el("h4", null, _("Project layers (by shape)")));
  missions.forEach((spec) => legend.append(
    legendRow(layerSymbol(spec, LEGEND_COLOR), spec.title, spec.name)));
  legend.append(el("h4", null, _("Project status (by colour)")));
  const statuses = el("div", "lc-legend-columns");
  app.config.statuses.forEach((s) => statuses.append(legendRow(swatch(s.color), s.label)));
  statuses.append(legendRow(swatch(app.config.overdueColor), _("Overdue")));
  legend.append(statuses,
    legendRow(swatch(null), _("No linked project (layer colour, faded)")),
    el("h4", null, _("Reference layers")));
  app.config.layers.filter((spec) => !spec.mission)
    .forEach((spec) => legend.append(
      legendRow(layerSymbol(spec, spec.style.color), spec.title, spec.name)));
  legend.append(el("h4", null, _("Problem reports")));
  const reports = el("div", "lc-legend-columns");
  app.config.reportStatuses.forEach((s) => {
    const mark = el("span", "lc-swatch lc-swatch-report");
    mark.style.background = s.color;
    reports.append(legendRow(mark, s.label));
  });
  legend.append(reports);
  return legend;
}

function legendRow(symbol, label, layer) {
  const row = el("div", "lc-legend-row");
  if (layer) row.dataset.layer = layer;
  row.append(symbol, el("span", null, label));
  return row;
}

function swatch(color) {
  const symbol = el("span", "lc-swatch" + (color ? "" : " lc-swatch-none"));
  if (color) symbol.style.background = color;
  return symbol;
}
