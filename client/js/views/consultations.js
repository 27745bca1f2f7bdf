// Consultations (server/domain/slices/consultations.py): open one (everyone the scenario consults,
// or chosen seats; private or not; in a region; about a reported threat), speak in it, invite
// more, and, as its convener, close it with a coordinated position or none.

import { checkboxGroup, field, fill, h, select, setOptions, syncList } from "../dom.js";
import { actionForm } from "../forms.js";
import { ALL_ROLES, generic, registerDescription, registerFold, registerPanel, registerSnapshot } from "../registry.js";
import { humanize, moveLabel, moveTitle, regionName, seatList, seatName } from "../words.js";
import { badge, injectPicker, note, objectTable, olderRows, panel, seatChoices, threatPicker, threatRef, when } from "./common.js";
import { t } from "../i18n.js";

// --- the fold ---------------------------------------------------------------------------------

const find = (list, id) => list.find((x) => x.id === id);

registerFold("consultation_opened", (v, e) => {
  const d = e.data;
  v.consultations.push({ id: d.consultation_id, convener: e.actor, topic: d.topic, members: [...d.members],
    private: Boolean(d.private), region: d.region ?? null, threat_id: d.threat_id ?? null, opened_at: e.exercise_time,
    open: true, statements: 0, outcome: null, position: null, closed_at: null });
});
registerFold("consultation_invitees_added", (v, e) => {
  const d = e.data;
  let c = find(v.consultations, d.consultation_id);
  if (!c) {
    // invited into a private consultation opened before: this event is the first we see of it, and
    // it does not say which threat the consultation is about (the page re-reads the view)
    v._inexact = true;
    c = { id: d.consultation_id, convener: d.convener, topic: d.topic, members: [], private: Boolean(d.private),
      region: d.region ?? null, threat_id: null, opened_at: d.opened_at ?? e.exercise_time, open: true,
      statements: d.statements ?? 0, outcome: null, position: null, closed_at: null };
    v.consultations.push(c);
  }
  c.members = [...d.members];
});
registerFold("statement_posted", (v, e) => {
  const c = find(v.consultations, e.data.consultation_id);
  if (c) c.statements += 1;
});
registerFold("consultation_closed", (v, e) => {
  const c = find(v.consultations, e.data.consultation_id);
  if (c) Object.assign(c, { open: false, outcome: e.data.outcome, position: e.data.position ?? null, closed_at: e.exercise_time });
});

// --- in words ---------------------------------------------------------------------------------

function topic(view, id) {
  const con = find(view.consultations || [], id);
  return con ? `“${con.topic}”` : id;
}

registerDescription("consultation_opened", (e, view) => {
  const d = e.data;
  const p = { seat: seatName(view, e.actor), topic: d.topic, region: d.region ? regionName(view, d.region) : "",
    with: seatList(view, d.members.filter((m) => m !== e.actor)) };
  const text = d.private
    ? (d.region ? t("{seat} opened private consultations on “{topic}” in the {region} with {with}.", p)
      : t("{seat} opened private consultations on “{topic}” with {with}.", p))
    : (d.region ? t("{seat} opened consultations on “{topic}” in the {region} with {with}.", p)
      : t("{seat} opened consultations on “{topic}” with {with}.", p));
  return { kind: "consultation", text };
});
registerDescription("consultation_invitees_added", (e, view) => ({ kind: "consultation",
  text: t("{seat} invited {seats} to “{topic}”.", { seat: seatName(view, e.actor), seats: seatList(view, e.data.invitees), topic: e.data.topic }) }));
registerDescription("statement_posted", (e, view) => ({ kind: "statement",
  text: t("{seat} in {topic}: {text}", { seat: seatName(view, e.actor), topic: topic(view, e.data.consultation_id), text: e.data.text }) }));
registerDescription("consultation_closed", (e, view) => {
  const d = e.data;
  const p = { seat: seatName(view, e.actor), topic: topic(view, d.consultation_id) };
  const head = d.outcome === "coordinated" ? t("{seat} closed {topic}: a coordinated position", p) : t("{seat} closed {topic}: no agreement", p);
  return { kind: "consultation", text: head + (d.position ? `: ${d.position}` : ".") };
});

registerSnapshot(30, (v) => [h("h3", {}, t("Consultations")), objectTable(v.consultations.map((c) => ({
  topic: c.topic, convener: seatName(v, c.convener), private: c.private, statements: c.statements,
  status: c.open ? t("open") : t(humanize(c.outcome)),
})))]);

// --- the panel --------------------------------------------------------------------------------

