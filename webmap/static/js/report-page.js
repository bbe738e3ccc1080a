/*
 * 随手拍: the public's report page (/report, api/templates/public_report.html).
 *
 * The categories come from /api/case-categories, grouped by kind and 大类 in a native
 * select (the phone's own picker) and searchable by name; the place from the phone's
 * position or a tap on a small map, which draws on a plain background when no basemap does;
 * the photo is shrunk on the phone to at most MAX_SIDE px as a JPEG, so it stays well
 * under the server's upload limit on a slow connection.  A random id of this browser, kept
 * in localStorage, goes with every report as `device` (the server limits reports per
 * device as well as per address).  Whatever the server answers, what the user typed stays
 * in the form until a report is filed.
 */

import { _, pgettext, fill, request, getJSON, el, setState, guardBasemap } from "./common.js";

const MAX_SIDE = 1600;
const JPEG_QUALITY = 0.85;
const DEVICE_KEY = "lianchuang.device";
const DEVICE = /^[A-Za-z0-9_-]{8,64}$/;
//: What the server takes as a phone number (layers/cases/intake.py).
const PHONE = /^\+?[0-9][0-9 -]{5,18}[0-9]$/;
//: Events first: what people see in the street is mostly an event (垃圾, 占道), not a part.
const KIND_ORDER = ["event", "part"];
const MAX_HITS = 6;
const START_ZOOM = 14;
const PLACE_ZOOM = 17;
//: The form field a refusal of the server names first (its message starts with it).
const FIELD_OF = { category: "category", description: "description", lon: "place", lat: "place",
  address: "place", phone: "phone", photo: "photo" };

const root = document.getElementById("pb-report");
const form = root.querySelector(".pb-form");
const done = root.querySelector(".pb-done");
const ui = {
  search: form.querySelector("#pb-search"),
  hits: form.querySelector("#pb-hits"),
  category: form.querySelector("#pb-category"),
  description: form.querySelector("#pb-description"),
  locate: form.querySelector(".pb-locate"),
  place: form.querySelector(".pb-place"),
  basemapNote: form.querySelector(".pb-basemap-note"),
  address: form.querySelector("#pb-address"),
  photoInput: form.querySelector("#pb-photo"),
  photoBox: form.querySelector(".pb-photo"),
  preview: form.querySelector(".pb-preview"),
  phone: form.querySelector("#pb-phone"),
  error: form.querySelector(".pb-error"),
  send: form.querySelector(".pb-send"),
};
const app = {
  stateKey: "reportState", api: root.dataset.api, english: root.dataset.lang === "en",
  categories: [], place: null, marker: null, photo: null, sending: false,
};
window.lianchuangReport = app;  // for the tests: the map, the place

start();

async function start() {
  setState(app, "loading");
  app.map = buildMap();
  wireForm();
  try {
    const answer = await getJSON(app.api + "/case-categories");
    const rank = (c) => KIND_ORDER.indexOf(c.kind);
    app.categories = answer.categories.slice().sort((a, b) => rank(a) - rank(b));  // stable
    fillCategories();
    setState(app, "ready");
  } catch (error) {
    showFormError(_("The categories cannot be loaded: ") + error.message);
    setState(app, "error");
  }
}

function wireForm() {
  ui.search.addEventListener("input", showHits);
  ui.search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();  // the phone's search key takes the first hit, it sends nothing
    const first = ui.hits.querySelector(".pb-hit");
    if (first && !ui.hits.hidden) first.click();
  });
  ui.category.addEventListener("change", () => clearFieldError("category"));
  ui.description.addEventListener("input", () => clearFieldError("description"));
  ui.phone.addEventListener("input", () => clearFieldError("phone"));
  ui.locate.addEventListener("click", locate);
  ui.photoInput.addEventListener("change", pickPhoto);
  form.querySelector(".pb-photo-remove").addEventListener("click", removePhoto);
  form.addEventListener("submit", send);
  done.querySelector(".pb-again").addEventListener("click", another);
}

