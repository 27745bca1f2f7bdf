// The exercise itself and its clock (server/domain/slices/clock.py): its lifecycle events and the
// injects, folded and said in words; the facilitator's console: the clock, the inject schedule
// (and delivering now), ad-hoc injects, who is online. The observer sees the same, without controls.

import { countdown, epochSeconds, hms, offset } from "../clock.js";
import { checkboxGroup, field, fill, h, setText } from "../dom.js";
import { actionButton, actionForm, allow, statusLine } from "../forms.js";
import { registerDescription, registerFold, registerPanel, STAFF_ROLES } from "../registry.js";
import { humanize, seatList, seatName, textOf } from "../words.js";
import { badge, note, olderRows, panel, seatChoices, when } from "./common.js";
import { N_, t } from "../i18n.js";

// --- the fold ---------------------------------------------------------------------------------

const STAFF = new Set(STAFF_ROLES);
const find = (list, id) => list.find((x) => x.id === id);

const FAST = 10; // a clock speed above this is confirmed before it is sent

registerFold("exercise_started", (v, e) => {
  v.exercise.status = "running";
  v.exercise.clock = { running: true, speed: v.exercise.clock.speed, anchor_time: 0, anchor_wall: epochSeconds(e.recorded_at) };
});
registerFold("exercise_paused", (v, e) => {
  v.exercise.status = "paused";
  v.exercise.clock = { ...v.exercise.clock, running: false, anchor_time: e.exercise_time, anchor_wall: epochSeconds(e.recorded_at) };
});
registerFold("exercise_resumed", (v, e) => {
  v.exercise.status = "running";
  v.exercise.clock = { ...v.exercise.clock, running: true, anchor_time: e.exercise_time, anchor_wall: epochSeconds(e.recorded_at) };
});
registerFold("clock_speed_set", (v, e) => {
  const factor = Number(e.data.factor ?? e.data.speed);
  v.exercise.clock = { ...v.exercise.clock, speed: factor, anchor_time: e.exercise_time, anchor_wall: epochSeconds(e.recorded_at) };
});
registerFold("exercise_ended", (v, e) => {
  v.exercise.status = "ended";
  v.exercise.clock = { ...v.exercise.clock, running: false, anchor_time: e.exercise_time, anchor_wall: epochSeconds(e.recorded_at) };
});
registerFold("inject_delivered", (v, e) => {
  const d = e.data;
  const trigger = d.trigger || "manual";
  if (STAFF.has(v.seat)) {
    const inj = find(v.injects, d.inject_id);
    if (inj && inj.status !== "delivered") {
      inj.status = "delivered";
      inj.delivered_at = e.exercise_time;
    } else if (!inj) {
      v.injects.push({ id: d.inject_id, title: d.title, trigger, delivered_at: e.exercise_time, status: "delivered",
        to: e.audience === null || e.audience === undefined ? "all" : [...e.audience] });
    }
  } else if (!find(v.injects, d.inject_id)) {
    v.injects.push({ id: d.inject_id, title: d.title, trigger, delivered_at: e.exercise_time, at: offset(e.exercise_time) });
  }
});
// An event that may avert an `unless` inject: whether it came in time is the server's to say (the
// pattern, the window), so the view is re-read rather than guessed.
registerFold("*", (v, e) => {
  if (!STAFF.has(v.seat) || !Array.isArray(v.injects)) return;
  if (v.injects.some((i) => i.status === "pending" && i.unless && [e.type, e.recorded_as].includes(i.unless.event))) {
    v._inexact = true;
  }
});

// --- in words ---------------------------------------------------------------------------------

