// Membership (server/domain/slices/membership.py): a seat that may apply asks to join; a decision
// of a kind whose effect is `admit` takes up its application and, adopted, admits it (it takes the
// status the effect names); one whose effect is `suspend` suspends a member; a member gives notice
// of withdrawal and, once the scenario's notice period has run, the system records that it has
// withdrawn. What a seat may do follows from its status. The scenario names all of it (its terms
// and move labels).

import { hms } from "../clock.js";
import { fill, h, setText } from "../dom.js";
import { actionButton, allow, statusLine } from "../forms.js";
import { ALL_ROLES, registerDescription, registerFold, registerPanel, registerSnapshot } from "../registry.js";
import { capitalize, decisionKind, moveHelp, moveLabel, seatName, statusName, term } from "../words.js";
import { badge, note, objectTable, olderRows, panel, when } from "./common.js";
import { N_, t } from "../i18n.js";

const APPLICATION_STATES = { pending: N_("pending"), refused: N_("refused"), admitted: N_("admitted") };

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
registerFold("withdrawal_notified", (v, e) => {
  (v.withdrawals ||= []).push({ seat: e.data.seat, notified_at: e.exercise_time, effective_at: e.data.effective_at, status: "running" });
});
registerFold("seat_withdrawn", (v, e) => {
  const n = (v.withdrawals || []).find((w) => w.seat === e.data.seat && w.status === "running");
  if (n) n.status = "withdrawn";
  setStatus(v, e.data.seat, e.data.status);
});

const noticeRunning = (v, seat) => (v.withdrawals || []).find((w) => w.seat === seat && w.status === "running");

// --- in words ---------------------------------------------------------------------------------

registerDescription("admission_requested", (e, view) => ({ kind: "membership",
  text: `${seatName(view, e.actor)}: ${capitalize(term(view, "application"))}.` }));
registerDescription("seat_admitted", (e, view) => ({ kind: "membership",
  text: t("{seat} was admitted: now {status}.", { seat: seatName(view, e.data.seat), status: statusName(view, e.data.status ?? "member") }) }));
registerDescription("seat_suspended", (e, view) => ({ kind: "membership",
  text: t("{seat} was suspended: now {status}.", { seat: seatName(view, e.data.seat), status: statusName(view, e.data.status) }) }));

registerDescription("withdrawal_notified", (e, view) => ({ kind: "membership",
  text: t("{seat}: {move} (takes effect at {time}).", { seat: seatName(view, e.data.seat), move: moveLabel(view, "give_notice_of_withdrawal"),
    time: hms(e.data.effective_at) }) }));
registerDescription("seat_withdrawn", (e, view) => ({ kind: "membership",
  text: t("{seat} has withdrawn: now {status}.", { seat: seatName(view, e.data.seat), status: statusName(view, e.data.status) }) }));

registerSnapshot(60, (v) => (v.applications.length ? [h("h3", {}, capitalize(term(v, "application"))), objectTable(
  v.applications.map((a) => ({ seat: seatName(v, a.seat), status: a.status, decision: a.decision_id })))] : []));

// --- the panel --------------------------------------------------------------------------------

export function membershipPanel(send) {
  const p = panel(t("Membership"), { className: "membership", id: "membership" });
  const status = statusLine();
  const help = note("");
  const ask = actionButton(send, t("Apply"), () => ({ type: "request_admission" }),
    { status, className: "primary", done: t("Recorded; a body now decides on it.") });
  const mine = h("div", { class: "ask" }, help, ask, status.el);
  const list = h("ul", { class: "records", id: "application-list" });
  const noticeHelp = note("");
  const noticeStatus = statusLine();
  const notice = actionButton(send, t("Give notice"), () => ({ type: "give_notice_of_withdrawal" }),
    { status: noticeStatus, done: t("Notice given; it takes effect when the notice period has run.") });
  const leave = h("div", { class: "ask", id: "withdrawal" }, noticeHelp, notice, noticeStatus.el);
  const notices = h("ul", { class: "records", id: "withdrawal-list" });
  const older = olderRows("applications");
  p.body.append(mine, leave, list, older.el, notices);
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      const canApply = Boolean(perms.may("request_admission")) && !view.me.member && !pending(view, view.seat);
      mine.hidden = !canApply;
      if (canApply) {
        setText(ask, moveLabel(view, "request_admission"));
        setText(help, moveHelp(view, "request_admission") ||
          t("Your seat is not a {member}. It may apply; a body then decides.", { member: term(view, "member") }));
      }
      allow(ask, perms.inPlay);
      older.update(ctx);
      fill(list, view.applications.map((a) => {
        const dec = a.decision_id ? view.decisions.find((d) => d.id === a.decision_id) : null;
        return h("li", { dataset: { id: a.id } }, when(view, a.requested_at), " ", h("strong", {}, seatName(view, a.seat)), ": ",
          capitalize(term(view, "application")), " ", badge(APPLICATION_STATES[a.status] ? t(APPLICATION_STATES[a.status]) : a.status, `st-${a.status}`),
          dec ? ` ${t("(decision “{title}”, {status})", { title: dec.title, status: t(dec.status) })}` : "");
      }));
      const mayLeave = Boolean(perms.may("give_notice_of_withdrawal")) && view.me.member && !noticeRunning(view, view.seat);
      leave.hidden = !mayLeave;
      if (mayLeave) {
        setText(notice, moveLabel(view, "give_notice_of_withdrawal"));
        setText(noticeHelp, moveHelp(view, "give_notice_of_withdrawal") ||
          t("Your seat may leave: it stays a {member} until the notice period has run.", { member: term(view, "member") }));
      }
      allow(notice, perms.inPlay);
      const withdrawals = view.withdrawals || [];
      fill(notices, withdrawals.map((w) => h("li", { dataset: { seat: w.seat } }, when(view, w.notified_at), " ",
        h("strong", {}, seatName(view, w.seat)), ": ", moveLabel(view, "give_notice_of_withdrawal"), " ",
        badge(w.status, `st-${w.status}`), " (effective ", when(view, w.effective_at), ")")));
      p.el.hidden = !perms.may("request_admission") && !mayLeave && view.applications.length === 0 && withdrawals.length === 0;
    },
  };
}

registerPanel({ id: "membership", column: "main", order: 90, roles: ALL_ROLES, create: (env) => membershipPanel(env.send) });
