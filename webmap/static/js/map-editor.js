/*
 * The planners' map, edit mode (issue 16): a signed-in planner or admin chooses a layer of
 * the catalogue, then draws a feature of its geometry, reshapes, drags or cuts one, splits
 * a line at a vertex, merges two features, deletes one; snapping to the features on the map.
 * Drawing and editing are Leaflet-Geoman's (vendored, webmap/static/vendor); its toolbar is
 * not shown: the editor box's buttons (in the page's language) drive it.
 *
 * The attribute form is built from the catalogue's field schema (/api/layers: types,
 * required fields, allowed values with their labels), with "link to project" (the ledger's
 * projects the user may link) and a note saying why.  Saving writes through OGC API –
 * Features Part 4 (/ogc/collections/{layer}/items) with If-Match: the server's 400 message
 * is shown in the form, what it repaired is listed and the repaired geometry drawn; a 412
 * (someone changed the feature meanwhile) offers both versions, drawn side by side, to keep
 * one.  The server decides every rule (department, validation); the page only asks.
 * document.body.dataset.editor is "off", "idle", "drawing", "editing", "saving" or "stale".
 * Text from the server goes in with textContent, never innerHTML.
 */
import { _, el, fill, getJSON, request, serviceRoot } from "./common.js";
import { controlMargins, loadLayers } from "./map.js";
import { atLeast, field, messageArea, showMessage } from "./map-tracking.js";
import { addOptions } from "./map-panel.js";
import { featureHistory } from "./map-editor-history.js";

//: The editing copy (orange), the other side of a stale edit (blue, dashed).
export const STYLES = {
  editing: { color: "#ef6c00", weight: 3, fillColor: "#ffb74d", fillOpacity: 0.35 },
  current: { color: "#1565c0", weight: 3, dashArray: "8 6", fillColor: "#64b5f6",
    fillOpacity: 0.25 },
  version: { color: "#c62828", weight: 3, dashArray: "4 4", fill: false },
};
//: Geoman's shape for each geometry family of the catalogue.
const DRAW_SHAPES = { polygon: "Polygon", line: "Line", point: "CircleMarker" };

export function start(app) {
  const editor = {
    app, on: false, layerName: "", catalogue: null, projects: null,
    state: null,     // {fid, etag, layer (Leaflet), properties, projects, original}
    mode: "idle",
  };
  app.editor = editor;
  app.featureHistory = (spec, feature) => featureHistory(app, spec, feature);
  app.map.createPane("lc-editing").style.zIndex = "590";  // over the layers, under markers
  editor.group = L.layerGroup().addTo(app.map);
  editor.compare = L.layerGroup().addTo(app.map);
  if (L.PM) {
    app.map.pm.setLang(app.config.lang === "en" ? "en" : "zh");
    app.map.pm.setGlobalOptions({ snappable: true, snapDistance: 15,
      allowSelfIntersection: false, pathOptions: Object.assign({ pane: "lc-editing" },
        STYLES.editing), templineStyle: STYLES.editing, hintlineStyle: STYLES.editing });
    app.map.on("pm:create", (event) => drawn(editor, event.layer));
    app.map.on("pm:cut", (event) => cut(editor, event));
  }
  editor.box = buildBox(editor);
  setMode(editor, "off");
  const Control = L.Control.extend({ onAdd: () => editor.box });
  new Control({ position: "topleft" }).addTo(app.map);
  L.DomEvent.disableClickPropagation(editor.box);
  L.DomEvent.disableScrollPropagation(editor.box);
  app.map.on("click", (event) => mapClicked(editor, event));
  // In edit mode a click on a feature of the layer chooses it: its card does not open.
  app.map.on("popupopen", (event) => {
    const source = event.popup._source;
    if (editor.on && source && source.feature && editor.mode !== "drawing"
        && app.features[editor.layerName + "/" + source.feature.id] === source) {
      setTimeout(() => app.map.closePopup(event.popup), 0);  // once it has finished opening
    }
  });
  Object.entries(app.groups).forEach(([name, group]) => {
    group.on("click", (event) => featureClicked(editor, name, event));
  });
  const previous = app.onSession;
  app.onSession = (session) => {
    if (previous) previous(session);
    sessionChanged(editor, session);
  };
  sessionChanged(editor, app.tracking && app.tracking.session);
}

