// The room screen (/exercises/{id}/screen#<observer token>): a read-only page for the projector.
// The clock, the open decisions with their live tally and countdown, and the latest events, in
// large type, kept live over the one WebSocket (js/live.js) like every other page. It shows what
// the observer may see, and of that only what every seat may see: an event whose audience is
// limited (a private consultation, an inject to some seats) is never put on the wall. Any other
// seat's link is refused: the facilitator's view holds what only the facilitator may see, and a
// participant's what only that seat may.

import { ApiError, getEventsBefore, getState } from "./api.js";
import { countdown, exerciseNow, hms, inWorldText, zoneLabel } from "./clock.js";
import { describeEvent } from "./describe.js";
import { fill, h, setText, syncList } from "./dom.js";
import { languageSwitch, N_, t, translateStatic } from "./i18n.js";

translateStatic(document);
import { Live } from "./live.js";
import "./slices.js"; // the areas' folds and sentences
import { createStore } from "./store.js";
import { tokenFrom } from "./token.js";
import { bodyName, decisionKindTitle, exerciseTitle, seatName, voteWord } from "./words.js";
import { tally } from "./views/decisions.js";

const LATEST = 8;
const VOTES = ["for", "against", "abstain"];
const STATUS_WORDS = { new: N_("Not started"), created: N_("Not started"), running: N_("Running"), paused: N_("Paused"),
  ended: N_("Ended") };

const app = document.getElementById("app");
const m = /^\/exercises\/([^/]+)\/screen\/?$/.exec(location.pathname);
const exerciseId = m ? decodeURIComponent(m[1]) : null;
const KEY = `ttx.screen.${exerciseId}`; // not the seat page's key: a tab may hold both

function takeToken() {
  const fromHash = tokenFrom(location.hash.slice(1));
  if (location.hash) history.replaceState(history.state, "", location.pathname + location.search);
  try {
    if (fromHash) sessionStorage.setItem(KEY, fromHash);
    return fromHash || sessionStorage.getItem(KEY);
  } catch {
    return fromHash || null;
  }
}

function message(title, text) {
  fill(app, h("main", { id: "main", class: "message-page", tabIndex: -1 }, h("h1", {}, title), h("p", {}, text)));
}

/** Only what every seat may see: the wall of the room is public. */
const isPublic = (e) => e.audience === null || e.audience === undefined;

function clockPart() {
  const status = h("span", { class: "badge status-badge", id: "screen-status" });
  const speed = h("span", { class: "speed" });
  const exTime = h("span", { class: "screen-clock", role: "timer", id: "screen-time", "aria-label": t("Exercise time") });
  const world = h("span", { class: "screen-world", id: "screen-world" });
  const title = h("h1", { class: "screen-title" });
  const el = h("header", { class: "screen-top" },
    h("div", { class: "screen-head" }, title, h("p", { class: "screen-sub" }, status, " ", speed)),
    h("div", { class: "screen-clocks" }, exTime, world),
    h("div", { class: "screen-tools" }, languageSwitch()));
  return {
    el,
    update(ctx) {
      const v = ctx.view;
      setText(title, exerciseTitle(v));
      setText(status, t(STATUS_WORDS[v.exercise.status] || v.exercise.status));
      status.className = `badge status-badge st-${v.exercise.status}`;
      const c = v.exercise.clock;
      setText(speed, v.exercise.status === "running" ? t("speed ×{speed}", { speed: c.speed }) : "");
      this.tick(ctx);
    },
    tick(ctx) {
      const now = ctx.now();
      setText(exTime, hms(now));
      setText(world, `${inWorldText(ctx.view.exercise.start, now)} ${zoneLabel(ctx.view.exercise.start)}`.trim());
    },
  };
}

function decisionCard() {
  const title = h("h3", {});
  const meta = h("p", { class: "meta" });
  const counts = Object.fromEntries([...VOTES, "not_voted"].map((k) => [k, h("span", { class: "n" })]));
  const words = Object.fromEntries([...VOTES, "not_voted"].map((k) => [k, h("span", { class: "w" })]));
  const bars = h("div", { class: "tally-bar", "aria-hidden": "true" },
    [...VOTES, "not_voted"].map((k) => h("span", { class: `seg seg-${k}`, dataset: { kind: k } })));
  const row = h("p", { class: "screen-tally", "aria-live": "polite" },
    [...VOTES, "not_voted"].map((k) => h("span", { class: `count count-${k}`, dataset: { kind: k } }, counts[k], " ", words[k])));
  const deadline = h("p", { class: "deadline" });
  const el = h("article", { class: "screen-decision" }, title, meta, row, bars, deadline);
  let dec = null;
  return {
    el,
    update(d, ctx) {
      dec = d;
      el.dataset.id = d.id;
      const v = ctx.view;
      setText(title, d.title);
      setText(meta, `${bodyName(v, d.body)} · ${decisionKindTitle(v, d.kind)} · ${t("proposed by {seat}", { seat: seatName(v, d.proposer) })}`);
      const n = tally(d);
      for (const k of VOTES) {
        setText(counts[k], n[k]);
        setText(words[k], voteWord(v, k));
      }
      setText(counts.not_voted, n.not_voted);
      setText(words.not_voted, t("not voted"));
      for (const seg of bars.children) seg.dataset.share = String(n.eligible ? Math.round((100 * n[seg.dataset.kind]) / n.eligible) : 0);
      for (const seg of bars.children) seg.className = `seg seg-${seg.dataset.kind} w${Math.round(Number(seg.dataset.share) / 5) * 5}`;
      this.tick(ctx);
    },
    tick(ctx) {
      if (!dec || dec.deadline === null) {
        deadline.hidden = true;
        return;
      }
      deadline.hidden = false;
      const left = dec.deadline - ctx.now();
      setText(deadline, left > 0 ? t("Closes in {left}", { left: countdown(left) }) : t("Deadline reached"));
      deadline.classList.toggle("urgent", left > 0 && left < 300);
    },
  };
}

