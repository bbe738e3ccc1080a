/*
 * A case card's steps: a button for each step that may follow the case's status, and for
 * the one chosen a small form asking for what that step needs (a note, a photo, the unit,
 * working minutes, where the supervisor stands), sent with If-Match, the ETag the card was
 * drawn from.  A signed-in user is offered the steps of their duties (the others are named
 * with who takes them); the server decides: its refusal (403; 409 naming the allowed
 * steps) is shown as it comes, and a stale card (409 with the case as it is now) is drawn
 * again and says so.
 */
import { _, el, fill, request } from "./common.js";
import { keepPopupOnMap } from "./map-card.js";
import { uploadPhoto } from "./map-project-form.js";
import {
  U, field, messageArea, photoInput, photoPicker, showMessage,
} from "./map-tracking.js";

/** The steps section of the card of *view* (map-case.js), with *message* ({text, error})
 * from the last step or load shown under the buttons. */
export function stepTools(view, message) {
  const { tracking, record } = view;
  const box = el("section", "lc-case-steps");
  box.append(el("h4", null, _("Next steps")));
  const area = messageArea(U);
  area.classList.add("lc-step-msg");
  if (message && message.refused) markRefused(area, message.refused);
  if (message) showMessage(area, message.text, message.error);
  const open = offeredSteps(record);
  if (!open.length) {
    box.append(el("p", "lc-muted", _("None: the case is done.")), area);
    return box;
  }
  // Signed in: the steps of the user's duties; the others are named, with who takes them.
  const offered = tracking.session ? open.filter((a) => mayTake(tracking, record, a)) : open;
  if (tracking.session && !offered.length) {
    const others = open.map((action) => stepLabel(tracking.app, action) + "（"
      + tracking.app.config.caseSteps[action].duties
        .map((d) => tracking.app.config.duties[d] || d).join(_(", ")) + "）").join(_(", "));
    box.append(el("p", "lc-muted lc-not-yours",
      fill(_("Not yours to take now: {steps}"), { steps: others })), area);
    return box;
  }
  if (!tracking.session) {
    const names = offered.map((action) => stepLabel(tracking.app, action)).join(_(", "));
    box.append(el("p", "lc-muted", names), el("p", "lc-hint", _("Sign in to take a step.")),
      area);
    return box;
  }
  const buttons = el("div", "lc-step-buttons");
  const slot = el("div", "lc-step-slot");
  offered.forEach((action) => {
    const button = el("button", "lc-step-button", stepLabel(tracking.app, action));
    button.type = "button";
    button.dataset.action = action;
    button.disabled = !view.etag;  // not before the case (and its ETag) has loaded
    button.addEventListener("click", () => {
      const open = button.classList.contains("lc-active");
      buttons.querySelectorAll(".lc-step-button").forEach((b) => b.classList.remove("lc-active"));
      slot.replaceChildren();
      if (!open) {
        button.classList.add("lc-active");
        slot.append(stepForm(view, action, area));
      }
      refit(view);
      if (!open) slot.scrollIntoView({ block: "nearest" });  // the form, in the card's scroll
    });
    buttons.append(button);
  });
  box.append(buttons, slot, area);
  return box;
}

function refit(view) {
  // The card grew or shrank under an open popup: lay the popup out again, on the map.
  if (view.marker.isPopupOpen()) view.marker.getPopup().update();
  keepPopupOnMap(view.tracking.app);
}

function mayTake(tracking, record, action) {
  // As the server judges (layers/cases/lifecycle.py): an admin any step, others a step of
  // their duties, a handler only the cases of their own unit.
  const { user } = tracking.session;
  const step = tracking.app.config.caseSteps[action];
  if (!step) return false;
  if (user.role === "admin") return true;
  const duties = user.duties || [];
  return step.duties.some((duty) => duties.includes(duty)
    && (duty !== "handler" || user.department === record.department));
}

