/*
 * Lianchuang map, writing: sign in with an API token, report problems on the map (Open311);
 * the reports layer and its case cards are map-case.js (their steps map-case-steps.js), the
 * project form of the cards is map-project-form.js.
 *
 * map.js calls start(app, overlays) once its panel exists.  A browser signed in on /signin
 * is recognised by its session (GET /api/me with the cookie); a pasted token is checked
 * with GET /api/me and kept in sessionStorage (this tab only, shared by every page).
 * As everywhere, text from the server goes in with textContent, never innerHTML.
 */
import {
  _, el, endSession, fill, getJSON, hasSession, request, savedToken, signIn as checkToken,
  signInUrl, signOut as forgetToken,
} from "./common.js";
import { loadCases } from "./map-case.js";
import { start as startFeatureCases } from "./map-feature-cases.js";
import { projectTools } from "./map-project-form.js";
import { addOptions } from "./map-panel.js";

//: The helpers the forms use, by the short name they are called with.
export const U = { el, getJSON, request, addOptions };

const RANK = { viewer: 0, inspector: 1, planner: 2, admin: 3 };

export function start(app, overlays) {
  const tracking = { U, app, session: null, services: null, reporting: false, draft: null };
  app.tracking = tracking;
  app.reportsGroup = overlays.reports || null;
  app.reportColors = Object.fromEntries(app.config.reportStatuses.map((s) => [s.code, s.color]));
  app.reportLabels = Object.fromEntries(app.config.reportStatuses.map((s) => [s.code, s.label]));
  app.cardTools = (project, card, state) => projectTools(tracking, project, card, state);
  app.reloadReports = () => app.track(loadCases(tracking));
  startFeatureCases(tracking, openReportForm, atLeast);
  app.panel.append(accountBox(tracking));
  app.map.on("click", (event) => {
    if (tracking.reporting) openReportForm(tracking, event.latlng);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && tracking.reporting) setReporting(tracking, false);
  });
  const saved = savedToken();
  if (saved) signIn(tracking, saved).catch(() => signOut(tracking));
  else if (hasSession()) resumeSession(tracking);
}

/* ---- signing in ------------------------------------------------------------------- */

export function atLeast(session, role) {
  return Boolean(session) && RANK[session.user.role] >= RANK[role];
}

async function signIn(tracking, token) {
  tracking.session = { token, user: await checkToken(tracking.app.config.api, token) };
  renderAccount(tracking);
}

async function resumeSession(tracking) {
  const answer = await request(tracking.app.config.api + "/me");
  if (!answer.ok) return;  // the session ended (expired, or a new password): sign in again
  tracking.session = { token: null, user: answer.body };
  renderAccount(tracking);
}

function signOut(tracking) {
  if (tracking.session && !tracking.session.token) {
    endSession(tracking.app.config.api);
    return;
  }
  tracking.session = null;
  forgetToken();
  setReporting(tracking, false);
  tracking.app.map.closePopup();
  renderAccount(tracking);
}

function accountBox(tracking) {
  const box = tracking.U.el("fieldset", "lc-account");
  box.append(tracking.U.el("legend", null, _("Account")));
  tracking.accountBody = tracking.U.el("div");
  box.append(tracking.accountBody);
  renderAccount(tracking);
  return box;
}

