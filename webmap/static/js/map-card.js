/*
 * The planners' map, what a click opens: a feature's popup with its projects' cards, each
 * card with its facts and its history as a timeline, each event's evidence photo as a
 * thumbnail that opens the full photo over the page; #project=<id> opens a project's card.
 * Text from the server goes in with textContent, never innerHTML.
 */
import { _, pgettext, getJSON, el } from "./common.js";
import { focusFeature } from "./map-panel.js";
import { controlMargins, loaded } from "./map.js";

/* ---- popups ----------------------------------------------------------------------- */

//: Events shown in a card's timeline (the newest); the rest stay in the API's history.
const TIMELINE_EVENTS = 20;

export function popupOptions(app) {
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
  props.projects.forEach((project) => {
    const card = projectCard(app, project);
    if (GREEN_LAYERS.includes(spec.name)) card.append(readinessLink(app, project));
    root.append(card);
  });
  if (!props.projects.length && spec.mission) {
    root.append(el("p", "lc-muted", _("No project is linked to this feature yet")));
  }
  const attributes = attributeList(app, spec, props);
  if (attributes) root.append(attributes);
  if (app.featureCases) root.append(app.featureCases(spec, feature));
  if (app.featureHistory) root.append(app.featureHistory(spec, feature));  // map-editor-history
  return root;
}

/* Layers whose feature is a project's drawn green space: its card links to the project's
 * effect on each title's checklist (the green-space page, ?project=<id>). */
const GREEN_LAYERS = ["parks", "green_spaces"];

function readinessLink(app, project) {
  const link = el("a", "lc-card-readiness", _("Effect on readiness"));
  const params = new URLSearchParams({ project: String(project.id) });
  if (app.config.lang === "en") params.set("lang", "en");
  link.href = app.config.green + "?" + params;
  return el("p", "lc-card-link", link);
}

export function projectCard(app, project, state) {
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
  card.append(head, facts, historyToggle(app, project, state && state.record),
    readinessToggle(app, project));
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
    if (!details.open) return;
    keepPopupOnMap(app);
    if (details.dataset.loaded) return;
    details.dataset.loaded = "yes";
    getJSON(app.config.api + "/projects/" + encodeURIComponent(project.id))
      .then((loaded) => fillTimeline(app, list, loaded.history))
      .catch((error) => list.append(el("li", "lc-error", error.message)))
      .then(() => keepPopupOnMap(app));
  });
  return details;
}

function readinessToggle(app, project) {
  // The readiness items the project moves (GET /api/readiness/projects/<id>, by each
  // item's moved_by rule), asked for when first opened; each links to its row on the page.
  const details = el("details", "lc-readiness");
  const list = el("ul", "lc-readiness-items");
  details.append(el("summary", null, _("Readiness items it moves")), list);
  details.addEventListener("toggle", () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = "yes";
    const english = document.documentElement.lang === "en";
    getJSON(app.config.api + "/readiness/projects/" + encodeURIComponent(project.id)
      + (english ? "?lang=en" : ""))
      .then((found) => {
        if (!found.items.length) list.append(el("li", "lc-muted", _("None")));
        found.items.forEach((item) => {
          const link = el("a", null, (english ? item.title_en : item.title_zh) + " · "
            + (english ? item.en : item.zh));
          link.href = item.href;  // a path of this service (with the row's #item-)
          const row = el("li", null, link);
          row.dataset.item = item.item;
          if (item.veto) row.append(el("span", "lc-flag", _("Veto item")));
          list.append(row);
        });
      })
      .catch((error) => list.append(el("li", "lc-error", error.message)))
      .then(() => keepPopupOnMap(app));
  });
  return details;
}

/** Pan the map down when the open popup grew past the map's top edge (a card's history
 * opened, a photo loaded): Leaflet pans a popup into view only when it opens. */
