/*
 * Lianchuang planners' map: fills the overlays folium created with features from the API,
 * draws them in their layer's symbol (map-symbols.js) coloured by project status, counts
 * those in view, and drives the filter panel, search box, view buttons and legend;
 * project cards show the history as a timeline.  Signing in, problem reports and project
 * changes are added by map-tracking.js, big layers drawn from tiles by map-tiles.js; the
 * cards are map-card.js, the panel and legend map-panel.js.
 *
 * Every string that comes from the database is put into the page with textContent (never
 * innerHTML), so a project named "<img src=x onerror=...>" shows as those characters.
 * document.body.dataset.mapState is "loading", "ready" or "error" (tests wait on it).
 * A URL ending in #project=<id> opens that project's card.
 */
import {
  _, pageData, getJSON, sameOriginPath, setState, showStatus, fail, addControl, guardBasemap,
} from "./common.js";
import { openProjectFromHash, popupContent, popupOptions, projectCard } from "./map-card.js";
import { buildLegend, buildPanel, buildViewButtons, loadDepartments } from "./map-panel.js";
import { patternFill } from "./map-symbols.js";
import * as tiles from "./map-tiles.js";
import * as tracking from "./map-tracking.js";
import * as hotspots from "./map-hotspots.js";
import * as readiness from "./map-readiness.js";
import * as editor from "./map-editor.js";

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
    tiled: new Set(),     // big layers drawn from vector tiles (map-tiles.js)
    stale: new Set(),     // unticked layers not asked for since the view or filters changed
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
  addControl(app, "topleft", buildViewButtons);
  addControl(app, "topleft", buildPanel);
  addControl(app, "topright", buildLegend);  // under the layer switcher, never over it
  guardBasemap(map, () => { app.basemapNote.hidden = false; });
  tracking.start(app, overlays || {});
  hotspots.start(app, (overlays || {}).hotspots);
  readiness.start(app, (overlays || {}).readiness);
  editor.start(app);  // edit mode, shown to a signed-in planner or admin (map-editor.js)
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
        map.getContainer().classList.add("lc-popup-open");  // a phone hides the panels
      });
      map.on("popupclose", () => {
        app.popupOpen = false;
        app.openPopup = null;
        map.getContainer().classList.remove("lc-popup-open");
        // A project changed in a card: redraw so its features take the new colour.
        if (app.projectsChanged) {
          app.projectsChanged = false;
          app.dataVersion += 1;
          reloadView(app);
        } else {
          reloadIfOutdated(app);
        }
      });
      map.on("moveend", () => {
        reloadIfOutdated(app);
        if (app.state === "ready") showCount(app);
      });
      // A reference layer ticked on is loaded then (layers start unticked are never asked
      // for until they are); the counter follows what is shown.
      map.on("overlayadd", (event) => {
        const name = layerNameOf(app, event.layer);
        if (app.stale.has(name)) loadLayers(app, [name]);
        else if (app.state === "ready") showCount(app);
      });
      map.on("overlayremove", () => { if (app.state === "ready") showCount(app); });
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
  // Open on the project features (config.startExtent, LIANCHUANG_START_VIEW=projects),
  // else on everything; the view buttons (map-panel.js) switch between the two.
  app.allExtents = catalogue.filter((layer) => layer.extent).map((layer) => layer.extent);
  app.empty = app.allExtents.length === 0;
  if (app.empty) app.map.setView([35, 105], 4);  // nothing stored yet: China
  else if (app.config.startExtent) fitWithin(app, [app.config.startExtent]);
  else fitWithin(app, app.allExtents);
}

export function fitWithin(app, extents) {
  // Fit [minx, miny, maxx, maxy] extents into the part of the map the panel (left) and
  // the legend (right) leave free; a single point is shown at street level.
  const corners = extents.flatMap((e) => [[e[1], e[0]], [e[3], e[2]]]);
  const margins = controlMargins(app);
  app.map.fitBounds(L.latLngBounds(corners), {
    paddingTopLeft: margins.topLeft, paddingBottomRight: margins.bottomRight, animate: false,
    maxZoom: 17,
  });
}

export function controlMargins(app) {
  const width = (selector) => {
    const control = app.map.getContainer().querySelector(selector);
    return control ? control.offsetWidth + 20 : 20;
  };
  const left = width(".lc-panel");
  const right = width(".lc-legend");
  // On a narrow screen the panel and legend cover the map anyway (on a phone they step
  // aside while a popup is open, lianchuang.css): keep clear of the zoom buttons only.
  if (app.map.getSize().x < 2 * (left + right)) {
    return { topLeft: L.point(width(".leaflet-control-zoom"), 20), bottomRight: L.point(20, 20) };
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

export function loadLayers(app, names) {
  // Only the layers ticked in the layer switcher: the others are asked for when ticked.
  names.forEach((name) => {
    if (!app.map.hasLayer(app.groups[name])) {
      app.stale.add(name);
      return;
    }
    app.stale.delete(name);
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

export function loaded(app) {
  setState(app, "ready");
  showCount(app);
}

function showCount(app) {
  // What the planner sees: features of the ticked layers inside the current view.
  let text = app.empty ? _("No features in the database yet: run lianchuang import first")
    : _("{count} features visible in this view").replace("{count}",
      String(featuresInView(app)));
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

function featuresInView(app) {
  const view = app.map.getBounds();
  return Object.entries(app.features).filter(([key, layer]) => {
    const name = key.slice(0, key.indexOf("/"));  // a layer name holds no "/", a fid may
    return app.map.hasLayer(app.groups[name]) && view.intersects(
      layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng()]));
  }).length;
}

function layerNameOf(app, group) {
  return Object.keys(app.groups).find((name) => app.groups[name] === group);
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

export function featureStyle(app, spec, feature, onCanvas) {
  // Mission layers take their colour from the project status, and their features with
  // no project are drawn faded (points hollow) so a layer colour close to a status colour
  // is not mistaken for one.  Supporting layers (the built-up area, communities...) keep
  // their own style even when projects name them.  The shape is the layer's own (its
  // weight, dash array and fill pattern); a canvas (vector tiles) draws no pattern.
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
  const patterned = Boolean(style.fill_pattern) && !onCanvas;
  const opacity = patterned ? 1 : style.fill_opacity;
  return {
    color,
    weight: style.weight + (status === "overdue" ? 2 : 0),
    opacity: faded ? 0.5 : 0.95,
    dashArray: style.dash_array,
    fill: type.endsWith("Polygon") && opacity > 0,
    fillColor: patterned ? patternFill(style.fill_pattern, color)
      : status ? color : style.fill_color || style.color,
    fillOpacity: faded ? opacity / 2 : opacity,
  };
}

/* ---- helpers ---------------------------------------------------------------------- */

export function featuresUrl(app, spec, params) {
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
