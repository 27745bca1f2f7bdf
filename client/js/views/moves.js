// The remaining moves: report a threat, notify the UN Security Council, convene a session (offices
// with the power), request accession (non-signatories); each with the record of what happened.

import { seatName } from "../describe.js";
import { field, fill, h, select, setOptions } from "../dom.js";
import { actionButton, actionForm, allow, statusLine } from "../forms.js";
import { badge, note, panel, when } from "./common.js";

export function threatsPanel(send) {
  const p = panel("Threats and the UN Security Council", { className: "threats", id: "threats" });
  const kind = select([["aggression", "Aggression"], ["threat", "Threat"]]);
  const summary = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const source = h("input", { type: "text", maxLength: 200 });
  const threat = actionForm(send, {
    legend: "Report a threat or aggression (Art. 2)", submit: "Report", className: "report-threat", done: "Reported.", collapsible: true,
    children: [field("Kind", kind).wrap, field("What happened", summary).wrap, field("Source (optional)", source).wrap],
    build() {
      const b = { type: "report_threat", kind: kind.value, summary: summary.value.trim() };
      if (source.value.trim()) b.source = source.value.trim();
      return b;
    },
    after() {
      summary.value = "";
      source.value = "";
    },
  });
  const unSummary = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const unDecision = select([["", "No particular decision"]]);
  const un = actionForm(send, {
    legend: "Notify the UN Security Council", submit: "Notify the UN Security Council", className: "notify-un", done: "Notified.", collapsible: true,
    children: [field("Information submitted", unSummary).wrap, field("About decision (optional)", unDecision).wrap],
    build() {
      const b = { type: "notify_un_security_council", summary: unSummary.value.trim() };
      if (unDecision.value) b.decision_id = unDecision.value;
      return b;
    },
    after() { unSummary.value = ""; },
  });
  const list = h("ul", { class: "records", id: "threat-list" });
  const empty = note("No threats reported, no notifications sent.");
  p.body.append(threat.el, un.el, list, empty);
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      threat.el.hidden = !perms.reportThreat;
      threat.setEnabled(perms.inPlay);
      un.el.hidden = !perms.notify;
      un.setEnabled(perms.inPlay);
      setOptions(unDecision, [["", "No particular decision"], ...view.decisions.map((d) => [d.id, `${d.title} (${d.status})`])]);
      const rows = [
        ...view.threats.map((t) => ({ at: t.at, node: [badge(t.kind, `k-${t.kind}`), " ", h("strong", {}, seatName(view, t.actor)), `: ${t.summary}`, t.source ? ` (source: ${t.source})` : ""] })),
        ...view.un_notifications.map((n) => ({ at: n.at, node: [badge("UN Security Council", "k-un"), " ", h("strong", {}, seatName(view, n.actor)), `: ${n.summary}`] })),
      ].sort((a, b) => a.at - b.at);
      empty.hidden = rows.length > 0;
      fill(list, rows.map((r) => h("li", {}, when(view, r.at), " ", r.node)));
    },
  };
}

export function sessionsPanel(send) {
  const p = panel("Sessions", { className: "sessions", id: "sessions" });
  const body = select([]);
  const agenda = h("textarea", { rows: 3, required: true, placeholder: "One item per line" });
  const minutes = h("input", { type: "number", min: 1, max: 10080, step: 1, value: "60", required: true });
  const form = actionForm(send, {
    legend: "Convene a session", submit: "Convene", className: "convene", done: "Session convened.", collapsible: true,
    children: [field("Body", body).wrap, field("Agenda (one item per line)", agenda).wrap, field("Time frame in minutes", minutes).wrap],
    build() {
      const items = agenda.value.split("\n").map((x) => x.trim()).filter(Boolean);
      if (!items.length) throw "Write at least one agenda item.";
      return { type: "convene_session", body: body.value, agenda: items, time_frame_minutes: Number(minutes.value) };
    },
    after() { agenda.value = ""; },
  });
  const list = h("ul", { class: "records", id: "session-list" });
  const empty = note("No sessions convened.");
  p.body.append(form.el, list, empty);
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      form.el.hidden = !perms.convene;
      form.setEnabled(perms.inPlay);
      setOptions(body, view.bodies.map((b) => [b.id, `${b.name} (${b.id})`]));
      empty.hidden = view.sessions.length > 0;
      fill(list, view.sessions.map((s) => h("li", {}, when(view, s.convened_at), " ", h("strong", {}, s.body), " ",
        s.open ? badge("in session", "open") : badge("closed", "closed"),
        " until ", when(view, s.ends_at), ". Agenda: ", s.agenda.join("; "))));
      p.el.hidden = !perms.convene && view.sessions.length === 0;
    },
  };
}

export function accessionPanel(send) {
  const p = panel("Accession", { className: "accession", id: "accession" });
  const status = statusLine();
  const ask = actionButton(send, "Request accession to the Treaty", () => ({ type: "request_accession" }),
    { status, className: "primary", done: "Request recorded; a body of the Treaty must now decide." });
  const mine = h("div", { class: "ask" }, note("Your state is not a party to the Treaty. Under the Protocol of 24 December 1993 it may ask to join; the members then decide."), ask, status.el);
  const list = h("ul", { class: "records", id: "accession-list" });
  p.body.append(mine, list);
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      mine.hidden = !perms.requestAccession;
      allow(ask, perms.inPlay);
      fill(list, view.accessions.map((a) => h("li", {}, when(view, a.requested_at), " ", h("strong", {}, seatName(view, a.seat)),
        " asked to join: ", badge(a.status, `st-${a.status}`), a.decision_id ? ` (decision ${a.decision_id})` : "")));
      const nonSignatory = view.me && view.me.status === "non_signatory";
      p.el.hidden = !nonSignatory && view.accessions.length === 0;
    },
  };
}