function renderAccount(tracking) {
  const { U, app } = tracking;
  const body = tracking.accountBody;
  body.replaceChildren();
  if (app.onSession) app.onSession(tracking.session);  // the editor shows itself to planners
  if (!tracking.session) {
    const withPassword = U.el("a", "lc-signin-link", _("Sign in with your name and password"));
    withPassword.href = signInUrl(app.config.api);
    const form = U.el("form", "lc-login");
    const input = U.el("input");
    input.type = "password";
    input.name = "token";
    input.required = true;
    input.autocomplete = "off";
    input.placeholder = _("Paste your API token");
    input.setAttribute("aria-label", _("API token"));
    const button = U.el("button", null, _("Sign in"));
    button.type = "submit";
    const row = U.el("div", "lc-login-row");
    row.append(input, button);
    const message = messageArea(U);
    form.append(row, U.el("div", "lc-hint",
      _("An admin creates tokens with lianchuang user add; kept in this tab only")), message);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      signIn(tracking, input.value.trim())
        .catch((error) => showMessage(message, _("Sign-in failed: ") + error.message, true));
    });
    body.append(withPassword, form);
    return;
  }
  const user = tracking.session.user;
  const who = U.el("div", "lc-user");
  const role = app.config.roles[user.role] || user.role;
  who.append(U.el("strong", "lc-user-name", user.display_name),
    U.el("span", "lc-muted", user.department ? role + " · " + user.department : role));
  const logout = U.el("button", "lc-link-button", _("Sign out"));
  logout.type = "button";
  logout.addEventListener("click", () => signOut(tracking));
  who.append(logout);
  body.append(who);
  if (atLeast(tracking.session, "inspector")) {
    tracking.reportButton = U.el("button", "lc-report-button", _("Report a problem"));
    tracking.reportButton.type = "button";
    tracking.reportButton.addEventListener("click",
      () => setReporting(tracking, !tracking.reporting));
    tracking.reportHint = U.el("div", "lc-hint lc-report-hint",
      _("Click the map where the problem is"));
    tracking.reportHint.hidden = true;
    body.append(tracking.reportButton, tracking.reportHint);
  }
}

/* ---- reporting a problem ---------------------------------------------------------- */

function setReporting(tracking, on) {
  tracking.reporting = on;
  tracking.app.map.getContainer().classList.toggle("lc-reporting", on);
  document.body.dataset.reporting = on ? "yes" : "no";
  if (tracking.reportButton) {
    tracking.reportButton.textContent = on ? _("Cancel report")
      : _("Report a problem");
    tracking.reportButton.classList.toggle("lc-active", on);
    tracking.reportHint.hidden = !on;
  }
  if (!on && tracking.draft) tracking.app.map.closePopup(tracking.draft);
}

function loadServices(tracking) {
  if (!tracking.services) {
    const lang = tracking.app.config.lang === "en" ? "?lang=en" : "";
    tracking.services = tracking.U.getJSON(tracking.app.config.open311 + "/services.json" + lang)
      .catch((error) => {
        tracking.services = null;
        throw error;
      });
  }
  return tracking.services;
}

export function openReportForm(tracking, latlng, feature) {
  const { U, app } = tracking;
  const form = U.el("form", "lc-form lc-report-form");
  const category = U.el("select");
  category.name = "service_code";
  category.required = true;
  U.addOptions(category, [["", _("Choose")]]);
  const description = U.el("textarea");
  description.name = "description";
  description.required = true;
  description.maxLength = 4000;
  description.rows = 3;
  description.placeholder = _("What is wrong");
  const address = U.el("input");
  address.name = "address_string";
  address.maxLength = 200;
  const photo = photoInput(U, "media");
  const submit = U.el("button", "lc-submit", _("Submit"));
  submit.type = "submit";
  const message = messageArea(U);
  form.append(U.el("h3", "lc-popup-title", _("Report a problem")),
    U.el("div", "lc-muted lc-coords", feature
      ? fill(_("About {name}"), { name: feature.name })
      : latlng.lat.toFixed(6) + ", " + latlng.lng.toFixed(6)),
    field(U, _("Category"), category), field(U, _("Description"), description),
    field(U, _("Address (optional)"), address),
    field(U, _("Photo (optional)"), photoPicker(U, photo)), submit,
    message);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (feature) submitFeatureCase(tracking, form, feature, submit, message);
    else submitReport(tracking, form, latlng, submit, message);
  });
  loadServices(tracking)
    .then((services) => U.addOptions(category,
      services.map((s) => [s.service_code, s.service_name])))
    .catch((error) => showMessage(message, error.message, true));
  const marker = L.circleMarker(latlng, {
    radius: 8, color: "#d32f2f", weight: 2, dashArray: "3 3", fillOpacity: 0.15,
    interactive: false,
  }).addTo(app.map);
  const popup = L.popup(Object.assign(app.popupOptions(), { className: "lc-report-popup" }))
    .setLatLng(latlng).setContent(form);
  popup.on("remove", () => {
    marker.remove();
    if (tracking.draft === popup) tracking.draft = null;
  });
  tracking.draft = popup;
  popup.openOn(app.map);
  category.focus();
}