export function consultationsPanel(send) {
  const p = panel(t("Consultations"), { className: "consultations", id: "consultations" });
  const open = openForm(send);
  const list = h("div", { class: "cards", id: "consultation-list" });
  const empty = note(t("No consultations yet."));
  const older = olderRows("consultations");
  p.body.append(open.el, list, empty, older.el);

  function update(ctx) {
    const { perms, view } = ctx;
    older.update(ctx);
    open.el.hidden = !perms.may("request_consultation");
    open.update(ctx);
    const items = [...view.consultations].sort((a, b) => Number(b.open) - Number(a.open) || b.opened_at - a.opened_at);
    empty.hidden = items.length > 0;
    syncList(list, items, (c) => c.id, (c) => card(send, c));
    for (const part of list._keyed.values()) part.refresh(ctx);
  }
  return { el: p.el, update };
}

registerPanel({ id: "consultations", column: "main", order: 50, roles: ALL_ROLES, create: (env) => consultationsPanel(env.send),
  news: (e, view) => ["consultation_opened", "statement_posted"].includes(generic(view, e).type) });

function openForm(send) {
  const topic = h("input", { type: "text", required: true, maxLength: 200, autocomplete: "off" });
  const everyone = h("input", { type: "radio", name: "con-who", value: "all", checked: true });
  const chosen = h("input", { type: "radio", name: "con-who", value: "chosen" });
  const seats = checkboxGroup(t("Invite these seats"), []);
  const priv = h("input", { type: "checkbox" });
  const region = select([["", t("No region")]]);
  const regionField = field(t("Region (optional)"), region);
  const threat = threatPicker();
  const answers = injectPicker();
  const who = h("fieldset", { class: "radios" }, h("legend", {}, t("Who takes part")),
    h("span", { class: "check" }, everyone, h("label", { for: everyone.id || (everyone.id = "con-all") }, t("Everyone the scenario consults"))),
    h("span", { class: "check" }, chosen, h("label", { for: chosen.id || (chosen.id = "con-chosen") }, t("Only the seats I choose"))));
  const sync = () => { seats.el.hidden = !chosen.checked; };
  everyone.addEventListener("change", sync);
  chosen.addEventListener("change", sync);
  sync();
  const form = actionForm(send, {
    legend: t("Open consultations"), collapsible: true,
    className: "open-consultation",
    submit: t("Open consultations"),
    done: t("Consultations opened."),
    children: [field(t("Topic"), topic).wrap, who, seats.el,
      h("div", { class: "field check" }, priv, h("label", { for: priv.id || (priv.id = "con-private") },
        t("Private: only those taking part (and the facilitator) see it"))),
      regionField.wrap, threat.wrap, answers.wrap],
    build() {
      const invitees = chosen.checked ? seats.values() : "all";
      if (invitees !== "all" && invitees.length === 0) throw t("Choose at least one seat to invite.");
      const body = { type: "request_consultation", topic: topic.value.trim(), invitees, private: priv.checked };
      if (region.value) body.region = region.value;
      if (threat.value()) body.threat_id = threat.value();
      return answers.add(body);
    },
    after() {
      topic.value = "";
      seats.set([]);
      priv.checked = false;
      threat.reset();
      answers.reset();
    },
  });
  return {
    el: form.el,
    update(ctx) {
      form.setEnabled(ctx.perms.inPlay);
      form.setLabels({ legend: moveTitle(ctx.view, "request_consultation"), submit: moveLabel(ctx.view, "request_consultation") });
      threat.update(ctx.view);
      answers.update(ctx.view);
      seats.setChoices(seatChoices(ctx.view, { exclude: [ctx.view.seat] }));
      setOptions(region, [["", t("No region")], ...ctx.view.regions.map((r) => [r.id, regionName(ctx.view, r.id)])]);
      regionField.wrap.hidden = ctx.view.regions.length === 0 || chosen.checked;
    },
  };
}

