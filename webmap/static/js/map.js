/*
 * Lianchuang planners' map: fills the overlays folium created with features from the API,
 * colours them by project status, and drives the filter panel, search box and legend;
 * project cards show the history as a timeline.  Signing in, problem reports and project
 * changes are added by map-tracking.js, big layers drawn from tiles by map-tiles.js.
 *
 * Every string that comes from the database is put into the page with textContent (never
 * innerHTML), so a project named "<img src=x onerror=...>" shows as those characters.
 * document.body.dataset.mapState is "loading", "ready" or "error" (tests wait on it).
 * A URL ending in #project=<id> opens that project's card.
 */
import {
  _, pgettext, addControl, el, fail, getJSON, languageUrl, otherLanguageName, pageData, request,
  sameOriginPath, setState, showStatus,
} from "./common.js";
import * as tiles from "./map-tiles.js";
import * as tracking from "./map-tracking.js";

//: Events shown in a card's timeline (the newest); the rest stay in the API's history.
const TIMELINE_EVENTS = 20;

function start(map, groups, config, overlays) {
  const app = {
    map, groups, config,
    stateKey: "mapState",
    specs: Object.fromEntries(config.layers.map((spec) => [spec.name, spec])),
    statusColors: Object.fromEntries(config.statuses.map((s) => [s.code, s.color])),
    statusLabels: Object.fromEntries(config.statuses.map((s) => [s.code, s.label])),
    campaignLabels: Object.fromEntries(config.campaigns.map((c) => [c.code, c.label])),
    filters: {},
    selects: {},
    counts: {},
    tooDense: new Set(),  // layers with more features in view than the page will draw
    tiled: new Set(),     // big layers drawn from vector tiles (lianchuang.tiles.js)
    featureCounts: {},    // features per layer, from the catalogue
    dataVersion: 0,       // bumped when the page changed a project: tiles are asked anew
    loadedBounds: null,   // the area the drawn features were asked for
    loadedZoom: null,     // and the zoom they were asked at
    popupOpen: false,
    features: {},     // "layer/fid" -> Leaflet layer, to open a search hit's popup
    generations: {},  // per layer; a page from an older load of the layer is dropped
    searchGeneration: 0,
    pending: 0,
    state: "loading",
  };
  app.fitExtent = (extent) => fitWithin(app, [extent]);  // for scripts: screenshots, tests
  app.projectCard = (project, state) => projectCard(app, project, state);
  app.popupOptions = () => popupOptions(app);
  app.track = (promise) => track(app, promise);
  app.showStatus = (text, isError) => showStatus(app, text, isError);
  app.fail = (error) => fail(app, error);
  window.lianchuangMap = app;
  setState(app, "loading");
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  addControl(app, "topleft", buildPanel);
  addControl(app, "bottomright", buildLegend);
  tracking.start(app, overlays || {});
  Promise.all([getJSON(config.api + "/layers"), loadDepartments(app)])
    .then(([catalogue]) => {
      orderPanes(app, catalogue.layers);
      app.featureCounts = Object.fromEntries(
        catalogue.layers.map((layer) => [layer.name, layer.feature_count]));
      fitToData(app, catalogue.layers);
      reloadView(app);
      if (app.reloadReports) app.reloadReports();
      map.on("popupopen", (event) => {
        app.popupOpen = true;
        app.openPopup = event.popup;
      });
      map.on("popupclose", () => {
        app.popupOpen = false;
        app.openPopup = null;
        // A project changed in a card: redraw so its features take the new colour.
        if (app.projectsChanged) {
          app.projectsChanged = false;
          app.dataVersion += 1;
          reloadView(app);
        } else {
          reloadIfOutdated(app);
        }
      });
      map.on("moveend", () => reloadIfOutdated(app));
      openProjectFromHash(app);
      window.addEventListener("hashchange", () => openProjectFromHash(app));
    })
    .catch((error) => fail(app, error));
}

