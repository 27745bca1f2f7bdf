// HTTP calls to the server. Errors come back as ApiError with the server's own sentence: every
// request asks in the reader's language (Accept-Language), and a refusal the server says in it
// (`error.localized`, from its catalog, with the scenario's names in the scenario's words) is shown
// so; else its English `message`.

import { language, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Could not reach the server (offline, connection dropped): the outcome is unknown. */
export class NetworkError extends Error {}

/** A UUID v4; crypto.randomUUID needs a secure context, phones on http://LAN-address do not have one. */
export function newKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function headers(token, extra = {}) {
  const out = { Accept: "application/json", "Accept-Language": language(), ...extra };
  if (token) out.Authorization = `Bearer ${token}`;
  return out;
}

async function errorFrom(resp) {
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  const err = body && body.error;
  if (err && typeof err.message === "string") {
    const said = err.localized && err.localized.lang === language() && typeof err.localized.message === "string"
      ? err.localized.message : err.message;
    return new ApiError(resp.status, err.code || "error", said, err.details);
  }
  return new ApiError(resp.status, "http_error", t("The server answered {status}", { status: `${resp.status} ${resp.statusText || ""}`.trim() }));
}

/** fetch, turning a failed connection into NetworkError and a non-2xx answer into ApiError. */
export async function request(path, { method = "GET", token, body, extraHeaders, accept } = {}) {
  const init = { method, headers: headers(token, extraHeaders), cache: "no-store", referrerPolicy: "no-referrer" };
  if (accept) init.headers.Accept = accept;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    throw new NetworkError(t("Could not reach the server. Check the connection and try again."));
  }
  if (!resp.ok) throw await errorFrom(resp);
  return resp;
}

export async function getJSON(path, token) {
  return (await request(path, { token })).json();
}

export async function postJSON(path, body, token) {
  return (await request(path, { method: "POST", body, token })).json();
}

export function listScenarios() {
  return getJSON("/api/scenarios");
}

export function createExercise(body, adminToken) {
  return postJSON("/api/exercises", body, adminToken);
}

export async function qrCode(text) {
  const resp = await request("/api/qr", { method: "POST", body: { text }, accept: "image/svg+xml" });
  return resp.blob();
}

const RETRY_DELAYS = [400, 1000, 2000, 4000];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Send one command. `key` is the Idempotency-Key of this user action: automatic retries (network
 * failure, server busy) reuse it, so the server records the action at most once.
 */
export async function sendCommand(exerciseId, token, command, key) {
  let last;
  for (let attempt = 0; attempt <= RETRY_DELAYS.length; attempt += 1) {
    try {
      const resp = await request(`/api/exercises/${encodeURIComponent(exerciseId)}/commands`, {
        method: "POST", token, body: command, extraHeaders: { "Idempotency-Key": key },
      });
      return await resp.json();
    } catch (e) {
      last = e;
      const retryable = e instanceof NetworkError ||
        (e instanceof ApiError && (e.code === "busy" || e.status === 502 || e.status === 503 || e.status === 504));
      if (!retryable || attempt === RETRY_DELAYS.length) throw e;
      await sleep(RETRY_DELAYS[attempt]);
    }
  }
  throw last;
}

export function exercisePath(exerciseId, rest) {
  return `/api/exercises/${encodeURIComponent(exerciseId)}/${rest}`;
}

export async function getState(exerciseId, token, params = {}) {
  const qs = new URLSearchParams(params).toString();
  const t0 = Date.now();
  const view = await getJSON(exercisePath(exerciseId, `state${qs ? `?${qs}` : ""}`), token);
  const t1 = Date.now();
  // the server's clock minus ours, measured at the middle of the round trip
  view._skew = typeof view.server_time === "number" ? view.server_time * 1000 - (t0 + t1) / 2 : 0;
  return view;
}

/**
 * The last `limit` visible events before seq `before`, in order: {events, has_more, before} (pass
 * `before` on to read the page before these).
 */
export function getEventsBefore(exerciseId, token, before, limit = 200) {
  return getJSON(exercisePath(exerciseId, `events?before=${before}&limit=${limit}`), token);
}

/**
 * Older rows of one list of the seat's view (`decisions`, `injects`...): those before the row
 * `before` (`view.pages[key].before`), oldest first: {items, has_more, before}.
 */
export function getOlderRows(exerciseId, token, key, before, params = {}) {
  const qs = new URLSearchParams({ before, ...params }).toString();
  return getJSON(exercisePath(exerciseId, `state/${encodeURIComponent(key)}?${qs}`), token);
}

/** Every visible event with seq > after, paging through the log. */
export async function getEvents(exerciseId, token, after = 0) {
  const out = [];
  let cursor = after;
  for (;;) {
    const page = await getJSON(exercisePath(exerciseId, `events?after=${cursor}&limit=1000`), token);
    out.push(...page.events);
    if (page.events.length < 1000 || page.next_after === null || page.next_after <= cursor) break;
    cursor = page.next_after;
  }
  return out;
}