function offeredSteps(record) {
  // Extension answers only while one is asked; one request at a time.  The reporter rates
  // a closed case on /track, not on the map.
  const asked = Boolean(record.clock && record.clock.extension_requested_min);
  return (record.next_steps || []).filter((action) => {
    if (action === "rate") return false;
    if (action === "approve_extension" || action === "refuse_extension") return asked;
    if (action === "request_extension") return !asked && record.clock.state !== "none";
    return true;
  });
}

function stepLabel(app, action) {
  const step = app.config.caseSteps[action];
  return step ? step.label : action;
}

/* ---- one step's form -------------------------------------------------------------- */

function stepForm(view, action, area) {
  const { app } = view.tracking;
  const needs = (app.config.caseSteps[action] || { needs: [] }).needs;
  const form = el("form", "lc-form lc-step-form");
  form.dataset.action = action;
  const controls = {};
  if (needs.includes("unit") || action === "dispatch") {
    controls.unit = textInput("unit", 200);
    controls.unit.required = needs.includes("unit");
    if (action === "dispatch") {
      controls.unit.placeholder = fill(_("By the category's rules: {unit}"),
        { unit: view.record.department || "—" });
    }
    form.append(field(U, _("Responsible unit"), controls.unit));
  }
  if (needs.includes("minutes")) {
    controls.minutes = numberInput("minutes", 1);
    form.append(field(U, _("Extension (working minutes)"), controls.minutes));
  }
  if (needs.includes("duplicate_of")) {
    controls.duplicate_of = numberInput("duplicate_of", 1);
    form.append(field(U, _("Number of the case it repeats"), controls.duplicate_of));
  }
  if (needs.includes("rating")) {
    controls.rating = el("select");
    controls.rating.name = "rating";
    controls.rating.required = true;
    Object.entries(app.config.caseRatings).forEach(([code, text]) => {
      const option = el("option", null, text);
      option.value = code;
      controls.rating.append(option);
    });
    controls.tracking_code = textInput("tracking_code", 20);
    form.append(field(U, _("Rating"), controls.rating),
      field(U, _("Tracking code (if you did not report it)"), controls.tracking_code));
  }
  if (needs.includes("photo")) {
    controls.photo = photoInput(U, "photo");
    controls.photo.required = true;
    form.append(field(U, _("Photo"), photoPicker(U, controls.photo)));
  }
  let position = null;
  if (needs.includes("position")) {
    position = positionField(view);
    form.append(position.element);
  }
  controls.note = el("textarea");
  controls.note.name = "note";
  controls.note.rows = 2;
  controls.note.maxLength = 4000;
  controls.note.required = needs.includes("note");
  form.append(field(U, needs.includes("note") ? _("Note (why)") : _("Note (optional)"),
    controls.note));
  const submit = el("button", "lc-submit", fill(_("Confirm: {step}"),
    { step: stepLabel(app, action) }));
  submit.type = "submit";
  form.append(submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(view, action, controls, position, submit, area);
  });
  return form;
}

function textInput(name, maxLength) {
  const input = el("input");
  input.name = name;
  input.maxLength = maxLength;
  return input;
}

function numberInput(name, min) {
  const input = el("input");
  input.type = "number";
  input.name = name;
  input.min = String(min);
  input.step = "1";
  input.required = true;
  return input;
}