/* ---- loading ---------------------------------------------------------------------- */

function orderPanes(app, catalogue) {
  // One pane per layer: polygons under lines under points, and among equals the layer
  // covering more ground lower, so that small features stay clickable above large ones.
  const area = Object.fromEntries(catalogue.map((layer) => [layer.name, layer.extent
    ? (layer.extent[2] - layer.extent[0]) * (layer.extent[3] - layer.extent[1]) : 0]));
  app.config.layers
    .slice()
    .sort((a, b) => a.depth - b.depth || area[b.name] - area[a.name])
    .forEach((spec, index) => {
      app.map.createPane(paneName(spec)).style.zIndex = String(401 + index);
    });
}

function fitToData(app, catalogue) {
  const extents = catalogue.filter((layer) => layer.extent).map((layer) => layer.extent);
  app.empty = extents.length === 0;
  if (!app.empty) fitWithin(app, extents);
}

function fitWithin(app, extents) {
  // Fit [minx, miny, maxx, maxy] extents into the part of the map the panel (left) and
  // the legend (right) leave free.
  const corners = extents.flatMap((e) => [[e[1], e[0]], [e[3], e[2]]]);
  const margins = controlMargins(app);
  app.map.fitBounds(L.latLngBounds(corners), {
    paddingTopLeft: margins.topLeft, paddingBottomRight: margins.bottomRight, animate: false,
  });
}

function controlMargins(app) {
  const width = (selector) => {
    const control = app.map.getContainer().querySelector(selector);
    return control ? control.offsetWidth + 20 : 20;
  };
  const left = width(".lc-panel");
  const right = width(".lc-legend");
  // On a narrow screen the controls cover the map anyway: keep a plain margin there.
  if (app.map.getSize().x < 2 * (left + right)) {
    return { topLeft: L.point(20, 20), bottomRight: L.point(20, 20) };
  }
  return { topLeft: L.point(left, 20), bottomRight: L.point(right, 20) };
}

function reloadIfOutdated(app) {
  // Ask again when the view has left the area already loaded, or zoomed in while a layer
  // was too dense to draw; never under an open popup (reloading would remove its
  // feature and close it).
  const left = !app.loadedBounds.contains(app.map.getBounds());
  const zoomedIn = app.tooDense.size > 0 && app.map.getZoom() > app.loadedZoom;
  if (!app.popupOpen && (left || zoomedIn)) reloadView(app);
}

function reloadView(app) {
  // Half a view of margin on each side: small pans need no new request.
  app.loadedBounds = app.map.getBounds().pad(0.5);
  app.loadedZoom = app.map.getZoom();
  loadLayers(app, Object.keys(app.groups));
}

function loadLayers(app, names) {
  names.forEach((name) => {
    const generation = (app.generations[name] || 0) + 1;
    app.generations[name] = generation;
    track(app, loadLayer(app, app.specs[name], generation));
  });
}

function track(app, promise) {
  // The page is "loading" until every tracked load has settled, then "ready" again.
  if (app.pending === 0) {
    setState(app, "loading");
    showStatus(app, _("Loading…"));
  }
  app.pending += 1;
  return promise
    .catch((error) => fail(app, error))
    .finally(() => {
      app.pending -= 1;
      if (app.pending === 0 && app.state === "loading") loaded(app);
    });
}

async function loadLayer(app, spec, generation) {
  app.groups[spec.name].clearLayers();
  forgetFeatures(app, spec);
  app.counts[spec.name] = 0;
  app.tooDense.delete(spec.name);
  if (tiles.uses(app, spec)) {  // a big layer: vector tiles, not GeoJSON pages
    await tiles.show(app, spec, spec.mission ? app.filters : {},
      () => generation === app.generations[spec.name]);
    return;
  }
  tiles.hide(app, spec);
  const params = Object.assign({ limit: app.config.pageSize, bbox: bboxParam(app.loadedBounds) },
    spec.mission ? app.filters : {});
  let url = featuresUrl(app, spec, params);
  while (url) {
    const page = await getJSON(url);
    if (generation !== app.generations[spec.name]) return;
    if (page.numberMatched > app.config.maxFeaturesInView) {
      app.tooDense.add(spec.name);
      return;
    }
    addFeatures(app, spec, page.features);
    app.counts[spec.name] += page.features.length;
    const next = (page.links || []).find((link) => link.rel === "next");
    url = next ? sameOriginPath(next.href) : null;
  }
}

