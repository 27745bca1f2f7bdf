// Requests for assistance (Treaty Art. 4): a member asks, every other member pledges or declines
// with details; everyone sees who has answered and who has not; the requester closes the request.

import { humanize, seatList, seatName } from "../describe.js";
import { checkboxGroup, field, fill, h, syncList } from "../dom.js";
import { actionButton, actionForm, allow, statusLine } from "../forms.js";
import { badge, note, panel, when } from "./common.js";

export function assistancePanel(send) {
  const p = panel("Assistance", { className: "assistance", id: "assistance" });
  const kinds = checkboxGroup("Kinds of assistance", []);
  const summary = h("textarea", { rows: 3, required: true, maxLength: 4000 });
  const form = actionForm(send, {
    legend: "Request assistance (Art. 4)", submit: "Request assistance", className: "request-assistance", collapsible: true,
    done: "Request sent to every other member.",
    children: [kinds.el, field("What you need and why", summary).wrap],
    build() {
      const chosen = kinds.values();
      if (!chosen.length) throw "Choose at least one kind of assistance.";
      return { type: "request_assistance", kinds: chosen, summary: summary.value.trim() };
    },
    after() {
      kinds.set([]);
      summary.value = "";
    },
  });
  const list = h("div", { class: "cards", id: "assistance-list" });
  const empty = note("No requests for assistance yet.");
  p.body.append(form.el, list, empty);

  function update(ctx) {
    const { view, perms } = ctx;
    form.el.hidden = !perms.requestAssistance;
    form.setEnabled(perms.inPlay);
    kinds.setChoices((view.settings.assistance_kinds || []).map((k) => [k, humanize(k)]));
    const items = [...view.assistance].sort((a, b) => Number(b.status === "open") - Number(a.status === "open") || b.requested_at - a.requested_at);
    empty.hidden = items.length > 0;
    syncList(list, items, (r) => r.id, (r) => card(send, r.id), ctx);  // typed details survive new events
  }
  return { el: p.el, update };
}


function card(send, id) {
  const title = h("h3", {});
  const meta = h("p", { class: "meta" });
  const summary = h("p", { class: "summary" });
  const answers = h("ul", { class: "answers", "aria-label": "Answers" });
  const awaiting = h("p", { class: "awaiting" });
  const details = h("textarea", { rows: 2, maxLength: 4000 });
  const status = statusLine();
  const body = (response) => () => {
    const b = { type: "respond_to_assistance", request_id: id, response };
    if (details.value.trim()) b.details = details.value.trim();
    return b;
  };
  const pledge = actionButton(send, "Pledge", body("pledge"), { status, className: "primary pledge", done: "Pledge recorded." });
  const decline = actionButton(send, "Decline", body("decline"), { status, className: "decline", done: "Answer recorded." });
  const respond = h("div", { class: "respond" },
    field("Details of your answer (what, how many, when)", details).wrap, h("div", { class: "buttons" }, pledge, decline));
  const closeStatus = statusLine();
  const fulfilled = actionButton(send, "Mark fulfilled", () => ({ type: "close_assistance_request", request_id: id, status: "fulfilled" }),
    { status: closeStatus, done: "Request closed." });
  const withdrawn = actionButton(send, "Withdraw request", () => ({ type: "close_assistance_request", request_id: id, status: "withdrawn" }),
    { status: closeStatus, done: "Request withdrawn." });
  const closeBox = h("div", { class: "buttons close-request" }, fulfilled, withdrawn);
  const el = h("article", { class: "card request", dataset: { id } }, title, meta, summary, answers, awaiting, respond, status.el,
    closeBox, closeStatus.el);
  return {
    el,
    update(r, ctx) {
      const { view, perms } = ctx;
      fill(title, `${seatName(view, r.requester)} requests ${r.kinds.map(humanize).join(", ")}`, " ",
        badge(r.status, `st-${r.status}`));
      fill(meta, "Requested at ", when(view, r.requested_at), r.closed_at !== null ? [" · closed at ", when(view, r.closed_at)] : "");
      fill(summary, r.summary);
      const rows = Object.entries(r.responses).sort((a, b) => a[1].at - b[1].at);
      fill(answers, rows.map(([seat, x]) => h("li", { class: `answer ${x.response}`, dataset: { seat } },
        h("strong", {}, seatName(view, seat)), ` ${x.response === "pledge" ? "pledged" : "declined"}`,
        x.details ? `: ${x.details}` : "", " ", when(view, x.at))));
      answers.hidden = rows.length === 0;
      fill(awaiting, r.awaiting.length ? `Not answered yet: ${seatList(view, r.awaiting)}` : "Every member asked has answered.");
      const canRespond = perms.respondAssistance && r.status === "open" && r.requester !== view.seat && !(view.seat in r.responses);
      respond.hidden = !canRespond;
      allow(pledge, perms.inPlay);
      allow(decline, perms.inPlay);
      closeBox.hidden = !(r.requester === view.seat && r.status === "open" && perms.participant);
      allow(fulfilled, perms.inPlay);
      allow(withdrawn, perms.inPlay);
    },
  };
}
