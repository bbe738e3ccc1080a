/*
 * The green-space page, the community choropleth: communities coloured by the chosen
 * indicator in equal-interval classes, with its legend and tooltips.
 */
import { _, fill, el } from "./common.js";
import { FAIL_OUTLINE, fillSelect, indicatorName, number, unitOf, verdictBadge } from "./green.js";

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

export function paintChoropleth(app) {
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
    ? " · " + fill(_("{area} ha unserved (of {total} ha residential)"), {
      area: number(summary.unserved_m2 / 1e4, 1),
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

export function communityTooltip(app, feature) {
  const row = communityRows(app)[feature.id];
  const box = el("div", "lcg-tooltip");
  box.append(el("b", null, (feature.properties && feature.properties.name) || feature.id));
  const measure = measureOf(row, app.choroplethKey);
  const line = el("div", null, indicatorName(app, app.choroplethKey) + ": "
    + (measure && measure.value !== null
      ? number(measure.value) + " " + unitOf(app, app.choroplethKey) : _("no data")));
  box.append(line);
  if (measure && measure.assessed) box.append(verdictBadge(app, measure.passed));
  for (const warning of (measure && measure.warnings) || []) {
    box.append(el("div", "lcg-warning", "⚠ " + warning.message));
  }
  return box;
}
