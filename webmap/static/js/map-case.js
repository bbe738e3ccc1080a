/*
 * Cases (案件) on the map: the reports layer, a marker per case in the colour of its status,
 * and the case card a marker opens: status, category (大类/小类), responsible unit, where it
 * is (grid cell, community, street office), the working-time clock, the steps that may
 * follow (map-case-steps.js) and the history, newest first.
 *
 * The card is drawn at once from the list's record, then again from GET /api/cases/<id>,
 * whose ETag the step forms send back as If-Match.  Text from the server goes in with
 * textContent, never innerHTML.
 */
import { _, el, fill, getJSON, pgettext, request } from "./common.js";
import { fact, keepPopupOnMap, localTime, photoThumbnail } from "./map-card.js";
import { stepTools } from "./map-case-steps.js";

//: 按期, 预警, 超期: the clock's judgement in the colours of a traffic light.
const JUDGEMENT_COLORS = { on_time: "#2e7d32", warning: "#ef6c00", overdue: "#c62828" };

/* ---- the layer -------------------------------------------------------------------- */

export async function loadCases(tracking) {
  const app = tracking.app;
  if (!app.reportsGroup) return;
  const collection = await getJSON(app.config.api + "/cases");
  app.reportsGroup.clearLayers();
  app.reportMarkers = {};
  collection.features.forEach((feature) => {
    const [lon, lat] = feature.geometry.coordinates;
    const record = feature.properties;
    const marker = L.marker([lat, lon], {
      icon: caseIcon(app, record), title: label(app, record.category_label) || record.category,
      riseOnHover: true,
    });
    // The card is made anew at each opening, from the marker's latest record; set as an
    // element (not a function, which Leaflet would call again at every popup.update()).
    marker.caseRecord = record;
    marker.bindPopup(el("div"), app.popupOptions());
    marker.on("popupopen", () => marker.getPopup()
      .setContent(openCase(tracking, marker, marker.caseRecord)));
    app.reportMarkers[feature.id] = marker;
    app.reportsGroup.addLayer(marker);
  });
}

function caseIcon(app, record) {
  const mark = el("span", "lc-report-mark", "!");
  mark.style.background = app.reportColors[record.status] || "#616161";
  mark.dataset.reportId = String(record.id);
  mark.dataset.status = record.status;
  return L.divIcon({
    html: mark, className: "lc-report-marker", iconSize: [18, 18], iconAnchor: [9, 9],
    popupAnchor: [0, -8],
  });
}

/* ---- the card --------------------------------------------------------------------- */

function openCase(tracking, marker, summary) {
  const root = el("div", "lc-popup lc-case");
  root.dataset.caseId = String(summary.id);
  const view = { tracking, marker, root, record: summary, etag: null };
  view.show = (record, etag, message) => draw(view, record, etag, message);
  view.reload = (message) => reload(view, message);
  draw(view, summary, null, { text: _("Loading…") });
  reload(view);
  return root;
}

async function reload(view, message) {
  const app = view.tracking.app;
  const answer = await request(app.config.api + "/cases/" + encodeURIComponent(view.record.id));
  if (!answer.ok) {
    draw(view, view.record, null, { text: _("Cannot load the case: ") + answer.message,
      error: true });
    return;
  }
  draw(view, answer.body, answer.etag, message);
}

/** Draw the card of *record* (with its ETag, or null while it loads), and *message*:
 * {text, error} under the step buttons. */
