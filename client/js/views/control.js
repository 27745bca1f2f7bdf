// The facilitator's own channel (server/domain/slices/control.py): a private line between a seat and
// the facilitator (questions about the rules, "what does my parliament say?"); participants and the
// observer send, the facilitator answers per seat or writes to one; the facilitator's observations;
// and the scores of the expectations (given in the review, see views/report.js).

import { field, fill, h, select, setOptions } from "../dom.js";
import { actionForm } from "../forms.js";
import { registerDescription, registerFold, registerPanel } from "../registry.js";
import { humanize, seatName } from "../words.js";
import { note, panel, seatChoices, when } from "./common.js";
import { N_, t } from "../i18n.js";

// --- the fold ---------------------------------------------------------------------------------

const count = (key) => (v) => {
  if (typeof v[key] === "number") v[key] += 1;
};
registerFold("observation_added", count("observations"));
registerFold("control_message_sent", count("control_messages"));
registerFold("control_message_answered", count("control_messages"));
registerFold("expectation_scored", (v, e) => {
  if (v.scores) v.scores[e.data.expectation_id] = { at: e.exercise_time, score: e.data.score, note: e.data.note ?? null };
});

// --- in words ---------------------------------------------------------------------------------

registerDescription("control_message_sent", (e, view) => ({ kind: "message",
  text: t("{seat} to the facilitator: {text}", { seat: seatName(view, e.actor), text: e.data.text }) }));
registerDescription("control_message_answered", (e, view) => ({ kind: "message",
  text: t("Facilitator to {seat}: {text}", { seat: seatName(view, e.data.seat), text: e.data.text }) }));
registerDescription("observation_added", (e) => ({ kind: "observation", text: t("Observation: {text}", { text: e.data.text }) }));
const SCORES = { met: N_("met"), partly_met: N_("partly met"), missed: N_("missed") };
registerDescription("expectation_scored", (e) => ({ kind: "observation",
  text: t("Expectation {id} scored {score}", { id: e.data.expectation_id, score: SCORES[e.data.score] ? t(SCORES[e.data.score]) : humanize(e.data.score) }) +
    (e.data.note ? `: ${e.data.note}` : ".") }));

/** The control channel's messages both ways, in seq order. */
function messages(ctx) {
  const sent = ctx.index.of("control_message_sent");
  const answered = ctx.index.of("control_message_answered");
  return [...sent, ...answered].sort((a, b) => a.seq - b.seq);
}

// --- the panels -------------------------------------------------------------------------------

function thread(view, events) {
  return h("ol", { class: "thread" }, events.map((e) => h("li", {
    class: e.type === "control_message_sent" ? "from-seat" : "from-facilitator", dataset: { seq: String(e.seq) },
  }, h("span", { class: "who" }, e.type === "control_message_sent" ? seatName(view, e.actor) : t("Facilitator")), " ",
  when(view, e.exercise_time), h("br"), h("span", { class: "said" }, e.data.text))));
}

/** Participant side. */
export function controlPanel(send) {
  const p = panel(t("Control channel (to the facilitator)"), { className: "control", id: "control" });
  const text = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const form = actionForm(send, {
    legend: t("Message the facilitator"), submit: t("Send"), className: "send-control", done: t("Sent."),
    children: [field(t("Message (only the facilitator sees it)"), text).wrap],
    build: () => ({ type: "send_control_message", text: text.value.trim() }),
    after: () => { text.value = ""; },
  });
  const list = h("div", { class: "thread-wrap" });
  p.body.append(list, form.el);
  let shown = -1;
  return {
    el: p.el,
    update(ctx) {
      form.el.hidden = !ctx.perms.control;
      const msgs = messages(ctx);
      if (msgs.length !== shown) {
        shown = msgs.length;
        fill(list, msgs.length ? thread(ctx.view, msgs) : note(t("No messages yet.")));
      }
    },
  };
}

