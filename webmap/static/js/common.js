/*
 * What every page script shares: the page's messages and data, signing in (a session
 * begun on /signin, or an API token), the fetch wrapper, and the DOM and status helpers.
 *
 * The base template (webmap/templates/base.html) writes the messages of the page's
 * language as JSON in #lc-messages (from the gettext catalogues in layers/i18n) and a map
 * page's data in #lc-page; nothing is written into the page as inline script.  Text from
 * the server always goes in with textContent, never innerHTML.
 */

//: The signed-in user's API token in sessionStorage (this tab only), for every page.
const TOKEN_KEY = "lianchuang.token";
//: The cookie holding the session's CSRF token (set on /signin; the session cookie itself
//: is HttpOnly): sent back in CSRF_HEADER with every write.
const CSRF_COOKIE = "lianchuang_csrf";
const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const MESSAGES = readJSON("lc-messages") || {};

function readJSON(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

/* ---- messages --------------------------------------------------------------------- */

/** The message *msgid* (its English text) in the page's language. */
export function _(msgid) {
  return MESSAGES[msgid] || msgid;
}

/** The message *msgid* where the English alone is ambiguous; *context* tells which. */
export function pgettext(context, msgid) {
  return MESSAGES[context + "\u0004" + msgid] || msgid;
}

/** *template* with every {name} replaced by values[name] ("" when missing). */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : ""));
}

/** The name of the other page language, in that language (the language switch's text). */
export function otherLanguageName(lang) {
  return lang === "en" ? "中文" : "English";
}

/* ---- the page's data -------------------------------------------------------------- */

/**
 * The data of a folium page (#lc-page): its configuration, and the map and overlay
 * groups folium's script made, looked up by the global names folium gave them.
 */
export function pageData() {
  const data = readJSON("lc-page");
  const lookUp = (names) => Object.fromEntries(
    Object.entries(names).map(([key, name]) => [key, window[name]]));
  document.documentElement.lang = data.config.lang === "en" ? "en" : "zh-CN";
  return { map: window[data.map], groups: lookUp(data.groups), overlays: lookUp(data.overlays),
    config: data.config };
}

/* ---- signing in ------------------------------------------------------------------- */

export function savedToken() {
  return window.sessionStorage.getItem(TOKEN_KEY);
}

/** The user of *token* (GET {api}/me); the token is kept for every later request. */
export async function signIn(api, token) {
  const answer = await request(api + "/me", { headers: { Authorization: "Bearer " + token } });
  if (!answer.ok) throw new Error(answer.message);
  window.sessionStorage.setItem(TOKEN_KEY, token);
  return answer.body;
}

export function signOut() {
  window.sessionStorage.removeItem(TOKEN_KEY);
}

