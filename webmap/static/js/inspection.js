/*
 * Lianchuang inspection route page: preview the sites a filter selects, click sites in or
 * out, pick the depot, plan with POST /api/routes/inspection, draw the route with numbered
 * stops, flag the stops left out, and offer the GPX, KML and printable list.
 *
 * Every string from the database or the API goes into the page with textContent (popups
 * and tooltips get DOM nodes, never HTML strings). document.body.dataset.inspectionState
 * is "loading", "ready", "planning", "planned" or "error" (tests wait on it).
 */
import {
_, pgettext, addControl, el, fail, fill, getJSON, languageUrl, otherLanguageName, pageData,
sameOriginPath, savedToken, setState, showStatus, signIn as checkToken, signOut as forgetToken,
} from "./common.js";

const PANES = { "lc-streets": 350, "lc-route": 420, "lc-candidates": 430, "lc-stops": 450,
  "lc-depot": 460 };

function start(map, config) {
  const app = {
    map, config,
    stateKey: "inspectionState",
    candidates: new Map(),  // stop_id -> { feature, marker, selected }
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
  addControl(app, "bottomright", buildLegend);
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

async function preview(app) {
  const generation = ++app.previewGeneration;
  showStatus(app, _("Loading…"));
  const wanted = getJSON(app.config.api + "/routes/inspection/stops?" + selectionParams(app));
  const others = app.inputs.showOthers.checked ? loadOthers(app) : Promise.resolve(null);
  const [found] = await Promise.all([wanted, others]);
  if (generation !== app.previewGeneration) return;
  const chosen = new Set(found.features.map((feature) => feature.id));
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
    candidate.selected = !candidate.selected;
    drawCandidates(app);
    markOutdated(app);
  });
  app.candidates.set(feature.id, candidate);
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
}