function loaded(app) {
  setState(app, "ready");
  const total = Object.values(app.counts).reduce((sum, count) => sum + count, 0);
  let text = app.empty ? _("No features in the database yet: run lianchuang import first")
    : _("{count} features shown").replace("{count}", String(total));
  if (app.tiled.size) {
    text += "; " + _("drawn from vector tiles: ")
      + [...app.tiled].map((name) => app.specs[name].title).join(_(", "));
  }
  if (app.tooDense.size) {
    text += "; " + _("too many to draw, zoom in to see: ")
      + [...app.tooDense].map((name) => app.specs[name].title).join(_(", "));
  }
  showStatus(app, text);
}

function addFeatures(app, spec, features) {
  const pane = paneName(spec);
  const layer = L.geoJSON(features, {
    pane,
    style: (feature) => featureStyle(app, spec, feature),
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, { pane, radius: 7 }),
    onEachFeature: (feature, featureLayer) => {
      featureLayer.bindPopup(() => popupContent(app, spec, feature), popupOptions(app));
      app.features[spec.name + "/" + feature.id] = featureLayer;
    },
  });
  app.groups[spec.name].addLayer(layer);
}

function forgetFeatures(app, spec) {
  Object.keys(app.features)
    .filter((key) => key.startsWith(spec.name + "/"))
    .forEach((key) => delete app.features[key]);
}

export function featureStyle(app, spec, feature) {
  // Mission layers take their colour from the project status, and their features with
  // no project are drawn faded (points hollow) so a layer colour close to a status colour
  // is not mistaken for one.  Supporting layers (the built-up area, communities...) keep
  // their own style even when projects name them.
  const style = spec.style;
  const status = spec.mission ? feature.properties.display_status : null;
  const faded = spec.mission && !status;
  const color = status === "overdue" ? app.config.overdueColor
    : status ? app.statusColors[status] : style.color;
  const type = feature.geometry ? feature.geometry.type : "";
  if (type.endsWith("Point")) {
    return faded
      ? { color, weight: 2, fill: true, fillColor: "#ffffff", fillOpacity: 0.9 }
      : { color: "#ffffff", weight: 1.5, fill: true, fillColor: color, fillOpacity: 0.9 };
  }
  return {
    color,
    weight: style.weight + (status === "overdue" ? 2 : 0),
    opacity: faded ? 0.5 : 0.95,
    dashArray: style.dash_array,
    fill: type.endsWith("Polygon") && style.fill_opacity > 0,
    fillColor: status ? color : style.fill_color || style.color,
    fillOpacity: faded ? style.fill_opacity / 2 : style.fill_opacity,
  };
}

/* ---- popups ----------------------------------------------------------------------- */

function popupOptions(app) {
  // Pan a new popup clear of the panel and the legend, which sit above it.  Its height is
  // capped by the stylesheet (.lc-popup scrolls), so a card that grows stays in bounds.
  const margins = controlMargins(app);
  return {
    maxWidth: 340, minWidth: 240,
    autoPanPaddingTopLeft: margins.topLeft, autoPanPaddingBottomRight: margins.bottomRight,
  };
}