/** The CSRF token of this browser's session, or null when it has not signed in. */
export function csrfToken() {
  const prefix = CSRF_COOKIE + "=";
  const found = document.cookie.split("; ").find((pair) => pair.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : null;
}

/** Whether this browser signed in on /signin (its session cookie goes with every request). */
export function hasSession() {
  return csrfToken() !== null;
}

/** The service's root path, from the page's API root ("/api" under it). */
export function serviceRoot(api) {
  return api.replace(/\/api\/?$/, "");
}

/** The sign-in page, coming back to this page once signed in. */
export function signInUrl(api) {
  const here = window.location.pathname + window.location.search;
  return serviceRoot(api) + "/signin?" + new URLSearchParams({ next: here });
}

/** End the browser's session (POST /signout with its CSRF token) and open the sign-in page. */
export async function endSession(api) {
  const body = new URLSearchParams({ csrf_token: csrfToken() || "" });
  await fetch(serviceRoot(api) + "/signout", { method: "POST", body, credentials: "same-origin" })
    .catch(() => null);
  window.location.assign(serviceRoot(api) + "/signin");
}

/* ---- requests --------------------------------------------------------------------- */

const STATUS_MESSAGES = {
  400: () => _("The request was refused"),
  401: () => _("Sign in first, or sign in again: the token is not valid"),
  403: () => _("Your account may not do this"),
  404: () => _("Not found"),
  409: () => _("Someone changed this just now"),
  413: () => _("The file is too large"),
  503: () => _("The service is unavailable; try again later"),
};

/**
 * fetch with the signed-in user's token, or with the session cookie (and, for a write, its
 * CSRF token); resolves to {ok, status, body, etag, retryAfter, message} whatever the
 * status (retryAfter: the seconds a 429 or 503 asks to wait, else null).  The message of
 * an error answer is in the page's language: the server's own message (ours, or
 * Open311's) when the page is English or the message is Chinese, else what the status means.
 */
export async function request(url, options) {
  const opts = Object.assign({ method: "GET" }, options);
  const headers = Object.assign({ Accept: "application/json" }, opts.headers);
  const token = savedToken();
  if (token && !headers.Authorization) headers.Authorization = "Bearer " + token;
  const csrf = csrfToken();
  if (csrf && !SAFE_METHODS.has(opts.method.toUpperCase())) headers[CSRF_HEADER] = csrf;
  let response;
  try {
    response = await fetch(url, Object.assign({ credentials: "same-origin" }, opts, { headers }));
  } catch {
    return { ok: false, status: 0, body: null, etag: null, retryAfter: null,
      message: _("The service cannot be reached") };
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: the message below says what went wrong
  }
  return {
    ok: response.ok, status: response.status, body, etag: response.headers.get("ETag"),
    retryAfter: Number(response.headers.get("Retry-After")) || null,
    message: response.ok ? "" : errorMessage(response, body),
  };
}

function errorMessage(response, body) {
  const detail = body && body.error ? body.error.message
    : Array.isArray(body) && body[0] && body[0].description ? body[0].description : "";
  const english = document.documentElement.lang === "en";
  if (detail && (english || /[\u4e00-\u9fff]/.test(detail))) return detail;
  const known = STATUS_MESSAGES[response.status];
  const meaning = known ? known()
    : response.status >= 500 ? _("The service failed; the error was logged") : "";
  const text = meaning || _("The request failed");
  return detail ? text + " (" + response.status + ": " + detail + ")"
    : text + " (" + response.status + ")";
}

/** The JSON body of a GET (or of *options*); an error answer throws with its message. */
export async function getJSON(url, options) {
  const answer = await request(url, options);
  if (!answer.ok) throw new Error(answer.message);
  return answer.body;
}

/** The API's links are absolute; follow them on the page's origin (a proxy expects it). */
export function sameOriginPath(href) {
  const url = new URL(href, window.location.href);
  return url.pathname + url.search;
}

/** This page's URL in *lang*. */
export function languageUrl(lang) {
  const params = new URLSearchParams(window.location.search);
  params.set("lang", lang);
  return "?" + params;
}

/* ---- DOM and status --------------------------------------------------------------- */

/** A new *tag* element of *className* holding *text* (a string, or a node). */
/** Show *box* (a panel section) while *overlay* is checked in the layer control, calling
 * *onShow* each time it is switched on; hide it when it is switched off. */
export function boxWithOverlay(map, overlay, box, onShow) {
  map.on("overlayadd", (event) => {
    if (event.layer !== overlay) return;
    box.hidden = false;
    onShow();
  });
  map.on("overlayremove", (event) => {
    if (event.layer === overlay) box.hidden = true;
  });
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text instanceof Node) node.append(text);
  else if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** app.state and document.body.dataset[app.stateKey]: "loading", "ready" or "error". */
export function setState(app, state) {
  app.state = state;
  document.body.dataset[app.stateKey] = state;
}

/** *text* in the page's status line (app.statusLine), red when *isError*. */
export function showStatus(app, text, isError) {
  if (!app.statusLine) return;
  app.statusLine.textContent = text;
  app.statusLine.classList.toggle("lc-error", Boolean(isError));
  if (app.hideEmptyStatus) app.statusLine.hidden = !text;
}

/** The page is in error: the status line says *prefix* and the error's message. */
export function fail(app, error, prefix) {
  setState(app, "error");
  showStatus(app, (prefix || _("Loading failed: ")) + error.message, true);
  console.error("Lianchuang:", error);
}

/** A Leaflet control at *position* holding what build(app) returns. */
export function addControl(app, position, build) {
  const Control = L.Control.extend({
    onAdd: () => {
      const container = build(app);
      container.classList.add("leaflet-control");
      L.DomEvent.disableClickPropagation(container);
      L.DomEvent.disableScrollPropagation(container);
      return container;
    },
  });
  new Control({ position }).addTo(app.map);
}

/* ---- basemap ---------------------------------------------------------------------- */

/** The panel's note that the basemap could not load: hidden until guardBasemap gives up. */
export function basemapNote(className) {
  const note = el("div", "lc-status lc-basemap-note" + (className ? " " + className : ""),
    _("The basemap cannot be reached: the layers are drawn on a plain background"));
  note.hidden = true;
  return note;
}

/**
 * Let one tile of each basemap tile layer of *map* try the tile service before any other
 * tile is asked for.  The first tile that loads lets the basemap draw in full; if a probe
 * fails before any has loaded (no internet, a blocked host), the tile layers are removed
 * (with their attribution) and onFallback() is called once: the layers sit on the plain
 * background, without dozens of failed requests.  Call it before the map has a view.
 */
export function guardBasemap(map, onFallback) {
  const layers = [];
  map.eachLayer((layer) => { if (layer instanceof L.TileLayer) layers.push(layer); });
  let state = "probing";  // then "ok" or "failed"
  const probed = new Set();
  layers.forEach((layer) => {
    const createTile = layer.createTile;
    layer.createTile = function heldTile(coords, done) {
      if (state === "ok" || !probed.has(layer)) {
        probed.add(layer);
        return createTile.call(layer, coords, done);
      }
      return document.createElement("img");  // held back; drawn again once a tile loads
    };
    layer.once("tileload", () => {
      if (state !== "probing") return;
      state = "ok";
      layers.forEach((each) => each.redraw());
    });
    layer.once("tileerror", () => {
      if (state !== "probing") return;
      state = "failed";
      layers.forEach((each) => map.removeLayer(each));
      onFallback();
    });
  });
}
