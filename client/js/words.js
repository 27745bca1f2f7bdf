// The words a participant or a reviewer reads, from the scenario (the view's seats, bodies,
// `institutions` and `words`), with neutral fallbacks for what a scenario leaves out. No view
// module spells an institution's name: it asks here.

import { language, N_, t } from "./i18n.js";

const SPECIAL = { system: N_("System"), facilitator: N_("Facilitator"), observer: N_("Observer"), all: N_("everyone") };

// the server's neutral move labels (server/domain/words.py DEFAULT_MOVES): a view that carries one
// of these carries no word of the scenario's, so it is said in the reader's language
const DEFAULT_MOVES = new Set([N_("Report a threat"), N_("Call consultations"), N_("Invite to the consultation"),
  N_("Make a statement"), N_("Close the consultation"), N_("Request assistance"), N_("Answer requests for assistance"),
  N_("Close the request"), N_("Convene a session"), N_("Propose a decision"), N_("Vote"), N_("Record implementation"),
  N_("Send a notification"), N_("Apply for membership"), N_("Give notice of withdrawal"), N_("Write to control"),
  N_("Close vote")]); // the last: the server's label of a move it has no default for ("close_vote")
const DEFAULT_VOTES = { for: N_("for"), against: N_("against"), abstain: N_("abstain") };
const DEFAULT_MILESTONES = new Set([N_("Consultation opened"), N_("Assistance requested"), N_("Decision proposed"),
  N_("Decision adopted"), N_("Notification sent")]);

// the server's neutral defaults (server/domain/words.py), for a view that has no `words`
const TERMS = {
  member: N_("member"),
  members: N_("members"),
  non_member: N_("non-member"),
  application: N_("application for membership"),
  notification: N_("notification"),
  threat: N_("threat"),
  implementation: N_("implementation"),
};

export function humanize(word) {
  return String(word ?? "").replaceAll("_", " ");
}