function positionField(view) {
  // 核查 and 返工 are done on site: the browser's position goes with the step.  Where the
  // browser cannot give it (no permission, no fix, no GPS), the form says so and offers to
  // try again; the step is not sent without it.
  const state = { coords: null };
  const element = el("div", "lc-position");
  const line = el("span", "lc-position-text");
  line.setAttribute("role", "status");
  const retry = el("button", "lc-link-button", _("Try again"));
  retry.type = "button";
  retry.hidden = true;
  element.append(line, retry);
  const locate = () => {
    retry.hidden = true;
    line.classList.remove("lc-error");
    element.dataset.state = "locating";
    if (!navigator.geolocation) {
      failed(_("this browser cannot tell where you are"));
      return;
    }
    line.textContent = _("Finding where you are…");
    navigator.geolocation.getCurrentPosition((found) => {
      state.coords = { lon: found.coords.longitude, lat: found.coords.latitude };
      element.dataset.state = "found";
      line.textContent = fill(_("Where you are: {lat}, {lon} (±{accuracy} m)"), {
        lat: state.coords.lat.toFixed(6), lon: state.coords.lon.toFixed(6),
        accuracy: Math.round(found.coords.accuracy),
      });
      refit(view);
      const slot = element.closest(".lc-step-slot");  // the line grew: keep the form in sight
      if (slot) slot.scrollIntoView({ block: "nearest" });
    }, (error) => failed(error.message || String(error.code)),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  };
  function failed(reason) {
    state.coords = null;
    element.dataset.state = "unavailable";
    line.textContent = fill(_("Your position is unavailable ({reason}): this step is taken "
      + "on site; allow the page to use your location and try again"), { reason });
    line.classList.add("lc-error");
    retry.hidden = false;
    refit(view);
  }
  retry.addEventListener("click", locate);
  locate();
  return { element, state };
}

/* ---- sending ---------------------------------------------------------------------- */

async function send(view, action, controls, position, submit, area) {
  const { app } = view.tracking;
  const body = { action };
  ["note", "unit", "tracking_code"].forEach((name) => {
    const value = controls[name] && controls[name].value.trim();
    if (value) body[name] = value;
  });
  ["minutes", "duplicate_of"].forEach((name) => {
    if (controls[name]) body[name] = Number(controls[name].value);
  });
  if (controls.rating) body.rating = controls.rating.value;
  if (position) {
    if (!position.state.coords) {
      say(area, _("Not sent: where you are is not known yet."), true);
      return;
    }
    body.lon = position.state.coords.lon;
    body.lat = position.state.coords.lat;
  }
  submit.disabled = true;
  area.classList.remove("lc-refused");
  delete area.dataset.status;
  say(area, _("Sending…"));
  const label = stepLabel(app, action);
  try {
    if (controls.photo && controls.photo.files.length) {
      body.photo_id = await uploadPhoto(view.tracking, controls.photo.files[0]);
    }
    const answer = await request(app.config.api + "/cases/"
      + encodeURIComponent(view.record.id) + "/steps", {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "If-Match": view.etag },
    });
    if (answer.ok) {
      view.show(answer.body, answer.etag, { text: fill(_("Done: {step}."), { step: label }) });
    } else if (answer.status === 409 && answer.body && answer.body.current) {
      view.reload({ error: true, text: _("Someone took a step on this case just now; the card "
        + "shows it as it is now: check it and try again. ") + answer.message });
    } else if (answer.status === 409 && answer.body && answer.body.status
               && answer.body.status !== view.record.status) {
      // Not a step from the status the case has moved on to: the card was stale too.
      view.reload({ error: true, text: refusal(view, action, answer), refused: answer.status });
    } else {
      markRefused(area, answer.status);  // first: its frame takes room, then it is scrolled to
      say(area, refusal(view, action, answer), true);
    }
  } catch (error) {
    say(area, fill(_("Not done: {step}: "), { step: label }) + error.message, true);
  } finally {
    submit.disabled = false;
  }
}

function say(area, text, isError) {
  // The answer sits under the step's form, maybe below the card's scroll: bring it in sight.
  showMessage(area, text, isError);
  area.scrollIntoView({ block: "nearest" });
}

function refusal(view, action, answer) {
  // 403 (not this user's step) comes with the server's reason; 409 (not a step from the
  // case's status) is said in the page's words, with the steps allowed now.
  const app = view.tracking.app;
  const allowed = answer.body && answer.body.allowed_steps;
  if (answer.status !== 409 || !Array.isArray(allowed)) return _("Refused: ") + answer.message;
  return _("Refused: ") + fill(_("the case is {status}: {step} is not a next step."), {
    status: app.reportLabels[answer.body.status] || answer.body.status,
    step: stepLabel(app, action),
  }) + " " + fill(_("Allowed now: {steps}"), {
    steps: allowed.map((a) => stepLabel(app, a)).join(_(", ")) || "—",
  });
}

function markRefused(area, status) {
  area.classList.add("lc-refused");
  area.dataset.status = String(status);
}