function candidateTooltip(app, candidate) {
  const props = candidate.feature.properties;
  const box = el("div", "lc-tip");
  box.append(el("strong", null, props.name));
  const kind = props.source === "report" ? _("Problem report") : _("Project");
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
    ? fill(_("{count} projects have no linked feature and no place; left out"), { count: missing }) : "";
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

function togglePicking(app, on) {
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

async function plan(app) {
  if (!app.user) {  // a plan is stored under who asked: it needs an inspector's token
    showStatus(app, _("Sign in with an inspector's (or higher) token before planning"), true);
    if (app.tokenInput) app.tokenInput.focus();
    return;
  }
  const stops = selectedStops(app);
  if (!stops.length) return showStatus(app, _("No site selected"), true);
  if (stops.length > app.config.maxStops) {
    return showStatus(app, fill(_("More than {max} sites: narrow the selection"), { max: app.config.maxStops }), true);
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
  if (props.project_id) return { project_id: props.project_id };
  if (props.report_id) return { report_id: props.report_id };
  if (props.layer) return { layer: props.layer, fid: props.fid };
  const [lon, lat] = feature.geometry.coordinates;
  return { lon, lat, name: props.name };
}

function markOutdated(app) {
  if (!app.route) return;
  app.outdated = true;
  app.outdatedLine.hidden = false;
}

/* ---- the route on the map ------------------------------------------------------------- */

function drawRoute(app, route) {
  app.route = route;
  app.routeLayer.clearLayers();
  const colors = app.config.routeColors;
  const color = (inspector) => colors[(inspector - 1) % colors.length];
  const several = route.summary.inspectors_used > 1;
  route.features.forEach((feature) => {
    const props = feature.properties;
    if (props.kind === "route" && feature.geometry.coordinates.length) {
      L.geoJSON(feature, { pane: "lc-route", interactive: false,
        style: { color: color(props.inspector), weight: 5, opacity: 0.85 } })
        .addTo(app.routeLayer);
    } else if (props.kind === "visit") {
      const label = several ? props.inspector + "-" + props.order : String(props.order);
      stopMarker(feature, numberIcon(label, color(props.inspector)))
        .bindPopup(visitPopup(app, props)).addTo(app.routeLayer);
    } else if (props.kind === "skipped") {
      stopMarker(feature, L.divIcon({ html: el("div", "lc-skip-icon", "✕"),
        className: "lc-skip-marker", iconSize: [20, 20], iconAnchor: [10, 10] }))
        .bindPopup(skippedPopup(app, props)).addTo(app.routeLayer);
    }
  });
  const bounds = L.featureGroup(app.routeLayer.getLayers()).getBounds();
  if (bounds.isValid()) fitWithin(app, bounds.extend([app.depot ? [app.depot.lat, app.depot.lon]
    : bounds.getCenter()]));
}

function stopMarker(feature, icon) {
  const [lon, lat] = feature.geometry.coordinates;
  return L.marker([lat, lon], { pane: "lc-stops", icon, keyboard: false });
}

function numberIcon(label, color) {
  const box = el("div", "lc-number-icon", label);
  box.style.background = color;
  const width = Math.max(22, 8 + 8 * label.length);
  return L.divIcon({ html: box, className: "lc-number-marker", iconSize: [width, 22],
    iconAnchor: [width / 2, 11] });
}

function visitPopup(app, props) {
  const box = el("div", "lc-popup");
  box.append(el("h3", null, props.order + ". " + props.name));
  const facts = el("dl", "lc-facts");
  fact(facts, _("arrive"), props.arrival);
  fact(facts, _("Minutes per stop"), String(props.service_min));
  if (props.snap_distance_m >= 1) {
    fact(facts, "", fill(_("{m} m from the streets"), { m: Math.round(props.snap_distance_m) }));
  }
  box.append(facts);
  if (props.note) box.append(el("p", "lc-muted", props.note));
  return box;
}

function skippedPopup(app, props) {
  const box = el("div", "lc-popup");
  box.append(el("h3", null, props.name));
  box.append(el("p", "lc-error", reasonLabel(app, props.reason)));
  box.append(el("p", "lc-muted", props.detail));
  return box;
}

function reasonLabel(app, reason) {
  const reasons = {
    too_far: _("too far from the streets"), unreachable: _("no way there"),
    no_return: _("no way back (one-way streets)"), dropped: _("does not fit in the day"),
    no_location: _("no linked feature, no place"),
  };
  return reasons[reason] || reason;
}

/* ---- the result panel ------------------------------------------------------------------ */

function showResult(app, route) {
  const panel = app.resultPanel;
  panel.hidden = false;
  const body = app.resultBody;
  body.replaceChildren();
  const s = route.summary;
  const facts = el("dl", "lc-facts lc-summary");
  fact(facts, _("Stops planned"), s.visited + " / " + s.selected);
  fact(facts, _("Distance"), (s.distance_m / 1000).toFixed(1) + " " + _("km"));
  fact(facts, _("Working time"), Math.round(s.duration_min) + " " + _("min"));
  fact(facts, _("Back by"), s.back_at);
  body.append(facts);
  const used = route.features.filter((f) => f.properties.kind === "route");
  used.forEach((line) => body.append(inspectorList(app, route, line.properties)));
  const leftOut = [...route.unreachable, ...route.dropped, ...route.without_location,
    ...(app.withoutLocation || []).map((stop) => Object.assign({ reason: "no_location" }, stop))];
  if (leftOut.length) body.append(leftOutList(app, leftOut));
  body.append(downloads(app, route));
}

function inspectorList(app, route, line) {
  const section = el("section", "lc-inspector");
  const color = app.config.routeColors[(line.inspector - 1) % app.config.routeColors.length];
  const head = el("h4");
  const swatch = el("span", "lc-line-swatch");
  swatch.style.background = color;
  head.append(swatch,
    el("span", null, fill(_("Inspector {number}"), { number: line.inspector })));
  section.append(head);
  const visits = route.features.filter((f) => f.properties.kind === "visit"
    && f.properties.inspector === line.inspector);
  section.append(el("div", "lc-muted", fill(_("{stops} stops · {km} km · back {back}"), {
    stops: visits.length, km: (line.distance_m / 1000).toFixed(1),
    back: clockAfter(route.summary.day_start, line.duration_min),
  })));
  const list = el("ol", "lc-visits");
  visits.forEach((visit) => {
    const item = el("li");
    item.append(el("span", "lc-visit-time", visit.properties.arrival),
      el("span", "lc-visit-name", visit.properties.name));
    item.addEventListener("click", () => focusStop(app, visit));
    list.append(item);
  });
  section.append(list);
  return section;
}

function leftOutList(app, stops) {
  const section = el("section", "lc-left-out");
  section.append(el("h4", null, _("Stops left out") + " (" + stops.length + ")"));
  const list = el("ul");
  stops.forEach((stop) => {
    const item = el("li");
    item.append(el("span", "lc-visit-name", stop.name),
      el("span", "lc-error lc-reason", reasonLabel(app, stop.reason)));
    if (stop.reason === "too_far") {
      item.append(el("span", "lc-muted",
        fill(_("{m} m from the streets"), { m: Math.round(stop.snap_distance_m) })));
    }
    list.append(item);
  });
  section.append(list);
  return section;
}

function downloads(app, route) {
  const section = el("section", "lc-downloads");
  section.append(el("h4", null, _("Download")));
  const labels = { GPX: _("GPX (phone navigation)"), KML: _("KML (Google Earth)"), HTML: _("Printable list") };
  route.links.filter((link) => link.rel === "alternate").forEach((link) => {
    const anchor = el("a", "lc-download", labels[link.title] || link.title);
    anchor.href = sameOriginPath(link.href);
    anchor.dataset.format = link.title.toLowerCase();
    if (link.title === "HTML") anchor.target = "_blank";
    else anchor.setAttribute("download", "");
    section.append(anchor);
  });
  return section;
}

function focusStop(app, visit) {
  const [lon, lat] = visit.geometry.coordinates;
  app.map.setView([lat, lon], Math.max(app.map.getZoom(), 16));
  app.routeLayer.eachLayer((layer) => {
    if (layer.getLatLng && layer.getLatLng().equals([lat, lon])) layer.openPopup();
  });
}

/* ---- panels ------------------------------------------------------------------------------ */

function buildPanel(app) {
  const panel = el("div", "lc-panel lc-inspection-panel");
  const head = el("div", "lc-panel-head");
  head.append(el("strong", null, _("Inspection route")));
  const links = el("span", "lc-links");
  const home = el("a", null, _("Projects map"));
  home.href = app.config.home + (app.config.lang === "en" ? "?lang=en" : "");
  const other = el("a", "lc-lang", otherLanguageName(app.config.lang));
  other.href = languageUrl(app.config.lang === "en" ? "zh" : "en");
  links.append(home, other);
  head.append(links);
  panel.append(head);

  const selection = fieldset(panel, _("Sites to inspect"));
  app.inputs.mode = select(selection, pgettext("selection", "Choose"), "mode", [
    ["overdue", _("Overdue projects (default)")], ["filter", _("Projects by filter")],
    ["not_inspected", _("Projects not inspected in N days")], ["reports", _("Open problem reports")]]);
  const filters = el("div", "lc-subfields");
  app.inputs.status = select(filters, _("Status"), "status",
    [["", _("All")], ...app.config.statuses.map((x) => [x.code, x.label])]);
  app.inputs.campaign = select(filters, _("Campaign"), "campaign",
    [["", _("All")], ...app.config.campaigns.map((x) => [x.code, x.label])]);
  app.inputs.department = select(filters, _("Department"), "department", [["", _("All")]]);
  selection.append(filters);
  const days = el("div", "lc-subfields");
  app.inputs.days = input(days, _("Days"), "days", "number",
    app.config.defaults.notInspectedDays, { min: 1, max: 3650 });
  selection.append(days);
  const others = el("label", "lc-field lc-check");
  app.inputs.showOthers = el("input");
  app.inputs.showOthers.type = "checkbox";
  app.inputs.showOthers.checked = true;
  app.inputs.showOthers.name = "show_others";
  others.append(app.inputs.showOthers, el("span", null, _("Show other sites (click to add)")));
  selection.append(others);
  app.countLine = el("div", "lc-count");
  app.missingLine = el("div", "lc-muted lc-small");
  selection.append(app.countLine, el("div", "lc-muted lc-small", _("Click a site on the map to add or remove it")), app.missingLine);
  const showFor = () => {
    filters.hidden = app.inputs.mode.value !== "filter";
    days.hidden = app.inputs.mode.value !== "not_inspected";
  };
  showFor();
  const reload = () => preview(app).catch((error) => showStatus(app,
    _("Error: ") + error.message, true));
  app.inputs.mode.addEventListener("change", () => { showFor(); reload(); });
  ["status", "campaign", "department", "days"].forEach((name) =>
    app.inputs[name].addEventListener("change", reload));
  app.inputs.showOthers.addEventListener("change", reload);

  const settings = fieldset(panel, _("Start and time"));
  const depot = el("div", "lc-depot");
  depot.append(el("span", "lc-label", _("Depot")));
  app.depotText = el("span", "lc-depot-name", _("Not set: pick it on the map"));
  app.pickButton = el("button", "lc-button lc-secondary", _("Pick on the map"));
  app.pickButton.type = "button";
  app.pickButton.addEventListener("click", () => togglePicking(app, !app.picking));
  depot.append(app.depotText, app.pickButton);
  settings.append(depot);
  const d = app.config.defaults;
  const grid = el("div", "lc-grid");
  app.inputs.inspectors = input(grid, _("Inspectors"), "inspectors", "number", d.inspectors,
    { min: 1, max: app.config.maxInspectors });
  app.inputs.serviceMin = input(grid, _("Minutes per stop"), "service_min", "number", d.serviceMin,
    { min: 0, max: 480 });
  app.inputs.dayStart = input(grid, _("Start time"), "day_start", "text", d.dayStart,
    { pattern: "([01]?[0-9]|2[0-3]):[0-5][0-9]", placeholder: "08:30", inputmode: "numeric" });
  app.inputs.dayHours = input(grid, _("Working hours"), "day_hours", "number", d.dayHours,
    { min: 1, max: 24, step: 0.5 });
  settings.append(grid);
  app.inputs.objective = select(settings, _("Optimise"), "objective", [
    ["travel_time", _("Shortest time")], ["length", _("Shortest distance")]]);
  ["inspectors", "serviceMin", "dayStart", "dayHours", "objective"].forEach((name) =>
    app.inputs[name].addEventListener("change", () => markOutdated(app)));

  app.accountBox = el("div", "lc-account");
  panel.append(app.accountBox);
  renderAccount(app);
  app.planButton = el("button", "lc-button lc-plan", _("Plan route"));
  app.planButton.type = "button";
  app.planButton.addEventListener("click", () => plan(app));
  panel.append(app.planButton);
  app.statusLine = el("div", "lc-status");
  panel.append(app.statusLine);
  return panel;
}

/* ---- signing in (the token is shared with the planners' map, in this tab) ----------- */

async function restoreSignIn(app) {
  const saved = savedToken();
  if (!saved) return;
  try {
    app.user = await checkToken(app.config.api, saved);
  } catch {
    forgetToken();  // revoked or expired: sign in again
    app.user = null;
  }
  renderAccount(app);
}

async function signIn(app, token) {
  if (!token) {
    showStatus(app, _("Sign in with an inspector's (or higher) token before planning"), true);
    return;
  }
  try {
    app.user = await checkToken(app.config.api, token);
  } catch (error) {
    showStatus(app, _("Error: ") + error.message, true);
    return;
  }
  renderAccount(app);
  showStatus(app, "");
}

function signOut(app) {
  forgetToken();
  app.user = null;
  renderAccount(app);
}

function renderAccount(app) {
  const box = app.accountBox;
  box.replaceChildren();
  app.tokenInput = null;
  if (app.user) {
    const line = el("div", "lc-signed-in");
    const out = el("button", "lc-button lc-secondary lc-sign-out", _("Sign out"));
    out.type = "button";
    out.addEventListener("click", () => signOut(app));
    line.append(el("span", null, fill(_("Signed in: {name}"),
      { name: app.user.display_name || app.user.username })), out);
    box.append(line);
    return;
  }
  const row = el("div", "lc-token-row");
  const input = el("input", "lc-token");
  input.type = "password";
  input.name = "token";
  input.autocomplete = "off";
  input.placeholder = _("Paste an API token");
  input.setAttribute("aria-label", _("Paste an API token"));
  const button = el("button", "lc-button lc-secondary lc-sign-in", _("Sign in"));
  button.type = "button";
  const go = () => signIn(app, input.value.trim());
  button.addEventListener("click", go);
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") go(); });
  row.append(input, button);
  box.append(el("div", "lc-label", _("Account")), row, el("div", "lc-muted lc-small", _("Planning needs an inspector's, planner's or admin's token (an admin creates them with lianchuang user add); kept in this tab only")));
  app.tokenInput = input;
}

function buildResult(app) {
  const panel = el("div", "lc-panel lc-result");
  panel.hidden = true;
  panel.append(el("strong", "lc-result-title", pgettext("result", "Inspection route")));
  app.outdatedLine = el("div", "lc-outdated", _("Sites or settings changed: plan again"));
  app.outdatedLine.hidden = true;
  app.resultBody = el("div");
  panel.append(app.outdatedLine, app.resultBody);
  app.resultPanel = panel;
  return panel;
}

function buildLegend(app) {
  const legend = el("div", "lc-legend");
  const row = (symbol, label) => {
    const line = el("div", "lc-legend-row");
    line.append(symbol, el("span", null, label));
    legend.append(line);
  };
  const dot = (className, color) => {
    const node = el("span", "lc-dot " + className);
    if (color) node.style.background = color;
    return node;
  };
  row(dot("", app.config.overdueColor), _("Selected site"));
  row(dot("lc-dot-candidate"), _("Other site"));
  row(el("span", "lc-depot-icon lc-legend-icon", app.config.lang === "en" ? "D" : "创"),
    _("Depot"));
  row(el("span", "lc-skip-icon lc-legend-icon", "✕"), _("Unreachable / left out"));
  const streets = el("span", "lc-line-swatch");
  streets.style.background = "#90a4ae";
  row(streets, _("Streets"));
  return legend;
}

function fieldset(parent, title) {
  const box = el("fieldset", "lc-fieldset");
  box.append(el("legend", null, title));
  parent.append(box);
  return box;
}

function select(parent, label, name, options) {
  const field = el("label", "lc-field");
  const control = el("select");
  control.name = name;
  addOptions(control, options);
  field.append(el("span", null, label), control);
  parent.append(field);
  return control;
}

function addOptions(control, options) {
  options.forEach(([value, label]) => {
    const option = el("option", null, label);
    option.value = value;
    control.append(option);
  });
}

function input(parent, label, name, type, value, limits) {
  const field = el("label", "lc-field");
  const control = el("input");
  control.type = type;
  control.name = name;
  control.value = String(value);
  Object.entries(limits).forEach(([key, limit]) => control.setAttribute(key, String(limit)));
  field.append(el("span", null, label), control);
  parent.append(field);
  return control;
}

function fact(list, label, value) {
  list.append(el("dt", null, label), el("dd", null, value));
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

function fitWithin(app, bounds) {
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

function clockAfter(start, minutes) {
  const [hours, mins] = start.split(":").map(Number);
  const total = Math.round(hours * 60 + mins + minutes);
  const pad = (n) => String(n).padStart(2, "0");
  return pad(Math.floor(total / 60) % 24) + ":" + pad(total % 60);
}

const page = pageData();
start(page.map, page.config);