registerDescription("exercise_created", (e) => ({ kind: "clock", text: t("Exercise created from the scenario “{title}”.", { title: e.data.title }) }));
registerDescription("exercise_started", (e) => ({ kind: "clock", text: t("The exercise started (clock speed ×{speed}).", { speed: e.data.speed ?? 1 }) }));
registerDescription("exercise_paused", () => ({ kind: "clock", text: t("The facilitator paused the exercise.") }));
registerDescription("exercise_resumed", () => ({ kind: "clock", text: t("The facilitator resumed the exercise.") }));
registerDescription("clock_speed_set", (e) => ({ kind: "clock", text: t("Clock speed set to ×{speed}.", { speed: e.data.factor ?? e.data.speed }) }));
registerDescription("exercise_ended", () => ({ kind: "clock", text: t("The exercise has ended.") }));
const TRIGGERS = { manual: N_("manual"), scheduled: N_("scheduled"), when: N_("when"), unless: N_("unless"), adhoc: N_("adhoc") };
const triggerWord = (trigger) => (TRIGGERS[trigger] ? t(TRIGGERS[trigger]) : humanize(trigger));
registerDescription("inject_delivered", (e, view) => {
  const d = e.data;
  return { kind: "inject", title: textOf(d.title), body: textOf(d.body),
    text: d.trigger && d.trigger !== "manual" ? t("Inject to {seats} ({trigger}).", { seats: seatList(view, d.to), trigger: triggerWord(d.trigger) })
      : t("Inject to {seats}.", { seats: seatList(view, d.to) }) };
});

// --- the console ------------------------------------------------------------------------------

export function clockControls(send) {
  const p = panel(t("Clock"), { className: "clock-controls", id: "clock-controls" });
  const status = statusLine();
  const start = actionButton(send, t("Start exercise"), () => ({ type: "start_exercise" }), { status, className: "primary", done: t("Started.") });
  const pause = actionButton(send, t("Pause"), () => ({ type: "pause_exercise" }), { status, done: t("Paused.") });
  const resume = actionButton(send, t("Resume"), () => ({ type: "resume_exercise" }), { status, className: "primary", done: t("Resumed.") });
  const end = h("button", { type: "button", class: "danger" }, t("End exercise…"));
  const confirmEnd = actionButton(send, t("Yes, end the exercise now"), () => ({ type: "end_exercise" }), { status, className: "danger", done: t("Ended.") });
  const cancelEnd = h("button", { type: "button" }, t("Cancel"));
  const confirmBox = h("div", { class: "confirm", hidden: true, role: "group", "aria-label": t("Confirm the end") },
    h("p", {}, t("Ending stops the clock for good: no more moves can be made. The review stays available.")), confirmEnd, cancelEnd);
  end.addEventListener("click", () => { confirmBox.hidden = false; cancelEnd.focus(); });
  cancelEnd.addEventListener("click", () => { confirmBox.hidden = true; end.focus(); });
  // the server's range of speeds is its own setting: it says when a speed is out of it
  // above ten times real time, the speed is asked for twice: a slip of the keyboard (x1000) is not a run-away clock
  const factor = h("input", { type: "number", min: 0, step: "any", value: "1", required: true });
  let confirming = null; // the fast speed asked for once, waiting for the second press
  factor.addEventListener("input", () => { confirming = null; });
  const speed = actionForm(send, {
    legend: t("Clock speed"), submit: t("Set speed"), className: "speed-form", done: t("Speed set."),
    children: [field(t("Exercise seconds per real second"), factor, t("1 = real time; 2 = twice as fast; 0.5 = half speed.")).wrap],
    build() {
      const f = Number(factor.value);
      if (!(f > 0)) throw t("The speed is a number above 0.");
      if (f > FAST && confirming !== f) {
        confirming = f;
        throw t("×{speed} runs more than ten times faster than real time: press “Set speed” again to confirm.", { speed: f });
      }
      confirming = null;
      return { type: "set_clock_speed", factor: f };
    },
  });
  const state = h("p", { class: "clock-state" });
  p.body.append(state, h("div", { class: "buttons" }, start, pause, resume, end), confirmBox, status.el, speed.el);
  let speedShown = null;
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      const s = view.exercise.status;
      const f = perms.facilitator;
      start.hidden = !(f && s === "created");
      pause.hidden = !(f && s === "running");
      resume.hidden = !(f && s === "paused");
      end.hidden = !(f && (s === "running" || s === "paused"));
      if (end.hidden) confirmBox.hidden = true;
      speed.el.hidden = !f || s === "ended";
      allow(start, !perms.readOnly);
      const c = view.exercise.clock;
      if (speedShown !== c.speed && document.activeElement !== factor) {
        factor.value = String(c.speed);
        speedShown = c.speed;
      }
      setText(state, clockState(ctx));
    },
    tick(ctx) {
      setText(state, clockState(ctx));
    },
  };
}

