/*
 * 进度查询: the public's tracking page (/track, api/templates/public_track.html).
 *
 * The case of a tracking code (typed, or ?code= from the report page's link) from
 * /api/public/cases/<code>: its status, its steps with their times in the county's zone,
 * the unit once filed, the reason if it was refused; a closed case not yet rated offers
 * the three ratings (满意 / 基本满意 / 不满意) with an optional note.  The page's URL
 * follows the code shown, so a reload or a bookmark opens the same case.
 */

import { _, fill, request, el, setState } from "./common.js";

const CODE = /^[0-9A-Za-z]{6,16}$/;

const root = document.getElementById("pb-track");
const lookup = root.querySelector(".pb-lookup");
const card = root.querySelector(".pb-case");
const ui = {
  code: lookup.querySelector(".pb-code-input"),
  button: lookup.querySelector("button"),
  error: lookup.querySelector(".pb-error"),
  badge: card.querySelector(".pb-badge"),
  steps: card.querySelector(".pb-steps"),
  reason: card.querySelector(".pb-reason"),
  rate: card.querySelector(".pb-rate"),
  note: card.querySelector("#pb-note"),
  ratings: card.querySelector(".pb-ratings"),
  rateError: card.querySelector(".pb-rate-error"),
  rated: card.querySelector(".pb-rated"),
};
const app = { stateKey: "trackState", api: root.dataset.api, english: root.dataset.lang === "en",
  zone: root.dataset.zone, code: null };
const lang = app.english ? "en" : "zh";
const TIME = new Intl.DateTimeFormat(app.english ? "en-GB" : "zh-CN", {
  timeZone: app.zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
  minute: "2-digit", hour12: false });

lookup.addEventListener("submit", (event) => {
  event.preventDefault();
  show(ui.code.value.trim());
});
setState(app, "ready");
if (ui.code.value.trim()) show(ui.code.value.trim());

async function show(code) {
  ui.error.hidden = true;
  if (!CODE.test(code)) {
    showError(ui.error, _("A tracking code is 6 to 16 letters and digits, as you were given it"));
    return;
  }
  setState(app, "loading");
  ui.button.disabled = true;
  const answer = await request(app.api + "/public/cases/" + encodeURIComponent(code));
  ui.button.disabled = false;
  if (!answer.ok) {
    card.hidden = true;
    showError(ui.error, answer.status === 404
      ? _("No report has this code: check it against the one you were given") : answer.message);
    setState(app, "error");
    return;
  }
  app.code = code.toUpperCase();
  ui.code.value = app.code;
  followInUrl(app.code);
  render(answer.body);
  setState(app, "shown");
}

function followInUrl(code) {
  const params = new URLSearchParams(window.location.search);
  params.set("code", code);
  window.history.replaceState(null, "", "?" + params);
}

function when(iso) {
  return iso ? TIME.format(new Date(iso)) : "";
}

function render(view) {
  ui.badge.textContent = view.status_label[lang];
  ui.badge.dataset.status = view.status;
  card.querySelector(".pb-fact-code").textContent = app.code;
  card.querySelector(".pb-fact-category").textContent = view.category[lang];
  card.querySelector(".pb-fact-reported").textContent = when(view.requested_at);
  // A refused report was never filed: the unit its category would go to handled nothing.
  const unit = view.status === "refused" ? null : view.unit;
  card.querySelector(".pb-fact-unit").textContent = unit || "";
  card.querySelector(".pb-fact-closed").textContent = when(view.closed_at);
  card.querySelectorAll(".pb-unit-row").forEach((node) => { node.hidden = !unit; });
  card.querySelectorAll(".pb-closed-row").forEach((node) => { node.hidden = !view.closed_at; });
  ui.reason.hidden = !view.reason;
  ui.reason.textContent = view.reason ? fill(_("Not filed, because: {reason}"),
    { reason: view.reason }) : "";
  ui.steps.replaceChildren(...view.steps.map((step) => {
    const item = el("li", null, step.label[lang]);
    const time = el("time", null, when(step.at));
    time.dateTime = step.at;
    item.append(time);
    return item;
  }));
  renderRating(view);
  card.hidden = false;
}

function renderRating(view) {
  ui.rate.hidden = !view.can_rate;
  ui.rateError.hidden = true;
  ui.ratings.replaceChildren(...view.ratings.map((rating) => {
    const button = el("button", "pb-button pb-secondary", rating[lang]);
    button.type = "button";
    button.dataset.rating = rating.code;
    button.addEventListener("click", () => rate(rating.code));
    return button;
  }));
  const given = view.ratings.find((rating) => rating.code === view.rating);
  ui.rated.hidden = !given;
  ui.rated.textContent = given ? fill(_("Your rating: {rating}. Thank you!"),
    { rating: given[lang] }) : "";
}

async function rate(rating) {
  ui.rateError.hidden = true;
  const buttons = ui.ratings.querySelectorAll("button");
  buttons.forEach((button) => { button.disabled = true; });
  const note = ui.note.value.trim();
  const answer = await request(app.api + "/public/cases/" + encodeURIComponent(app.code)
    + "/rating", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(note ? { rating, note } : { rating }) });
  buttons.forEach((button) => { button.disabled = false; });
  if (answer.ok) {
    render(answer.body);
    setState(app, "rated");
  } else {
    showError(ui.rateError, answer.message);  // the note stays, to try again
  }
}

function showError(line, message) {
  line.textContent = message;
  line.hidden = false;
}