export function popupContent(app, spec, feature) {
  const props = feature.properties;
  const root = el("div", "lc-popup");
  root.append(el("div", "lc-popup-layer", spec.title),
    el("h3", "lc-popup-title", props.name || feature.id));
  props.projects.forEach((project) => root.append(projectCard(app, project)));
  if (!props.projects.length && spec.mission) {
    root.append(el("p", "lc-muted", _("No project is linked to this feature yet")));
  }
  const attributes = attributeList(app, spec, props);
  if (attributes) root.append(attributes);
  return root;
}

function projectCard(app, project, state) {
  // state, when a card is drawn again after a change: the project's full record (with
  // its history, shown open), its ETag, and a message to show.
  const card = el("section", "lc-card" + (project.overdue ? " lc-card-overdue" : ""));
  card.dataset.projectId = String(project.id);
  if (project.overdue) card.style.borderLeftColor = app.config.overdueColor;
  const head = el("header", "lc-card-head");
  head.append(el("strong", "lc-card-name", project.name),
    el("span", "lc-card-code", project.code));
  const facts = el("dl", "lc-facts");
  fact(facts, _("Campaign"),
    project.campaigns.map((code) => app.campaignLabels[code] || code)
      .join(_(", ")));
  fact(facts, _("Department"), project.department);
  fact(facts, _("Status"), statusBadge(app, project.status));
  fact(facts, _("Progress"), progressBar(project.progress));
  const due = el("span", null, project.due_date || "—");
  if (project.overdue) {
    const flag = el("span", "lc-flag", _("Overdue"));
    flag.style.background = app.config.overdueColor;
    due.append(flag);
  }
  fact(facts, _("Due"), due);
  card.append(head, facts, historyToggle(app, project, state && state.record));
  const tools = app.cardTools ? app.cardTools(project, card, state) : null;
  if (tools) card.append(tools);
  return card;
}

export function statusBadge(app, status) {
  const badge = el("span", "lc-badge");
  const dot = el("span", "lc-dot");
  dot.style.background = app.statusColors[status] || "#999";
  badge.append(dot, app.statusLabels[status] || status);
  return badge;
}

function progressBar(progress) {
  const wrapper = el("span", "lc-progress");
  const bar = el("span", "lc-progress-bar");
  const fill = el("span", "lc-progress-fill");
  fill.style.width = Math.max(0, Math.min(100, Number(progress) || 0)) + "%";
  bar.append(fill);
  wrapper.append(bar, el("span", null, progress + "%"));
  return wrapper;
}

function historyToggle(app, project, record) {
  // The history is asked for when first opened; a card drawn again after a change has it
  // already, and shows it open so the new event is seen.
  const details = el("details", "lc-history");
  const list = el("ol", "lc-timeline");
  details.append(el("summary", null, _("History")), list);
  if (record) {
    details.open = true;
    details.dataset.loaded = "yes";
    fillTimeline(app, list, record.history);
  }
  details.addEventListener("toggle", () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = "yes";
    getJSON(app.config.api + "/projects/" + encodeURIComponent(project.id))
      .then((loaded) => fillTimeline(app, list, loaded.history))
      .catch((error) => list.append(el("li", "lc-error", error.message)));
  });
  return details;
}

function fillTimeline(app, list, history) {
  list.replaceChildren();
  if (!history.length) list.append(el("li", "lc-muted", _("No events yet")));
  history.slice(0, TIMELINE_EVENTS).forEach((event) => list.append(timelineEvent(app, event)));
}

function timelineEvent(app, event) {
  // One event: a dot in the colour of the status it left the project in; when, who,
  // what kind of change (old → new status), progress, the note and the photo.
  const item = el("li", "lc-event");
  item.dataset.kind = event.kind;
  const dot = el("span", "lc-event-dot");
  dot.style.background = app.statusColors[event.status] || "#9e9e9e";
  const head = el("div", "lc-event-head");
  const time = el("time", null, localTime(event.at));
  time.dateTime = event.at;
  head.append(time, el("span", "lc-event-actor", event.actor));
  const what = el("div", "lc-event-what");
  what.append(el("span", "lc-event-kind", eventKind(event.kind)));
  const change = event.data && Array.isArray(event.data.status) ? event.data.status : null;
  if (change && change[0]) what.append(statusBadge(app, change[0]), "→");
  if (event.status) what.append(statusBadge(app, event.status));
  if (event.progress !== null && event.progress !== undefined) {
    what.append(el("span", "lc-event-progress", event.progress + "%"));
  }
  item.append(dot, head, what);
  if (event.note) item.append(el("p", "lc-event-note", event.note));
  if (event.photo_id) item.append(photoLink(app, event.photo_id, _("Photo")));
  return item;
}

