// Membership (server/domain/slices/membership.py): a seat that may apply asks to join; a decision
// of a kind whose effect is `admit` takes up its application and, adopted, admits it (it takes the
// status the effect names); one whose effect is `suspend` suspends a member. What a seat may do
// follows from its status. The scenario names all of it (its terms and move labels).

import { fill, h, setText } from "../dom.js";
import { actionButton, allow, statusLine } from "../forms.js";
import { ALL_ROLES, registerDescription, registerFold, registerPanel, registerSnapshot } from "../registry.js";
import { capitalize, decisionKind, moveHelp, moveLabel, seatName, statusName, term } from "../words.js";
import { badge, note, objectTable, panel, when } from "./common.js";

// --- the fold ---------------------------------------------------------------------------------

const pending = (v, seat) => v.applications.find((a) => a.seat === seat && a.status === "pending");

/** A seat's new status. What it may do and who votes in each body follow from powers the view
 * does not carry, so the page also re-reads the view. */
function setStatus(v, seat, status) {
  v._inexact = true;
  const st = (v.institutions.statuses || []).find((s) => s.id === status);
  const member = Boolean(st && st.member);
  for (const s of v.seats) {
    if (s.seat === seat) Object.assign(s, { status, member });
  }
  if (v.me && v.me.seat === seat) Object.assign(v.me, { status, member });
  for (const b of v.bodies) {
    if (b.all_members) b.members = v.seats.filter((s) => s.member).map((s) => s.seat);
  }
}

registerFold("admission_requested", (v, e) => {
  v.applications.push({ id: e.data.application_id, seat: e.actor, requested_at: e.exercise_time, status: "pending", decision_id: null });
});
// an admitting decision about a seat takes up its pending application
registerFold("decision_proposed", (v, e) => {
  const k = e.data.subject ? decisionKind(v, e.data.kind) : null;
  if (!k || k.effect !== "admit") return;
  const a = pending(v, e.data.subject);
  if (a) a.decision_id = e.data.decision_id;
});
// an application whose decision failed is refused; the seat may apply again
for (const type of ["decision_rejected", "decision_lapsed"]) {
  registerFold(type, (v, e) => {
    for (const a of v.applications) if (a.decision_id === e.data.decision_id && a.status === "pending") a.status = "refused";
  });
}
registerFold("seat_admitted", (v, e) => {
  for (const a of v.applications) if (a.seat === e.data.seat && a.status === "pending") a.status = "admitted";
  setStatus(v, e.data.seat, e.data.status ?? "member");
});
registerFold("seat_suspended", (v, e) => setStatus(v, e.data.seat, e.data.status));

// --- in words ---------------------------------------------------------------------------------

registerDescription("admission_requested", (e, view) => ({ kind: "membership",
  text: `${seatName(view, e.actor)}: ${capitalize(term(view, "application"))}.` }));
registerDescription("seat_admitted", (e, view) => ({ kind: "membership",
  text: `${seatName(view, e.data.seat)} was admitted: now ${statusName(view, e.data.status ?? "member")}.` }));
registerDescription("seat_suspended", (e, view) => ({ kind: "membership",
  text: `${seatName(view, e.data.seat)} was suspended: now ${statusName(view, e.data.status)}.` }));

registerSnapshot(60, (v) => (v.applications.length ? [h("h3", {}, capitalize(term(v, "application"))), objectTable(
  v.applications.map((a) => ({ seat: seatName(v, a.seat), status: a.status, decision: a.decision_id })))] : []));

// --- the panel --------------------------------------------------------------------------------

export function membershipPanel(send) {
  const p = panel("Membership", { className: "membership", id: "membership" });
  const status = statusLine();
  const help = note("");
  const ask = actionButton(send, "Apply", () => ({ type: "request_admission" }),
    { status, className: "primary", done: "Recorded; a body now decides on it." });
  const mine = h("div", { class: "ask" }, help, ask, status.el);
  const list = h("ul", { class: "records", id: "application-list" });
  p.body.append(mine, list);
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      const canApply = Boolean(perms.may("request_admission")) && !view.me.member && !pending(view, view.seat);
      mine.hidden = !canApply;
      if (canApply) {
        setText(ask, moveLabel(view, "request_admission"));
        setText(help, moveHelp(view, "request_admission") ||
          `Your seat is not a ${term(view, "member")}. It may apply; a body then decides.`);
      }
      allow(ask, perms.inPlay);
      fill(list, view.applications.map((a) => {
        const dec = a.decision_id ? view.decisions.find((d) => d.id === a.decision_id) : null;
        return h("li", { dataset: { id: a.id } }, when(view, a.requested_at), " ", h("strong", {}, seatName(view, a.seat)), ": ",
          capitalize(term(view, "application")), " ", badge(a.status, `st-${a.status}`),
          dec ? ` (decision “${dec.title}”, ${dec.status})` : "");
      }));
      p.el.hidden = !perms.may("request_admission") && view.applications.length === 0;
    },
  };
}

registerPanel({ id: "membership", column: "main", order: 90, roles: ALL_ROLES, create: (env) => membershipPanel(env.send) });
