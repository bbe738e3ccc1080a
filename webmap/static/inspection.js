/*
 * Lianchuang inspection route page: preview the sites a filter selects, click sites in or
 * out, pick the depot, plan with POST /api/routes/inspection, draw the route with numbered
 * stops, flag the stops left out, and offer the GPX, KML and printable list.
 *
 * Every string from the database or the API goes into the page with textContent (popups
 * and tooltips get DOM nodes, never HTML strings). document.body.dataset.inspectionState
 * is "loading", "ready", "planning", "planned" or "error" (tests wait on it).
 */
(function () {
  "use strict";

  //: The signed-in user's API token in sessionStorage, the same key as the planners' map.
  const TOKEN_KEY = "lianchuang.token";
  const PANES = { "lc-streets": 350, "lc-route": 420, "lc-candidates": 430, "lc-stops": 450,
    "lc-depot": 460 };

  function start(map, config) {
    const app = {
      map, config,
      strings: config.strings,
      candidates: new Map(),  // stop_id -> { feature, marker, selected }
      others: null,           // every project and open report, once loaded
      depot: null,            // { lon, lat, name, source }
      picking: false,
      previewGeneration: 0,
      outdated: false,
      inputs: {},
    };
    window.lianchuangInspection = app;
    document.documentElement.lang = config.lang === "en" ? "en" : "zh-CN";
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
      .catch((error) => fail(app, error));
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
    showStatus(app, app.strings.loading);
    const wanted = fetchJSON(app.config.api + "/routes/inspection/stops?" + selectionParams(app));
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
      app.others = await fetchJSON(app.config.api + "/routes/inspection/stops?" + params);
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
    const kind = props.source === "report" ? app.strings.report : app.strings.project;
    const facts = [kind];
    if (props.overdue) facts.push(app.strings.overdue);
    box.append(el("div", "lc-muted", facts.join(" · ")));
    if (props.note) box.append(el("div", "lc-tip-note", props.note));
    box.append(el("div", "lc-tip-action",
      candidate.selected ? app.strings.remove : app.strings.add));
    return box;
  }

  function selectedStops(app) {
    return [...app.candidates.values()].filter((c) => c.selected).map((c) => c.feature);
  }

  function updateCount(app) {
    const count = selectedStops(app).length;
    app.countLine.textContent = format(app.strings.selected_count, { count });
    app.countLine.classList.toggle("lc-error", count > app.config.maxStops);
    const missing = (app.withoutLocation || []).length;
    app.missingLine.textContent = missing
      ? format(app.strings.without_location, { count: missing }) : "";
  }

  /* ---- the depot -------------------------------------------------------------------- */

  function setDepot(app, depot) {
    app.depot = depot;
    app.depotLayer.clearLayers();
    app.depotText.textContent = depot
      ? depot.name + " · " + depot.lat.toFixed(5) + ", " + depot.lon.toFixed(5)
      : app.strings.depot_none;
    if (!depot) return;
    const marker = L.marker([depot.lat, depot.lon], {
      pane: "lc-depot", icon: depotIcon(app), draggable: true, keyboard: false,
    }).bindTooltip(el("strong", null, depot.name), { direction: "top", offset: [0, -12] });
    marker.on("dragend", () => setDepotAt(app, marker.getLatLng()));
    app.depotLayer.addLayer(marker);
  }

  function setDepotAt(app, latlng) {
    togglePicking(app, false);
    setDepot(app, { lon: latlng.lng, lat: latlng.lat, name: app.strings.depot, source: "map" });
    markOutdated(app);
  }

  function togglePicking(app, on) {
    app.picking = on;
    app.map.getContainer().classList.toggle("lc-picking", on);
    app.pickButton.textContent = on ? app.strings.depot_picking : app.strings.depot_pick;
  }

  function depotIcon(app) {
    const box = el("div", "lc-depot-icon", app.config.lang === "en" ? "D" : "创");
    return L.divIcon({ html: box, className: "lc-depot-marker", iconSize: [24, 24],
      iconAnchor: [12, 12] });
  }

  /* ---- planning ------------------------------------------------------------------------ */

  async function plan(app) {
    if (!app.user) {  // a plan is stored under who asked: it needs an inspector's token
      showStatus(app, app.strings.need_token, true);
      if (app.tokenInput) app.tokenInput.focus();
      return;
    }
    const stops = selectedStops(app);
    if (!stops.length) return showStatus(app, app.strings.no_stops, true);
    if (stops.length > app.config.maxStops) {
      return showStatus(app, format(app.strings.too_many, { max: app.config.maxStops }), true);
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
    showStatus(app, app.strings.planning);
    try {
      const route = await fetchJSON(app.config.api + "/routes/inspection", {
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
      showStatus(app, app.strings.failed + error.message, true);
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
    fact(facts, app.strings.arrive, props.arrival);
    fact(facts, app.strings.service_min, String(props.service_min));
    if (props.snap_distance_m >= 1) {
      fact(facts, "", format(app.strings.snap, { m: Math.round(props.snap_distance_m) }));
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
    return app.strings["reason_" + reason] || reason;
  }

  /* ---- the result panel ------------------------------------------------------------------ */

  function showResult(app, route) {
    const panel = app.resultPanel;
    panel.hidden = false;
    const body = app.resultBody;
    body.replaceChildren();
    const s = route.summary;
    const facts = el("dl", "lc-facts lc-summary");
    fact(facts, app.strings.visited, s.visited + " / " + s.selected);
    fact(facts, app.strings.distance, (s.distance_m / 1000).toFixed(1) + " " + app.strings.km);
    fact(facts, app.strings.duration, Math.round(s.duration_min) + " " + app.strings.minutes);
    fact(facts, app.strings.back_at, s.back_at);
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
      el("span", null, format(app.strings.inspector, { number: line.inspector })));
    section.append(head);
    const visits = route.features.filter((f) => f.properties.kind === "visit"
      && f.properties.inspector === line.inspector);
    section.append(el("div", "lc-muted", format(app.strings.inspector_summary, {
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
    section.append(el("h4", null, app.strings.left_out + " (" + stops.length + ")"));
    const list = el("ul");
    stops.forEach((stop) => {
      const item = el("li");
      item.append(el("span", "lc-visit-name", stop.name),
        el("span", "lc-error lc-reason", reasonLabel(app, stop.reason)));
      if (stop.reason === "too_far") {
        item.append(el("span", "lc-muted",
          format(app.strings.snap, { m: Math.round(stop.snap_distance_m) })));
      }
      list.append(item);
    });
    section.append(list);
    return section;
  }

  function downloads(app, route) {
    const section = el("section", "lc-downloads");
    section.append(el("h4", null, app.strings.downloads));
    const labels = { GPX: app.strings.gpx, KML: app.strings.kml, HTML: app.strings.print };
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
    const s = app.strings;
    const panel = el("div", "lc-panel lc-inspection-panel");
    const head = el("div", "lc-panel-head");
    head.append(el("strong", null, s.heading));
    const links = el("span", "lc-links");
    const home = el("a", null, s.main_map);
    home.href = app.config.home + (app.config.lang === "en" ? "?lang=en" : "");
    const other = el("a", "lc-lang", s.other_language);
    other.href = languageUrl(app.config.lang === "en" ? "zh" : "en");
    links.append(home, other);
    head.append(links);
    panel.append(head);

    const selection = fieldset(panel, s.select);
    app.inputs.mode = select(selection, s.mode, "mode", [
      ["overdue", s.mode_overdue], ["filter", s.mode_filter],
      ["not_inspected", s.mode_not_inspected], ["reports", s.mode_reports]]);
    const filters = el("div", "lc-subfields");
    app.inputs.status = select(filters, s.status, "status",
      [["", s.all], ...app.config.statuses.map((x) => [x.code, x.label])]);
    app.inputs.campaign = select(filters, s.campaign, "campaign",
      [["", s.all], ...app.config.campaigns.map((x) => [x.code, x.label])]);
    app.inputs.department = select(filters, s.department, "department", [["", s.all]]);
    selection.append(filters);
    const days = el("div", "lc-subfields");
    app.inputs.days = input(days, s.days, "days", "number",
      app.config.defaults.notInspectedDays, { min: 1, max: 3650 });
    selection.append(days);
    const others = el("label", "lc-field lc-check");
    app.inputs.showOthers = el("input");
    app.inputs.showOthers.type = "checkbox";
    app.inputs.showOthers.checked = true;
    app.inputs.showOthers.name = "show_others";
    others.append(app.inputs.showOthers, el("span", null, s.show_others));
    selection.append(others);
    app.countLine = el("div", "lc-count");
    app.missingLine = el("div", "lc-muted lc-small");
    selection.append(app.countLine, el("div", "lc-muted lc-small", s.click_hint), app.missingLine);
    const showFor = () => {
      filters.hidden = app.inputs.mode.value !== "filter";
      days.hidden = app.inputs.mode.value !== "not_inspected";
    };
    showFor();
    const reload = () => preview(app).catch((error) => showStatus(app,
      s.failed + error.message, true));
    app.inputs.mode.addEventListener("change", () => { showFor(); reload(); });
    ["status", "campaign", "department", "days"].forEach((name) =>
      app.inputs[name].addEventListener("change", reload));
    app.inputs.showOthers.addEventListener("change", reload);

    const settings = fieldset(panel, s.settings);
    const depot = el("div", "lc-depot");
    depot.append(el("span", "lc-label", s.depot));
    app.depotText = el("span", "lc-depot-name", s.depot_none);
    app.pickButton = el("button", "lc-button lc-secondary", s.depot_pick);
    app.pickButton.type = "button";
    app.pickButton.addEventListener("click", () => togglePicking(app, !app.picking));
    depot.append(app.depotText, app.pickButton);
    settings.append(depot);
    const d = app.config.defaults;
    const grid = el("div", "lc-grid");
    app.inputs.inspectors = input(grid, s.inspectors, "inspectors", "number", d.inspectors,
      { min: 1, max: app.config.maxInspectors });
    app.inputs.serviceMin = input(grid, s.service_min, "service_min", "number", d.serviceMin,
      { min: 0, max: 480 });
    app.inputs.dayStart = input(grid, s.day_start, "day_start", "text", d.dayStart,
      { pattern: "([01]?[0-9]|2[0-3]):[0-5][0-9]", placeholder: "08:30", inputmode: "numeric" });
    app.inputs.dayHours = input(grid, s.day_hours, "day_hours", "number", d.dayHours,
      { min: 1, max: 24, step: 0.5 });
    settings.append(grid);
    app.inputs.objective = select(settings, s.objective, "objective", [
      ["travel_time", s.objective_travel_time], ["length", s.objective_length]]);
    ["inspectors", "serviceMin", "dayStart", "dayHours", "objective"].forEach((name) =>
      app.inputs[name].addEventListener("change", () => markOutdated(app)));

    app.accountBox = el("div", "lc-account");
    panel.append(app.accountBox);
    renderAccount(app);
    app.planButton = el("button", "lc-button lc-plan", s.plan);
    app.planButton.type = "button";
    app.planButton.addEventListener("click", () => plan(app));
    panel.append(app.planButton);
    app.statusLine = el("div", "lc-status");
    panel.append(app.statusLine);
    return panel;
  }

  /* ---- signing in (the token is shared with the planners' map, in this tab) ----------- */

  async function restoreSignIn(app) {
    const saved = window.sessionStorage.getItem(TOKEN_KEY);
    if (!saved) return;
    try {
      app.user = await fetchJSON(app.config.api + "/me");
    } catch {
      window.sessionStorage.removeItem(TOKEN_KEY);  // revoked or expired: sign in again
      app.user = null;
    }
    renderAccount(app);
  }

  async function signIn(app, token) {
    if (!token) {
      showStatus(app, app.strings.need_token, true);
      return;
    }
    try {
      app.user = await fetchJSON(app.config.api + "/me",
        { headers: { Accept: "application/json", Authorization: "Bearer " + token } });
    } catch (error) {
      showStatus(app, app.strings.failed + error.message, true);
      return;
    }
    window.sessionStorage.setItem(TOKEN_KEY, token);
    renderAccount(app);
    showStatus(app, "");
  }

  function signOut(app) {
    window.sessionStorage.removeItem(TOKEN_KEY);
    app.user = null;
    renderAccount(app);
  }

  function renderAccount(app) {
    const s = app.strings;
    const box = app.accountBox;
    box.replaceChildren();
    app.tokenInput = null;
    if (app.user) {
      const line = el("div", "lc-signed-in");
      const out = el("button", "lc-button lc-secondary lc-sign-out", s.sign_out);
      out.type = "button";
      out.addEventListener("click", () => signOut(app));
      line.append(el("span", null, format(s.signed_in,
        { name: app.user.display_name || app.user.username })), out);
      box.append(line);
      return;
    }
    const row = el("div", "lc-token-row");
    const input = el("input", "lc-token");
    input.type = "password";
    input.name = "token";
    input.autocomplete = "off";
    input.placeholder = s.token_placeholder;
    input.setAttribute("aria-label", s.token_placeholder);
    const button = el("button", "lc-button lc-secondary lc-sign-in", s.sign_in);
    button.type = "button";
    const go = () => signIn(app, input.value.trim());
    button.addEventListener("click", go);
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") go(); });
    row.append(input, button);
    box.append(el("div", "lc-label", s.account), row, el("div", "lc-muted lc-small", s.token_hint));
    app.tokenInput = input;
  }

  function buildResult(app) {
    const panel = el("div", "lc-panel lc-result");
    panel.hidden = true;
    panel.append(el("strong", "lc-result-title", app.strings.result));
    app.outdatedLine = el("div", "lc-outdated", app.strings.outdated);
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
    row(dot("", app.config.overdueColor), app.strings.legend_selected);
    row(dot("lc-dot-candidate"), app.strings.legend_candidate);
    row(el("span", "lc-depot-icon lc-legend-icon", app.config.lang === "en" ? "D" : "创"),
      app.strings.legend_depot);
    row(el("span", "lc-skip-icon lc-legend-icon", "✕"), app.strings.legend_skipped);
    const streets = el("span", "lc-line-swatch");
    streets.style.background = "#90a4ae";
    row(streets, app.strings.streets);
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
      fetchJSON(app.config.api + "/layers/" + layer + "/features?limit=5000")));
    pages.forEach((page, index) => {
      const layer = L.geoJSON(page, { pane: "lc-streets", interactive: false,
        style: backdrop[index][1] }).addTo(app.backdrop);
      if (backdrop[index][0] === "streets") app.streets = layer;
    });
  }

  async function loadDepartments(app) {
    const answer = await fetchJSON(app.config.api + "/departments");
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

  function addControl(app, position, build) {
    const Control = L.Control.extend({
      onAdd: () => {
        const container = build(app);
        container.classList.add("leaflet-control");
        L.DomEvent.disableClickPropagation(container);
        L.DomEvent.disableScrollPropagation(container);
        return container;
      },
    });
    new Control({ position }).addTo(app.map);
  }

  async function fetchJSON(url, options) {
    const opts = Object.assign({}, options);
    const headers = Object.assign({ Accept: "application/json" }, opts.headers);
    const token = window.sessionStorage.getItem(TOKEN_KEY);
    if (token && !headers.Authorization) headers.Authorization = "Bearer " + token;
    const response = await fetch(url, Object.assign(opts, { headers }));
    let body = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: the status line says what went wrong
    }
    if (!response.ok) {
      throw new Error(body && body.error ? body.error.message
        : response.status + " " + response.statusText);
    }
    return body;
  }

  function clockAfter(start, minutes) {
    const [hours, mins] = start.split(":").map(Number);
    const total = Math.round(hours * 60 + mins + minutes);
    const pad = (n) => String(n).padStart(2, "0");
    return pad(Math.floor(total / 60) % 24) + ":" + pad(total % 60);
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  }

  function sameOriginPath(href) {
    const url = new URL(href, window.location.href);
    return url.pathname + url.search;
  }

  function languageUrl(lang) {
    const params = new URLSearchParams(window.location.search);
    params.set("lang", lang);
    return "?" + params;
  }

  function setState(app, state) {
    app.state = state;
    document.body.dataset.inspectionState = state;
  }

  function showStatus(app, text, isError) {
    if (!app.statusLine) return;
    app.statusLine.textContent = text;
    app.statusLine.classList.toggle("lc-error", Boolean(isError));
  }

  function fail(app, error) {
    setState(app, "error");
    showStatus(app, app.strings.failed + error.message, true);
    console.error("Lianchuang inspection:", error);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  window.LianchuangInspection = { start };
})();