/* ---- categories ------------------------------------------------------------------- */

function categoryName(category) {
  return app.english ? category.name_en : category.name;
}

function groupName(category) {
  const kind = category.kind === "part" ? pgettext("case kind", "Part")
    : pgettext("case kind", "Event");
  return kind + " · " + category.major_name;
}

function fillCategories() {
  const groups = new Map();
  app.categories.forEach((category) => {
    const label = groupName(category);
    if (!groups.has(label)) groups.set(label, el("optgroup"));
    groups.get(label).label = label;
    const option = el("option", null, categoryName(category));
    option.value = category.code;
    groups.get(label).append(option);
  });
  const prompt = el("option", null, _("Choose the category…"));
  prompt.value = "";
  ui.category.replaceChildren(prompt, ...groups.values());
}

function showHits() {
  const terms = ui.search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  ui.hits.hidden = terms.length === 0;
  if (!terms.length) return;
  const matches = app.categories.filter((c) => {
    const text = [c.name, c.name_en, c.minor_name, c.major_name].join(" ").toLowerCase();
    return terms.every((term) => text.includes(term));
  });
  const buttons = matches.slice(0, MAX_HITS).map((category) => {
    const hit = el("button", "pb-hit", categoryName(category));
    hit.type = "button";
    hit.append(el("small", null, groupName(category)));
    hit.addEventListener("click", () => choose(category.code));
    return hit;
  });
  ui.hits.replaceChildren(...(buttons.length ? buttons
    : [el("p", "pb-no-hits", _("No category matches: choose one from the list below"))]));
}

function choose(code) {
  ui.category.value = code;
  ui.search.value = "";
  ui.hits.hidden = true;
  clearFieldError("category");
  ui.category.focus();
}

/* ---- the place -------------------------------------------------------------------- */

function buildMap() {
  const [lon, lat] = JSON.parse(root.dataset.centre);
  const tiles = JSON.parse(root.dataset.tiles);
  const map = L.map("pb-map", { zoomSnap: 0.5 });
  tiles.forEach((tile) => L.tileLayer(tile.url, {
    attribution: tile.attribution, subdomains: tile.subdomains, maxZoom: tile.max_zoom,
  }).addTo(map));
  const plain = () => {
    map.getContainer().classList.add("pb-plain");
    ui.basemapNote.hidden = false;
  };
  if (!tiles.length) plain();
  guardBasemap(map, plain);  // before the view: no tile is asked for until it watches
  map.setView([lat, lon], START_ZOOM);
  map.on("click", (event) => setPlace(event.latlng, null));
  return map;
}

function setPlace(latlng, accuracy) {
  app.place = { lon: latlng.lng, lat: latlng.lat };
  if (app.marker) app.marker.setLatLng(latlng);
  else {
    app.marker = L.circleMarker(latlng, { radius: 11, color: "#fff", weight: 3,
      fillColor: "#c62828", fillOpacity: 1, interactive: false }).addTo(app.map);
  }
  const values = { lat: latlng.lat.toFixed(5), lon: latlng.lng.toFixed(5),
    metres: Math.round(accuracy || 0) };
  let text = _("Chosen on the map: {lat}, {lon}");
  if (accuracy !== null) {
    text = values.metres ? _("Your position: {lat}, {lon} (to about {metres} m)")
      : _("Your position: {lat}, {lon}");
  }
  ui.place.textContent = fill(text, values);
  ui.place.classList.add("pb-chosen");
  clearFieldError("place");
}

function clearPlace() {
  app.place = null;
  if (app.marker) app.marker.remove();
  app.marker = null;
  ui.place.textContent = _("No place chosen yet");
  ui.place.classList.remove("pb-chosen");
}

