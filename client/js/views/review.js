// Replay: a scrubber over the whole log. The state at event N is the fold of the events up to N
// over the seat's view after event 1 (GET /state?at=1), computed here in the browser, so playback
// costs the server nothing. Play/pause steps through the events at a chosen pace. The page starts
// with the most recent events only: the replay reads the rest of the log when it is first opened.

import { getState } from "../api.js";
import { hms, inWorldText } from "../clock.js";
import { fill, h, select, setText } from "../dom.js";
import { fold } from "../fold.js";
import { ALL_ROLES, registerPanel, snapshotParts } from "../registry.js";
import { feedItem } from "./feed.js";
import { facts, note, panel } from "./common.js";
import { N_, t } from "../i18n.js";

const STATUS = { created: N_("not started"), new: N_("not started"), running: N_("running"), paused: N_("paused"), ended: N_("ended") };
const statusWord = (s) => (STATUS[s] ? t(STATUS[s]) : s);

export function reviewPanel({ exerciseId, token }) {
  const p = panel(t("Replay"), { className: "replay", id: "replay" });
  const range = h("input", { type: "range", min: 1, max: 1, step: 1, value: "1", id: "scrubber" });
  const position = h("p", { class: "position", id: "scrub-position", "aria-live": "polite" });
  const play = h("button", { type: "button", class: "primary", id: "play" }, t("Play"));
  const back = h("button", { type: "button", "aria-label": t("Previous event") }, `◀ ${t("Step")}`);
  const fwd = h("button", { type: "button", "aria-label": t("Next event") }, `${t("Step")} ▶`);
  const latest = h("button", { type: "button" }, t("Latest"));
  const pace = select([["1", t("1 event/s")], ...[2, 5, 10, 25].map((n) => [String(n), t("{n} events/s", { n })])],
    { id: "play-speed" });
  const snapshot = h("div", { class: "snapshot", id: "snapshot" });
  const recent = h("ol", { class: "feed replay-feed", "aria-label": t("Events up to this moment, latest first") });
  p.body.append(
    h("div", { class: "field scrub" }, h("label", { for: range.id }, t("Event")), range),
    position,
    h("div", { class: "buttons" }, back, play, fwd, latest, h("label", { for: pace.id }, t("Pace")), pace),
    snapshot,
    h("h3", {}, t("Events up to this moment")), recent);

  let base = null;
  let loading = null;
  let ctx = null;
  let folded = null; // {n, view}
  let timer = null;
  let followLatest = true;

  async function ensureBase() {
    if (base || loading) return loading;
    loading = getState(exerciseId, token, { at: 1 }).then((v) => { base = v; }).catch((e) => {
      fill(snapshot, note(t("Could not load the start of the log: {why}", { why: e.message }), "status error"));
    }).finally(() => { loading = null; });
    return loading;
  }

  function head() {
    return ctx ? Math.max(1, ctx.store.lastSeq) : 1;
  }

  function viewAt(n) {
    const events = ctx.events;
    if (!folded || folded.n > n) folded = { n: 1, view: base };
    if (n > folded.n) {
      const delta = events.filter((e) => e.seq > folded.n && e.seq <= n && e.seq > 1);
      folded = { n, view: fold(folded.view, delta) };
    }
    return folded.view;
  }

  function show(n) {
    if (!base || !ctx) return;
    n = Math.min(Math.max(1, n), head());
    range.value = String(n);
    const v = viewAt(n);
    const shownEvents = ctx.events.filter((e) => e.seq <= n);
    const last = shownEvents[shownEvents.length - 1];
    const tm = last ? last.exercise_time : 0;
    setText(position, t("Event {n} of {head} · exercise time {time} · {world} in-world · status {status}", { n, head: head(),
      time: hms(tm), world: inWorldText(v.exercise.start, tm), status: statusWord(v.exercise.status) }));
    range.setAttribute("aria-valuetext", t("event {n} of {head}, exercise time {time}", { n, head: head(), time: hms(tm) }));
    fill(snapshot, snapshotOf(v));
    fill(recent, shownEvents.slice(-40).reverse().map((e, i) => {
      const li = feedItem(v, e);
      if (i === 0) li.classList.add("current");
      return li;
    }));
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    setText(play, t("Play"));
    play.setAttribute("aria-pressed", "false");
  }

  function step(dir) {
    const n = Number(range.value);
    const seqs = ctx.events.map((e) => e.seq);
    const next = dir > 0 ? seqs.find((s) => s > n) : [...seqs].reverse().find((s) => s < n);
    if (next === undefined) return false;
    followLatest = next >= head();
    show(next);
    return true;
  }

  play.addEventListener("click", () => {
    if (timer) return stop();
    if (Number(range.value) >= head()) show(1);
    setText(play, t("Pause"));
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => { if (!step(1)) stop(); }, 1000 / Number(pace.value));
  });
  pace.addEventListener("change", () => {
    if (!timer) return;
    clearInterval(timer);
    timer = setInterval(() => { if (!step(1)) stop(); }, 1000 / Number(pace.value));
  });
  range.addEventListener("input", () => {
    followLatest = Number(range.value) >= head();
    show(Number(range.value));
  });
  back.addEventListener("click", () => { stop(); step(-1); });
  fwd.addEventListener("click", () => { stop(); step(1); });
  latest.addEventListener("click", () => { stop(); followLatest = true; show(head()); });

  return {
    el: p.el,
    async activate(c) {
      ctx = c;
      if (c.store.eventsPage.has_more) {
        try {
          await c.store.loadAllEvents();
        } catch (e) {
          fill(snapshot, note(t("Could not load the start of the log: {why}", { why: e.message }), "status error"));
          return;
        }
        folded = null;
        ctx = { ...c, events: c.store.events, index: c.store.index };
      }
      await ensureBase();
      range.max = String(head());
      show(followLatest ? head() : Number(range.value));
    },
    update(c) {
      ctx = c;
      if (!base || p.el.offsetParent === null) return;
      range.max = String(head());
      if (followLatest && !timer) show(head());
    },
    deactivate: stop,
  };
}

/** The state at a moment: the exercise's status, then each area's part (registerSnapshot). */
function snapshotOf(v) {
  const delivered = (v.injects || []).filter((i) => i.status === undefined || i.status === "delivered");
  return [
    facts([[t("Status"), statusWord(v.exercise.status)], [t("Injects delivered"), String(delivered.length)]]),
    ...snapshotParts().map((part) => part(v)),
  ];
}

registerPanel({ id: "replay", tab: "review", order: 10, roles: ALL_ROLES, create: (env) => reviewPanel(env) });
