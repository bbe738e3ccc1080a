/*
 * The inspection page, the planned route: each inspector's line with numbered stops, the
 * stops left out, and the result panel with the stop lists and the GPX, KML and print links.
 */
import { _, fill, sameOriginPath, el } from "./common.js";
import { fact } from "./inspection-panel.js";
import { clockAfter, fitWithin } from "./inspection.js";

/* ---- the route on the map ------------------------------------------------------------- */

export function drawRoute(app, route) {
  app.route = route;
  app.routeLayer.clearLayers();
  const colors = app.config.routeColors;
  const color = (inspector) => colors[(inspector - 1) % colors.length];
  const several = route.summary.inspectors_used > 1;
  route.features.forEach((feature) => {
    const props = feature.properties;
    if (props.kind === "route" && feature.geometry.coordinates.length) {
      L.geoJSON(feature, { pane: "lc-route", interactive: false,
        style: { color: color(props.inspector), weight: 5, opacity: 0.85 } })
        .addTo(app.routeLayer);
    } else if (props.kind === "visit") {
      const label = several ? props.inspector + "-" + props.order : String(props.order);
      stopMarker(feature, numberIcon(label, color(props.inspector)))
        .bindPopup(visitPopup(app, props)).addTo(app.routeLayer);
    } else if (props.kind === "skipped") {
      stopMarker(feature, L.divIcon({ html: el("div", "lc-skip-icon", "✕"),
        className: "lc-skip-marker", iconSize: [20, 20], iconAnchor: [10, 10] }))
        .bindPopup(skippedPopup(app, props)).addTo(app.routeLayer);
    }
  });
  const bounds = L.featureGroup(app.routeLayer.getLayers()).getBounds();
  if (bounds.isValid()) fitWithin(app, bounds.extend([app.depot ? [app.depot.lat, app.depot.lon]
    : bounds.getCenter()]));
}

function stopMarker(feature, icon) {
  const [lon, lat] = feature.geometry.coordinates;
  return L.marker([lat, lon], { pane: "lc-stops", icon, keyboard: false });
}

function numberIcon(label, color) {
  const box = el("div", "lc-number-icon", label);
  box.style.background = color;
  const width = Math.max(22, 8 + 8 * label.length);
  return L.divIcon({ html: box, className: "lc-number-marker", iconSize: [width, 22],
    iconAnchor: [width / 2, 11] });
}

function visitPopup(app, props) {
  const box = el("div", "lc-popup");
  box.append(el("h3", null, props.order + ". " + props.name));
  const facts = el("dl", "lc-facts");
  fact(facts, _("arrive"), props.arrival);
  fact(facts, _("Minutes per stop"), String(props.service_min));
  if (props.snap_distance_m >= 1) {
    fact(facts, "", fill(_("{m} m from the streets"), { m: Math.round(props.snap_distance_m) }));
  }
  box.append(facts);
  if (props.note) box.append(el("p", "lc-muted", props.note));
  return box;
}

function skippedPopup(app, props) {
  const box = el("div", "lc-popup");
  box.append(el("h3", null, props.name));
  box.append(el("p", "lc-error", reasonLabel(app, props.reason)));
  box.append(el("p", "lc-muted", props.detail));
  return box;
}

function reasonLabel(app, reason) {
  const reasons = {
    too_far: _("too far from the streets"), unreachable: _("no way there"),
    no_return: _("no way back (one-way streets)"), dropped: _("does not fit in the day"),
    no_location: _("no site to inspect linked, no place"),
  };
  return reasons[reason] || reason;
}

/* ---- the result panel ------------------------------------------------------------------ */

export function showResult(app, route) {
  const panel = app.resultPanel;
  panel.hidden = false;
  const body = app.resultBody;
  body.replaceChildren();
  const s = route.summary;
  const facts = el("dl", "lc-facts lc-summary");
  fact(facts, _("Stops planned"), s.visited + " / " + s.selected);
  fact(facts, _("Distance"), (s.distance_m / 1000).toFixed(1) + " " + _("km"));
  fact(facts, _("Working time"), Math.round(s.duration_min) + " " + _("min"));
  fact(facts, _("Back by"), s.back_at);
  body.append(facts);
  const used = route.features.filter((f) => f.properties.kind === "route");
  used.forEach((line) => body.append(inspectorList(app, route, line.properties)));
  const leftOut = [...route.unreachable, ...route.dropped, ...route.without_location,
    ...(app.withoutLocation || []).map((stop) => Object.assign({ reason: "no_location" }, stop))];
  if (leftOut.length) body.append(leftOutList(app, leftOut));
  body.append(downloads(app, route));
}

function inspectorList(app, route, line) {
  const section = el("section", "lc-inspector");
  const color = app.config.routeColors[(line.inspector - 1) % app.config.routeColors.length];
  const head = el("h4");
  const swatch = el("span", "lc-line-swatch");
  swatch.style.background = color;
  head.append(swatch,
    el("span", null, fill(_("Inspector {number}"), { number: line.inspector })));
  section.append(head);
  const visits = route.features.filter((f) => f.properties.kind === "visit"
    && f.properties.inspector === line.inspector);
  section.append(el("div", "lc-muted", fill(_("{stops} stops · {km} km · back {back}"), {
    stops: visits.length, km: (line.distance_m / 1000).toFixed(1),
    back: clockAfter(route.summary.day_start, line.duration_min),
  })));
  const list = el("ol", "lc-visits");
  visits.forEach((visit) => {
    const item = el("li");
    item.append(el("span", "lc-visit-time", visit.properties.arrival),
      el("span", "lc-visit-name", visit.properties.name));
    item.addEventListener("click", () => focusStop(app, visit));
    list.append(item);
  });
  section.append(list);
  return section;
}

function leftOutList(app, stops) {
  const section = el("section", "lc-left-out");
  section.append(el("h4", null, _("Stops left out") + " (" + stops.length + ")"));
  const list = el("ul");
  stops.forEach((stop) => {
    const item = el("li");
    item.append(el("span", "lc-visit-name", stop.name),
      el("span", "lc-error lc-reason", reasonLabel(app, stop.reason)));
    if (stop.reason === "too_far") {
      item.append(el("span", "lc-muted",
        fill(_("{m} m from the streets"), { m: Math.round(stop.snap_distance_m) })));
    }
    list.append(item);
  });
  section.append(list);
  return section;
}

function downloads(app, route) {
  const section = el("section", "lc-downloads");
  section.append(el("h4", null, _("Download")));
  const labels = {
    GPX: _("GPX (phone navigation)"), KML: _("KML (Google Earth)"), HTML: _("Printable list"),
  };
  route.links.filter((link) => link.rel === "alternate").forEach((link) => {
    const anchor = el("a", "lc-download", labels[link.title] || link.title);
    anchor.href = sameOriginPath(link.href);
    anchor.dataset.format = link.title.toLowerCase();
    if (link.title === "HTML") anchor.target = "_blank";
    else anchor.setAttribute("download", "");
    section.append(anchor);
  });
  return section;
}

function focusStop(app, visit) {
  const [lon, lat] = visit.geometry.coordinates;
  app.map.setView([lat, lon], Math.max(app.map.getZoom(), 16));
  app.routeLayer.eachLayer((layer) => {
    if (layer.getLatLng && layer.getLatLng().equals([lat, lon])) layer.openPopup();
  });
}
