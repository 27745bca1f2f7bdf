// Requests for assistance (server/domain/slices/assistance.py): a seat asks for kinds of help
// (about a reported threat, if it says so); the seats the scenario has answer are asked, except
// the parties the threat names; each pledges (the kinds it may give) or declines, with details;
// everyone sees who has answered and who has not; the requester closes the request.

import { checkboxGroup, field, fill, h, syncList } from "../dom.js";
import { actionButton, actionForm, allow, statusLine } from "../forms.js";
import { allowed } from "../perms.js";
import { ALL_ROLES, generic, registerDescription, registerFold, registerPanel, registerSnapshot } from "../registry.js";
import { assistanceKindName, moveLabel, moveTitle, seatList, seatName } from "../words.js";
import { badge, injectPicker, note, objectTable, olderRows, panel, threatPicker, threatRef, when } from "./common.js";
import { t } from "../i18n.js";

// --- the fold ---------------------------------------------------------------------------------

const find = (list, id) => list.find((x) => x.id === id);

registerFold("assistance_requested", (v, e) => {
  const d = e.data;
  v.assistance.push({ id: d.request_id, requester: e.actor, kinds: [...d.kinds], summary: d.summary,
    requested_at: e.exercise_time, status: "open", closed_at: null, threat_id: d.threat_id ?? null,
    against: [...(d.against || [])], expected: [...d.expected], responses: {}, awaiting: [...d.expected] });
});
registerFold("assistance_responded", (v, e) => {
  const r = find(v.assistance, e.data.request_id);
  if (!r) return;
  r.responses[e.actor] = { response: e.data.response, details: e.data.details ?? null, at: e.exercise_time,
    kinds: [...(e.data.kinds || [])] };
  r.awaiting = r.awaiting.filter((s) => s !== e.actor);
});
registerFold("assistance_request_closed", (v, e) => {
  const r = find(v.assistance, e.data.request_id);
  if (r) Object.assign(r, { status: e.data.status, closed_at: e.exercise_time });
});

// --- in words ---------------------------------------------------------------------------------

const kindList = (view, kinds) => (kinds || []).map((k) => assistanceKindName(view, k)).join(", ");

registerDescription("assistance_requested", (e, view) => ({ kind: "assistance",
  text: t("{seat} requests assistance ({kinds}): {summary}", { seat: seatName(view, e.actor), kinds: kindList(view, e.data.kinds),
    summary: e.data.summary }) }));
registerDescription("assistance_responded", (e, view) => {
  const d = e.data;
  const req = find(view.assistance || [], d.request_id);
  const p = { seat: seatName(view, e.actor), to: req ? seatName(view, req.requester) : t("the request") };
  const what = d.response === "pledge" && d.kinds && d.kinds.length ? ` (${kindList(view, d.kinds)})` : "";
  const head = d.response === "pledge" ? t("{seat} pledged assistance to {to}", p) : t("{seat} declined to assist {to}", p);
  return { kind: "assistance", text: `${head}${what}${d.details ? `: ${d.details}` : "."}` };
});
registerDescription("assistance_request_closed", (e, view) => ({ kind: "assistance",
  text: t("{seat} marked the request for assistance as {status}.", { seat: seatName(view, e.actor), status: t(e.data.status) }) }));

registerSnapshot(20, (v) => [h("h3", {}, t("Assistance")), objectTable(v.assistance.map((r) => ({
  requester: seatName(v, r.requester), kinds: kindList(v, r.kinds), status: r.status,
  pledged: seatList(v, Object.keys(r.responses).filter((s) => r.responses[s].response === "pledge")),
  declined: seatList(v, Object.keys(r.responses).filter((s) => r.responses[s].response === "decline")),
  awaiting: seatList(v, r.awaiting),
})))]);

// --- the panel --------------------------------------------------------------------------------

export function assistancePanel(send) {
  const p = panel(t("Assistance"), { className: "assistance", id: "assistance" });
  const kinds = checkboxGroup(t("Kinds of assistance"), []);
  const summary = h("textarea", { rows: 3, required: true, maxLength: 4000 });
  const threat = threatPicker();
  const answers = injectPicker();
  const form = actionForm(send, {
    legend: t("Request assistance"), submit: t("Request assistance"), className: "request-assistance", collapsible: true,
    done: t("Request sent to the seats asked."),
    children: [kinds.el, field(t("What you need and why"), summary).wrap, threat.wrap, answers.wrap],
    build() {
      const chosen = kinds.values();
      if (!chosen.length) throw t("Choose at least one kind of assistance.");
      const b = { type: "request_assistance", kinds: chosen, summary: summary.value.trim() };
      if (threat.value()) b.threat_id = threat.value();
      return answers.add(b);
    },
    after() {
      kinds.set([]);
      summary.value = "";
      threat.reset();
      answers.reset();
    },
  });
  const list = h("div", { class: "cards", id: "assistance-list" });
  const empty = note(t("No requests for assistance yet."));
  const older = olderRows("assistance");
  p.body.append(form.el, list, empty, older.el);

  function update(ctx) {
    const { view, perms } = ctx;
    older.update(ctx);
    const grant = perms.may("request_assistance");
    form.el.hidden = !grant;
    form.setEnabled(perms.inPlay);
    if (grant) {
      form.setLabels({ legend: moveTitle(view, "request_assistance"), submit: moveLabel(view, "request_assistance") });
      kinds.setChoices(allowed(grant, view.institutions.assistance_kinds || []).map((k) => [k.id, assistanceKindName(view, k.id)]));
      threat.update(view);
      answers.update(view);
    }
    const items = [...view.assistance].sort((a, b) => Number(b.status === "open") - Number(a.status === "open") || b.requested_at - a.requested_at);
    empty.hidden = items.length > 0;
    syncList(list, items, (r) => r.id, (r) => card(send, r.id), ctx);  // typed details survive new events
  }
  return { el: p.el, update };
}

