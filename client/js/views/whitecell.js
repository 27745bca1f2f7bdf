// The white cell (control): the facilitator makes a participant's move for a seat nobody plays (an
// absent state, the other side). The command goes with `on_behalf_of: <seat>`; the server judges it
// by that seat's powers and records it as the seat's, with `played_by: "facilitator"` (the feed
// says "played by control"). Offered here: the moves that most often wait on an absent seat.

import { field, h, select, setOptions } from "../dom.js";
import { actionForm } from "../forms.js";
import { registerPanel } from "../registry.js";
import { clip, seatLabel, seatName, voteWord } from "../words.js";
import { panel } from "./common.js";
import { N_, t } from "../i18n.js";

const MOVES = [["cast_vote", N_("Vote on a decision")], ["respond_to_assistance", N_("Answer a request for assistance")],
  ["post_statement", N_("Make a statement in a consultation")]];

/** What the seat could answer now, per move, from the facilitator's view. */
function openFor(view, seat) {
  return {
    cast_vote: (view.decisions || []).filter((d) => d.status === "open" && (d.electorate || d.eligible || []).includes(seat))
      .map((d) => [d.id, `${clip(d.title, 60)}${d.votes && d.votes[seat] ? ` ${t("(voted {vote})", { vote: voteWord(view, d.votes[seat]) })}` : ""}`]),
    respond_to_assistance: (view.assistance || []).filter((r) => r.status === "open" && (r.awaiting || []).includes(seat))
      .map((r) => [r.id, `${seatName(view, r.requester)}: ${clip(r.summary, 60)}`]),
    post_statement: (view.consultations || []).filter((c) => c.open && (c.members || []).includes(seat))
      .map((c) => [c.id, clip(c.topic, 60)]),
  };
}

export function whiteCellPanel(send) {
  const p = panel(t("White cell: moves for absent seats"), { className: "white-cell", id: "white-cell" });
  const seat = select([], { id: "white-cell-seat" });
  const move = select(MOVES.map(([m, label]) => [m, t(label)]), { id: "white-cell-move" });
  const subject = select([], { id: "white-cell-subject" });
  const vote = select(["for", "against", "abstain"].map((v) => [v, v]), { id: "white-cell-vote" });
  const response = select([["pledge", t("Pledge")], ["decline", t("Decline")]], { id: "white-cell-response" });
  const text = h("textarea", { rows: 2, maxLength: 4000, id: "white-cell-text" });
  const fields = {
    subject: field(t("About"), subject), vote: field(t("Vote"), vote), response: field(t("Answer"), response),
    text: field(t("Text (details, or the statement)"), text),
  };
  const none = h("p", { class: "note" });
  const form = actionForm(send, {
    legend: t("Make a move for a seat played by control"), submit: t("Record the move"), className: "white-cell-form",
    done: t("Recorded, as played by control."),
    children: [field(t("Seat"), seat).wrap, field(t("Move"), move).wrap, none, fields.subject.wrap, fields.vote.wrap,
      fields.response.wrap, fields.text.wrap],
    build: () => {
      if (!seat.value) throw new Error(t("Choose the seat control plays."));
      if (!subject.value) throw new Error(none.textContent || t("Choose what the move is about."));
      const on = { on_behalf_of: seat.value };
      const said = text.value.trim();
      if (move.value === "cast_vote") return { type: "cast_vote", decision_id: subject.value, vote: vote.value, ...on };
      if (move.value === "respond_to_assistance") {
        return { type: "respond_to_assistance", request_id: subject.value, response: response.value, ...(said ? { details: said } : {}), ...on };
      }
      if (!said) throw new Error(t("Write the statement."));
      return { type: "post_statement", consultation_id: subject.value, text: said, ...on };
    },
    after: () => { text.value = ""; },
  });
  p.body.append(h("p", { class: "note" }, t("For a seat nobody plays: the move is recorded as that seat's, marked as played by control, and judged by that seat's powers.")), form.el);
  let last = null;

  function show(view) {
    const choices = openFor(view, seat.value)[move.value] || [];
    setOptions(subject, choices);
    const m = move.value;
    none.hidden = choices.length > 0;
    none.textContent = choices.length ? "" : t("{seat} has nothing open for this move.", { seat: seatName(view, seat.value) });
    fields.subject.wrap.hidden = choices.length === 0;
    fields.vote.wrap.hidden = m !== "cast_vote";
    fields.response.wrap.hidden = m !== "respond_to_assistance";
    fields.text.wrap.hidden = m === "cast_vote";
  }
  seat.addEventListener("change", () => last && show(last));
  move.addEventListener("change", () => last && show(last));

  function update(ctx) {
    const v = ctx.view;
    last = v;
    setOptions(seat, (v.seats || []).map((s) => [s.seat, seatLabel(v, s.seat)]));
    setOptions(vote, ["for", "against", "abstain"].map((x) => [x, voteWord(v, x)]));
    show(v);
    form.setEnabled(ctx.perms.inPlay);
  }
  return { el: p.el, update };
}

registerPanel({ id: "white-cell", column: "main", order: 25, roles: ["facilitator"], create: (env) => whiteCellPanel(env.send) });
