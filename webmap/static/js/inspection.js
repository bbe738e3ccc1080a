/*
 * Lianchuang inspection route page: preview the sites a filter selects (every site of a
 * project, each selected by default or not: all of an overdue project's), tick sites in or out
 * in the panel's list grouped by project or click them on the map, pick the depot, plan with POST /api/routes/inspection, draw the route with numbered
 * stops, flag the stops left out, and offer the GPX, KML and printable list.
 *
 * Every string from the database or the API goes into the page with textContent (popups
 * and tooltips get DOM nodes, never HTML strings). document.body.dataset.inspectionState
 * is "loading", "ready", "planning", "planned" or "error" (tests wait on it).
 */
import {
  _, fill, pageData, getJSON, el, setState, showStatus, fail, addControl, guardBasemap,
} from "./common.js";
import { drawRoute, showResult } from "./inspection-route.js";
import {
  addOptions, buildLegend, buildPanel, buildResult, renderSiteList, restoreSignIn,
} from "./inspection-panel.js";

const PANES = { "lc-streets": 350, "lc-route": 420, "lc-candidates": 430, "lc-stops": 450,
  "lc-depot": 460 };

function start(map, config) {
  const app = {
    map, config,
    stateKey: "inspectionState",
    candidates: new Map(),  // stop_id -> { feature, marker, selected }
    listed: new Set(),      // stop ids the selection offers (the panel lists them)
    others: null,           // every project and open report, once loaded
    depot: null,            // { lon, lat, name, source }
    picking: false,
    previewGeneration: 0,
    outdated: false,
    inputs: {},
  };
  window.lianchuangInspection = app;
  setState(app, "loading");
  Object.entries(PANES).forEach(([name, z]) => {
    map.createPane(name).style.zIndex = String(z);
  });
  app.backdrop = L.layerGroup().addTo(map);
  app.candidateLayer = L.layerGroup().addTo(map);
  app.routeLayer = L.layerGroup().addTo(map);
  app.depotLayer = L.layerGroup().addTo(map);
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  addControl(app, "topleft", buildPanel);
  addControl(app, "topright", buildResult);
  addControl(app, "topright", buildLegend);  // under the route result, never over it
  guardBasemap(map, () => { app.basemapNote.hidden = false; });
  map.on("click", (event) => { if (app.picking) setDepotAt(app, event.latlng); });
  Promise.all([loadStreets(app), loadDepartments(app), preview(app), restoreSignIn(app)])
    .then(() => {
      fitToContent(app);
      setState(app, "ready");
    })
    .catch((error) => fail(app, error, _("Error: ")));
}

/* ---- the selection ---------------------------------------------------------------- */

function selectionParams(app) {
  const mode = app.inputs.mode.value;
  const params = new URLSearchParams();
  if (mode === "overdue") params.set("overdue", "true");
  if (mode === "filter") {
    params.set("projects", "true");
    ["status", "campaign", "department"].forEach((name) => {
      if (app.inputs[name].value) params.set(name, app.inputs[name].value);
    });
  }
  if (mode === "not_inspected") {
    params.set("not_inspected_days", String(Math.max(1, parseInt(app.inputs.days.value, 10)
      || app.config.defaults.notInspectedDays)));
  }
  if (mode === "reports") params.set("reports", "true");
  if (app.config.today) params.set("today", app.config.today);
  return params;
}

export async function preview(app) {
  const generation = ++app.previewGeneration;
  showStatus(app, _("Loading…"));
  const wanted = getJSON(app.config.api + "/routes/inspection/stops?" + selectionParams(app));
  const others = app.inputs.showOthers.checked ? loadOthers(app) : Promise.resolve(null);
  const [found] = await Promise.all([wanted, others]);
  if (generation !== app.previewGeneration) return;
  // Every site is offered; those "selected" by the server's default are ticked.
  const chosen = new Set(found.features.filter((feature) => feature.properties.selected)
    .map((feature) => feature.id));
  app.listed = new Set(found.features.map((feature) => feature.id));
  app.candidates.forEach((candidate) => { candidate.selected = false; });
  found.features.forEach((feature) => addCandidate(app, feature));
  chosen.forEach((id) => { app.candidates.get(id).selected = true; });
  app.withoutLocation = found.without_location;
  if (!app.depot || app.depot.source !== "map") setDepot(app, found.depot);
  drawCandidates(app);
  markOutdated(app);
  showStatus(app, "");
}

async function loadOthers(app) {
  if (!app.others) {
    const params = new URLSearchParams({ projects: "true", reports: "true" });
    if (app.config.today) params.set("today", app.config.today);
    app.others = await getJSON(app.config.api + "/routes/inspection/stops?" + params);
  }
  app.others.features.forEach((feature) => addCandidate(app, feature));
}

