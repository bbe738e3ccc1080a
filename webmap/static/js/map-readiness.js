/*
 * The readiness overlay of the planners' map: each community coloured by its own values of
 * a title's green items against the title's thresholds (its worst status), and the
 * first-level water-source zones, marked where no boundary marker stands near the boundary
 * or open cases lie inside; from GET /api/readiness/<title>/map.  Drawn only while its
 * overlay is ticked in the layer switcher; its box in the panel chooses the title and holds
 * the key (the statuses' words as the server gives them), so it never covers the legend.
 * Text from the server goes in with textContent, never innerHTML.
 */
import { _, boxWithOverlay, el, getJSON } from "./common.js";

//: The fill of each status (as the readiness page's badges, stronger for the map).
export const STATUS_COLORS = { pass: "#43a047", fail: "#e53935",
  unverified_threshold: "#fb8c00", no_data: "#90a4ae" };
const ZONE_OK = "#1565c0";
const ZONE_FLAGGED = "#6a1b9a";
const DEFAULT_TITLE = "national_garden";

export function start(app, overlay) {
  if (!overlay) return;
  const state = { app, overlay, title: DEFAULT_TITLE, generation: 0 };
  makePane(app.map, "lc-readiness", 380);
  makePane(app.map, "lc-readiness-zones", 420);  // over the layers (401…): the flags show
  const box = el("fieldset", "lc-readiness-box");
  box.hidden = true;
  box.append(el("legend", null, _("Readiness by community")));
  const title = el("select", "lc-readiness-title");
  app.config.campaigns.forEach((c) => {
    const option = el("option", null, c.label);
    option.value = c.code;
    option.selected = c.code === state.title;
    title.append(option);
  });
  title.addEventListener("change", () => {
    state.title = title.value;
    draw(state);
  });
  state.key = el("div", "lc-readiness-key");
  state.note = el("div", "lc-muted lc-readiness-note");
  box.append(title, state.key, state.note);
  app.panel.append(box);
  boxWithOverlay(app.map, overlay, box, () => draw(state));
  app.readiness = state;  // for tests and screenshots
}

function makePane(map, name, zIndex) {
  if (map.getPane(name)) return;
  map.createPane(name).style.zIndex = String(zIndex);
}

async function draw(state) {
  const generation = ++state.generation;
  state.note.textContent = _("Loading…");
  document.body.dataset.readinessState = "loading";
  const lang = state.app.config.lang === "en" ? "?lang=en" : "";
  let answer;
  try {
    answer = await getJSON(`${state.app.config.api}/readiness/${encodeURIComponent(state.title)}/map${lang}`);
  } catch (error) {
    state.note.textContent = error.message || String(error);
    document.body.dataset.readinessState = "error";
    return;
  }
  if (generation !== state.generation) return;  // a newer choice is on its way
  state.overlay.clearLayers();
  answer.communities.features.forEach((feature) => {
    const layer = L.geoJSON(feature, {
      pane: "lc-readiness",
      style: { color: "#37474f", weight: 1, fillColor: STATUS_COLORS[feature.properties.status],
        fillOpacity: 0.45 },
    });
    layer.bindTooltip(communityTip(answer, feature.properties), { sticky: true });
    state.overlay.addLayer(layer);
  });
  answer.zones.features.forEach((feature) => {
    const p = feature.properties;
    const flagged = !p.marked || p.open_cases > 0;
    const layer = L.geoJSON(feature, {
      pane: "lc-readiness-zones",
      style: flagged ? { color: ZONE_FLAGGED, weight: 3, dashArray: "6 4", fillColor: ZONE_FLAGGED,
        fillOpacity: 0.2 } : { color: ZONE_OK, weight: 2, fillOpacity: 0.05 },
    });
    layer.bindTooltip(zoneTip(p), { sticky: true });
    state.overlay.addLayer(layer);
  });
  drawKey(state, answer);
  const counted = answer.communities.features.length;
  state.note.textContent = counted ? "" : (answer.items.length
    ? _("No per-community values: ") + (answer.note || "")
    : _("This title has no green item to judge per community"));
  document.body.dataset.readinessState = "ready";
}

function drawKey(state, answer) {
  state.key.replaceChildren();
  if (answer.items.length) {
    state.key.append(el("div", "lc-muted", answer.items.map((i) => i.name).join(_(", "))));
    Object.entries(answer.legend).forEach(([status, words]) => {
      state.key.append(keyRow(swatch(STATUS_COLORS[status]), words, status));
    });
  }
  const flagged = swatch(ZONE_FLAGGED);
  flagged.style.border = `2px dashed ${ZONE_FLAGGED}`;
  const ok = swatch("transparent");
  ok.style.border = `2px solid ${ZONE_OK}`;
  state.key.append(
    keyRow(flagged, _("First-level water-source zone: no boundary marker, or open cases inside"),
      "zone-flagged"),
    keyRow(ok, _("First-level water-source zone: marked, no open case"), "zone-ok"));
}

function swatch(color) {
  const box = el("span", "lc-swatch");
  box.style.background = color;
  return box;
}

function keyRow(mark, words, code) {
  const row = el("div", "lc-legend-row");
  row.dataset.key = code;
  row.append(mark, el("span", null, words));
  return row;
}

function number(value) {
  return value === null || value === undefined ? "—"
    : Number(value).toLocaleString(undefined, { maximumFractionDigits: 2 });
}

function communityTip(answer, p) {
  const box = el("div", "lc-readiness-tip");
  box.append(el("strong", null, `${p.name} · ${answer.legend[p.status]}`));
  answer.items.forEach((item) => {
    const row = p.items[item.key];
    if (row) box.append(el("div", null, `${item.name}: ${number(row.value)} (${answer.legend[row.status]})`));
  });
  return box;
}

function zoneTip(p) {
  const box = el("div", "lc-readiness-tip");
  box.append(el("strong", null, p.name || p.fid));
  box.append(el("div", null, p.marked ? _("Boundary marker: yes") : _("Boundary marker: none")));
  box.append(el("div", null, _("Open cases inside: {count}").replace("{count}", p.open_cases)));
  return box;
}
