// The start page: the shipped scenarios, creating an exercise (asking for the admin token when the
// server wants one), then every seat's secret join link with a copy button and a QR code; the
// exercises this browser created (js/directory.js) and, with the admin token, every exercise on
// the server (GET /api/exercises).

import { ApiError, createExercise, getJSON, listScenarios, qrCode } from "./api.js";
import { inWorldText } from "./clock.js";
import { forgetExercise, keepExercise, keptExercises } from "./directory.js";
import { fill, h } from "./dom.js";
import { languageSwitch, N_, t, translateStatic } from "./i18n.js";
import { largeTypeToggle } from "./views/header.js";

translateStatic(document);

const list = document.getElementById("scenarios");
const created = document.getElementById("created");
const createdBody = document.getElementById("created-body");
const customBody = document.getElementById("custom-body");
document.getElementById("tools").append(languageSwitch(), largeTypeToggle());

let adminToken = null; // kept in memory only
let blobUrls = [];

// --- admin token ----------------------------------------------------------------------------

const adminInput = h("input", { type: "password", id: "admin-token", autocomplete: "off" });
const adminBox = h("form", { class: "admin", hidden: true, onsubmit: (ev) => ev.preventDefault() },
  h("div", { class: "field" }, h("label", { for: adminInput.id }, t("Admin token")), adminInput,
    h("span", { class: "hint" }, t("This server asks for its admin token (TTX_ADMIN_TOKEN) to create exercises."))));
list.before(adminBox);

// --- creating -------------------------------------------------------------------------------

async function create(body, button, status) {
  if (button.disabled) return;
  button.disabled = true;
  fill(status, t("Creating the exercise…"));
  status.className = "status busy";
  if (!adminBox.hidden) adminToken = adminInput.value.trim() || null;
  try {
    const out = await createExercise(body, adminToken);
    fill(status, "");
    status.className = "status";
    keepExercise(out);
    renderMine();
    showCreated(out);
  } catch (e) {
    status.className = "status error";
    if (e instanceof ApiError && (e.code === "admin_token_required" || e.code === "bad_admin_token")) {
      adminBox.hidden = false;
      fill(status, h("span", { role: "alert" }, e.code === "bad_admin_token"
        ? t("That is not the admin token. Check it and press the button again.")
        : t("This server needs the admin token to create exercises. Enter it above and press the button again.")));
      adminInput.focus();
    } else {
      const details = e instanceof ApiError && Array.isArray(e.details)
        ? h("ul", {}, e.details.slice(0, 20).map((d) => h("li", {}, [d.line ? `${t("line {line}", { line: d.line })}: ` : "", d.field || d.loc || "", d.field ? ": " : "", d.message || JSON.stringify(d)])))
        : null;
      fill(status, h("span", { role: "alert" }, e.message), details);
    }
  } finally {
    button.disabled = false;
  }
}

/**
 * The seats of a scenario in its own words: how many of each kind, and of each status within a
 * kind ("12 State (9 member, 3 observer), 1 Office").
 */
export function seatCounts(sc) {
  const name = (list, id) => {
    const found = (list || []).find((x) => x.id === id);
    return found ? found.name : String(id).replaceAll("_", " ");
  };
  const kinds = new Map();
  for (const s of sc.seats) {
    if (!kinds.has(s.kind)) kinds.set(s.kind, new Map());
    const statuses = kinds.get(s.kind);
    statuses.set(s.status, (statuses.get(s.status) || 0) + 1);
  }
  const parts = [...kinds].map(([kind, statuses]) => {
    const n = [...statuses.values()].reduce((a, b) => a + b, 0);
    const named = [...statuses].filter(([status]) => status !== null && status !== undefined);
    const detail = named.length > 1 || (named.length === 1 && named[0][1] !== n)
      ? ` (${named.map(([status, k]) => `${k} ${name(sc.statuses, status)}`).join(", ")})` : "";
    return `${n} ${name(sc.seat_kinds, kind)}${detail}`;
  });
  return sc.seats.length === 1 ? t("1 seat: {parts}", { parts: parts.join(", ") })
    : t("{n} seats: {parts}", { n: sc.seats.length, parts: parts.join(", ") });
}