async function submitReport(tracking, form, latlng, submit, message) {
  const { U, app } = tracking;
  const data = new FormData(form);
  if (!form.elements.media.files.length) data.delete("media");
  data.set("lat", latlng.lat.toFixed(7));
  data.set("long", latlng.lng.toFixed(7));
  submit.disabled = true;
  showMessage(message, _("Sending…"));
  const answer = await U.request(app.config.open311 + "/requests.json",
    { method: "POST", body: data }).catch((error) => ({ ok: false, message: error.message }));
  submit.disabled = false;
  if (!answer.ok) {
    showMessage(message, _("Not saved: ") + answer.message, true);
    return;
  }
  const filed = answer.body[0];
  const done = U.el("div", "lc-report-done");
  done.append(U.el("p", "lc-success",
    fill(_("Reported as number {id}."), { id: filed.service_request_id })),
    U.el("p", "lc-notice", filed.service_notice));
  form.replaceWith(done);
  tracking.draft = null;  // keep the confirmation open; the next click starts a new report
  setReporting(tracking, false);
  app.reloadReports();
}

async function submitFeatureCase(tracking, form, feature, submit, message) {
  // A case about a feature goes to /api/cases (JSON), its photo first to /api/photos.
  const { U, app } = tracking;
  submit.disabled = true;
  showMessage(message, _("Sending…"));
  const body = { category: form.elements.service_code.value,
    description: form.elements.description.value, layer: feature.layer, fid: feature.fid };
  if (form.elements.address_string.value) body.address = form.elements.address_string.value;
  let answer = { ok: true };
  if (form.elements.media.files.length) {
    const upload = new FormData();
    upload.append("photo", form.elements.media.files[0]);
    answer = await U.request(app.config.api + "/photos", { method: "POST", body: upload });
    if (answer.ok) body.photo_id = answer.body.id;
  }
  if (answer.ok) {
    answer = await U.request(app.config.api + "/cases", { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }
  submit.disabled = false;
  if (!answer.ok) {
    showMessage(message, _("Not saved: ") + answer.message, true);
    return;
  }
  const done = U.el("div", "lc-report-done");
  done.append(U.el("p", "lc-success", fill(_("Reported as number {id}."), { id: answer.body.id })),
    U.el("p", "lc-notice", answer.body.department));
  form.replaceWith(done);
  tracking.draft = null;
  app.reloadReports();
}

/* ---- small form parts ------------------------------------------------------------- */

export function field(U, label, control) {
  const wrapper = U.el("label", "lc-form-field");
  wrapper.append(U.el("span", null, label), control);
  return wrapper;
}

export function photoInput(U, name) {
  const input = U.el("input", "lc-file-input");
  input.type = "file";
  input.name = name;
  input.accept = "image/*";
  return input;
}

export function photoPicker(U, input) {
  // The browser's own file button speaks the browser's language; this one the page's.
  // The input stays in the field's <label>, so a click anywhere on it opens the chooser.
  const picker = U.el("span", "lc-file");
  const name = U.el("span", "lc-file-name lc-muted", _("none chosen"));
  input.addEventListener("change", () => {
    name.textContent = input.files.length ? input.files[0].name : _("none chosen");
  });
  picker.append(input, U.el("span", "lc-file-button", _("Choose a photo")), name);
  return picker;
}

export function messageArea(U) {
  const message = U.el("div", "lc-form-msg");
  message.setAttribute("role", "status");
  message.hidden = true;
  return message;
}

export function showMessage(message, text, isError) {
  message.hidden = false;
  message.textContent = text;
  message.classList.toggle("lc-error", Boolean(isError));
}