export function capitalize(text) {
  const s = String(text ?? "");
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** Participant text on one line, cut to `limit` characters. */
export function clip(text, limit = 80) {
  const s = String(text ?? "").split(/\s+/).filter(Boolean).join(" ");
  return s.length <= limit ? s : `${s.slice(0, limit - 1).trimEnd()}…`;
}

const byId = (list, id) => (list || []).find((x) => x.id === id) || null;

/**
 * The scenario's own word in the reader's language, if it gives one (`view.translations`, from names
 * written as `{en: ..., ru: ...}`): `tr(view, "seat:<id>")`; null when it gives none.
 */
export function tr(view, key) {
  const lang = language();
  if (lang === "en") return null;
  const texts = view && view.translations && view.translations[lang];
  return (texts && texts[key]) || null;
}

/**
 * A text of the scenario only some seats read (a briefing, a delivered inject's title or body), as
 * given: a string as it is; of a map by language (`{en: ..., ru: ...}`) the reader's, else the
 * English, else any.
 */
export function textOf(text) {
  if (text === null || text === undefined) return "";
  if (typeof text !== "object") return String(text);
  const found = text[language()] || text.en || Object.values(text).find((x) => x);
  return found ? String(found) : "";
}

/** Who speaks for a seat (`head`), in the reader's language when the scenario gives it. */
export const seatHead = (view, seat) => tr(view, `seat_head:${seat.seat}`) || seat.head || "";

/** The exercise's title and summary, in the reader's language when the scenario gives them in it. */
export const exerciseTitle = (view) => tr(view, "title") || view.exercise.title;
export const exerciseSummary = (view) => tr(view, "summary") || view.exercise.summary || "";

const GROUP_KEYS = { decision_kinds: "decision_kind", threat_kinds: "threat_kind", assistance_kinds: "assistance_kind",
  recipients: "recipient", statuses: "status", seat_kinds: "seat_kind" };
const inst = (view, group) => (view && view.institutions && view.institutions[group]) || [];

export function seatName(view, id) {
  if (id in SPECIAL) return t(SPECIAL[id]);
  const own = tr(view, `seat:${id}`);
  if (own) return own;
  const seat = view && view.seats ? view.seats.find((s) => s.seat === id) : null;
  return seat ? seat.name : String(id ?? "");
}

/** "Kazakhstan (KAZ)": for pickers, where the id helps. */
export function seatLabel(view, id) {
  const name = seatName(view, id);
  return name === id ? name : `${name} (${id})`;
}

export function seatList(view, ids) {
  if (ids === "all" || ids === null || ids === undefined) return t("everyone");
  return ids.map((s) => seatName(view, s)).join(", ");
}

export function bodyName(view, id) {
  const b = byId(view && view.bodies, id);
  return tr(view, `body:${id}`) || (b ? b.name : String(id ?? ""));
}

export function regionName(view, id) {
  const r = byId(view && view.regions, id);
  return tr(view, `region:${id}`) || (r ? r.name : humanize(id));
}

/** The name of an institution's entry: decision_kinds, threat_kinds, assistance_kinds, recipients, statuses, seat_kinds. */
export function named(view, group, id) {
  const own = GROUP_KEYS[group] ? tr(view, `${GROUP_KEYS[group]}:${id}`) : null;
  if (own) return own;
  const found = byId(inst(view, group), id);
  return found && found.name ? found.name : humanize(id);
}

export const decisionKindName = (view, id) => named(view, "decision_kinds", id);
export const threatKindName = (view, id) => named(view, "threat_kinds", id);
export const assistanceKindName = (view, id) => named(view, "assistance_kinds", id);
export const recipientName = (view, id) => named(view, "recipients", id);
export const statusName = (view, id) => named(view, "statuses", id);
export const seatKindName = (view, id) => named(view, "seat_kinds", id);

export function decisionKind(view, id) {
  return byId(inst(view, "decision_kinds"), id);
}

/** A decision kind with its reference ("Deployment (Charter s. 12)"), as the scenario words it. */
export function decisionKindTitle(view, id) {
  const k = decisionKind(view, id);
  const reference = tr(view, `decision_kind_reference:${id}`) || (k && k.reference);
  return reference ? `${decisionKindName(view, id)} (${reference})` : decisionKindName(view, id);
}

/** A seat's standing in words: its status's name, or its kind's. */
export function standing(view, seat) {
  if (!seat) return "";
  return seat.status ? statusName(view, seat.status) : seatKindName(view, seat.kind);
}

function move(view, m) {
  return (view && view.words && view.words.moves && view.words.moves[m]) || null;
}

/** The label of a move ("Request assistance"). */
export function moveLabel(view, m) {
  const w = move(view, m);
  const own = tr(view, `move:${m}`);
  if (own) return own;
  if (w && w.label) return DEFAULT_MOVES.has(w.label) ? t(w.label) : w.label;
  return capitalize(humanize(m));
}

/** The label with the scenario's reference ("Request assistance (Charter s. 4)"), for headings. */
export function moveTitle(view, m) {
  const w = move(view, m);
  const label = moveLabel(view, m);
  const reference = tr(view, `move_reference:${m}`) || (w && w.reference);
  return reference ? `${label} (${reference})` : label;
}

/** The scenario's help text of a move, or "". */
export function moveHelp(view, m) {
  const w = move(view, m);
  return tr(view, `move_help:${m}`) || (w && w.help) || "";
}

/** A term of the scenario ("member", "members", "non_member", "application", "notification", ...). */
export function term(view, key) {
  const terms = (view && view.words && view.words.terms) || {};
  const own = tr(view, `term:${key}`);
  if (own) return own;
  const found = terms[key] || TERMS[key];
  if (!found) return humanize(key);
  return found === TERMS[key] ? t(found) : found; // a neutral default is said in the reader's language
}

/** What the scenario calls a vote ("for", "against", "abstain"; a board may say "approve"). */
export function voteWord(view, vote) {
  const votes = (view && view.words && view.words.votes) || {};
  const own = tr(view, `vote:${vote}`);
  if (own) return own;
  const found = votes[vote] || vote;
  return found === DEFAULT_VOTES[vote] ? t(found) : found;
}

/** The milestones of the report's response chains: [{id, name}]. */
export function milestones(view) {
  return ((view && view.words && view.words.milestones) || []).map((m) => {
    const own = tr(view, `milestone:${m.id}`);
    if (own) return { ...m, name: own };
    return DEFAULT_MILESTONES.has(m.name) ? { ...m, name: t(m.name) } : m;
  });
}