function locate() {
  if (!navigator.geolocation) {
    showFieldError("place", _("This browser cannot give your position: tap the map instead"));
    return;
  }
  if (!window.isSecureContext) {  // browsers share the position with https pages only
    showFieldError("place",
      _("This page cannot ask for your position (it is not on https): tap the map instead"));
    return;
  }
  const label = ui.locate.textContent;
  ui.locate.disabled = true;
  ui.locate.textContent = _("Finding your position…");
  const finish = () => {
    ui.locate.disabled = false;
    ui.locate.textContent = label;
  };
  navigator.geolocation.getCurrentPosition((position) => {
    finish();
    const latlng = L.latLng(position.coords.latitude, position.coords.longitude);
    setPlace(latlng, position.coords.accuracy);
    app.map.setView(latlng, PLACE_ZOOM);
  }, (error) => {
    finish();
    showFieldError("place", error.code === error.PERMISSION_DENIED
      ? _("Your position was not shared: allow it in the browser, or tap the map where the problem is")
      : _("Your position cannot be found just now: tap the map where the problem is"));
  }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
}

/* ---- the photo -------------------------------------------------------------------- */

async function pickPhoto() {
  const file = ui.photoInput.files[0];
  ui.photoInput.value = "";  // choosing the same file again fires "change" again
  if (!file) return;
  clearFieldError("photo");
  try {
    const canvas = await shrunk(await decoded(file));
    app.photo = await jpeg(canvas);
    showPreview(canvas);
  } catch (error) {
    removePhoto();
    showFieldError("photo", _("This photo cannot be read: choose a JPEG or PNG photo"));
    console.warn("Lianchuang: photo not read", error);
  }
}

/** The image of *file*, turned as the camera held it (EXIF orientation). */
async function decoded(file) {
  if (window.createImageBitmap) return createImageBitmap(file, { imageOrientation: "from-image" });
  // A data: URL, not a blob: one: the page's Content-Security-Policy allows only data: images.
  const url = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
  const image = new Image();
  image.src = url;
  await image.decode();
  return image;
}

/** *image* drawn on a canvas whose longer side is at most MAX_SIDE. */
function shrunk(image) {
  const scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(image.width * scale));
  canvas.height = Math.max(1, Math.round(image.height * scale));
  canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
  if (image.close) image.close();
  return canvas;
}

function jpeg(canvas) {
  return new Promise((resolve, reject) => canvas.toBlob(
    (blob) => (blob ? resolve(blob) : reject(new Error("no JPEG from the canvas"))),
    "image/jpeg", JPEG_QUALITY));
}

function showPreview(canvas) {
  const scale = Math.min(1, 640 / Math.max(canvas.width, canvas.height));
  ui.preview.width = Math.round(canvas.width * scale);
  ui.preview.height = Math.round(canvas.height * scale);
  ui.preview.getContext("2d").drawImage(canvas, 0, 0, ui.preview.width, ui.preview.height);
  ui.photoBox.hidden = false;
}

function removePhoto() {
  app.photo = null;
  ui.photoBox.hidden = true;
}

/* ---- sending ---------------------------------------------------------------------- */

/** This browser's own random id, made once and kept (one for this visit if storage is off). */
function deviceId() {
  try {
    let id = window.localStorage.getItem(DEVICE_KEY);
    if (!DEVICE.test(id || "")) {
      id = randomId();
      window.localStorage.setItem(DEVICE_KEY, id);
    }
    return id;
  } catch {
    app.visitDevice = app.visitDevice || randomId();
    return app.visitDevice;
  }
}