function addCandidate(app, feature) {
  if (app.candidates.has(feature.id)) return;
  const [lon, lat] = feature.geometry.coordinates;
  const marker = L.circleMarker([lat, lon], { pane: "lc-candidates" });
  const candidate = { feature, marker, selected: false };
  marker.bindTooltip(() => candidateTooltip(app, candidate), { direction: "top" });
  marker.on("click", (event) => {
    L.DomEvent.stopPropagation(event);
    if (app.picking) return setDepotAt(app, event.latlng);
    selectCandidate(app, candidate, !candidate.selected);
  });
  app.candidates.set(feature.id, candidate);
}

export function selectCandidate(app, candidate, selected) {
  candidate.selected = selected;
  drawCandidates(app);
  markOutdated(app);
}

function drawCandidates(app) {
  app.candidateLayer.clearLayers();
  const showOthers = app.inputs.showOthers.checked;
  app.candidates.forEach((candidate) => {
    if (!candidate.selected && !showOthers) return;
    const props = candidate.feature.properties;
    candidate.marker.setStyle(candidate.selected
      ? { radius: 7, color: "#fff", weight: 2, fillOpacity: 1,
        fillColor: props.overdue ? app.config.overdueColor : "#fb8c00" }
      : { radius: 5, color: "#607d8b", weight: 1.5, fillOpacity: 0.35, fillColor: "#b0bec5" });
    app.candidateLayer.addLayer(candidate.marker);
  });
  updateCount(app);
  renderSiteList(app);
}

function candidateTooltip(app, candidate) {
  const props = candidate.feature.properties;
  const box = el("div", "lc-tip");
  box.append(el("strong", null, props.name));
  const kind = props.source === "report" ? _("Problem report")
    : props.site ? _("Project site") : _("Project");
  const facts = [kind];
  if (props.overdue) facts.push(_("overdue"));
  box.append(el("div", "lc-muted", facts.join(" · ")));
  if (props.note) box.append(el("div", "lc-tip-note", props.note));
  box.append(el("div", "lc-tip-action",
    candidate.selected ? _("Remove from route") : _("Add to route")));
  return box;
}

function selectedStops(app) {
  return [...app.candidates.values()].filter((c) => c.selected).map((c) => c.feature);
}

function updateCount(app) {
  const count = selectedStops(app).length;
  app.countLine.textContent = fill(_("{count} sites selected"), { count });
  app.countLine.classList.toggle("lc-error", count > app.config.maxStops);
  const missing = (app.withoutLocation || []).length;
  app.missingLine.textContent = missing
    ? fill(_("{count} projects have no site to inspect (no linked road, park, watercourse, "
      + "zone or facility); left out"),
      { count: missing })
    : "";
}

/* ---- the depot -------------------------------------------------------------------- */

function setDepot(app, depot) {
  app.depot = depot;
  app.depotLayer.clearLayers();
  app.depotText.textContent = depot
    ? depot.name + " · " + depot.lat.toFixed(5) + ", " + depot.lon.toFixed(5)
    : _("Not set: pick it on the map");
  if (!depot) return;
  const marker = L.marker([depot.lat, depot.lon], {
    pane: "lc-depot", icon: depotIcon(app), draggable: true, keyboard: false,
  }).bindTooltip(el("strong", null, depot.name), { direction: "top", offset: [0, -12] });
  marker.on("dragend", () => setDepotAt(app, marker.getLatLng()));
  app.depotLayer.addLayer(marker);
}

function setDepotAt(app, latlng) {
  togglePicking(app, false);
  setDepot(app, { lon: latlng.lng, lat: latlng.lat, name: _("Depot"), source: "map" });
  markOutdated(app);
}

export function togglePicking(app, on) {
  app.picking = on;
  app.map.getContainer().classList.toggle("lc-picking", on);
  app.pickButton.textContent = on ? _("Click the depot on the map…") : _("Pick on the map");
}

function depotIcon(app) {
  const box = el("div", "lc-depot-icon", app.config.lang === "en" ? "D" : "创");
  return L.divIcon({ html: box, className: "lc-depot-marker", iconSize: [24, 24],
    iconAnchor: [12, 12] });
}

/* ---- planning ------------------------------------------------------------------------ */