export function keepPopupOnMap(app) {
  const popup = app.map.getContainer().querySelector(".leaflet-popup");
  if (!popup) return;
  const top = popup.getBoundingClientRect().top
    - app.map.getContainer().getBoundingClientRect().top;
  if (top < 10) app.map.panBy([0, top - 10], { animate: false });
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
  if (event.photo_id) item.append(evidencePhoto(app, event.photo_id, change && change[1]));
  return item;
}

function evidencePhoto(app, photoId, newStatus) {
  // The photo the project was accepted (验收) on is the campaign's evidence: shown large,
  // under its own caption.
  const acceptance = newStatus === "accepted";
  const alt = acceptance ? _("Acceptance photo") : _("Evidence photo");
  const figure = el("figure", "lc-evidence" + (acceptance ? " lc-evidence-acceptance" : ""));
  figure.append(photoThumbnail(app, photoId, alt));
  if (acceptance) figure.append(el("figcaption", null, alt));
  return figure;
}

/** The photo's thumbnail, lazily loaded, showing the full photo when clicked (showPhoto);
 * a link to it, so that it opens in a new tab without the script. */
export function photoThumbnail(app, photoId, alt) {
  const full = photoUrl(app, photoId);
  const link = el("a", "lc-thumb-link");
  link.href = full;
  link.target = "_blank";
  link.rel = "noopener";
  link.title = _("Show the full photo");
  const thumb = el("img", "lc-thumb");
  thumb.loading = "lazy";
  thumb.alt = alt;
  thumb.src = photoUrl(app, photoId, "thumb");
  thumb.addEventListener("load", () => keepPopupOnMap(app));
  link.append(thumb);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    showPhoto(full, alt);
  });
  return link;
}

/** The photo at *href* over the whole page, until a click, Escape or the close button. */
export function showPhoto(href, alt) {
  const opener = document.activeElement;
  const viewer = el("div", "lc-lightbox");
  viewer.setAttribute("role", "dialog");
  viewer.setAttribute("aria-modal", "true");
  viewer.setAttribute("aria-label", alt);
  const image = el("img", "lc-lightbox-image");
  image.alt = alt;
  image.src = href;
  const original = el("a", "lc-lightbox-original", _("Open in a new tab"));
  original.href = href;
  original.target = "_blank";
  original.rel = "noopener";
  const close = el("button", "lc-lightbox-close", _("Close"));
  close.type = "button";
  const bar = el("div", "lc-lightbox-bar");
  bar.append(original, close);
  viewer.append(image, bar);
  const onKey = (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation();  // Escape closes the photo, not the report mode under it
    dismiss();
  };
  function dismiss() {
    viewer.remove();
    document.removeEventListener("keydown", onKey, true);
    if (opener && opener.isConnected) opener.focus();
  }
  viewer.addEventListener("click", (event) => { if (event.target !== original) dismiss(); });
  document.addEventListener("keydown", onKey, true);
  // In the map's full-screen mode only the map is drawn: the photo goes inside it then,
  // and a click on it must not reach the map (which would file a report there).
  L.DomEvent.disableClickPropagation(viewer);
  L.DomEvent.disableScrollPropagation(viewer);
  (document.fullscreenElement || document.body).append(viewer);
  close.focus();
  return viewer;
}

function eventKind(kind) {
  const kinds = {
    import: _("Ledger import"), create: _("Created"), status: _("Status change"),
    progress: pgettext("event", "Progress"), note: _("Note"), photo: _("Photo"),
    edit: _("Edited"), link: _("Feature linked"), unlink: _("Feature unlinked"),
    feature: _("Feature edited"),
  };
  return kinds[kind] || kind;
}

/** The photo's URL (*size* "thumb": its 320-pixel thumbnail).  From the id rather than
 * the history's links: a card redrawn from a change's answer has the id alone. */
export function photoUrl(app, photoId, size) {
  return app.config.api + "/photos/" + encodeURIComponent(photoId)
    + (size ? "?size=" + encodeURIComponent(size) : "");
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

export function openProjectFromHash(app) {
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
