// Sending commands from forms and buttons. Each user action gets one Idempotency-Key; automatic
// retries reuse it (api.sendCommand), and so does a manual retry of the same command after an
// answer that never came, so a double click or a flaky link never records a move twice. The
// control is disabled while its request is in flight. Refusals are shown in the server's words.

import { NetworkError, newKey } from "./api.js";
import { fill, h, setText } from "./dom.js";
import { t } from "./i18n.js";

// The success messages on the page, each with the seq of the last event its command recorded: once
// the page shows a later event, the exercise has moved on and "Resumed." is old news (expireStatuses).
const standing = new Set();

/** Clear the success messages older than what the page now shows (`seq`: the last event rendered). */
export function expireStatuses(seq) {
  for (const line of standing) if (seq > line.seq) line.clear();
}

/** Where a form tells the user how its last action went. */
export function statusLine() {
  const el = h("p", { class: "status", "aria-live": "polite" });
  const line = {
    el,
    seq: null,
    busy() {
      standing.delete(line);
      el.className = "status busy";
      fill(el, t("Sending…"));
    },
    /** `seq`: the last event the action recorded; the message stands until a later one is shown. */
    ok(text, seq = null) {
      el.className = "status ok";
      fill(el, text);
      line.seq = seq;
      if (seq !== null) standing.add(line);
      else standing.delete(line);
    },
    error(text) {
      standing.delete(line);
      el.className = "status error";
      // a freshly inserted role=alert is announced at once by screen readers
      fill(el, h("span", { role: "alert" }, text));
    },
    clear() {
      standing.delete(line);
      el.className = "status";
      fill(el);
    },
  };
  return line;
}

/** Remembers the key of an action whose outcome is unknown, to reuse it if the same command is sent again. */
function keyKeeper() {
  let kept = null;
  return {
    keyFor(body) {
      const text = JSON.stringify(body);
      if (kept && kept.text === text) return kept.key;
      return newKey();
    },
    keep(key, body) {
      kept = { key, text: JSON.stringify(body) };
    },
    clear() {
      kept = null;
    },
  };
}

/**
 * Run one command. `controls` are disabled while it is in flight (their `_busy` flag lets
 * re-renders keep them disabled).
 */
export async function runCommand(send, body, { controls = [], status, keys, done = t("Done.") }) {
  const key = keys.keyFor(body);
  for (const c of controls) {
    c._busy = true;
    c.disabled = true;
    c.setAttribute("aria-busy", "true");
  }
  status && status.busy();
  try {
    const result = await send(body, key);
    keys.clear();
    const recorded = result && Array.isArray(result.events) && result.events.length ? result.events[result.events.length - 1].seq : null;
    status && (done ? status.ok(done, recorded) : status.clear());
    return result;
  } catch (e) {
    if (e instanceof NetworkError) {
      keys.keep(key, body);
      status && status.error(t("{message} If you send it again it will not be recorded twice.", { message: e.message }));
    } else {
      keys.clear();
      status && status.error(e.message || String(e));
    }
    return null;
  } finally {
    for (const c of controls) {
      c._busy = false;
      c.disabled = Boolean(c._blocked);
      c.removeAttribute("aria-busy");
    }
  }
}

/** Enable or block a control for a reason other than an action in flight. */
export function allow(control, allowed) {
  control._blocked = !allowed;
  control.disabled = !allowed || Boolean(control._busy);
}

/**
 * A form that sends one command. `build()` returns the command (or throws a sentence for the
 * user); `after(result)` runs when it was recorded (e.g. to clear the fields).
 */
export function actionForm(send, { legend, children = [], submit, build, after, className, done, collapsible = false }) {
  const status = statusLine();
  const keys = keyKeeper();
  const button = h("button", { type: "submit", class: "primary" }, submit);
  // in a collapsible form the summary shows the title; the legend stays for screen readers
  const legendEl = legend !== undefined ? h("legend", { class: collapsible ? "sr-only" : null }, legend) : null;
  const fieldset = h("fieldset", {}, legendEl, ...children, h("div", { class: "buttons" }, button), status.el);
  const form = h("form", { class: ["action", className] }, fieldset);
  // a collapsible form shows as one line ("Propose a decision") until opened
  const summaryEl = collapsible ? h("summary", {}, legend) : null;
  const outer = collapsible ? h("details", { class: ["form-box", className && `${className}-box`] }, summaryEl, form) : form;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (button._busy) return;
    if (!form.checkValidity()) {
      form.reportValidity();
      return;
    }
    let body;
    try {
      body = build();
    } catch (msg) {
      status.error(String(msg && msg.message ? msg.message : msg));
      return;
    }
    const result = await runCommand(send, body, { controls: [button], status, keys, done });
    if (result && after) after(result, form);
  });
  return {
    el: outer,
    form,
    button,
    status,
    /** Show the form enabled, or disabled with a reason. */
    setEnabled(enabled) {
      fieldset.disabled = !enabled;
    },
    /** Name the form and its button in the scenario's words (they may come with the view). */
    setLabels({ legend: text, submit: label }) {
      if (text !== undefined) {
        if (legendEl) setText(legendEl, text);
        if (summaryEl) setText(summaryEl, text);
      }
      if (label !== undefined) setText(button, label);
    },
  };
}

/** A button that sends one command when pressed. */
export function actionButton(send, label, makeBody, { status, className, done, title } = {}) {
  const keys = keyKeeper();
  const button = h("button", { type: "button", class: className, title });
  fill(button, label);
  button.addEventListener("click", async () => {
    if (button._busy) return;
    let body;
    try {
      body = makeBody();
    } catch (msg) {
      if (status) status.error(String(msg && msg.message ? msg.message : msg));
      return;
    }
    await runCommand(send, body, { controls: [button], status, keys, done });
  });
  return button;
}