const CLOCK_STATES = { created: N_("not started"), new: N_("not started"), running: N_("running"), paused: N_("paused"), ended: N_("ended") };
function clockState(ctx) {
  const s = ctx.view.exercise.status;
  return t("Status: {status}. Speed ×{speed}. Exercise time {time}.", { status: CLOCK_STATES[s] ? t(CLOCK_STATES[s]) : s,
    speed: ctx.view.exercise.clock.speed, time: hms(ctx.now()) });
}

export function presencePanel() {
  const p = panel(t("Who is online"), { className: "presence", id: "presence" });
  const list = h("ul", { class: "presence-list", id: "presence-list" });
  p.body.append(list);
  return {
    el: p.el,
    update(ctx) {
      const online = new Set(ctx.store.presence);
      const seats = [...ctx.view.seats.map((s) => s.seat), "facilitator", "observer"];
      const key = seats.map((s) => `${s}:${online.has(s)}`).join(",");
      if (list._key === key) return;
      list._key = key;
      fill(list, seats.map((s) => h("li", { class: online.has(s) ? "online" : "offline", dataset: { seat: s } },
        h("span", { class: "dot", "aria-hidden": "true" }, online.has(s) ? "●" : "○"), " ", seatName(ctx.view, s),
        h("span", { class: "sr-only" }, online.has(s) ? ` ${t("(online)")}` : ` ${t("(offline)")}`))));
    },
  };
}

function triggerText(inj) {
  if (inj.trigger === "scheduled") return t("scheduled at {at}", { at: inj.at });
  if (inj.trigger === "when" && inj.when) {
    const { event, ...rest } = inj.when;
    const extra = Object.entries(rest).map(([k, v]) => `${k} ${v}`).join(", ");
    return t("when {event}", { event: humanize(event) }) + (extra ? ` (${extra})` : "");
  }
  if (inj.trigger === "unless" && inj.unless) {
    const u = inj.unless;
    const after = typeof u.after === "string" ? t("inject {id}", { id: u.after }) : humanize(u.after.event);
    return t("unless {event} within {within} after {after}", { event: humanize(u.event), within: u.within, after });
  }
  return triggerWord(inj.trigger || "manual");
}

export function injectsPanel(send) {
  const p = panel(t("Injects"), { className: "injects", id: "injects" });
  const status = statusLine();
  const tbody = h("tbody", {});
  const table = h("div", { class: "table-wrap" }, h("table", { class: "inject-table" },
    h("caption", {}, t("The scenario's schedule, and ad-hoc injects")),
    h("thead", {}, h("tr", {}, [t("Trigger"), t("Inject"), t("To"), t("Status"), ""].map((c) => h("th", { scope: "col" }, c)))), tbody));
  const older = olderRows("injects");
  p.body.append(table, older.el, status.el);
  const rows = new Map();
  function row(inj) {
    let r = rows.get(inj.id);
    if (r) return r;
    const deliver = actionButton(send, t("Deliver now"), () => ({ type: "deliver_inject", inject_id: inj.id }),
      { status, className: "deliver", done: t("Delivered.") });
    deliver.setAttribute("aria-label", t("Deliver “{title}” now", { title: textOf(inj.title) }));
    const cells = { trigger: h("td", {}), title: h("td", {}), to: h("td", {}), status: h("td", {}), action: h("td", {}, deliver) };
    r = { el: h("tr", { dataset: { inject: inj.id } }, Object.values(cells)), cells, deliver, due: h("span", { class: "due" }), inj };
    rows.set(inj.id, r);
    return r;
  }
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      older.update(ctx);
      const injects = view.injects || [];
      let prev = null;
      for (const inj of injects) {
        const r = row(inj);
        fill(r.cells.trigger, triggerText(inj));
        const body = textOf(inj.body);
        fill(r.cells.title, h("details", {}, h("summary", {}, textOf(inj.title)), body ? h("p", {}, body) : note(t("(no text)"))));
        fill(r.cells.to, seatList(view, inj.to));
        r.inj = inj;
        fill(r.cells.status, inj.status === "delivered" ? [badge(t("delivered"), "st-delivered"), " ", when(view, inj.delivered_at)]
          : inj.status === "averted" ? [badge(t("averted"), "st-averted"), " ", note(t("its condition was met in time"))]
            : [badge(t("pending"), "st-pending"), " ", r.due]);
        r.deliver.hidden = !(perms.facilitator && inj.status === "pending");
        allow(r.deliver, perms.inPlay);
        r.el.classList.toggle("delivered", inj.status === "delivered");
        const want = prev ? prev.nextSibling : tbody.firstChild;
        if (want !== r.el) tbody.insertBefore(r.el, want);
        prev = r.el;
      }
      tick(ctx);
    },
    tick,
  };

  /** Scheduled injects still pending: how long until they are due, in exercise time. */
  function tick(ctx) {
    const now = ctx.now();
    const running = ctx.view.exercise.status === "running";
    for (const r of rows.values()) {
      const inj = r.inj;
      if (inj.status !== "pending" || typeof inj.at_seconds !== "number") {
        setText(r.due, "");
        continue;
      }
      const left = inj.at_seconds - now;
      setText(r.due, left <= 0 ? (running ? t("due now") : t("due"))
        : (running ? t("due in {left}", { left: countdown(left) }) : t("due in {left} (clock stopped)", { left: countdown(left) })));
    }
  }
}

