// What this seat may do now, from the view: the moves the scenario grants it (`view.me.may`, with
// their limits), the bodies it proposes in and convenes (`me.proposes_in`, `me.convenes`), and the
// exercise status. The server judges every command; this only keeps the page from offering what
// it would refuse. Each view asks about its own moves (`perms.may("request_assistance")`).

import { t } from "./i18n.js";

export function permissions(view) {
  const seat = view.seat;
  const me = view.me;
  const status = view.exercise.status;
  const facilitator = seat === "facilitator";
  const observer = seat === "observer";
  const participant = !facilitator && !observer && Boolean(me);
  const paused = status === "paused";
  const allowPaused = Boolean(view.settings && view.settings.allow_actions_while_paused);
  const inPlay = !view.read_only && (status === "running" || (paused && allowPaused));
  const granted = participant && me.may ? me.may : {};
  return {
    seat,
    facilitator,
    observer,
    staff: facilitator || observer,
    participant,
    member: participant && Boolean(me.member),
    inPlay,
    notYet: status === "created" || status === "new",
    ended: status === "ended",
    paused,
    readOnly: Boolean(view.read_only),
    whyNot: whyNot(view, status, allowPaused),
    /** The grant of a move ({kinds, to, asked}), or null when the seat may not make it. */
    may: (move) => granted[move] || null,
    proposesIn: participant ? me.proposes_in || [] : [],
    convenes: participant ? me.convenes || [] : [],
    // the observer, too, may write to the facilitator (and be answered)
    control: (participant || observer) && status !== "ended" && !view.read_only,
  };
}

/** The entries of `choices` ([{id, name}]) a grant allows: all of them when its `kinds` is null. */
export function allowed(grant, choices) {
  if (!grant) return [];
  if (grant.kinds === null || grant.kinds === undefined) return choices;
  const ok = new Set(grant.kinds);
  return choices.filter((c) => ok.has(c.id));
}

function whyNot(view, status, allowPaused) {
  if (view.read_only) return t("This exercise was imported for review; it is read-only.");
  if (status === "created" || status === "new") return t("The exercise has not started yet; moves open when the facilitator starts it.");
  if (status === "paused" && !allowPaused) return t("The exercise is paused; wait for the facilitator to resume it.");
  if (status === "ended") return t("The exercise has ended; no more moves can be made.");
  return "";
}
