/*
 * The green-space page, what a scenario or a drawn project does to each title's checklist
 * (对创建达标的影响): every item computed from the green layers, its value and status
 * before → after, and each title's verdict where it changes.
 *   POST {api}/readiness/whatif            the scenario's changes (the same body)
 *   GET  {api}/readiness/whatif?project=id a project's drawn parks and green space
 * For tests: document.body.dataset.readinessState is "computing", "done" or "error".
 */
import { _, pgettext, fill, getJSON, el } from "./common.js";
import { number, unitOf } from "./green.js";

function effectUrl(app, query) {
  const params = new URLSearchParams({ lang: app.config.lang, ...query });
  return app.config.api + "/readiness/whatif?" + params;
}

/* The scenario's effect; *run* is the scenario run it belongs to (a newer one wins). */
export async function runReadinessEffect(app, changes, run) {
  document.body.dataset.readinessState = "computing";
  app.ui.readiness.replaceChildren(el("p", "lcg-small", _("Computing the effect on readiness…")));
  try {
    const answer = await getJSON(effectUrl(app, {}), {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ changes }),
    });
    if (run !== app.scenarioRun) return;
    renderEffect(app, answer);
    document.body.dataset.readinessState = "done";
  } catch (error) {
    if (run !== app.scenarioRun) return;
    app.ui.readiness.replaceChildren(el("p", "lcg-small lcg-error", error.message));
    document.body.dataset.readinessState = "error";
  }
}

/* A drawn project's effect (/green?project=<id>, linked from the project's card). */
export async function loadProjectEffect(app, projectId) {
  document.body.dataset.readinessState = "computing";
  app.ui.readiness.replaceChildren(el("p", "lcg-small", _("Computing the effect on readiness…")));
  try {
    const answer = await getJSON(effectUrl(app, { project: String(projectId) }));
    renderEffect(app, answer);
    document.body.dataset.readinessState = "done";
  } catch (error) {
    app.ui.readiness.replaceChildren(el("p", "lcg-small lcg-error", error.message));
    document.body.dataset.readinessState = "error";
  }
}

export function clearReadinessEffect(app) {
  app.ui.readiness.replaceChildren();
  delete document.body.dataset.readinessState;
}

function valueText(app, side, unit) {
  if (side.value === null || side.value === undefined) return _("No data");
  if (typeof side.value === "boolean") return side.value ? _("yes") : _("no");
  const shown = unit && unit !== "yes_no" ? unitOf(app, null, unit) : "";
  return number(side.value) + (shown ? " " + shown : "");
}

function statusCell(side) {
  const tag = el("span", "lcg-badge lcg-status-" + side.status, side.status_words);
  if (side.status === "pass") tag.classList.add("lcg-pass");
  if (side.status === "fail") tag.classList.add("lcg-fail");
  return tag;
}

export function renderEffect(app, answer) {
  const box = app.ui.readiness;
  const heading = el("h3", null, _("Effect on readiness"));
  const parts = [heading];
  if (answer.project) {
    parts.push(el("p", "lcg-small", fill(_("Project {code} {name}: its parks and green space"),
                                         { code: answer.project.code,
                                           name: answer.project.name })));
  }
  const table = el("table", "lcg-indicators lcg-readiness-table");
  const head = el("tr");
  for (const word of [pgettext("readiness", "Title"), _("Item"),
                      answer.sides.before + " → " + answer.sides.after,
                      pgettext("readiness", "Status")]) {
    head.append(el("th", null, word));
  }
  table.append(el("thead"), el("tbody"));
  table.tHead.append(head);
  for (const title of answer.titles) {
    const rows = title.items.filter((row) => row.moves_with_green);
    rows.forEach((row, index) => {
      const tr = el("tr");
      tr.dataset.title = title.key;
      tr.dataset.item = row.key;
      if (row.status_changed) tr.classList.add("lcg-changed");
      if (index === 0) {
        const cell = el("td", "lcg-name", title.label);
        cell.rowSpan = rows.length;
        tr.append(cell);
      }
      const name = el("td", "lcg-name", row.name);
      if (row.veto) name.append(el("span", "lcg-tag lcg-tag-veto", _("veto item")));
      const values = el("td", "lcg-num", valueText(app, row.before, row.unit) + " → "
                        + valueText(app, row.after, row.unit));
      const status = el("td", "lcg-status");
      status.append(statusCell(row.before));
      if (row.status_changed) status.append(" → ", statusCell(row.after));
      tr.append(name, values, status);
      table.tBodies[0].append(tr);
    });
  }
  parts.push(table);
  const verdicts = el("ul", "lcg-verdicts");
  for (const title of answer.titles) {
    if (!title.verdict.changed) continue;
    const li = el("li", null, title.label + ": " + title.verdict.before.words + " → "
                  + title.verdict.after.words);
    li.dataset.title = title.key;
    verdicts.append(li);
  }
  if (!verdicts.children.length) {
    verdicts.append(el("li", "lcg-small", _("No title's verdict changes")));
  }
  parts.push(verdicts);
  box.replaceChildren(...parts);
}