function scenarioCard(sc) {
  const button = h("button", { type: "button", class: "primary", dataset: { scenario: sc.id } }, t("Create exercise"));
  const status = h("p", { class: "status", "aria-live": "polite" });
  button.addEventListener("click", () => create({ scenario: sc.id }, button, status));
  return h("article", { class: "card scenario", dataset: { id: sc.id } },
    h("h3", {}, sc.title),
    h("p", { class: "meta" }, t("{seats} · {injects} injects · {expectations} expectations · starts {start}", {
      seats: seatCounts(sc), injects: sc.injects, expectations: sc.expectations, start: inWorldText(sc.start, 0, { seconds: false }) })),
    h("p", {}, sc.summary),
    h("details", {}, h("summary", {}, t("Seats")), h("p", {}, sc.seats.map((s) => `${s.name} (${s.seat})`).join(", "))),
    h("div", { class: "buttons" }, button), status);
}

async function loadScenarios() {
  try {
    const scenarios = await listScenarios();
    fill(list, scenarios.length ? scenarios.map(scenarioCard) : h("p", {}, t("No scenarios are installed on this server.")));
  } catch (e) {
    const retry = h("button", { type: "button" }, t("Try again"));
    retry.addEventListener("click", loadScenarios);
    fill(list, h("p", { class: "status error", role: "alert" }, t("Could not load the scenarios: {error}", { error: e.message })), retry);
  }
}

function customForm() {
  const text = h("textarea", { id: "definition", rows: 8, spellcheck: "false", placeholder: '{"id": "my-scenario", "title": "...", "start": "2026-01-01T09:00:00+00:00", "seats": [...]}' });
  const button = h("button", { type: "button" }, t("Create from this definition"));
  const status = h("p", { class: "status", "aria-live": "polite" });
  button.addEventListener("click", () => {
    let definition;
    try {
      definition = JSON.parse(text.value);
    } catch (e) {
      status.className = "status error";
      fill(status, h("span", { role: "alert" }, t("That is not valid JSON: {error}", { error: e.message })));
      return;
    }
    create({ definition }, button, status);
  });
  fill(customBody, h("details", {}, h("summary", {}, t("Create an exercise from a scenario definition (JSON)")),
    h("div", { class: "field" }, h("label", { for: text.id }, t("Scenario definition, as JSON (see docs/SCENARIOS.md)")), text),
    h("div", { class: "buttons" }, button), status));
}

// --- the join links ---------------------------------------------------------------------------

async function copy(text, input, status) {
  try {
    if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(text);
    else {
      input.select();
      if (!document.execCommand("copy")) throw new Error("copy refused");
    }
    fill(status, t("Copied."));
  } catch {
    input.select();
    fill(status, t("Select the link and copy it by hand (Ctrl+C)."));
  }
  setTimeout(() => fill(status, ""), 4000);
}