function draw(view, record, etag, message) {
  const app = view.tracking.app;
  const statusChanged = view.record.status !== record.status;
  view.record = record;
  view.etag = etag;
  view.marker.caseRecord = record;
  const root = view.root;
  root.dataset.status = record.status;
  root.dataset.version = String(record.version);
  root.dataset.loaded = etag ? "yes" : "no";
  const head = el("div", "lc-case-head");
  head.append(statusBadge(app, record.status), judgementFlag(record.clock));
  root.replaceChildren(
    el("div", "lc-popup-layer", fill(_("Case #{id}"), { id: record.id })),
    el("h3", "lc-popup-title", label(app, record.category_label) || record.category),
    head, facts(app, record), clockBlock(app, record.clock));
  // Each step's note is in the history, beside the step (status_notes is only the latest).
  root.append(el("p", "lc-report-description", record.description));
  if (record.photo_id) root.append(photoThumbnail(app, record.photo_id, _("Photo")));
  root.append(stepTools(view, message));
  if (record.history) root.append(history(app, record.history));
  if (statusChanged) view.marker.setIcon(caseIcon(app, record));
  if (view.marker.isPopupOpen()) view.marker.getPopup().update();
  keepPopupOnMap(app);
  // The step's answer is under the buttons: scrolled into sight once the popup is laid out.
  if (message) root.querySelector(".lc-step-msg").scrollIntoView({ block: "nearest" });
}

function label(app, labels) {
  return labels ? labels[app.config.lang] || labels.zh : "";
}

function statusBadge(app, status) {
  const badge = el("span", "lc-badge lc-case-status");
  badge.dataset.status = status;
  const dot = el("span", "lc-dot");
  dot.style.background = app.reportColors[status] || "#999";
  badge.append(dot, app.reportLabels[status] || status);
  return badge;
}

function facts(app, record) {
  const list = el("dl", "lc-facts");
  fact(list, _("Category"), categoryText(app, record));
  fact(list, _("Responsible unit"), record.department || "—");
  if (record.assigned_by) fact(list, _("Assigned because"), record.assigned_by);
  const where = [record.cell_id ? fill(_("grid cell {id}"), { id: record.cell_id }) : null,
    record.community, record.street].filter(Boolean);
  fact(list, _("Where"), where.join(" · ") || "—");
  if (record.address) fact(list, _("Address"), record.address);
  fact(list, _("Reported"), localTime(record.requested_at));
  if (record.rework_count) {
    fact(list, _("Reworked"), fill(_("{n} times"), { n: record.rework_count }));
  }
  if (record.duplicate_of) fact(list, _("Repeats"), "#" + record.duplicate_of);
  if (record.rating_label) fact(list, _("Rating"), label(app, record.rating_label));
  return list;
}

function categoryText(app, record) {
  // 事件 · 市容环境 › 积存垃圾渣土: the standard's 大类 and 小类 names come with the category
  // (asked once per category); until they do, and if they cannot, its codes.
  const code = record.category_code || {};
  const kind = code.kind === "part" ? pgettext("case category", "Part")
    : pgettext("case category", "Event");
  const text = el("span", "lc-case-category", kind + " · " + [code.major, code.minor]
    .filter(Boolean).join("-"));
  app.caseCategories = app.caseCategories || {};
  if (!app.caseCategories[record.category]) {
    app.caseCategories[record.category] = getJSON(
      app.config.api + "/case-categories/" + encodeURIComponent(record.category));
  }
  app.caseCategories[record.category]
    .then((found) => {
      text.textContent = kind + " · " + found.major_name + " › " + found.minor_name;
      text.title = [code.major, code.minor].filter(Boolean).join("-");
    })
    .catch(() => null);  // the codes stay
  return text;
}

/* ---- the clock -------------------------------------------------------------------- */

function judgementFlag(clock) {
  if (!clock || !clock.judgement) return "";
  const names = {
    on_time: pgettext("case clock", "On time"), warning: pgettext("case clock", "Warning"),
    overdue: pgettext("case clock", "Overdue"),
  };
  const flag = el("span", "lc-flag lc-judgement", names[clock.judgement] || clock.judgement);
  flag.dataset.judgement = clock.judgement;
  flag.style.background = JUDGEMENT_COLORS[clock.judgement] || "#757575";
  return flag;
}