registerPanel({ id: "assistance", column: "main", order: 40, roles: ALL_ROLES, create: (env) => assistancePanel(env.send),
  news: (e, view) => generic(view, e).type === "assistance_requested" });

function card(send, id) {
  const title = h("h3", {});
  const meta = h("p", { class: "meta" });
  const summary = h("p", { class: "summary" });
  const about = h("p", { class: "about" });
  const answers = h("ul", { class: "answers", "aria-label": t("Answers") });
  const awaiting = h("p", { class: "awaiting" });
  const details = h("textarea", { rows: 2, maxLength: 4000 });
  // only for a seat that may pledge some kinds only: which of those asked for it pledges
  const pledgeKinds = checkboxGroup(t("What you pledge"), [], { name: `pledge-${id}` });
  const limits = h("p", { class: "note limits" });
  const status = statusLine();
  let limited = false;
  let primed = false; // the kinds it may give are ticked once; then the choice is the player's
  const body = (response) => () => {
    const b = { type: "respond_to_assistance", request_id: id, response };
    if (details.value.trim()) b.details = details.value.trim();
    if (response === "pledge" && limited) {
      const chosen = pledgeKinds.values();
      if (!chosen.length) throw new Error(t("Choose what you pledge."));
      b.kinds = chosen;
    }
    return b;
  };
  const pledge = actionButton(send, t("Pledge"), body("pledge"), { status, className: "primary pledge", done: t("Pledge recorded.") });
  const decline = actionButton(send, t("Decline"), body("decline"), { status, className: "decline", done: t("Answer recorded.") });
  const respond = h("div", { class: "respond" }, pledgeKinds.el, limits,
    field(t("Details of your answer (what, how many, when)"), details).wrap, h("div", { class: "buttons" }, pledge, decline));
  const closeStatus = statusLine();
  const fulfilled = actionButton(send, t("Mark fulfilled"), () => ({ type: "close_assistance_request", request_id: id, status: "fulfilled" }),
    { status: closeStatus, done: t("Request closed.") });
  const withdrawn = actionButton(send, t("Withdraw request"), () => ({ type: "close_assistance_request", request_id: id, status: "withdrawn" }),
    { status: closeStatus, done: t("Request withdrawn.") });
  const closeBox = h("div", { class: "buttons close-request" }, fulfilled, withdrawn);
  const el = h("article", { class: "card request", dataset: { id } }, title, meta, summary, about, answers, awaiting, respond,
    status.el, closeBox, closeStatus.el);
  return {
    el,
    update(r, ctx) {
      const { view, perms } = ctx;
      fill(title, t("{seat} requests {kinds}", { seat: seatName(view, r.requester), kinds: kindList(view, r.kinds) }), " ",
        badge(t(r.status), `st-${r.status}`));
      fill(meta, t("Requested at"), " ", when(view, r.requested_at), r.closed_at !== null ? [` · ${t("closed at")} `, when(view, r.closed_at)] : "");
      fill(summary, r.summary);
      fill(about, r.threat_id ? t("About: {what}", { what: threatRef(view, r.threat_id) }) : "",
        r.against.length ? `${r.threat_id ? " · " : ""}${t("Not asked, as parties named in the threat: {seats}", { seats: seatList(view, r.against) })}` : "");
      about.hidden = !r.threat_id && !r.against.length;
      const rows = Object.entries(r.responses).sort((a, b) => a[1].at - b[1].at);
      fill(answers, rows.map(([seat, x]) => h("li", { class: `answer ${x.response}`, dataset: { seat } },
        h("strong", {}, seatName(view, seat)), ` ${x.response === "pledge" ? t("pledged") : t("declined")}`,
        x.response === "pledge" && x.kinds && x.kinds.length ? ` ${kindList(view, x.kinds)}` : "",
        x.details ? `: ${x.details}` : "", " ", when(view, x.at))));
      answers.hidden = rows.length === 0;
      fill(awaiting, r.awaiting.length ? t("Not answered yet: {seats}", { seats: seatList(view, r.awaiting) }) : t("Every seat asked has answered."));
      const grant = perms.may("respond_to_assistance");
      const canRespond = Boolean(grant) && r.status === "open" && r.requester !== view.seat && !(view.seat in r.responses)
        && !r.against.includes(view.seat);
      respond.hidden = !canRespond;
      if (canRespond) {
        limited = grant.kinds !== null && grant.kinds !== undefined;
        const givable = limited ? r.kinds.filter((k) => grant.kinds.includes(k)) : r.kinds;
        pledgeKinds.setChoices(limited ? givable.map((k) => [k, assistanceKindName(view, k)]) : []);
        if (limited && !primed && givable.length) {
          pledgeKinds.set(givable);
          primed = true;
        }
        pledgeKinds.el.hidden = !limited || givable.length === 0;
        pledge.hidden = givable.length === 0;
        fill(limits, limited && givable.length === 0
          ? t("You may pledge only {kinds}; this request asks for none of it. You may still decline.", { kinds: kindList(view, grant.kinds) }) : "");
        limits.hidden = !(limited && givable.length === 0);
      }
      allow(pledge, perms.inPlay);
      allow(decline, perms.inPlay);
      closeBox.hidden = !(r.requester === view.seat && r.status === "open" && perms.participant);
      allow(fulfilled, perms.inPlay);
      allow(withdrawn, perms.inPlay);
    },
  };
}