function seatCard(seat) {
  const input = h("input", { type: "text", readOnly: true, value: seat.join_url, id: `link-${seat.seat}`, class: "join-link",
    spellcheck: "false", "aria-label": t("Join link for {seat}", { seat: seat.name }) });
  input.addEventListener("focus", () => input.select());
  const copied = h("span", { class: "copied", "aria-live": "polite" });
  const copyButton = h("button", { type: "button", class: "copy", "aria-label": t("Copy the join link for {seat}", { seat: seat.name }) }, t("Copy"));
  copyButton.addEventListener("click", () => copy(seat.join_url, input, copied));
  const open = h("a", { href: seat.join_url, target: "_blank", rel: "noopener noreferrer", class: "button open",
    "aria-label": t("Open the {seat} seat in a new tab", { seat: seat.name }) }, t("Open"));
  const img = h("img", { alt: t("QR code of the join link for {seat}", { seat: seat.name }), class: "qr-img", width: 132, height: 132 });
  const qrButton = h("button", { type: "button", class: "qr", "aria-pressed": "false", "aria-label": t("Enlarge the QR code for {seat}", { seat: seat.name }) }, img);
  qrButton.addEventListener("click", () => {
    const big = qrButton.classList.toggle("big");
    qrButton.setAttribute("aria-pressed", String(big));
  });
  qrCode(seat.join_url).then((blob) => {
    const url = URL.createObjectURL(blob);
    blobUrls.push(url);
    img.src = url;
  }).catch(() => {
    img.alt = t("(no QR code: {seat})", { seat: seat.name });
  });
  const kind = { facilitator: t("runs the exercise"), observer: t("watches, read-only") }[seat.kind] || seat.kind.replaceAll("_", " ");
  return h("li", { class: ["card", "seat-card", `kind-${seat.kind}`], dataset: { seat: seat.seat } },
    h("h3", {}, seat.name, " ", h("span", { class: "seat-id" }, `${seat.seat} · ${kind}`)),
    qrButton, input, h("div", { class: "buttons" }, copyButton, open, copied));
}