function eventKind(kind) {
  const kinds = {
    import: _("Ledger import"), create: _("Created"), status: _("Status change"),
    progress: pgettext("event", "Progress"), note: _("Note"), photo: _("Photo"),
    edit: _("Edited"), link: _("Feature linked"), unlink: _("Feature unlinked"),
  };
  return kinds[kind] || kind;
}

export function photoLink(app, photoId, text) {
  const link = el("a", "lc-photo-link", text);
  link.href = photoUrl(app, photoId);
  link.target = "_blank";
  link.rel = "noopener";
  return link;
}

export function photoUrl(app, photoId) {
  return app.config.api + "/photos/" + encodeURIComponent(photoId);
}

export function localTime(iso) {
  // "2024-05-01 16:00" in the viewer's time zone.
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n) => String(n).padStart(2, "0");
  return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate())
    + " " + pad(date.getHours()) + ":" + pad(date.getMinutes());
}

/* ---- #project=<id>: open a project's card ----------------------------------------- */

function openProjectFromHash(app) {
  const match = /^#project=(\d+)$/.exec(window.location.hash);
  if (!match) return;
  getJSON(app.config.api + "/projects/" + match[1])
    .then((record) => {
      const ref = record.features.find((f) => app.specs[f.layer] && app.specs[f.layer].mission)
        || record.features.find((f) => app.specs[f.layer]);
      if (!ref) {  // linked to nothing on the map: its card alone, in the middle
        L.popup(popupOptions(app)).setLatLng(app.map.getCenter())
          .setContent(projectCard(app, record)).openOn(app.map);
        return null;
      }
      return getJSON(app.config.api + "/layers/" + encodeURIComponent(ref.layer)
                     + "/features/" + encodeURIComponent(ref.fid))
        .then((feature) => {
          // The feature's popup lists all its projects: mark the one asked for.
          app.map.once("popupopen", (event) => markCard(event.popup, record.id));
          focusFeature(app, app.specs[ref.layer], feature);
        });
    })
    .catch((error) => {  // a stale link: say so, the map itself is fine
      L.popup(popupOptions(app)).setLatLng(app.map.getCenter())
        .setContent(el("p", "lc-error", _("Cannot open the linked project: ") + error.message))
        .openOn(app.map);
    });
}

function markCard(popup, projectId) {
  const root = popup.getElement();
  const card = root && root.querySelector(`.lc-card[data-project-id="${projectId}"]`);
  if (!card) return;
  card.classList.add("lc-card-focus");
  card.scrollIntoView({ block: "nearest" });
}

function attributeList(app, spec, props) {
  const facts = el("dl", "lc-facts lc-attributes");
  spec.fields.forEach((field) => {
    const value = props[field.name];
    if (field.name === "name" || value === null || value === undefined || value === "") return;
    fact(facts, field.label, field.choices[value]
      || (field.type === "boolean" ? (value ? _("yes") : _("no")) : String(value)));
  });
  return facts.childElementCount ? facts : null;
}

export function fact(list, label, value) {
  const dd = el("dd");
  dd.append(value);
  list.append(el("dt", null, label), dd);
}

/* ---- panel: language, search, filters, status line --------------------------------- */

