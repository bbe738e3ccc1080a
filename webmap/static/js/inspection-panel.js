/*
 * The inspection page, its panels: the selection and settings form, signing in (the token
 * is shared with every page of the tab, common.js), the result frame and the legend.
 */
import {
  _, pgettext, fill, otherLanguageName, savedToken, languageUrl, el, showStatus, basemapNote,
  signIn as checkToken, signOut as forgetToken, hasSession, request, endSession, signInUrl,
} from "./common.js";
import { markOutdated, plan, preview, selectCandidate, togglePicking } from "./inspection.js";

/* ---- panels ------------------------------------------------------------------------------ */

export function buildPanel(app) {
  const panel = el("div", "lc-panel lc-inspection-panel lc-shrinks");
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
    ["not_inspected", _("Projects not inspected in N days")],
    ["reports", _("Open problem reports")]]);
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
  app.siteList = el("div", "lc-sites");
  app.siteList.setAttribute("aria-label", _("Sites by project"));
  selection.append(app.countLine, app.siteList,
    el("div", "lc-muted lc-small", _("Tick a site, or click it on the map, to add or remove it")),
    app.missingLine);
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
  app.basemapNote = basemapNote();
  panel.append(app.statusLine, app.basemapNote);
  return panel;
}

/* ---- the sites, grouped by project ---------------------------------------------------- */

export function renderSiteList(app) {
  // The sites the selection offers and any other site clicked in, under their project.
  const groups = new Map();
  app.candidates.forEach((candidate, id) => {
    if (!app.listed.has(id) && !candidate.selected) return;
    const props = candidate.feature.properties;
    const key = props.site ? "project:" + props.project_id : id;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(candidate);
  });
  app.siteList.replaceChildren(...[...groups.values()].map((sites) => siteGroup(app, sites)));
}

function siteGroup(app, sites) {
  const props = sites[0].feature.properties;
  const group = el("div", "lc-site-group");
  if (props.site) {
    group.dataset.projectId = String(props.project_id);
    const head = el("div", "lc-site-project", props.project);
    if (props.overdue) head.append(el("span", "lc-site-overdue", " · " + _("overdue")));
    group.append(head);
  }
  sites.forEach((candidate) => {
    const site = candidate.feature.properties;
    const row = el("label", "lc-site");
    const box = el("input");
    box.type = "checkbox";
    box.name = "site";
    box.value = candidate.feature.id;
    box.checked = candidate.selected;
    box.addEventListener("change", () => selectCandidate(app, candidate, box.checked));
    row.append(box, el("span", null, site.site ? site.site_name : site.name));
    group.append(row);
  });
  return group;
}

/* ---- signing in (the token is shared with the planners' map, in this tab) ----------- */

export async function restoreSignIn(app) {
  const saved = savedToken();
  if (!saved && hasSession()) {
    const answer = await request(app.config.api + "/me");
    app.user = answer.ok ? answer.body : null;
    app.bySession = answer.ok;
    renderAccount(app);
    return;
  }
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
  if (app.bySession) {
    endSession(app.config.api);
    return;
  }
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
  const withPassword = el("a", "lc-signin-link", _("Sign in with your name and password"));
  withPassword.href = signInUrl(app.config.api);
  box.append(el("div", "lc-label", _("Account")), withPassword, row, el("div", "lc-muted lc-small",
    _("Planning needs an inspector's, planner's or admin's token (an admin creates them "
      + "with lianchuang user add); kept in this tab only")));
  app.tokenInput = input;
}

export function buildResult(app) {
  const panel = el("div", "lc-panel lc-result lc-shrinks");
  panel.hidden = true;
  panel.append(el("strong", "lc-result-title", pgettext("result", "Inspection route")));
  app.outdatedLine = el("div", "lc-outdated", _("Sites or settings changed: plan again"));
  app.outdatedLine.hidden = true;
  app.resultBody = el("div");
  panel.append(app.outdatedLine, app.resultBody);
  app.resultPanel = panel;
  return panel;
}

export function buildLegend(app) {
  const legend = el("div", "lc-legend lc-shrinks");
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

export function addOptions(control, options) {
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

export function fact(list, label, value) {
  list.append(el("dt", null, label), el("dd", null, value));
}