function downloadLinks(out) {
  const lines = [`${out.title} (${out.id})`, t("Secret join links: one per seat. Hand each only to its player."), "",
    ...out.seats.map((s) => `${s.seat.padEnd(12)} ${s.name.padEnd(40)} ${s.join_url}`)];
  const url = URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/plain" }));
  blobUrls.push(url);
  const a = h("a", { href: url, download: `${out.id}-join-links.txt`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
}

function showCreated(out) {
  for (const url of blobUrls) URL.revokeObjectURL(url);
  blobUrls = [];
  const facilitator = out.seats.find((s) => s.seat === "facilitator");
  const dl = h("button", { type: "button" }, t("Download all links (.txt)"));
  dl.addEventListener("click", () => downloadLinks(out));
  const host = out.seats.length ? new URL(out.seats[0].join_url).hostname : "";
  const loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].includes(host);
  fill(createdBody,
    h("p", { class: "created-title", dataset: { id: out.id } }, h("strong", {}, out.title), ` · ${t("exercise {id}", { id: out.id })}`),
    loopback ? h("p", { class: "note" }, t("These links point at {host}, which other devices cannot reach. For phones in the room, start the server on the network (ttx serve --host 0.0.0.0) with TTX_PUBLIC_URL set to the address they can reach.", { host })) : null,
    h("p", { class: "warning", role: "note" }, h("strong", {}, t("These links are secret.")), " ",
      t("Whoever has a link plays that seat. Hand each one only to its player (or let them scan its QR code). This browser keeps them under “Your exercises” until you forget the exercise there.")),
    h("div", { class: "buttons" },
      facilitator ? h("a", { href: facilitator.join_url, class: "button primary", target: "_blank", rel: "noopener noreferrer" }, t("Open the facilitator console")) : null,
      dl),
    h("ul", { class: "seat-cards", id: "seat-links", "aria-label": t("Seats and their join links") }, out.seats.map(seatCard)));
  created.hidden = false;
  document.getElementById("created-h").focus();
}

// --- the exercises of this browser, and of the server ---------------------------------------------

const mine = document.getElementById("mine");
const mineList = document.getElementById("mine-list");

function localTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

function keptCard(entry) {
  const facilitator = entry.seats.find((s) => s.seat === "facilitator");
  const links = h("button", { type: "button", class: "show-links" }, t("Join links"));
  links.addEventListener("click", () => showCreated(entry));
  const forget = h("button", { type: "button", class: "forget" }, t("Forget"));
  forget.addEventListener("click", () => {
    forgetExercise(entry.id);
    if (createdBody.querySelector(".created-title")?.dataset.id === entry.id) created.hidden = true;
    renderMine();
  });
  return h("li", { class: ["card", "kept"], dataset: { id: entry.id } },
    h("h3", {}, entry.title),
    h("p", { class: "meta" }, `${entry.scenario} · ${entry.id} · ${t("created {time}", { time: localTime(entry.created) })}`),
    h("div", { class: "buttons" },
      facilitator ? h("a", { href: facilitator.join_url, class: "button open-console", target: "_blank", rel: "noopener noreferrer" },
        t("Open the facilitator console")) : null,
      links, forget));
}

function renderMine() {
  const kept = keptExercises();
  mine.hidden = kept.length === 0;
  fill(mineList, kept.map(keptCard));
}

const STATUSES = { created: N_("not started"), running: N_("running"), paused: N_("paused"), ended: N_("ended") };
const statusWord = (s) => (STATUSES[s] ? t(STATUSES[s]) : String(s));

function directoryPanel() {
  const body = document.getElementById("directory-body");
  const input = h("input", { type: "password", id: "directory-token", autocomplete: "off" });
  const button = h("button", { type: "submit" }, t("List every exercise"));
  const status = h("p", { class: "status", "aria-live": "polite" });
  const rows = h("tbody", { id: "directory-rows" });
  const table = h("table", { class: "directory", hidden: true },
    h("thead", {}, h("tr", {}, [t("Title"), t("Scenario"), t("Status"), t("Created"), t("Seats"), t("Online"), ""].map((x) => h("th", { scope: "col" }, x)))),
    rows);
  const more = h("button", { type: "button", hidden: true }, t("More"));
  let token = null;
  let next = null;

  function row(e) {
    const kept = keptExercises().find((k) => k.id === e.id);
    const facilitator = kept && kept.seats.find((s) => s.seat === "facilitator");
    return h("tr", { dataset: { id: e.id } },
      h("td", {}, e.title, h("br"), h("span", { class: "seat-id" }, e.id)), h("td", {}, e.scenario),
      h("td", {}, e.read_only ? t("{status} (read-only)", { status: statusWord(e.status) }) : statusWord(e.status)), h("td", {}, localTime(e.created)),
      h("td", { class: "num" }, String(e.seats)), h("td", { class: "num" }, String(e.online)),
      h("td", {}, facilitator ? h("a", { href: facilitator.join_url, target: "_blank", rel: "noopener noreferrer" }, t("Open")) : ""));
  }

  async function load(first) {
    if (first) {
      token = input.value.trim() || adminToken || null;
      next = null;
    }
    button.disabled = more.disabled = true;
    status.className = "status busy";
    fill(status, t("Loading…"));
    try {
      const page = await getJSON(`/api/exercises?limit=50${next ? `&cursor=${encodeURIComponent(next)}` : ""}`, token);
      if (first) fill(rows);
      rows.append(...page.exercises.map(row));
      next = page.next;
      more.hidden = !next;
      table.hidden = false;
      status.className = "status";
      const n = rows.children.length;
      fill(status, !n ? t("There are no exercises on this server yet.")
        : next ? t("{n} exercises so far.", { n }) : n === 1 ? t("1 exercise.") : t("{n} exercises.", { n }));
    } catch (e) {
      status.className = "status error";
      fill(status, h("span", { role: "alert" }, e instanceof ApiError && (e.code === "admin_token_required" || e.code === "bad_admin_token")
        ? t("Listing every exercise needs this server's admin token (TTX_ADMIN_TOKEN).") : e.message));
    } finally {
      button.disabled = more.disabled = false;
    }
  }

  const form = h("form", { class: "admin directory-form" },
    h("div", { class: "field" }, h("label", { for: input.id }, t("Administrator's token")), input,
      h("span", { class: "hint" }, t("Every exercise on the server is listed to its administrator only."))),
    h("div", { class: "buttons" }, button));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(true); });
  more.addEventListener("click", () => load(false));
  fill(body, form, status, table, more);
}

loadScenarios();
customForm();
renderMine();
directoryPanel();