function buildPanel(app) {
  const panel = el("div", "lc-panel");
  const head = el("div", "lc-panel-head");
  const links = el("span", "lc-head-links");
  const dashboard = el("a", "lc-dashboard-link", _("Dashboard"));
  dashboard.href = app.config.dashboard + (app.config.lang === "en" ? "?lang=en" : "");
  const other = el("a", "lc-lang", otherLanguageName(app.config.lang));
  other.href = languageUrl(app.config.lang === "en" ? "zh" : "en");
  links.append(dashboard, other);
  head.append(el("strong", null, _("Lianchuang · campaign projects map")), links);
  const filters = el("fieldset", "lc-filters");
  filters.append(
    el("legend", null, _("Filters")),
    selectFilter(app, "campaign", _("Campaign"), app.config.campaigns.map((c) => [c.code, c.label])),
    selectFilter(app, "status", _("Status"), app.config.statuses.map((s) => [s.code, s.label])),
    selectFilter(app, "department", _("Department"), []),
    overdueToggle(app));
  app.statusLine = el("div", "lc-status", _("Loading…"));
  panel.append(head, searchBox(app), filters, app.statusLine);
  app.panel = panel;
  return panel;
}

function selectFilter(app, name, label, options) {
  const wrapper = el("label", "lc-field");
  const select = el("select");
  select.name = name;
  addOptions(select, [["", _("All")], ...options]);
  select.addEventListener("change", () => setFilter(app, name, select.value));
  app.selects[name] = select;
  wrapper.append(el("span", null, label), select);
  return wrapper;
}

export function addOptions(select, options) {
  options.forEach(([value, label]) => {
    const option = el("option", null, label);
    option.value = value;
    select.append(option);
  });
}

function overdueToggle(app) {
  const wrapper = el("label", "lc-field lc-check");
  const box = el("input");
  box.type = "checkbox";
  box.name = "overdue";
  box.addEventListener("change", () => setFilter(app, "overdue", box.checked ? "true" : ""));
  wrapper.append(box, el("span", null, _("Overdue projects only")));
  return wrapper;
}

function setFilter(app, name, value) {
  if (value) app.filters[name] = value;
  else delete app.filters[name];
  // Filters are about projects, so only the mission layers are asked again.
  loadLayers(app, app.config.layers.filter((spec) => spec.mission).map((spec) => spec.name));
}

function loadDepartments(app) {
  return getJSON(app.config.api + "/departments").then((body) => addOptions(
    app.selects.department, body.departments.map((d) => [d.name, d.name])));
}

function searchBox(app) {
  const box = el("div", "lc-search");
  const input = el("input");
  input.type = "search";
  input.name = "q";
  input.maxLength = 100;
  input.placeholder = _("Search projects or places");
  input.setAttribute("aria-label", _("Search projects or places"));
  const results = el("ul", "lc-results");
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(app, input.value.trim(), results), 250);
  });
  box.append(input, results);
  return box;
}

function search(app, text, results) {
  const generation = ++app.searchGeneration;
  results.replaceChildren();
  if (!text) return;
  const perLayer = app.config.layers.map((spec) =>
    getJSON(featuresUrl(app, spec, { q: text, limit: 5 }))
      .then((collection) => collection.features.map((feature) => ({ spec, feature }))));
  Promise.all(perLayer)
    .then((lists) => {
      if (generation !== app.searchGeneration) return;
      const hits = lists.flat();
      if (!hits.length) results.append(el("li", "lc-muted", _("Nothing found")));
      hits.slice(0, 12).forEach((hit) => results.append(searchHit(app, hit.spec, hit.feature)));
    })
    .catch((error) => fail(app, error));
}

function searchHit(app, spec, feature) {
  const item = el("li");
  const button = el("button", "lc-hit");
  button.type = "button";
  button.append(el("span", "lc-hit-name", feature.properties.name || feature.id),
    el("span", "lc-hit-layer", spec.title));
  const projects = feature.properties.projects.map((p) => p.name)
    .join(_(", "));
  if (projects) button.append(el("span", "lc-hit-projects", projects));
  button.addEventListener("click", () => focusFeature(app, spec, feature));
  item.append(button);
  return item;
}

