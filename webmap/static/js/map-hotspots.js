/*
 * The hot-spot overlay of the planners' map: cases reported in a period counted per
 * hexagon (or per unit grid cell), by category, from GET /api/cases/hotspots.  Drawn only
 * while its overlay is ticked in the layer switcher; its own box in the panel chooses the
 * period, the category and hexagons or cells, and says how many cases the colours count.
 * Text from the server goes in with textContent, never innerHTML.
 */
import { _, boxWithOverlay, el, getJSON } from "./common.js";

//: Five classes, light to dark (ColorBrewer OrRd).
const COLORS = ["#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];
const PERIODS = [[30, () => _("Last 30 days")], [90, () => _("Last 90 days")],
  [365, () => _("Last 12 months")]];

export function start(app, overlay) {
  if (!overlay) return;
  const state = { app, overlay, days: 30, category: "", size: "hex", generation: 0 };
  const box = el("fieldset", "lc-hotspots");
  box.hidden = true;
  box.append(el("legend", null, _("Case hot spots")));
  const period = select(PERIODS.map(([days, label]) => [String(days), label()]), (value) => {
    state.days = Number(value);
    draw(state);
  });
  const category = select([["", _("All categories")]], (value) => {
    state.category = value;
    draw(state);
  });
  const size = select([["hex", _("Hexagons")], ["cell", _("Grid cells")]], (value) => {
    state.size = value;
    draw(state);
  });
  state.note = el("div", "lc-muted lc-hotspot-note");
  state.key = el("div", "lc-hotspot-key");
  box.append(period, category, size, state.key, state.note);
  app.panel.append(box);
  getJSON(app.config.api + "/case-categories").then((answer) => {
    answer.categories.forEach((c) => {
      const option = el("option", null, app.config.lang === "en" ? c.name_en : c.name);
      option.value = c.code;
      category.append(option);
    });
  }).catch(() => {});
  boxWithOverlay(app.map, overlay, box, () => draw(state));
  app.hotspots = state;  // for tests and screenshots
}

function select(options, onChange) {
  const element = el("select");
  options.forEach(([value, label]) => {
    const option = el("option", null, label);
    option.value = value;
    element.append(option);
  });
  element.addEventListener("change", () => onChange(element.value));
  return element;
}

// The day a moment falls on in the county (YYYY-MM-DD): the server counts days there, and a
// browser's own clock (or UTC) is a day behind Xixiang for eight hours of every day.
function isoDay(date, zone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit",
    day: "2-digit" }).format(date);
}

async function draw(state) {
  const generation = ++state.generation;
  const until = new Date();
  const since = new Date(until.getTime() - (state.days - 1) * 86400000);
  const zone = state.app.config.zone;
  const query = new URLSearchParams({ since: isoDay(since, zone), until: isoDay(until, zone),
    size: state.size });
  if (state.category) query.set("category", state.category);
  state.note.textContent = _("Loading…");
  let answer;
  try {
    answer = await getJSON(`${state.app.config.api}/cases/hotspots?${query}`);
  } catch (error) {
    state.note.textContent = error.message || String(error);
    return;
  }
  if (generation !== state.generation) return;  // a newer choice is on its way
  state.overlay.clearLayers();
  const counts = answer.features.map((f) => f.properties.count);
  const breaks = classBreaks(counts);
  answer.features.forEach((feature) => {
    const count = feature.properties.count;
    const layer = L.geoJSON(feature, {
      style: { color: "#7f0000", weight: 0.6, fillColor: COLORS[classOf(count, breaks)],
        fillOpacity: 0.65 },
    });
    layer.bindTooltip(tooltip(state.app, feature.properties), { sticky: true });
    state.overlay.addLayer(layer);
  });
  const total = counts.reduce((a, b) => a + b, 0);
  state.note.textContent = counts.length
    ? _("{count} cases in {places} places").replace("{count}", total)
      .replace("{places}", counts.length)
    : _("No case reported in this period.");
  drawKey(state, breaks);
}

/* Upper bounds of five classes over the counts (equal-count classes, merged when equal). */
export function classBreaks(counts) {
  const sorted = [...counts].sort((a, b) => a - b);
  if (!sorted.length) return [];
  const breaks = [];
  for (let i = 1; i <= COLORS.length; i += 1) {
    const value = sorted[Math.min(sorted.length - 1, Math.ceil((i * sorted.length) / COLORS.length) - 1)];
    if (!breaks.length || value > breaks[breaks.length - 1]) breaks.push(value);
  }
  return breaks;
}

function classOf(count, breaks) {
  const index = breaks.findIndex((upper) => count <= upper);
  const shift = COLORS.length - breaks.length;  // few classes: use the darker colours
  return Math.min(COLORS.length - 1, (index < 0 ? breaks.length - 1 : index) + shift);
}

function drawKey(state, breaks) {
  state.key.replaceChildren();
  let lower = 1;
  breaks.forEach((upper) => {
    const row = el("div", "lc-legend-row");
    const swatch = el("span", "lc-swatch");
    swatch.style.background = COLORS[classOf(upper, breaks)];
    row.append(swatch, el("span", null, lower === upper ? String(upper) : `${lower}–${upper}`));
    state.key.append(row);
    lower = upper + 1;
  });
}

function tooltip(app, properties) {
  const box = el("div", "lc-hotspot-tip");
  box.append(el("strong", null, _("{count} cases").replace("{count}", properties.count)));
  const names = properties.by_category || {};
  Object.entries(names).sort((a, b) => b[1] - a[1]).slice(0, 5).forEach(([code, n]) => {
    box.append(el("div", null, `${categoryName(app, code)} ${n}`));
  });
  if (properties.code) box.append(el("div", "lc-muted", properties.code));
  return box;
}

function categoryName(app, code) {
  const select = app.hotspots && app.panel.querySelector(".lc-hotspots select:nth-of-type(2)");
  const option = select && [...select.options].find((o) => o.value === code);
  return option ? option.textContent : code;
}
