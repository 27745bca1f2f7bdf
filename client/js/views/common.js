// Small building blocks shared by the views.

import { hms, inWorldText } from "../clock.js";
import { field, fill, h, select, setOptions, setText, uid } from "../dom.js";
import { clip, seatLabel, seatName, textOf, threatKindName } from "../words.js";
import { N_, t } from "../i18n.js";

// the states of what the views show, said in the reader's language where they are shown (t(state))
export const STATES = [N_("open"), N_("closed"), N_("fulfilled"), N_("withdrawn"), N_("adopted"), N_("rejected"), N_("lapsed"),
  N_("coordinated"), N_("no agreement"), N_("private"), N_("delivered"), N_("pending")];

/** A landmark section with a heading: returns {el, body, heading}. */
export function panel(title, { className, level = 2, id } = {}) {
  const headingId = uid("h");
  const heading = h(`h${level}`, { id: headingId }, title);
  const body = h("div", { class: "panel-body" });
  const el = h("section", { class: ["panel", className], "aria-labelledby": headingId, id }, heading, body);
  return { el, body, heading };
}

export function badge(text, className) {
  return h("span", { class: ["badge", className] }, text);
}

/** Exercise time with the in-world time beside it. */
export function when(view, seconds) {
  if (seconds === null || seconds === undefined) return h("span", { class: "when" }, "—");
  return h("span", { class: "when" },
    h("span", { class: "ex-time", title: t("exercise time") }, hms(seconds)),
    " ",
    h("span", { class: "world-time", title: t("in-world time") }, inWorldText(view.exercise.start, seconds, { date: false })));
}

export function seatChip(view, id, extra) {
  return h("span", { class: "seat-chip", title: id }, seatName(view, id), extra ? ` ${extra}` : "");
}

/** The seats a participant may name (invitees, inject recipients): every scenario seat. */
export function seatChoices(view, { exclude = [] } = {}) {
  return view.seats.filter((s) => !exclude.includes(s.seat)).map((s) => [s.seat, seatLabel(view, s.seat)]);
}

/**
 * "About a reported threat (optional)": a select of the threats reported so far, hidden while
 * there are none. Returns {wrap, value(), update(view), reset()}.
 */
export function threatPicker(label = t("About a reported threat (optional)")) {
  const input = select([["", t("No particular threat")]]);
  const f = field(label, input);
  return {
    wrap: f.wrap,
    value: () => input.value || null,
    reset: () => { input.value = ""; },
    update(view) {
      const threats = view.threats || [];
      setOptions(input, [["", t("No particular threat")], ...threats.map((x) => [x.id,
        t("{kind} reported by {seat}: {summary}", { kind: threatKindName(view, x.kind), seat: seatName(view, x.actor), summary: clip(x.summary, 60) })])]);
      f.wrap.hidden = threats.length === 0;
    },
  };
}

/**
 * "In response to an inject (optional)": the injects this seat has received, hidden while there
 * are none; the move then says which one it answers (`in_response_to`), and the report follows
 * the link. Returns {wrap, value(), update(view), reset(), add(body)}.
 */
export function injectPicker(label = t("In response to an inject (optional)")) {
  const input = select([["", t("No particular inject")]]);
  const f = field(label, input);
  return {
    wrap: f.wrap,
    value: () => input.value || null,
    reset: () => { input.value = ""; },
    /** Put the choice into a command's body. */
    add(body) {
      if (input.value) body.in_response_to = input.value;
      return body;
    },
    update(view) {
      const received = (view.injects || []).filter((i) => i.status === undefined || i.status === "delivered");
      setOptions(input, [["", t("No particular inject")], ...received.map((i) => [i.id, clip(textOf(i.title), 70)])]);
      f.wrap.hidden = received.length === 0;
    },
  };
}

/** A reported threat in a few words, for the cards that refer to one ("" when there is none). */
export function threatRef(view, threatId) {
  if (!threatId) return "";
  const x = (view.threats || []).find((y) => y.id === threatId);
  return x ? t("{kind} reported by {seat}: {summary}", { kind: threatKindName(view, x.kind), seat: seatName(view, x.actor), summary: clip(x.summary, 60) }) : threatId;
}

/**
 * "Show older" under a list of the view that holds only its most recent rows (`view.pages[key]`
 * says whether there are older ones): reads the page before them into the view (js/store.js).
 * Returns {el, update(ctx)}.
 */
export function olderRows(key) {
  const button = h("button", { type: "button", class: "show-older", dataset: { list: key } }, t("Show older"));
  const status = h("span", { class: "note", role: "status" });
  const el = h("p", { class: "older", hidden: true }, button, " ", status);
  let store = null;
  button.addEventListener("click", () => {
    if (!store) return;
    button.disabled = true;
    setText(status, t("Loading…"));
    store.loadOlderRows(key).then(() => setText(status, ""), (e) => setText(status, e.message))
      .finally(() => { button.disabled = false; });
  });
  return {
    el,
    update(ctx) {
      store = ctx.store || null;
      const mark = ctx.view.pages && ctx.view.pages[key];
      el.hidden = !(store && mark && mark.has_more);
    },
  };
}

export function note(text, className = "note") {
  return h("p", { class: className }, text);
}

/** A <dl> from [[term, value], ...] (values may be nodes). */
export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** Render rows of objects as a table; unknown shapes become readable text. */
export function objectTable(rows, { caption, columns } = {}) {
  if (!Array.isArray(rows) || rows.length === 0) return note(t("Nothing to show."));
  const cols = columns || [...new Set(rows.flatMap((r) => (r && typeof r === "object" ? Object.keys(r) : ["value"])))];
  return h("div", { class: "table-wrap" }, h("table", {},
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c.replaceAll("_", " "))))),
    h("tbody", {}, rows.map((r) => h("tr", {}, cols.map((c) => h("td", {}, cellText(r && typeof r === "object" ? r[c] : r))))))));
}

export function cellText(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? t("yes") : t("no");
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (Array.isArray(value)) return value.map(cellText).join(", ");
  if (typeof value === "object") {
    return Object.entries(value).map(([k, v]) => `${k}: ${cellText(v)}`).join("; ");
  }
  return String(value);
}

/** Replace a container's content only when `key` changed (cheap re-render guard). */
export function renderIfChanged(container, key, build) {
  if (container._renderKey === key) return;
  container._renderKey = key;
  fill(container, build());
}
