/*
 * The readiness page (/readiness, api/templates/readiness.html): the entry form of each
 * entered item.  The page is drawn by the server; this script only shows the forms to a
 * signed-in planner or admin (a session begun on /signin, or the token this tab signed in
 * with, as on the map) and posts them: an evidence photo first to POST /api/photos, then
 * the entry to POST /api/readiness/<title>/entries.  Once stored, the page is loaded again,
 * so the item's value, status and history are the server's own.  An error stays in the
 * form, in the page's language (common.js request()).
 */
import { _, hasSession, request, savedToken } from "./common.js";

const RANK = { viewer: 0, inspector: 1, planner: 2, admin: 3 };
const root = document.getElementById("entries");

start();

async function start() {
  document.body.dataset.entriesState = "loading";
  if (!root) return;
  const api = root.dataset.api;
  let user = null;
  if (savedToken() || hasSession()) {
    const answer = await request(api + "/me");
    if (answer.ok) user = answer.body;
  }
  if (user && RANK[user.role] >= RANK.planner) {
    root.querySelectorAll("form.rd-form").forEach((form) => {
      form.hidden = false;
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        submit(api, root.dataset.title, form);
      });
    });
    root.querySelector(".rd-signin").hidden = true;
    document.body.dataset.entriesState = "ready";
  } else {
    document.body.dataset.entriesState = "signed-out";
  }
}

async function submit(api, title, form) {
  const error = form.querySelector(".rd-error");
  const button = form.querySelector("button[type=submit]");
  const show = (text) => {
    error.textContent = text;
    error.hidden = !text;
    document.body.dataset.entriesState = text ? "error" : "ready";
  };
  const raw = form.elements.value.value.trim();
  if (raw === "") {
    show(form.dataset.yesNo === "true" ? _("Choose yes or no") : _("Enter a number"));
    return;
  }
  const value = form.dataset.yesNo === "true" ? raw === "true" : Number(raw);
  if (typeof value === "number" && !Number.isFinite(value)) {
    show(_("Enter a number"));
    return;
  }
  const body = { item: form.closest(".rd-entry").dataset.item, value,
    as_of: form.elements.as_of.value };
  for (const name of ["evidence_text", "note"]) {
    const text = form.elements[name].value.trim();
    if (text) body[name] = text;
  }
  button.disabled = true;
  show("");
  document.body.dataset.entriesState = "saving";
  try {
    const file = form.elements.photo.files[0];
    if (file) {
      const upload = new FormData();
      upload.append("photo", file);
      const stored = await request(api + "/photos", { method: "POST", body: upload });
      if (!stored.ok) {
        show(_("The photo was not stored: ") + stored.message);
        return;
      }
      body.evidence_id = stored.body.id;
    }
    const answer = await request(api + "/readiness/" + encodeURIComponent(title) + "/entries", {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" },
    });
    if (!answer.ok) {
      show(answer.message);
      return;
    }
    document.body.dataset.entriesState = "saved";
    window.location.hash = "entry-" + body.item;
    window.location.reload();
  } finally {
    button.disabled = false;
  }
}