function card(send, c0) {
  const title = h("h3", {});
  const meta = h("p", { class: "meta" });
  const members = h("p", { class: "members" });
  const about = h("p", { class: "about" });
  const outcome = h("p", { class: "outcome" });
  const statements = h("ol", { class: "statements", "aria-label": t("Statements") });
  // statements made before the events the page holds: read back on demand
  const earlier = h("button", { type: "button", class: "show-older", hidden: true }, t("Show older"));
  let store = null;
  earlier.addEventListener("click", () => {
    earlier.disabled = true;
    if (store) store.loadOlderEvents().finally(() => { earlier.disabled = false; });
  });
  const tools = h("div", { class: "card-tools" });
  const el = h("article", { class: "card consultation", dataset: { id: c0.id } }, title, meta, members, about, earlier,
    statements, outcome, tools);

  const text = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const post = actionForm(send, {
    legend: t("Make a statement"), submit: t("Post statement"), className: "post-statement", done: "",
    children: [field(t("Statement"), text).wrap],
    build: () => ({ type: "post_statement", consultation_id: c0.id, text: text.value.trim() }),
    after: () => { text.value = ""; },
  });

  const more = checkboxGroup(t("Seats to invite"), []);
  const invite = actionForm(send, {
    legend: t("Invite more seats"), submit: t("Invite"), className: "invite", done: t("Invited."),
    children: [more.el],
    build() {
      const invitees = more.values();
      if (!invitees.length) throw t("Choose at least one seat to invite.");
      return { type: "invite_to_consultation", consultation_id: c0.id, invitees };
    },
    after: () => more.set([]),
  });

  const outcomeSel = select([["coordinated", t("Coordinated position")], ["no_agreement", t("No agreement")]]);
  const position = h("textarea", { rows: 2, maxLength: 4000 });
  const close = actionForm(send, {
    legend: t("Close the consultations"), submit: t("Close consultations"), className: "close-consultation", done: t("Closed."),
    children: [field(t("Outcome"), outcomeSel).wrap, field(t("Position (optional)"), position).wrap],
    build() {
      const body = { type: "close_consultation", consultation_id: c0.id, outcome: outcomeSel.value };
      if (position.value.trim()) body.position = position.value.trim();
      return body;
    },
  });
  const closeBox = h("details", { class: "close-box" }, h("summary", {}, t("Close…")), close.el);
  const inviteBox = h("details", { class: "invite-box" }, h("summary", {}, t("Invite more…")), invite.el);
  tools.append(post.el, inviteBox, closeBox);

  let c = c0;
  let shownStatements = 0;
  let firstStatement = null;
  return {
    el,
    update(item) { c = item; },
    refresh(ctx) {
      const { view, perms } = ctx;
      fill(title, c.topic, " ", c.private ? badge(t("private"), "private") : null, " ",
        c.open ? badge(t("open"), "open") : badge(t("closed"), "closed"));
      fill(meta, t("Called by {seat} at", { seat: seatName(view, c.convener) }), " ", when(view, c.opened_at),
        c.region ? ` · ${regionName(view, c.region)}` : "",
        ` · ${c.statements === 1 ? t("1 statement") : t("{n} statements", { n: c.statements })}`);
      fill(members, t("Taking part:"), " ", seatList(view, c.members));
      fill(about, c.threat_id ? t("About: {what}", { what: threatRef(view, c.threat_id) }) : "");
      about.hidden = !c.threat_id;
      outcome.hidden = c.open;
      if (!c.open) {
        fill(outcome, h("strong", {}, c.outcome === "coordinated" ? t("Coordinated position") : t("No agreement")),
          c.position ? `: ${c.position}` : "", ` (${t("closed at")} `, when(view, c.closed_at), ")");
      }
      const mine = ctx.index.group("statement_posted", "consultation_id").get(c.id) || [];
      store = ctx.store || null;
      earlier.hidden = !(store && store.eventsPage.has_more && c.statements > mine.length);
      if (mine.length && mine[0].seq !== firstStatement) { // older ones were read: show them all again
        firstStatement = mine[0].seq;
        statements.replaceChildren();
        shownStatements = 0;
      }
      for (let i = shownStatements; i < mine.length; i += 1) {
        const e = mine[i];
        statements.append(h("li", { dataset: { seq: String(e.seq) } },
          h("span", { class: "who" }, seatName(view, e.actor)), " ", when(view, e.exercise_time), h("br"),
          h("span", { class: "said" }, e.data.text)));
      }
      shownStatements = mine.length;
      statements.hidden = mine.length === 0;
      const inIt = c.members.includes(view.seat);
      const convener = c.convener === view.seat;
      post.el.hidden = !(perms.participant && inIt && c.open);
      post.setEnabled(perms.inPlay);
      inviteBox.hidden = !(convener && c.open);
      more.setChoices(seatChoices(view, { exclude: c.members }));
      invite.setEnabled(perms.inPlay);
      closeBox.hidden = !(convener && c.open);
      close.setEnabled(perms.inPlay);
      tools.hidden = post.el.hidden && inviteBox.hidden && closeBox.hidden;
    },
  };
}
