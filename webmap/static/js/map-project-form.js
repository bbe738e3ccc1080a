/*
 * The planners' map, changing a project from its card: signed-in inspectors add notes and
 * photos; planners of the project's department (and admins) change its status and progress.
 * Changes are sent with If-Match (the ETag the form was filled from), so a change made
 * meanwhile by someone else is answered 409 and the card reloads instead.
 */
import { _ } from "./common.js";
import { keepPopupOnMap } from "./map-card.js";
import {
  U, atLeast, field, messageArea, photoInput, photoPicker, showMessage,
} from "./map-tracking.js";

/* ---- changing a project from its card --------------------------------------------- */

export function projectTools(tracking, project, card, state) {
  // Signed-in inspectors may add notes and photos; planners of the project's department
  // (and admins) change its status and progress too.
  if (!atLeast(tracking.session, "inspector")) return null;
  const { U, app } = tracking;
  const details = U.el("details", "lc-edit lc-project-edit");
  const body = U.el("div");
  details.append(U.el("summary", null, _("Update project")), body);
  if (state && state.record) {
    details.open = true;
    body.append(projectForm(tracking, state.record, state.etag, card, state));
  } else {
    details.addEventListener("toggle", () => {
      if (!details.open || details.dataset.loaded) return;
      details.dataset.loaded = "yes";
      U.request(app.config.api + "/projects/" + encodeURIComponent(project.id))
        .then((answer) => {
          if (!answer.ok) throw new Error(answer.message);
          body.append(projectForm(tracking, answer.body, answer.etag, card, null));
        })
        .catch((error) => body.append(U.el("p", "lc-error", error.message)));
    });
  }
  return details;
}

function projectForm(tracking, record, etag, card, state) {
  const { U, app } = tracking;
  const user = tracking.session.user;
  const form = U.el("form", "lc-form lc-project-form");
  form.dataset.version = String(record.version);
  const controls = {};
  const mayChange = atLeast(tracking.session, "planner")
    && (user.role === "admin" || user.department === record.department);
  if (mayChange) {
    // What a PATCH would accept, from the server (layers/tracking/status_flow.py).
    const next = record.next_statuses || [];
    if (next.length) {
      controls.status = U.el("select");
      controls.status.name = "status";
      U.addOptions(controls.status, [["", _("(unchanged)")],
        ...next.map((code) => [code, app.statusLabels[code] || code])]);
      form.append(field(U, _("New status"), controls.status));
    } else {
      form.append(U.el("p", "lc-muted", _("Accepted: the status is final.")));
    }
    controls.progress = U.el("input");
    controls.progress.type = "number";
    controls.progress.name = "progress";
    controls.progress.min = "0";
    controls.progress.max = "100";
    controls.progress.step = "1";
    controls.progress.value = String(record.progress);
    form.append(field(U, _("Progress") + " (%)", controls.progress));
  } else {
    form.append(U.el("p", "lc-muted", _("Status and progress are changed by the project's "
                                         + "department; you can add notes and photos.")));
  }
  controls.note = U.el("textarea");
  controls.note.name = "note";
  controls.note.rows = 2;
  controls.note.maxLength = 2000;
  controls.note.placeholder = _("Progress, problems or acceptance remarks");
  controls.photo = photoInput(U, "photo");
  const evidence = U.el("p", "lc-hint", _("Acceptance needs a note or a photo."));
  evidence.hidden = true;
  if (controls.status) {
    controls.status.addEventListener("change", () => {
      evidence.hidden = controls.status.value !== "accepted";
    });
  }
  const save = U.el("button", "lc-submit", _("Save"));
  save.type = "submit";
  const message = messageArea(U);
  if (state && state.message) showMessage(message, state.message, state.error);
  form.append(field(U, _("Note"), controls.note),
    field(U, _("Photo (optional)"), photoPicker(U, controls.photo)), evidence,
    save, message);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveProject(tracking, record, etag, card, controls, save, message);
  });
  return form;
}

async function saveProject(tracking, record, etag, card, controls, save, message) {
  const { U, app } = tracking;
  const changes = {};
  if (controls.status && controls.status.value) changes.status = controls.status.value;
  if (controls.progress && controls.progress.value !== ""
      && Number(controls.progress.value) !== record.progress) {
    changes.progress = Number(controls.progress.value);
  }
  if (controls.note.value.trim()) changes.note = controls.note.value.trim();
  const file = controls.photo.files[0];
  if (!Object.keys(changes).length && !file) {
    showMessage(message, _("Nothing to save."), true);
    return;
  }
  save.disabled = true;
  showMessage(message, _("Sending…"));
  try {
    if (file) changes.photo_id = await uploadPhoto(tracking, file);
    const answer = await U.request(app.config.api + "/projects/" + record.id, {
      method: "PATCH", body: JSON.stringify(changes),
      headers: { "Content-Type": "application/json", "If-Match": etag },
    });
    if (answer.ok) {
      app.projectsChanged = true;
      redrawCard(tracking, card, answer.body, answer.etag, _("Saved."), false);
    } else if (answer.status === 409 && answer.body && answer.body.current) {
      const current = answer.body.current;
      redrawCard(tracking, card, current, answer.etag || '"' + current.version + '"',
        _("Someone changed this project just now; its latest state is loaded, "
          + "check it and submit again: ") + answer.message, true);
    } else {
      throw new Error(answer.message);
    }
  } catch (error) {
    save.disabled = false;
    showMessage(message, _("Not saved: ") + error.message, true);
  }
}

export async function uploadPhoto(tracking, file) {
  const data = new FormData();
  data.append("photo", file);
  const answer = await tracking.U.request(tracking.app.config.api + "/photos",
    { method: "POST", body: data });
  if (!answer.ok) throw new Error(answer.message);
  return answer.body.id;
}

function redrawCard(tracking, card, record, etag, text, isError) {
  const app = tracking.app;
  const fresh = app.projectCard(record, { record, etag, message: text, error: isError });
  card.replaceWith(fresh);
  keepPopupInView(app, fresh);
}

function keepPopupInView(app, element) {
  // The card grew under an open popup: keep the popup on the map, and scroll the card's
  // form into view inside the popup.
  keepPopupOnMap(app);
  const form = element.querySelector(".lc-project-form");
  if (form) form.scrollIntoView({ block: "nearest" });
}