export async function plan(app) {
  if (!app.user) {  // a plan is stored under who asked: it needs an inspector's token
    showStatus(app, _("Sign in with an inspector's (or higher) token before planning"), true);
    if (app.tokenInput) app.tokenInput.focus();
    return;
  }
  const stops = selectedStops(app);
  if (!stops.length) return showStatus(app, _("No site selected"), true);
  if (stops.length > app.config.maxStops) {
    const text = fill(_("More than {max} sites: narrow the selection"),
      { max: app.config.maxStops });
    return showStatus(app, text, true);
  }
  const body = {
    stops: stops.map(stopRef),
    inspectors: parseInt(app.inputs.inspectors.value, 10),
    service_min: parseFloat(app.inputs.serviceMin.value),
    day_start: app.inputs.dayStart.value,
    day_min: Math.round(parseFloat(app.inputs.dayHours.value) * 60),
    objective: app.inputs.objective.value,
  };
  if (app.config.today) body.today = app.config.today;
  if (app.depot && app.depot.source === "map") {
    body.depot = { lon: app.depot.lon, lat: app.depot.lat, name: app.depot.name };
  }
  setState(app, "planning");
  app.planButton.disabled = true;
  showStatus(app, _("Planning…"));
  try {
    const route = await getJSON(app.config.api + "/routes/inspection", {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", Accept: "application/geo+json" },
    });
    showResult(app, route);
    drawRoute(app, route);
    app.outdated = false;
    app.outdatedLine.hidden = true;
    showStatus(app, "");
    setState(app, "planned");
  } catch (error) {
    showStatus(app, _("Error: ") + error.message, true);
    setState(app, "ready");
  } finally {
    app.planButton.disabled = false;
  }
}

function stopRef(feature) {
  const props = feature.properties;
  if (props.site) return { project_id: props.project_id, site: props.site };
  if (props.project_id) return { project_id: props.project_id };
  if (props.report_id) return { report_id: props.report_id };
  if (props.layer) return { layer: props.layer, fid: props.fid };
  const [lon, lat] = feature.geometry.coordinates;
  return { lon, lat, name: props.name };
}

export function markOutdated(app) {
  if (!app.route) return;
  app.outdated = true;
  app.outdatedLine.hidden = false;
}

/* ---- loading ------------------------------------------------------------------------------ */

async function loadStreets(app) {
  // The streets the route runs on, with the rivers and the built-up area's edge for
  // orientation: the page must read without any basemap tiles.
  const backdrop = [
    ["built_up_area", { color: "#c62828", weight: 1.5, dashArray: "8 6", fill: false,
      opacity: 0.5 }],
    ["watercourses", { color: "#64b5f6", weight: 1, fillColor: "#bbdefb", fillOpacity: 0.8 }],
    ["streets", { color: "#90a4ae", weight: 2, opacity: 0.9 }],
  ];
  const pages = await Promise.all(backdrop.map(([layer]) =>
    getJSON(app.config.api + "/layers/" + layer + "/features?limit=5000")));
  pages.forEach((page, index) => {
    const layer = L.geoJSON(page, { pane: "lc-streets", interactive: false,
      style: backdrop[index][1] }).addTo(app.backdrop);
    if (backdrop[index][0] === "streets") app.streets = layer;
  });
}

async function loadDepartments(app) {
  const answer = await getJSON(app.config.api + "/departments");
  addOptions(app.inputs.department, answer.departments.map((d) => [d.name, d.name]));
}

function fitToContent(app) {
  const group = L.featureGroup([...app.streets.getLayers(), ...app.candidateLayer.getLayers(),
    ...app.depotLayer.getLayers()]);
  const bounds = group.getBounds();
  if (bounds.isValid()) fitWithin(app, bounds);
  else app.map.setView([35, 105], 4);  // nothing stored yet: China
}

export function fitWithin(app, bounds) {
  // Leave room for the panel (left) and the result (right) when the window is wide.
  const width = (selector) => {
    const node = app.map.getContainer().querySelector(selector);
    return node && !node.hidden ? node.offsetWidth + 20 : 20;
  };
  const wide = app.map.getSize().x > 900;
  app.map.fitBounds(bounds, {
    paddingTopLeft: L.point(wide ? width(".lc-inspection-panel") : 20, 20),
    paddingBottomRight: L.point(wide ? width(".lc-result") : 20, 20), animate: false,
  });
}

/* ---- helpers ------------------------------------------------------------------------------ */

export function clockAfter(start, minutes) {
  const [hours, mins] = start.split(":").map(Number);
  const total = Math.round(hours * 60 + mins + minutes);
  const pad = (n) => String(n).padStart(2, "0");
  return pad(Math.floor(total / 60) % 24) + ":" + pad(total % 60);
}

const page = pageData();
start(page.map, page.config);
