// The top of the exercise page: who I am, the exercise, its status and the two clocks, the
// large-type toggle; and the banner that says when the live connection is down.

import { hms, inWorldText, zoneLabel } from "../clock.js";
import { h, setText } from "../dom.js";
import { exerciseTitle, seatName, standing } from "../words.js";
import { languageSwitch, N_, t } from "../i18n.js";

const STATUS_WORDS = { new: N_("Not started"), created: N_("Not started"), running: N_("Running"), paused: N_("Paused"), ended: N_("Ended") };
const ROLE_WORDS = { facilitator: N_("Facilitator console"), observer: N_("Observer") };

export function largeTypeToggle() {
  const on = () => document.documentElement.classList.contains("large");
  const button = h("button", { type: "button", class: "toggle", "aria-pressed": "false" }, t("Large type"));
  const set = (value) => {
    document.documentElement.classList.toggle("large", value);
    button.setAttribute("aria-pressed", String(value));
    try { localStorage.setItem("ttx.large", value ? "1" : "0"); } catch { /* fine */ }
  };
  button.addEventListener("click", () => set(!on()));
  let saved = false;
  try { saved = localStorage.getItem("ttx.large") === "1"; } catch { /* fine */ }
  set(saved);
  return button;
}

export function header() {
  const title = h("span", { class: "ex-title" });
  const seat = h("span", { class: "seat-name" });
  const role = h("span", { class: "role" });
  const status = h("span", { class: "badge status-badge", id: "exercise-status" });
  const speed = h("span", { class: "speed" });
  const exTime = h("span", { class: "clock-ex", role: "timer", "aria-label": t("Exercise time"), id: "exercise-time" });
  const world = h("span", { class: "clock-world", id: "world-time" });
  const zone = h("span", { class: "zone" });
  const el = h("header", { class: "topbar" },
    h("div", { class: "brand" }, h("a", { href: "/", class: "home", "aria-label": t("ttx start page") }, "ttx")),
    h("div", { class: "who" }, h("h1", {}, seat, " ", role), h("p", { class: "sub" }, title)),
    h("div", { class: "clock", "aria-label": t("Exercise clock") },
      h("div", { class: "clock-row" }, status, " ", speed),
      h("div", { class: "clock-row" }, h("span", { class: "label" }, t("Exercise time"), " "), exTime),
      h("div", { class: "clock-row" }, h("span", { class: "label" }, t("In-world"), " "), world, " ", zone)),
    h("div", { class: "tools" }, languageSwitch(), largeTypeToggle()));

  function update(ctx) {
    const v = ctx.view;
    setText(title, exerciseTitle(v));
    setText(seat, v.me ? seatName(v, v.me.seat) : (ROLE_WORDS[v.seat] ? t(ROLE_WORDS[v.seat]) : v.seat));
    // a member is the usual case; any other standing (an applicant, an office, ...) is said
    setText(role, v.me ? `(${v.me.seat}${v.me.member ? "" : `, ${standing(v, v.me)}`})` : "");
    setText(status, STATUS_WORDS[v.exercise.status] ? t(STATUS_WORDS[v.exercise.status]) : v.exercise.status);
    status.className = `badge status-badge st-${v.exercise.status}`;
    const c = v.exercise.clock;
    setText(speed, v.exercise.status === "running" ? t("speed ×{speed}", { speed: c.speed }) : v.exercise.status === "paused" ? t("clock stopped (×{speed})", { speed: c.speed }) : "");
    setText(zone, zoneLabel(v.exercise.start));
    tick(ctx);
  }

  function tick(ctx) {
    const t = ctx.now();
    setText(exTime, hms(t));
    setText(world, inWorldText(ctx.view.exercise.start, t));
  }

  return { el, update, tick };
}

export function connectionBanner() {
  const msg = h("span", { class: "msg" });
  const count = h("span", { class: "count", "aria-hidden": "true" });
  const el = h("div", { class: "banner", role: "status", id: "connection-banner", hidden: true }, msg, " ", count);
  let retryAt = 0;
  let last = null;
  function update(ctx) {
    const c = ctx.store.connection;
    last = c;
    el.hidden = c.state === "live";
    el.className = `banner ${c.state}`;
    el.dataset.state = c.state;
    if (c.state === "live") setText(msg, "");
    else if (c.state === "fatal") setText(msg, t("Disconnected: {why}", { why: c.message }));
    else if (c.state === "connecting") setText(msg, t("Connecting to the live feed…"));
    else {
      setText(msg, (c.message ? t("Disconnected from the live feed ({why}).", { why: c.message }) : t("Disconnected from the live feed.")) +
        " " + t("What you see may be out of date; nothing will be lost when the connection is back."));
      retryAt = Date.now() + (c.retryIn || 0);
    }
    tick();
  }
  function tick() {
    if (!last || last.state !== "offline") {
      setText(count, "");
      return;
    }
    const secs = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    setText(count, secs ? t("Reconnecting in {secs} s…", { secs }) : t("Reconnecting…"));
  }
  return { el, update, tick };
}
