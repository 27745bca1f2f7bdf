// The control channel: a private line between a seat and the facilitator (questions about the
// rules, "what does my parliament say?"). Participants send; the facilitator answers per seat.

import { seatName } from "../describe.js";
import { field, fill, h } from "../dom.js";
import { actionForm } from "../forms.js";
import { note, panel, when } from "./common.js";

function thread(view, events) {
  return h("ol", { class: "thread" }, events.map((e) => h("li", {
    class: e.type === "control_message_sent" ? "from-seat" : "from-facilitator", dataset: { seq: String(e.seq) },
  }, h("span", { class: "who" }, e.type === "control_message_sent" ? seatName(view, e.actor) : "Facilitator"), " ",
  when(view, e.exercise_time), h("br"), h("span", { class: "said" }, e.data.text))));
}

/** Participant side. */
export function controlPanel(send) {
  const p = panel("Control channel (to the facilitator)", { className: "control", id: "control" });
  const text = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const form = actionForm(send, {
    legend: "Message the facilitator", submit: "Send", className: "send-control", done: "Sent.",
    children: [field("Message (only the facilitator sees it)", text).wrap],
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
      const msgs = ctx.index.control;
      if (msgs.length !== shown) {
        shown = msgs.length;
        fill(list, msgs.length ? thread(ctx.view, msgs) : note("No messages yet."));
      }
    },
  };
}

/** Facilitator side: one thread per seat, with an answer form each. */
export function controlConsole(send) {
  const p = panel("Control channel", { className: "control-console", id: "control" });
  const list = h("div", { class: "threads" });
  const empty = note("No messages from the seats yet.");
  p.body.append(empty, list);
  const threads = new Map();

  function threadFor(seat) {
    let t = threads.get(seat);
    if (t) return t;
    const body = h("div", { class: "thread-body" });
    const text = h("textarea", { rows: 2, required: true, maxLength: 4000 });
    let lastFromSeat = null;
    const form = actionForm(send, {
      legend: "Answer", submit: "Send answer", className: "answer-control", done: "Sent.",
      children: [field("Answer (only this seat sees it)", text).wrap],
      build() {
        const b = { type: "answer_control_message", seat, text: text.value.trim() };
        if (lastFromSeat) b.in_reply_to = lastFromSeat;
        return b;
      },
      after: () => { text.value = ""; },
    });
    const heading = h("h3", {});
    const el = h("article", { class: "card thread-card", dataset: { seat } }, heading, body, form.el);
    t = {
      el,
      shown: -1,
      update(ctx, msgs) {
        const waiting = msgs.length && msgs[msgs.length - 1].type === "control_message_sent";
        fill(heading, seatName(ctx.view, seat), waiting ? " (awaiting an answer)" : "");
        el.classList.toggle("waiting", Boolean(waiting));
        const from = msgs.filter((m) => m.type === "control_message_sent");
        lastFromSeat = from.length ? from[from.length - 1].data.message_id : null;
        if (msgs.length !== t.shown) {
          t.shown = msgs.length;
          fill(body, thread(ctx.view, msgs));
        }
        form.setEnabled(ctx.perms.facilitator);
        form.el.hidden = !ctx.perms.facilitator;
      },
    };
    threads.set(seat, t);
    return t;
  }

  return {
    el: p.el,
    update(ctx) {
      const bySeat = new Map();
      for (const e of ctx.index.control) {
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
        const t = threadFor(seat);
        t.update(ctx, msgs);
        const want = prev ? prev.nextSibling : list.firstChild;
        if (want !== t.el) list.insertBefore(t.el, want);
        prev = t.el;
      }
    },
  };
}