function mayEdit(app) {
  return Boolean(L.PM) && atLeast(app.tracking && app.tracking.session, "planner");
}

function sessionChanged(editor, session) {
  editor.box.hidden = !(session && mayEdit(editor.app));
  if (editor.box.hidden && editor.on) leave(editor);
}

function setMode(editor, mode) {
  editor.mode = mode;
  document.body.dataset.editor = editor.on ? mode : "off";
}

/* ---- the editor box --------------------------------------------------------------- */

function buildBox(editor) {
  // It shrinks and scrolls with the panel (lc-shrinks) only while open: closed, it is a
  // button, not an 80-pixel box.
  const box = el("div", "lc-panel lc-editor leaflet-control");
  box.hidden = true;
  const toggle = el("button", "lc-submit lc-editor-toggle", _("Edit features"));
  toggle.type = "button";
  toggle.addEventListener("click", () => (editor.on ? leave(editor) : enter(editor)));
  editor.toggle = toggle;
  editor.body = el("div", "lc-editor-body");
  editor.body.hidden = true;
  box.append(toggle, editor.body);
  return box;
}

async function enter(editor) {
  const { app } = editor;
  editor.on = true;
  editor.toggle.textContent = _("Leave edit mode");
  editor.box.classList.add("lc-shrinks");
  editor.body.hidden = false;
  editor.body.replaceChildren(el("p", "lc-muted", _("Loading…")));
  setMode(editor, "idle");
  try {
    if (!editor.catalogue) {
      const answer = await getJSON(app.config.api + "/layers");
      editor.catalogue = Object.fromEntries(answer.layers.map((layer) => [layer.name, layer]));
    }
    if (!editor.projects) editor.projects = await linkableProjects(app);
  } catch (error) {
    editor.body.replaceChildren(el("p", "lc-error", error.message));
    return;
  }
  renderTools(editor);
}

function leave(editor) {
  cancelEditing(editor);
  editor.on = false;
  editor.toggle.textContent = _("Edit features");
  editor.box.classList.remove("lc-shrinks");
  editor.body.hidden = true;
  setMode(editor, "off");
}

async function linkableProjects(app) {
  // A planner links features to their department's projects, an admin to any (the
  // server checks it again).
  const user = app.tracking.session.user;
  const params = new URLSearchParams({ limit: "1000" });
  if (user.role !== "admin" && user.department) params.set("department", user.department);
  const listing = await getJSON(app.config.api + "/projects?" + params);
  return listing.projects || listing.items || [];
}

function renderTools(editor) {
  const { app } = editor;
  const layerSelect = el("select", "lc-editor-layer");
  layerSelect.name = "layer";
  addOptions(layerSelect, [["", _("(choose a layer)")],
    ...app.config.layers.map((spec) => [spec.name, spec.title])]);
  layerSelect.value = editor.layerName;
  layerSelect.addEventListener("change", () => {
    cancelEditing(editor);
    editor.layerName = layerSelect.value;
    renderTools(editor);
  });
  const tools = el("div", "lc-editor-tools");
  editor.message = messageArea({ el });
  editor.formSlot = el("div", "lc-editor-form-slot");
  editor.body.replaceChildren(field({ el }, _("Layer to edit"), layerSelect), tools,
    editor.message, editor.formSlot);
  if (!editor.layerName) return;
  const spec = app.specs[editor.layerName];
  spec.geometry.forEach((family) => {
    tools.append(toolButton(fill(_("Draw a {what}"), { what: familyLabel(family) }),
      "draw-" + family, () => startDrawing(editor, family)));
  });
  const editing = [
    ["reshape", _("Reshape"), () => toggleReshape(editor)],
    ["drag", _("Move"), () => toggleDrag(editor)],
  ];
  if (spec.geometry.includes("polygon")) editing.push(["cut", _("Cut a hole or piece"), () => startCut(editor)]);
  if (spec.geometry.includes("line")) editing.push(["split", _("Split at a vertex"), () => startSplit(editor)]);
  editing.push(["merge", _("Merge with another"), () => startMerge(editor)],
    ["delete", _("Delete"), () => deleteFeature(editor)]);
  editor.editButtons = editing.map(([action, label, run]) => toolButton(label, action, run));
  tools.append(...editor.editButtons);
  tools.append(el("p", "lc-hint", _("Draw a new feature, or click one of this layer to change it; "
    + "new points snap to the features on the map.")));
  refreshButtons(editor);
}