function randomId() {
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What is missing or wrong before anything is sent: [field, message] pairs. */
function problems() {
  const found = [];
  if (!ui.category.value) found.push(["category", _("Choose what kind of problem it is")]);
  if (!ui.description.value.trim()) found.push(["description", _("Say what is wrong")]);
  if (!app.place) {
    found.push(["place", _("Give the place: use your position, or tap the map where it is")]);
  }
  const phone = ui.phone.value.trim();
  if (phone && !PHONE.test(phone)) {
    found.push(["phone", _("A phone number holds digits, spaces and - only (a + in front)")]);
  }
  return found;
}

async function send(event) {
  event.preventDefault();
  if (app.sending) return;
  clearErrors();
  const found = problems();
  if (found.length) {
    found.forEach(([field, message]) => showFieldError(field, message));
    fieldBox(found[0][0]).scrollIntoView({ block: "center" });
    return;
  }
  const body = new FormData();
  body.set("category", ui.category.value);
  body.set("description", ui.description.value.trim());
  body.set("lon", app.place.lon.toFixed(6));
  body.set("lat", app.place.lat.toFixed(6));
  if (ui.address.value.trim()) body.set("address", ui.address.value.trim());
  if (ui.phone.value.trim()) body.set("phone", ui.phone.value.trim());
  body.set("device", deviceId());
  if (app.photo) body.set("photo", app.photo, "photo.jpg");
  setSending(true);
  const answer = await request(app.api + "/public/reports", { method: "POST", body });
  setSending(false);
  if (answer.ok) showDone(answer.body);
  else showRefusal(answer);
}

function setSending(sending) {
  app.sending = sending;
  ui.send.disabled = sending;
  if (sending) {
    app.sendLabel = ui.send.textContent;
    ui.send.textContent = _("Sending…");
  } else {
    ui.send.textContent = app.sendLabel;
  }
}

function showRefusal(answer) {
  const detail = answer.body && answer.body.error ? answer.body.error.message : "";
  if (answer.status === 429) {
    const minutes = Math.max(1, Math.ceil((answer.retryAfter || 3600) / 60));
    showFormError(fill(_("Too many reports from this phone or network for now: try again in about {minutes} minutes, or call 12319."),
      { minutes }), detail);
    return;
  }
  const field = answer.status === 413 ? "photo" : FIELD_OF[(/^\w+/.exec(detail) || [""])[0]];
  if (field) {
    showFieldError(field, answer.message);
    fieldBox(field).scrollIntoView({ block: "center" });
  } else {
    showFormError(answer.message);
  }
}

function showDone(filed) {
  const code = filed.tracking_code;
  done.querySelector(".pb-code").textContent = code;
  const link = new URL(root.dataset.track, window.location.href);
  link.searchParams.set("code", code);
  done.querySelector(".pb-track-link").href = link.pathname + link.search;
  form.hidden = true;
  done.hidden = false;
  window.scrollTo(0, 0);
  setState(app, "sent");
}

/** A new report: the form again, emptied but for the phone number and the map's view. */
function another() {
  ui.category.value = "";
  ui.description.value = "";
  ui.address.value = "";
  removePhoto();
  clearPlace();
  clearErrors();
  done.hidden = true;
  form.hidden = false;
  app.map.invalidateSize();
  window.scrollTo(0, 0);
  setState(app, "ready");
}

/* ---- errors ----------------------------------------------------------------------- */

function fieldBox(field) {
  return form.querySelector(`.pb-field[data-field="${field}"]`);
}

function showFieldError(field, message) {
  const box = fieldBox(field);
  box.classList.add("pb-invalid");
  const line = box.querySelector(".pb-field-error");
  line.textContent = message;
  line.hidden = false;
}

function clearFieldError(field) {
  const box = fieldBox(field);
  box.classList.remove("pb-invalid");
  box.querySelector(".pb-field-error").hidden = true;
}

/** *message* above the send button; *detail*: the server's own words, which are English. */
function showFormError(message, detail) {
  ui.error.replaceChildren(message);
  if (detail) {
    const small = el("small", null, detail);
    small.lang = "en";
    ui.error.append(small);
  }
  ui.error.hidden = false;
  ui.error.scrollIntoView({ block: "center" });
}

function clearErrors() {
  form.querySelectorAll(".pb-field").forEach((box) => clearFieldError(box.dataset.field));
  ui.error.hidden = true;
}
