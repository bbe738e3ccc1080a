/*
 * The green-space page, what-if scenarios: draw planned green space, convert a shantytown
 * zone or remove a park from its popup, and see every indicator before and after
 * (POST {api}/metrics/green/scenario).  A change the service refuses is taken back.
 */
import { _, fill, getJSON, el, showStatus } from "./common.js";
import { metricsUrl, number, round, signed, unitOf, verdictBadge, vetoWords } from "./green.js";
import { clearReadinessEffect, runReadinessEffect } from "./green-readiness.js";

// --- scenarios --------------------------------------------------------------------------

export function currentClass(app) {
  return app.ui.cls.value;
}

export function classLabel(app, code) {
  const found = app.config.classes.find((c) => c.code === code);
  return found ? found.label : code;
}

export function startDrawing(app) {
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

export function addCorner(app, latlng) {
  const drawing = app.drawing;
  if (!drawing) return;
  drawing.points.push(latlng);
  const closing = drawing.points.length > 2 ? [drawing.points[0]] : [];
  drawing.line.setLatLngs(drawing.points.concat(closing));
  L.circleMarker(latlng, { pane: "lcg-scenario", radius: 4, color: "#1565c0",
                           fillOpacity: 1, interactive: false }).addTo(drawing.corners);
  app.ui.finish.disabled = drawing.points.length < 3;
}

export function stopDrawing(app) {
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

export function finishDrawing(app) {
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
  const label = fill(_("Add {cls} ({area} ha)"),
    { cls: classLabel(app, code), area: number(area / 1e4, 2) });
  polygon.bindTooltip(label);
  addChange(app, { op: "add_green", geometry: { type: "Polygon", coordinates: [ring] },
                   class: code }, label, polygon);
}

export function addChange(app, change, label, layer) {
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
  else {
    app.ui.result.replaceChildren();
    clearReadinessEffect(app);
  }
}

export function renderChanges(app) {
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
export async function runScenario(app, lastIsNew) {
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
    runReadinessEffect(app, app.changes.map((item) => item.change), run);
  } catch (error) {
    if (run !== app.scenarioRun) return;
    if (lastIsNew) {
      const item = app.changes.pop();
      if (item && item.layer) app.layers.scenario.removeLayer(item.layer);
      renderChanges(app);
    }
    app.ui.result.replaceChildren();
    clearReadinessEffect(app);
    showStatus(app, error.message, true);
    document.body.dataset.scenarioState = "error";
  }
}

function renderScenario(app, answer) {
  const table = el("table", "lcg-indicators lcg-scenario-table");
  const head = el("tr");
  for (const word of [_("Indicator"), _("Now"), _("After"), _("Change")]) {
    head.append(el("th", null, word));
  }
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  for (const row of answer.indicators) {
    const tr = el("tr");
    tr.dataset.indicator = row.key;
    const before = row.before ? row.before.value : null;
    const after = row.after ? row.after.value : null;
    const delta = row.delta ? row.delta.value : null;
    const afterCell = el("td", "lcg-num", number(after));
    if (row.after && row.after.assessed) {
      afterCell.append(el("br"), verdictBadge(app, row.after.passed));
    }
    const deltaCell = el("td", "lcg-num", delta === null ? "—" : signed(delta));
    if (delta !== null && Math.abs(delta) > 1e-9) {
      deltaCell.classList.add(delta > 0 ? "lcg-up" : "lcg-down");
    }
    const name = el("td", "lcg-name", row.title);
    const unit = unitOf(app, row.key, row.unit);
    if (unit) name.append(el("span", "lcg-small", " (" + unit + ")"));
    tr.append(name, el("td", "lcg-num", number(before)), afterCell, deltaCell);
    table.tBodies[0].append(tr);
  }
  const veto = el("p", "lcg-small", _("Now") + ": " + vetoWords(answer.veto_state.before)
                  + " → " + _("After") + ": " + vetoWords(answer.veto_state.after));
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