function familyLabel(family) {
  return { polygon: _("polygon"), line: _("line"), point: _("point") }[family] || family;
}

function toolButton(label, action, run) {
  const button = el("button", "lc-tool", label);
  button.type = "button";
  button.dataset.action = action;
  button.addEventListener("click", run);
  return button;
}

function refreshButtons(editor) {
  const saved = Boolean(editor.state && editor.state.fid);
  (editor.editButtons || []).forEach((button) => {
    const needsSaved = ["split", "merge", "delete"].includes(button.dataset.action);
    button.disabled = !editor.state || (needsSaved && !saved);
  });
}

function say(editor, text, isError) {
  if (editor.message) showMessage(editor.message, text, isError);
}

/* ---- drawing and choosing --------------------------------------------------------- */

function startDrawing(editor, family) {
  cancelEditing(editor);
  editor.app.map.closePopup();
  editor.app.map.pm.enableDraw(DRAW_SHAPES[family], { snappable: true });
  setMode(editor, "drawing");
  say(editor, _("Click the map to place points; click the first point (or the last again) "
    + "to finish."));
}

function drawn(editor, layer) {
  if (!editor.on || editor.mode !== "drawing") return;
  editor.app.map.pm.disableDraw();
  editor.app.map.removeLayer(layer);
  startEditing(editor, { fid: null, etag: null, properties: {}, projects: [],
    geometry: geometryOf(layer) });
  say(editor, _("Fill in the attributes and save."));
}

function featureClicked(editor, name, event) {
  if (!editor.on || name !== editor.layerName || ["drawing", "split"].includes(editor.mode)) {
    return;
  }
  const feature = event.sourceTarget && event.sourceTarget.feature;
  if (!feature) return;
  if (editor.mode === "merge") {
    merge(editor, feature);
    return;
  }
  select(editor, feature);
}