export function composeInject(send) {
  const title = h("input", { type: "text", required: true, maxLength: 200, autocomplete: "off" });
  const body = h("textarea", { rows: 3, maxLength: 4000 });
  const all = h("input", { type: "radio", name: "inject-to", value: "all", checked: true, id: "inject-to-all" });
  const some = h("input", { type: "radio", name: "inject-to", value: "some", id: "inject-to-some" });
  const seats = checkboxGroup(t("Recipients"), []);
  const sync = () => { seats.el.hidden = !some.checked; };
  all.addEventListener("change", sync);
  some.addEventListener("change", sync);
  sync();
  const form = actionForm(send, {
    legend: t("Send an ad-hoc inject"), submit: t("Send inject"), className: "send-inject", done: t("Inject sent."),
    children: [field(t("Title"), title).wrap, field(t("Text"), body).wrap,
      h("fieldset", { class: "radios" }, h("legend", {}, t("To")),
        h("span", { class: "check" }, all, h("label", { for: all.id }, t("Every seat"))),
        h("span", { class: "check" }, some, h("label", { for: some.id }, t("Chosen seats")))),
      seats.el],
    build() {
      const to = some.checked ? seats.values() : "all";
      if (to !== "all" && !to.length) throw t("Choose at least one recipient.");
      return { type: "send_inject", title: title.value.trim(), body: body.value.trim(), to };
    },
    after() {
      title.value = "";
      body.value = "";
    },
  });
  const p = panel(t("Compose an inject"), { className: "compose", id: "compose" });
  p.body.append(form.el);
  return {
    el: p.el,
    update(ctx) {
      p.el.hidden = !ctx.perms.facilitator;
      form.setEnabled(ctx.perms.inPlay);
      seats.setChoices(seatChoices(ctx.view));
    },
  };
}

/** A participant's injects: those delivered to this seat, newest first, with their text. */
export function receivedInjectsPanel() {
  const p = panel(t("Injects"), { className: "received-injects", id: "received-injects" });
  const list = h("ol", { class: "cards", id: "received-inject-list" });
  const empty = note(t("No inject has reached your seat yet."));
  p.body.append(empty, list);
  let shown = 0;
  return {
    el: p.el,
    update(ctx) {
      const injects = ctx.events.filter((e) => e.type === "inject_delivered");
      empty.hidden = injects.length > 0;
      if (injects.length === shown) return;
      shown = injects.length;
      fill(list, injects.slice().reverse().map((e) => h("li", { class: "card inject", dataset: { seq: String(e.seq) } },
        h("p", { class: "meta" }, when(ctx.view, e.exercise_time)), h("h3", {}, textOf(e.data.title)),
        textOf(e.data.body) ? h("p", { class: "inject-body" }, textOf(e.data.body)) : null)));
    },
  };
}

registerPanel({ id: "clock", column: "side", order: 10, roles: STAFF_ROLES, create: (env) => clockControls(env.send) });
registerPanel({ id: "received-injects", column: "main", order: 5, roles: ["participant"], create: () => receivedInjectsPanel(),
  news: (e) => e.type === "inject_delivered" });
registerPanel({ id: "presence", column: "side", order: 20, roles: STAFF_ROLES, create: () => presencePanel() });
registerPanel({ id: "injects", column: "main", order: 10, roles: STAFF_ROLES, create: (env) => injectsPanel(env.send) });
registerPanel({ id: "compose", column: "main", order: 20, roles: ["facilitator"], create: (env) => composeInject(env.send) });
