/* The upload page (/upload): send the file (with upload progress) to POST /api/uploads for
 * a dry run, show its report and draw its diff (added / changed / removed / conflicts) on a
 * map, then commit (POST /api/uploads/{id}/commit) or cancel (DELETE /api/uploads/{id}). */

import { _, csrfToken, el, fill, request } from "./common.js";

const config = JSON.parse(document.getElementById("lc-upload").textContent);
const $ = (id) => document.getElementById(id);
/** How each kind of change is drawn, and its label. */
const KINDS = {
  added: { color: "#2e7d32", label: () => _("Added") },
  changed: { color: "#ef6c00", label: () => _("Changed") },
  removed: { color: "#c62828", label: () => _("Removed") },
  conflicts: { color: "#6a1b9a", label: () => _("Edited since the last import") },
};
let current = null;
let map = null;
let drawn = null;

function status(text, isError) {
  const line = $("up-status");
  line.textContent = text;
  line.classList.toggle("up-error", Boolean(isError));
}

/** POST *data* (FormData) with XMLHttpRequest, whose upload events give the progress bar. */
function send(data) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const bar = $("up-progress");
    xhr.open("POST", config.api + "/uploads");
    xhr.setRequestHeader("Accept", "application/json");
    const csrf = csrfToken();
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
      if (event.loaded === event.total) status(_("Uploaded; the importer is checking the file…"));
    };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => resolve({ status: 0, body: null });
    bar.hidden = false;
    bar.value = 0;
    xhr.send(data);
  });
}

async function dryRun(event) {
  event.preventDefault();
  const file = $("up-file").files[0];
  if (!file) return;
  if (file.size > config.maxBytes) {
    status(fill(_("The file is {size} MiB; at most {max} MiB"), {
      size: Math.ceil(file.size / 1048576), max: Math.floor(config.maxBytes / 1048576) }), true);
    return;
  }
  $("up-send").disabled = true;
  $("up-result").hidden = true;
  status(_("Uploading…"));
  const data = new FormData();
  data.append("file", file);
  if ($("up-layer").value) data.append("layer", $("up-layer").value);
  data.append("replace", $("up-replace").checked ? "true" : "false");
  data.append("skip_invalid", $("up-skip").checked ? "true" : "false");
  const answer = await send(data);
  $("up-send").disabled = false;
  $("up-progress").hidden = true;
  if (answer.status !== 201) {
    const message = answer.body && answer.body.error ? answer.body.error.message
      : _("The service cannot be reached");
    status(message, true);
    if (answer.body && answer.body.report) showReport(answer.body.report);
    return;
  }
  current = answer.body;
  status(_("Dry run done: nothing has been written yet"));
  showResult(current);
}

function showResult(result) {
  $("up-result").hidden = false;
  const counts = $("up-counts");
  counts.replaceChildren();
  for (const [kind, style] of Object.entries(KINDS)) {
    const item = el("li", "up-count up-" + kind);
    const swatch = el("span", "up-swatch");
    swatch.style.background = style.color;
    item.append(swatch, style.label() + " ", el("b", null, String(result.counts[kind] || 0)));
    if (kind === "removed" && !result.replace) {
      item.append(el("small", null, " " + _("(kept: the layer is not replaced)")));
    }
    counts.append(item);
  }
  showReport(result.report);
  const conflicts = result.counts.conflicts || 0;
  $("up-overwrite-label").hidden = conflicts === 0;
  $("up-commit").disabled = !result.committable;
  drawDiff(result.diff);
}

function showReport(report) {
  $("up-result").hidden = false;
  const box = $("up-report");
  box.replaceChildren();
  for (const source of report.sources) {
    const part = el("div", "up-source");
    part.append(el("h3", null, source.source + " → " + source.target));
    const facts = [
      [_("CRS"), source.crs || "—"], [_("Encoding"), source.encoding || "—"],
      [_("Read"), source.read], [_("Repaired"), source.repaired],
      [_("Rejected"), source.rejected],
    ];
    const list = el("dl", "up-facts");
    for (const [name, value] of facts) list.append(el("dt", null, name), el("dd", null, String(value)));
    part.append(list);
    for (const note of source.notes || []) part.append(el("p", "up-note", note));
    if (source.problems.length) {
      const problems = el("ul", "up-problems");
      for (const problem of source.problems) {
        const where = [problem.feature && "id " + problem.feature, problem.row && "#" + problem.row,
          problem.field].filter(Boolean).join(" / ");
        problems.append(el("li", "up-" + problem.action, `${problem.action}: ${where}: ${problem.message}`));
      }
      part.append(problems);
    }
    box.append(part);
  }
}

function drawDiff(diff) {
  if (!map) {
    map = window.L.map("up-map", { zoomSnap: 0.25 });
  }
  if (drawn) drawn.remove();
  drawn = window.L.featureGroup().addTo(map);
  const before = diff.changed.features.filter((f) => f.before && f.before.geometry)
    .map((f) => ({ type: "Feature", geometry: f.before.geometry, properties: f.properties }));
  window.L.geoJSON({ type: "FeatureCollection", features: before }, {
    style: { color: "#757575", weight: 1, dashArray: "4 4", fillOpacity: 0.05 },
  }).addTo(drawn);
  for (const [kind, style] of Object.entries(KINDS)) {
    window.L.geoJSON(diff[kind], {
      style: { color: style.color, weight: kind === "conflicts" ? 5 : 2, fillOpacity: 0.25 },
      pointToLayer: (feature, latlng) => window.L.circleMarker(latlng, {
        radius: kind === "conflicts" ? 9 : 6, color: style.color }),
      onEachFeature: (feature, layer) => {
        layer.options.className = "up-shape up-shape-" + kind;
        const edit = feature.edit ? ` · ${feature.edit.channel} ${feature.edit.actor}` : "";
        layer.bindTooltip(`${style.label()}: ${feature.id}${edit}`);
      },
    }).addTo(drawn);
  }
  const bounds = drawn.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
  else map.setView([32.98, 107.76], 13);
  document.body.dataset.diffDrawn = String(drawn.getLayers().length);
}

async function commit() {
  if (!current) return;
  $("up-commit").disabled = true;
  status(_("Committing…"));
  const answer = await request(`${config.api}/uploads/${encodeURIComponent(current.id)}/commit`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ overwrite: $("up-overwrite").checked }),
  });
  if (!answer.ok) {
    status(answer.message, true);
    $("up-commit").disabled = false;
    return;
  }
  current = null;
  showReport(answer.body.report);
  status(_("Committed: the layer is updated"));
  document.body.dataset.committed = "true";
}

async function cancel() {
  if (!current) return;
  await request(`${config.api}/uploads/${encodeURIComponent(current.id)}`, { method: "DELETE" });
  current = null;
  $("up-result").hidden = true;
  status(_("Cancelled: nothing was written"));
}

function dropZone() {
  const zone = $("up-drop");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("up-over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("up-over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("up-over");
    if (event.dataTransfer.files.length) $("up-file").files = event.dataTransfer.files;
  });
}

if ($("up-form")) {
  dropZone();
  $("up-form").addEventListener("submit", dryRun);
  $("up-commit").addEventListener("click", commit);
  $("up-cancel").addEventListener("click", cancel);
}