async function select(editor, feature) {
  cancelEditing(editor);
  const answer = await request(itemUrl(editor, feature.id) + "?f=json");
  if (!answer.ok) {
    say(editor, answer.message, true);
    return;
  }
  startEditing(editor, {
    fid: feature.id, etag: answer.etag, properties: answer.body.properties,
    projects: (feature.properties.projects || []).map((project) => project.code),
    geometry: answer.body.geometry,
  });
  say(editor, fill(_("Editing {id}, version {version}"),
    { id: feature.id, version: (answer.etag || "").replace(/"/g, "") }));
}

function startEditing(editor, state) {
  editor.state = state;
  drawEditing(editor, state.geometry);
  buildForm(editor);
  setMode(editor, "editing");
  refreshButtons(editor);
}

function drawEditing(editor, geometry) {
  const state = editor.state;
  if (state.layer) editor.group.removeLayer(state.layer);
  state.layer = layerOf(geometry, STYLES.editing);
  editor.group.addLayer(state.layer);
  state.geometry = geometry;
}

export function layerOf(geometry, style) {
  const wrapper = L.geoJSON({ type: "Feature", geometry, properties: {} }, {
    pane: "lc-editing",
    style: () => style,
    pointToLayer: (_f, latlng) => L.circleMarker(latlng, Object.assign({ radius: 8 }, style)),
  });
  const children = wrapper.getLayers();
  return children.length === 1 ? children[0] : wrapper;
}

function cancelEditing(editor) {
  const map = editor.app.map;
  if (L.PM) {
    map.pm.disableDraw();
    if (map.pm.globalCutModeEnabled()) map.pm.disableGlobalCutMode();
  }
  if (editor.state && editor.state.layer) {
    stopLayerTools(editor.state.layer);
    editor.group.removeLayer(editor.state.layer);
  }
  editor.compare.clearLayers();
  editor.state = null;
  if (editor.formSlot) editor.formSlot.replaceChildren();
  if (editor.on) setMode(editor, "idle");
  refreshButtons(editor);
}

function stopLayerTools(layer) {
  eachPath(layer, (path) => {
    if (!path.pm) return;
    if (path.pm.enabled()) path.pm.disable();
    if (path.pm.layerDragEnabled && path.pm.layerDragEnabled()) path.pm.disableLayerDrag();
  });
}

function eachPath(layer, run) {
  if (layer.eachLayer && !layer.pm) layer.eachLayer((child) => eachPath(child, run));
  else run(layer);
}

/* ---- reshaping, dragging, cutting, splitting ----------------------------------------- */

function toggleReshape(editor) {
  if (!editor.state) return;
  let on = false;
  eachPath(editor.state.layer, (path) => {
    if (path.pm.layerDragEnabled && path.pm.layerDragEnabled()) path.pm.disableLayerDrag();
    if (path.pm.enabled()) path.pm.disable();
    else {
      path.pm.enable({ snappable: true, allowSelfIntersection: false });
      on = true;
    }
  });
  say(editor, on ? _("Drag a vertex to move it, the middle of a side to add one; "
    + "right-click a vertex to remove it. Save when done.") : _("Vertices fixed."));
}

function toggleDrag(editor) {
  if (!editor.state) return;
  let on = false;
  eachPath(editor.state.layer, (path) => {
    if (path.pm.enabled()) path.pm.disable();
    if (path.pm.layerDragEnabled()) path.pm.disableLayerDrag();
    else {
      path.pm.enableLayerDrag();
      on = true;
    }
  });
  say(editor, on ? _("Drag the feature where it belongs, then save.") : _("Feature fixed."));
}

function startCut(editor) {
  if (!editor.state) return;
  stopLayerTools(editor.state.layer);
  const layers = [];
  eachPath(editor.state.layer, (path) => layers.push(path));
  editor.app.map.pm.enableGlobalCutMode({ layersToCut: layers, snappable: true,
    allowSelfIntersection: false });
  say(editor, _("Draw the piece to cut away; what is left is saved."));
}

function cut(editor, event) {
  if (!editor.state) return;
  editor.app.map.pm.disableGlobalCutMode();
  // Geoman replaced the cut shape by what is left: take it as the editing copy.
  const geometry = geometryOf(event.layer);
  editor.app.map.removeLayer(event.layer);
  if (event.originalLayer && editor.app.map.hasLayer(event.originalLayer)) {
    editor.app.map.removeLayer(event.originalLayer);
  }
  editor.group.clearLayers();
  editor.state.layer = null;
  if (geometry) drawEditing(editor, geometry);
  say(editor, _("Cut. Save to keep it."));
}

function startSplit(editor) {
  if (!editor.state || !editor.state.fid) return;
  stopLayerTools(editor.state.layer);
  setMode(editor, "split");
  say(editor, _("Click the vertex to split the line at."));
}

function mapClicked(editor, event) {
  if (!editor.on || editor.mode !== "split") return;
  const parts = splitAt(editor.app.map, editor.state.geometry, event.latlng);
  if (!parts) {
    say(editor, _("Click on an inner vertex of the line (not one of its ends)."), true);
    return;
  }
  setMode(editor, "editing");
  splitFeature(editor, parts);
}

export function splitAt(map, geometry, latlng) {
  // The two lines either side of the inner vertex nearest the click (within 12 pixels);
  // other parts of a multi-line stay with the first.
  const lines = geometry.type === "LineString" ? [geometry.coordinates] : geometry.coordinates;
  const click = map.latLngToContainerPoint(latlng);
  let best = null;
  lines.forEach((coords, lineIndex) => coords.forEach((c, i) => {
    if (i === 0 || i === coords.length - 1) return;
    const d = map.latLngToContainerPoint([c[1], c[0]]).distanceTo(click);
    if (d <= 12 && (!best || d < best.d)) best = { d, lineIndex, i };
  }));
  if (!best) return null;
  const line = lines[best.lineIndex];
  const first = lines.map((coords, k) => (k === best.lineIndex ? line.slice(0, best.i + 1) : coords));
  return [{ type: "MultiLineString", coordinates: first },
    { type: "MultiLineString", coordinates: [line.slice(best.i)] }];
}

/* ---- the attribute form ----------------------------------------------------------- */

function buildForm(editor) {
  const { app } = editor;
  const state = editor.state;
  const layer = editor.catalogue[editor.layerName];
  const form = el("form", "lc-form lc-editor-form");
  form.noValidate = true;  // the server says what is wrong, in the page's language
  form.append(el("strong", null, state.fid
    ? fill(_("Feature {id}"), { id: state.fid }) : _("New feature")));
  const controls = {};
  layer.fields.forEach((spec) => {
    const control = fieldControl(app, spec, state.properties[spec.name]);
    controls[spec.name] = control;
    const label = labelOf(app, spec) + (spec.required ? " *" : "");
    form.append(field({ el }, label, control));
  });
  const project = el("select", "lc-editor-project");
  project.name = "project";
  addOptions(project, [["", _("(no project)")],
    ...editor.projects.map((p) => [p.code, p.code + " " + p.name])]);
  project.value = state.projects.find((code) => editor.projects.some((p) => p.code === code)) || "";
  const note = el("textarea");
  note.name = "note";
  note.rows = 2;
  note.maxLength = 2000;
  note.placeholder = _("Why: the survey, the plan or the correction this comes from");
  const save = el("button", "lc-submit", _("Save"));
  save.type = "submit";
  const cancel = el("button", "lc-link-button", _("Cancel"));
  cancel.type = "button";
  cancel.addEventListener("click", () => cancelEditing(editor));
  const buttons = el("div", "lc-editor-buttons");
  buttons.append(save, cancel);
  editor.formMessage = messageArea({ el });
  editor.formMessage.classList.add("lc-editor-msg");
  editor.staleSlot = el("div", "lc-editor-stale");
  form.append(field({ el }, _("Link to project"), project), field({ el }, _("Why (kept with the version)"), note),
    buttons, editor.formMessage, editor.staleSlot);
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    saveFeature(editor, { controls, project, note, save });
  });
  editor.form = { controls, project, note, save };
  editor.formSlot.replaceChildren(form);
}

function labelOf(app, spec) {
  return app.config.lang === "en" ? spec.en : spec.zh;
}

function fieldControl(app, spec, value) {
  let control;
  if (spec.choices) {
    control = el("select");
    addOptions(control, [["", "—"], ...spec.choices.map((c) => [c.code,
      app.config.lang === "en" ? c.en : c.zh])]);
  } else if (spec.type === "boolean") {
    control = el("select");
    addOptions(control, [["", "—"], ["true", _("yes")], ["false", _("no")]]);
  } else {
    control = el("input");
    if (spec.type === "integer" || spec.type === "real") {
      control.type = "number";
      control.step = spec.type === "integer" ? "1" : "any";
      if (spec.minimum !== undefined) control.min = String(spec.minimum);
      if (spec.maximum !== undefined) control.max = String(spec.maximum);
    } else if (spec.type === "date") {
      control.type = "date";
    }
    if (spec.max_length) control.maxLength = spec.max_length;
  }
  control.name = spec.name;
  control.required = Boolean(spec.required);
  control.value = value === null || value === undefined ? "" : String(value);
  return control;
}

function propertiesFrom(editor) {
  const layer = editor.catalogue[editor.layerName];
  const properties = {};
  layer.fields.forEach((spec) => {
    const raw = editor.form.controls[spec.name].value.trim();
    if (raw === "") return;
    if (spec.type === "boolean") properties[spec.name] = raw === "true";
    else if ((spec.type === "integer" || spec.type === "real") && !spec.choices
             && !Number.isNaN(Number(raw))) properties[spec.name] = Number(raw);
    else properties[spec.name] = raw;
  });
  return properties;
}

/* ---- saving ----------------------------------------------------------------------- */

function collectionUrl(editor) {
  return serviceRoot(editor.app.config.api) + "/ogc/collections/"
    + encodeURIComponent(editor.layerName) + "/items";
}

function itemUrl(editor, fid) {
  return collectionUrl(editor) + "/" + encodeURIComponent(fid);
}

async function saveFeature(editor, form) {
  const state = editor.state;
  if (!state) return;
  const body = { type: "Feature", geometry: geometryOf(state.layer),
    properties: propertiesFrom(editor) };
  if (form.project.value) body.projects = [form.project.value];
  if (form.note.value.trim()) body.note = form.note.value.trim();
  form.save.disabled = true;
  setMode(editor, "saving");
  showMessage(editor.formMessage, _("Sending…"));
  const headers = { "Content-Type": "application/geo+json" };
  if (state.etag) headers["If-Match"] = state.etag;
  const answer = await request(state.fid ? itemUrl(editor, state.fid) : collectionUrl(editor),
    { method: state.fid ? "PUT" : "POST", body: JSON.stringify(body), headers });
  form.save.disabled = false;
  setMode(editor, "editing");
  if (answer.ok) {
    saved(editor, answer, _("Saved: version {version}."));
  } else if (answer.status === 412 && answer.body && answer.body.current) {
    showStale(editor, body, answer);
  } else {
    showMessage(editor.formMessage, _("Not saved: ") + serverMessage(answer), true);
  }
}

export function serverMessage(answer) {
  // OGC errors come as {code, description}: the server's own words name what is wrong.
  return (answer.body && answer.body.description) || answer.message;
}

function saved(editor, answer, template) {
  const state = editor.state;
  const written = answer.body;
  const info = written.lianchuang || {};
  state.fid = written.id;
  state.etag = answer.etag;
  state.properties = written.properties;
  stopLayerTools(state.layer);
  drawEditing(editor, written.geometry);  // what the server stored, repaired or not
  editor.compare.clearLayers();
  editor.staleSlot.replaceChildren();
  const lines = [fill(template, { version: info.version })];
  showMessage(editor.formMessage, lines[0]);
  if (info.repairs && info.repairs.length) {
    const list = el("ul", "lc-editor-repairs");
    info.repairs.forEach((repair) => list.append(el("li", null, repair)));
    editor.formMessage.append(el("div", null, _("The server repaired the geometry:")), list);
  }
  editor.form.note.value = "";
  editor.form.controls && Object.entries(editor.form.controls).forEach(([name, control]) => {
    const value = written.properties[name];
    control.value = value === null || value === undefined ? "" : String(value);
  });
  const head = editor.formSlot.querySelector(".lc-editor-form > strong");
  if (head) head.textContent = fill(_("Feature {id}"), { id: state.fid });
  refreshButtons(editor);
  reloadLayer(editor);
}

function reloadLayer(editor) {
  loadLayers(editor.app, [editor.layerName]);
}

/* ---- a stale edit: both versions to choose from ------------------------------------- */

function showStale(editor, mine, answer) {
  const current = answer.body.current;
  const newEtag = answer.etag || '"' + current.version + '"';
  setMode(editor, "stale");
  editor.compare.clearLayers();
  editor.compare.addLayer(layerOf(current.geometry, STYLES.current));
  showMessage(editor.formMessage, _("Not saved: someone changed this feature after you opened "
    + "it. Compare the two versions on the map and keep one."), true);
  const box = el("div", "lc-stale-choice");
  const legend = el("ul", "lc-stale-legend");
  const mineItem = el("li", "lc-stale-mine");
  mineItem.append(swatch(STYLES.editing), _("Yours (orange)"));
  const currentItem = el("li", "lc-stale-current");
  currentItem.append(swatch(STYLES.current), fill(_("Current: version {version} (blue, dashed)"),
    { version: current.version }));
  legend.append(mineItem, currentItem);
  const keep = toolButton(_("Keep mine"), "keep-mine", () => {
    editor.state.etag = newEtag;
    editor.compare.clearLayers();
    box.remove();
    saveFeature(editor, editor.form);
  });
  const take = toolButton(_("Take the current one"), "take-current", () => {
    editor.state.etag = newEtag;
    editor.state.properties = current.properties;
    editor.compare.clearLayers();
    stopLayerTools(editor.state.layer);
    drawEditing(editor, current.geometry);
    Object.entries(editor.form.controls).forEach(([name, control]) => {
      const value = current.properties[name];
      control.value = value === null || value === undefined ? "" : String(value);
    });
    box.remove();
    setMode(editor, "editing");
    showMessage(editor.formMessage, fill(_("Now editing the current version {version}."),
      { version: current.version }));
  });
  box.append(legend, keep, take);
  editor.staleSlot.replaceChildren(box);
  box.scrollIntoView({ block: "nearest" });
  // Frame both, clear of the panels.
  const bounds = L.featureGroup([editor.state.layer, ...editor.compare.getLayers()]).getBounds();
  const margins = controlMargins(editor.app);
  if (bounds.isValid()) {
    editor.app.map.fitBounds(bounds, { paddingTopLeft: margins.topLeft,
      paddingBottomRight: margins.bottomRight, maxZoom: 18, animate: false });
  }
}

function swatch(style) {
  const mark = el("span", "lc-swatch");
  mark.style.borderColor = style.color;
  mark.style.background = style.fillColor;
  if (style.dashArray) mark.style.borderStyle = "dashed";
  return mark;
}

/* ---- split, merge, delete: each one step on the server (or undone) --------------------- */

async function splitFeature(editor, parts) {
  const state = editor.state;
  const before = state.geometry;
  const properties = propertiesFrom(editor);
  say(editor, _("Sending…"));
  const first = await request(itemUrl(editor, state.fid), { method: "PUT",
    body: JSON.stringify({ type: "Feature", geometry: parts[0], properties,
      note: _("split") }),
    headers: { "Content-Type": "application/geo+json", "If-Match": state.etag } });
  if (!first.ok) {
    say(editor, _("Not split: ") + serverMessage(first), true);
    return;
  }
  const second = await request(collectionUrl(editor), { method: "POST",
    body: JSON.stringify({ type: "Feature", geometry: parts[1], properties,
      projects: state.projects.length ? state.projects : undefined,
      note: fill(_("split from {id}"), { id: state.fid }) }),
    headers: { "Content-Type": "application/geo+json" } });
  if (!second.ok) {  // undo the first half: the split is all or nothing
    await request(itemUrl(editor, state.fid), { method: "PUT",
      body: JSON.stringify({ type: "Feature", geometry: before, properties,
        note: _("split undone") }),
      headers: { "Content-Type": "application/geo+json", "If-Match": first.etag } });
    say(editor, _("Not split: ") + serverMessage(second), true);
    return;
  }
  saved(editor, first, fill(_("Split: {id} is the other part."), { id: second.body.id }));
}

function startMerge(editor) {
  if (!editor.state || !editor.state.fid) return;
  stopLayerTools(editor.state.layer);
  setMode(editor, "merge");
  say(editor, _("Click the feature of this layer to merge into this one."));
}

async function merge(editor, other) {
  const state = editor.state;
  setMode(editor, "editing");
  if (String(other.id) === String(state.fid)) {
    say(editor, _("Choose a second feature, not this one."), true);
    return;
  }
  const read = await request(itemUrl(editor, other.id) + "?f=json");
  if (!read.ok) {
    say(editor, serverMessage(read), true);
    return;
  }
  const answer = await request(itemUrl(editor, state.fid) + "/merge", { method: "POST",
    body: JSON.stringify({ other: String(other.id),
      other_version: Number((read.etag || "").replace(/\D/g, "")) || undefined,
      note: editor.form.note.value.trim() || undefined }),
    headers: { "Content-Type": "application/json", "If-Match": state.etag } });
  if (!answer.ok) {
    say(editor, _("Not merged: ") + serverMessage(answer), true);
    return;
  }
  saved(editor, answer, fill(_("Merged {other} into this feature: version {version}."),
    { other: other.id }));
}

async function deleteFeature(editor) {
  const state = editor.state;
  if (!state || !state.fid) return;
  const note = editor.form.note.value.trim();
  const url = itemUrl(editor, state.fid) + (note ? "?" + new URLSearchParams({ note }) : "");
  const answer = await request(url, { method: "DELETE", headers: { "If-Match": state.etag } });
  if (!answer.ok) {
    say(editor, _("Not deleted: ") + serverMessage(answer), true);
    return;
  }
  const fid = state.fid;
  cancelEditing(editor);
  say(editor, fill(_("Deleted {id}; its versions are kept."), { id: fid }));
  reloadLayer(editor);
}

/* ---- geometry ----------------------------------------------------------------------- */

export function geometryOf(layer) {
  // The GeoJSON geometry of a Leaflet layer or group: parts of one family become a Multi*.
  const json = layer.toGeoJSON();
  if (json.type === "Feature") return json.geometry;
  const geometries = json.features.map((feature) => feature.geometry).filter(Boolean);
  if (!geometries.length) return null;
  if (geometries.length === 1) return geometries[0];
  const polygons = geometries.flatMap((g) => (g.type === "Polygon" ? [g.coordinates]
    : g.type === "MultiPolygon" ? g.coordinates : []));
  if (polygons.length) return { type: "MultiPolygon", coordinates: polygons };
  const lines = geometries.flatMap((g) => (g.type === "LineString" ? [g.coordinates]
    : g.type === "MultiLineString" ? g.coordinates : []));
  return { type: "MultiLineString", coordinates: lines };
}