function clockBlock(app, clock) {
  const block = el("section", "lc-clock");
  block.dataset.state = clock ? clock.state : "none";
  block.append(el("h4", null, _("Time limit (working time)")));
  if (!clock || clock.state === "none") {
    block.append(el("p", "lc-muted", pgettext("case clock", "No time limit")));
    return block;
  }
  block.dataset.usedMin = String(clock.used_min);
  block.dataset.judgement = clock.judgement || "";
  const list = el("dl", "lc-facts");
  const limit = el("span", null, workingTime(clock.limit_min));
  if (clock.extension_min) {
    limit.append(" + " + fill(_("{time} extension"), { time: workingTime(clock.extension_min) }));
  }
  fact(list, _("Limit"), limit);
  const used = el("span", "lc-clock-used", workingTime(clock.used_min));
  fact(list, _("Used"), used);
  const remaining = clock.remaining_min >= 0 ? workingTime(clock.remaining_min)
    : fill(_("{time} over the limit"), { time: workingTime(-clock.remaining_min) });
  fact(list, _("Remaining"), el("span", "lc-clock-remaining", remaining));
  fact(list, _("Deadline"), clock.deadline ? localTime(clock.deadline)
    : el("span", "lc-muted", _("The clock is stopped")));
  block.append(list);
  if (clock.extension_requested_min) {
    block.append(el("p", "lc-hint lc-clock-request", fill(
      _("An extension of {time} is waiting for the dispatcher"),
      { time: workingTime(clock.extension_requested_min) })));
  }
  return block;
}

/** *minutes* of working time as hours and minutes: "1 h 30 min". */
function workingTime(minutes) {
  const total = Math.round(Math.abs(Number(minutes) || 0));
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (!h) return fill(_("{m} min"), { m });
  if (!m) return fill(_("{h} h"), { h });
  return fill(_("{h} h {m} min"), { h, m });
}

/* ---- the history ------------------------------------------------------------------ */

function history(app, events) {
  const details = el("details", "lc-history lc-case-history");
  details.open = true;
  const list = el("ol", "lc-timeline");
  details.append(el("summary", null, _("Case history")), list);
  if (!events.length) list.append(el("li", "lc-muted", _("No events yet")));
  events.forEach((event) => list.append(caseEvent(app, event)));
  details.addEventListener("toggle", () => { if (details.open) keepPopupOnMap(app); });
  return details;
}

function caseEvent(app, event) {
  const item = el("li", "lc-event");
  item.dataset.action = event.action || "";
  const dot = el("span", "lc-event-dot");
  dot.style.background = app.reportColors[event.status] || "#9e9e9e";
  const head = el("div", "lc-event-head");
  const time = el("time", null, localTime(event.at));
  time.dateTime = event.at;
  head.append(time, el("span", "lc-event-actor", event.actor || ""));
  const what = el("div", "lc-event-what");
  what.append(el("span", "lc-event-kind", label(app, event.action_label) || event.action));
  if (event.status && event.from_status !== event.status) {
    what.append(statusBadge(app, event.status));
  }
  item.append(dot, head, what);
  const detail = eventDetail(event.data || {});
  if (detail) item.append(el("div", "lc-event-detail lc-muted", detail));
  if (event.note) item.append(el("p", "lc-event-note", event.note));
  if (event.photo_id) {
    const figure = el("figure", "lc-evidence");
    figure.append(photoThumbnail(app, event.photo_id, _("Evidence photo")));
    item.append(figure);
  }
  return item;
}

function eventDetail(data) {
  const parts = [];
  if (data.unit) parts.push(fill(_("to {unit}"), { unit: data.unit }));
  if (data.used_min !== undefined) {
    parts.push(fill(_("{time} used"), { time: workingTime(data.used_min) }));
  }
  if (data.minutes) parts.push(workingTime(data.minutes));
  if (data.distance_m !== undefined) {
    parts.push(fill(_("on site, {m} m from the case"), { m: Math.round(data.distance_m) }));
  }
  if (data.duplicate_of) parts.push("#" + data.duplicate_of);
  return parts.join(" · ");
}