function focusFeature(app, spec, feature) {
  const group = app.groups[spec.name];
  if (!app.map.hasLayer(group)) app.map.addLayer(group);
  const layer = app.features[spec.name + "/" + feature.id];
  const clustered = typeof group.zoomToShowLayer === "function";
  const shown = layer && (clustered ? group.hasLayer(layer) : app.map.hasLayer(layer));
  if (shown && clustered) {
    group.zoomToShowLayer(layer, () => layer.openPopup());
    return;
  }
  const bounds = L.geoJSON(feature).getBounds();
  app.map.fitBounds(bounds, { maxZoom: 17, animate: false });
  if (shown) {
    layer.openPopup();
  } else {  // filtered off the map: show its card on its own
    L.popup(popupOptions(app)).setLatLng(bounds.getCenter())
      .setContent(popupContent(app, spec, feature)).openOn(app.map);
  }
}

/* ---- legend ----------------------------------------------------------------------- */

function buildLegend(app) {
  const legend = el("div", "lc-legend");
  legend.append(el("h4", null, _("Status")));
  app.config.statuses.forEach((s) => legend.append(legendRow(swatch(s.color), s.label)));
  legend.append(legendRow(swatch(app.config.overdueColor), _("Overdue")),
    legendRow(swatch(null), _("No linked project (layer colour, faded)")), el("h4", null, _("Reference layers")));
  app.config.layers.filter((spec) => !spec.mission)
    .forEach((spec) => legend.append(legendRow(layerSwatch(spec), spec.title)));
  legend.append(el("h4", null, _("Problem reports")));
  const reports = el("div", "lc-legend-columns");
  app.config.reportStatuses.forEach((s) => {
    const mark = el("span", "lc-swatch lc-swatch-report");
    mark.style.background = s.color;
    reports.append(legendRow(mark, s.label));
  });
  legend.append(reports);
  return legend;
}

function legendRow(symbol, label) {
  const row = el("div", "lc-legend-row");
  row.append(symbol, el("span", null, label));
  return row;
}

function swatch(color) {
  const symbol = el("span", "lc-swatch" + (color ? "" : " lc-swatch-none"));
  if (color) symbol.style.background = color;
  return symbol;
}

function layerSwatch(spec) {
  const style = spec.style;
  if (!spec.geometry.includes("polygon")) {  // a stroke for line and point layers
    const line = el("span", "lc-swatch lc-swatch-line");
    line.style.borderTopColor = style.color;
    line.style.borderTopStyle = style.dash_array ? "dashed" : "solid";
    return line;
  }
  const symbol = el("span", "lc-swatch lc-swatch-layer");
  symbol.style.borderColor = style.color;
  symbol.style.borderStyle = style.dash_array ? "dashed" : "solid";
  const fill = el("span", "lc-swatch-fill");
  fill.style.background = style.fill_color || style.color;
  fill.style.opacity = String(style.fill_opacity);
  symbol.append(fill);
  return symbol;
}

/* ---- helpers ---------------------------------------------------------------------- */

function featuresUrl(app, spec, params) {
  return app.config.api + "/layers/" + encodeURIComponent(spec.name) + "/features?"
    + new URLSearchParams(params);
}

function bboxParam(bounds) {
  // The API takes lon/lat within their ranges; a zoomed-out view reaches beyond them.
  return [Math.max(-180, bounds.getWest()), Math.max(-90, bounds.getSouth()),
    Math.min(180, bounds.getEast()), Math.min(90, bounds.getNorth())]
    .map((value) => value.toFixed(6)).join(",");
}

export function paneName(spec) {
  return "lc-" + spec.name;
}

const page = pageData();
start(page.map, page.groups, page.config, page.overlays);
