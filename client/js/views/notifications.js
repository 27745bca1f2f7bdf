// Notifications to the outside bodies the scenario declares (server/domain/slices/notifications.py):
// a seat that may notify a recipient sends it a summary, optionally of a decision or about a
// threat; everyone sees what was sent to whom, and the report measures the delay. A scenario's
// alias may record them under a name of its own; they arrive here as `notification_sent`.

import { field, fill, h, select, setOptions } from "../dom.js";
import { actionForm } from "../forms.js";
import { ALL_ROLES, registerDescription, registerFold, registerPanel, registerSnapshot } from "../registry.js";
import { moveLabel, moveTitle, recipientName, seatName } from "../words.js";
import { badge, facts, injectPicker, note, olderRows, panel, threatPicker, when } from "./common.js";
import { t } from "../i18n.js";

registerFold("notification_sent", (v, e) => {
  const d = e.data;
  v.notifications.push({ id: d.notification_id, actor: e.actor, at: e.exercise_time, recipient: d.recipient, summary: d.summary,
    decision_id: d.decision_id ?? null, threat_id: d.threat_id ?? null });
});

registerDescription("notification_sent", (e, view) => ({ kind: "notification",
  text: t("{seat} notified the {recipient}: {summary}", { seat: seatName(view, e.actor), recipient: recipientName(view, e.data.recipient),
    summary: e.data.summary }) }));

registerSnapshot(70, (v) => {
  const recipients = (v.institutions.recipients || []).map((r) => {
    const n = v.notifications.filter((x) => x.recipient === r.id).length;
    return [t("{recipient} notified", { recipient: recipientName(v, r.id) }), n ? t("{n} time(s)", { n }) : t("no")];
  });
  return recipients.length ? facts(recipients) : [];
});

export function notificationsPanel(send) {
  const p = panel(t("Notifications"), { className: "notifications", id: "notifications" });
  const recipient = select([]);
  const summary = h("textarea", { rows: 2, required: true, maxLength: 4000 });
  const decision = select([["", t("No particular decision")]]);
  const threat = threatPicker();
  const answers = injectPicker();
  const recipientField = field(t("To"), recipient);
  const form = actionForm(send, {
    legend: t("Send a notification"), submit: t("Notify"), className: "notify", done: t("Sent."), collapsible: true,
    children: [recipientField.wrap, field(t("Information submitted"), summary).wrap, field(t("About decision (optional)"), decision).wrap,
      threat.wrap, answers.wrap],
    build() {
      if (!recipient.value) throw t("There is nobody you may notify.");
      const b = { type: "notify", recipient: recipient.value, summary: summary.value.trim() };
      if (decision.value) b.decision_id = decision.value;
      if (threat.value()) b.threat_id = threat.value();
      return answers.add(b);
    },
    after() {
      summary.value = "";
      threat.reset();
      answers.reset();
    },
  });
  const list = h("ul", { class: "records", id: "notification-list" });
  const empty = note(t("No notifications sent."));
  const older = olderRows("notifications");
  p.body.append(form.el, older.el, list, empty);
  return {
    el: p.el,
    update(ctx) {
      const { view, perms } = ctx;
      const grant = perms.may("notify");
      const all = view.institutions.recipients || [];
      const to = grant ? (grant.to === null || grant.to === undefined ? all : all.filter((r) => grant.to.includes(r.id))) : [];
      form.el.hidden = !grant || to.length === 0;
      form.setEnabled(perms.inPlay);
      if (grant) {
        form.setLabels({ legend: moveTitle(view, "notify"), submit: moveLabel(view, "notify") });
        setOptions(recipient, to.map((r) => [r.id, recipientName(view, r.id)]));
        setOptions(decision, [["", t("No particular decision")], ...view.decisions.map((d) => [d.id, `${d.title} (${t(d.status)})`])]);
        threat.update(view);
        answers.update(view);
      }
      empty.hidden = view.notifications.length > 0;
      older.update(ctx);
      fill(list, view.notifications.map((n) => {
        const dec = n.decision_id ? view.decisions.find((d) => d.id === n.decision_id) : null;
        return h("li", { dataset: { id: n.id } }, when(view, n.at), " ", badge(recipientName(view, n.recipient), "k-notification"), " ",
          h("strong", {}, seatName(view, n.actor)), `: ${n.summary}`, dec ? ` ${t("(about “{title}”)", { title: dec.title })}` : "");
      }));
      p.el.hidden = all.length === 0;
    },
  };
}

registerPanel({ id: "notifications", column: "main", order: 70, roles: ALL_ROLES, create: (env) => notificationsPanel(env.send) });