/** Facilitator side: one thread per seat, with an answer form each, and "Write to a seat". */
export function controlConsole(send) {
  const p = panel(t("Control channel"), { className: "control-console", id: "control" });
  const list = h("div", { class: "threads" });
  const empty = note(t("No messages from the seats yet."));
  const write = messageSeat(send);
  p.body.append(write.el, empty, list);
  const threads = new Map();

  function threadFor(seat) {
    let th = threads.get(seat);
    if (th) return th;
    const body = h("div", { class: "thread-body" });
    const text = h("textarea", { rows: 2, required: true, maxLength: 4000 });
    let lastFromSeat = null;
    const form = actionForm(send, {
      legend: t("Answer"), submit: t("Send answer"), className: "answer-control", done: t("Sent."),
      children: [field(t("Answer (only this seat sees it)"), text).wrap],
      build() {
        const b = { type: "answer_control_message", seat, text: text.value.trim() };
        if (lastFromSeat) b.in_reply_to = lastFromSeat;
        return b;
      },
      after: () => { text.value = ""; },
    });
    const heading = h("h3", {});
    const el = h("article", { class: "card thread-card", dataset: { seat } }, heading, body, form.el);
    th = {
      el,
      shown: -1,
      update(ctx, msgs) {
        const waiting = msgs.length && msgs[msgs.length - 1].type === "control_message_sent";
        fill(heading, seatName(ctx.view, seat), waiting ? ` ${t("(awaiting an answer)")}` : "");
        el.classList.toggle("waiting", Boolean(waiting));
        const from = msgs.filter((m) => m.type === "control_message_sent");
        lastFromSeat = from.length ? from[from.length - 1].data.message_id : null;
        if (msgs.length !== th.shown) {
          th.shown = msgs.length;
          fill(body, thread(ctx.view, msgs));
        }
        form.setEnabled(ctx.perms.facilitator);
        form.el.hidden = !ctx.perms.facilitator;
      },
    };
    threads.set(seat, th);
    return th;
  }

  return {
    el: p.el,
    update(ctx) {
      write.update(ctx);
      const bySeat = new Map();
      for (const e of messages(ctx)) {
        const seat = e.type === "control_message_sent" ? e.actor : e.data.seat;
        if (!bySeat.has(seat)) bySeat.set(seat, []);
        bySeat.get(seat).push(e);
      }
      empty.hidden = bySeat.size > 0;
      // seats waiting for an answer first, then the most recent
      const order = [...bySeat.entries()].sort((a, b) => {
        const wa = a[1][a[1].length - 1].type === "control_message_sent";
        const wb = b[1][b[1].length - 1].type === "control_message_sent";
        return Number(wb) - Number(wa) || b[1][b[1].length - 1].seq - a[1][a[1].length - 1].seq;
      });
      let prev = null;
      for (const [seat, msgs] of order) {
        const th = threadFor(seat);
        th.update(ctx, msgs);
        const want = prev ? prev.nextSibling : list.firstChild;
        if (want !== th.el) list.insertBefore(th.el, want);
        prev = th.el;
      }
    },
  };
}

export function observationsPanel(send) {
  const p = panel(t("Observations"), { className: "observations", id: "observations" });
  const text = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const form = actionForm(send, {
    legend: t("Add an observation (only the facilitator sees it)"), submit: t("Add observation"), className: "add-observation", done: t("Added."),
    children: [field(t("Observation"), text).wrap],
    build: () => ({ type: "add_observation", text: text.value.trim() }),
    after: () => { text.value = ""; },
  });
  const list = h("ol", { class: "records", id: "observation-list" });
  p.body.append(form.el, list);
  let shown = -1;
  return {
    el: p.el,
    update(ctx) {
      p.el.hidden = !ctx.perms.facilitator;
      const obs = ctx.index.of("observation_added");
      if (obs.length === shown) return;
      shown = obs.length;
      fill(list, obs.map((e) => h("li", { dataset: { seq: String(e.seq) } }, when(ctx.view, e.exercise_time), " ", e.data.text)));
    },
  };
}

export function messageSeat(send) {
  const seat = select([]);
  const text = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const form = actionForm(send, {
    legend: t("Write to a seat"), submit: t("Send message"), className: "message-seat", done: t("Sent."), collapsible: true,
    children: [field(t("Seat"), seat).wrap, field(t("Message (only that seat sees it)"), text).wrap],
    build: () => ({ type: "answer_control_message", seat: seat.value, text: text.value.trim() }),
    after: () => { text.value = ""; },
  });
  return {
    el: form.el,
    update(ctx) {
      form.el.hidden = !ctx.perms.facilitator;
      setOptions(seat, [...seatChoices(ctx.view), ["observer", t("Observer")]]);
    },
  };
}

registerPanel({ id: "control", column: "side", order: 40, roles: ["participant", "observer"], create: (env) => controlPanel(env.send),
  news: (e, view) => e.type === "control_message_answered" && e.data.seat === view.seat });
registerPanel({ id: "control-console", column: "side", order: 40, roles: ["facilitator"], create: (env) => controlConsole(env.send),
  news: (e) => e.type === "control_message_sent" });
registerPanel({ id: "observations", column: "side", order: 50, roles: ["facilitator"], create: (env) => observationsPanel(env.send) });