function decisionsPart() {
  const list = h("div", { class: "screen-decisions", id: "screen-decisions" });
  const empty = h("p", { class: "note" }, t("No open decisions."));
  const el = h("section", { class: "screen-panel", "aria-labelledby": "screen-decisions-h" },
    h("h2", { id: "screen-decisions-h" }, t("Open decisions")), empty, list);
  return {
    el,
    update(ctx) {
      // a decision goes on the wall when its proposal was public
      const open = new Set(ctx.index.of("decision_proposed").filter(isPublic).map((e) => e.data.decision_id));
      const items = ctx.view.decisions.filter((d) => d.status === "open" && open.has(d.id))
        .sort((a, b) => a.proposed_at - b.proposed_at);
      // the screen starts from the most recent events: read back to the proposal of an older open decision
      if (ctx.view.decisions.some((d) => d.status === "open" && !open.has(d.id)) && ctx.store.eventsPage.has_more) {
        ctx.store.loadOlderEvents().catch(() => { /* the next render asks again */ });
      }
      empty.hidden = items.length > 0;
      syncList(list, items, (d) => d.id, () => decisionCard(), ctx);
    },
    tick(ctx) {
      for (const part of (list._keyed || new Map()).values()) part.tick(ctx);
    },
  };
}

function latestPart() {
  const list = h("ol", { class: "screen-latest", id: "screen-latest", "aria-live": "polite" });
  const empty = h("p", { class: "note" }, t("Nothing has happened yet."));
  const el = h("section", { class: "screen-panel", "aria-labelledby": "screen-latest-h" },
    h("h2", { id: "screen-latest-h" }, t("Latest")), empty, list);
  let shownSeq = -1;
  return {
    el,
    update(ctx) {
      const events = ctx.events.filter(isPublic).slice(-LATEST).reverse();
      const top = events.length ? events[0].seq : 0;
      empty.hidden = events.length > 0;
      if (top === shownSeq) return;
      shownSeq = top;
      fill(list, events.map((e) => {
        const d = describeEvent(e, ctx.view);
        return h("li", { class: ["screen-event", `k-${d.kind}`], dataset: { seq: String(e.seq), type: e.type } },
          h("span", { class: "when" }, hms(e.exercise_time)), " ",
          d.kind === "inject" ? h("strong", { class: "inject-title" }, d.title) : h("span", { class: "text" }, d.text));
      }));
    },
  };
}

const EVENTS_PAGE = 200;

function start(view, events, eventsPage) {
  const store = createStore(view, events, {
    reload: (at) => getState(exerciseId, token, { at }),
    alwaysReload: true, // the observer's view lists deliveries it is not sent (js/store.js)
    eventsPage,
    olderEvents: (before) => getEventsBefore(exerciseId, token, before, EVENTS_PAGE),
  });
  const ctxOf = () => ({ store, view: store.view, events: store.events, index: store.index,
    now: () => exerciseNow(store.view, store.skew) });
  const banner = h("div", { class: "banner", role: "status", id: "connection-banner", hidden: true });
  const parts = [clockPart(), decisionsPart(), latestPart()];
  fill(app, h("div", { class: "screen" }, parts[0].el, banner,
    h("main", { id: "main", class: "screen-main" }, parts[1].el, parts[2].el)));
  document.title = `${t("Room screen")} · ${exerciseTitle(view)} · ttx`;
  const render = () => {
    const ctx = ctxOf();
    for (const p of parts) p.update(ctx);
    const c = store.connection;
    banner.hidden = c.state === "live";
    setText(banner, c.state === "fatal" ? t("Disconnected: {why}", { why: c.message }) : t("Reconnecting to the live feed…"));
    store.renderedSeq = store.lastSeq;
  };
  store.subscribe(render);
  render();
  setInterval(() => { const ctx = ctxOf(); for (const p of parts) if (p.tick) p.tick(ctx); }, 1000);
  const live = new Live({
    exerciseId, token, after: () => store.lastSeq,
    onEvent: (e) => store.accept(e), onPresence: (online) => store.setPresence(online),
    onStatus: (s) => store.setConnection(s), onSkew: (ms) => store.setSkew(ms),
  });
  live.start();
  window.ttx = { store, drop: (why) => live.drop(why) };
}

let token = exerciseId ? takeToken() : null;

async function boot() {
  if (!exerciseId) return message(t("Not an exercise"), t("This address does not name an exercise."));
  if (!token) return message(t("Room screen"), t("Open the room screen with the observer's link: its address followed by # and the observer's token."));
  try {
    const view = await getState(exerciseId, token);
    if (view.seat !== "observer") {
      token = null;
      try { sessionStorage.removeItem(KEY); } catch { /* nothing kept */ }
      return message(t("Room screen"), t("The room screen shows only what the observer sees: open it with the observer's link, not this seat's."));
    }
    // the most recent events, not the whole log
    const page = await getEventsBefore(exerciseId, token, view.exercise.version + 1, EVENTS_PAGE);
    start(view, page.events, { has_more: page.has_more, before: page.before });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) {
      return message(t("Room screen"), e.message);
    }
    message(t("Cannot reach the server"), String(e.message || e));
    setTimeout(boot, 3000);
  }
}

boot();
