// Replay: a scrubber over the whole log. The state at event N is the fold of the events up to N
// over the seat's view after event 1 (GET /state?at=1), computed here in the browser, so playback
// costs the server nothing. Play/pause steps through the events at a chosen pace.

import { getState } from "../api.js";
import { hms, inWorldText } from "../clock.js";
import { fill, h, select, setText } from "../dom.js";
import { fold } from "../fold.js";
import { ALL_ROLES, registerPanel, snapshotParts } from "../registry.js";
import { feedItem } from "./feed.js";
import { facts, note, panel } from "./common.js";

export function reviewPanel({ exerciseId, token }) {
  const p = panel("Replay", { className: "replay", id: "replay" });
  const range = h("input", { type: "range", min: 1, max: 1, step: 1, value: "1", id: "scrubber" });
  const position = h("p", { class: "position", id: "scrub-position", "aria-live": "polite" });
  const play = h("button", { type: "button", class: "primary", id: "play" }, "Play");
  const back = h("button", { type: "button", "aria-label": "Previous event" }, "◀ Step");
  const fwd = h("button", { type: "button", "aria-label": "Next event" }, "Step ▶");
  const latest = h("button", { type: "button" }, "Latest");
  const pace = select([["1", "1 event/s"], ["2", "2 events/s"], ["5", "5 events/s"], ["10", "10 events/s"], ["25", "25 events/s"]],
    { id: "play-speed" });
  const snapshot = h("div", { class: "snapshot", id: "snapshot" });
  const recent = h("ol", { class: "feed replay-feed", "aria-label": "Events up to this moment, latest first" });
  p.body.append(
    h("div", { class: "field scrub" }, h("label", { for: range.id }, "Event"), range),
    position,
    h("div", { class: "buttons" }, back, play, fwd, latest, h("label", { for: pace.id }, "Pace"), pace),
    snapshot,
    h("h3", {}, "Events up to this moment"), recent);

  let base = null;
  let loading = null;
  let ctx = null;
  let folded = null; // {n, view}
  let timer = null;
  let followLatest = true;

  async function ensureBase() {
    if (base || loading) return loading;
    loading = getState(exerciseId, token, { at: 1 }).then((v) => { base = v; }).catch((e) => {
      fill(snapshot, note(`Could not load the start of the log: ${e.message}`, "status error"));
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
    const t = last ? last.exercise_time : 0;
    setText(position, `Event ${n} of ${head()} · exercise time ${hms(t)} · ${inWorldText(v.exercise.start, t)} in-world · status ${v.exercise.status}`);
    range.setAttribute("aria-valuetext", `event ${n} of ${head()}, exercise time ${hms(t)}`);
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
    setText(play, "Play");
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
    setText(play, "Pause");
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
    facts([["Status", v.exercise.status], ["Injects delivered", String(delivered.length)]]),
    ...snapshotParts().map((part) => part(v)),
  ];
}

registerPanel({ id: "replay", tab: "review", order: 10, roles: ALL_ROLES, create: (env) => reviewPanel(env) });
