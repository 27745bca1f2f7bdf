// The exercise page, one for every seat. Reads the seat token from the link, loads the seat's view
// and the most recent events (older ones on demand), opens one WebSocket, and folds every new
// event into the page.

import { ApiError, getEventsBefore, getOlderRows, getState, sendCommand } from "./api.js";
import { exerciseNow } from "./clock.js";
import { fill, h } from "./dom.js";
import { expireStatuses } from "./forms.js";
import { Live } from "./live.js";
import { permissions } from "./perms.js";
import "./slices.js"; // every area registers its fold, sentences and panels
import { createStore } from "./store.js";
import { exerciseIdFromPath, forget, remember, takeToken, tokenFrom } from "./token.js";
import { buildLayout } from "./views/layout.js";
import { exerciseTitle } from "./words.js";
import { translateStatic } from "./i18n.js";

translateStatic(document);
import { t } from "./i18n.js";

const app = document.getElementById("app");
const exerciseId = exerciseIdFromPath();
let token = exerciseId ? takeToken(exerciseId) : null;

// A join link pasted into the address bar of a tab already on this exercise changes only what follows
// `#`, so the browser does not load the page again: the link's seat takes over, as if opened afresh.
window.addEventListener("hashchange", () => {
  if (!exerciseId || !tokenFrom(location.hash.slice(1))) return;
  takeToken(exerciseId);
  location.reload();
});

function message(title, text, ...extra) {
  fill(app, h("main", { id: "main", class: "message-page", tabIndex: -1 }, h("h1", {}, title), h("p", {}, text), ...extra));
}

function askForToken(problem) {
  const input = h("input", { type: "password", id: "token-input", required: true, autocomplete: "off" });
  const form = h("form", { class: "action" },
    h("div", { class: "field" }, h("label", { for: input.id }, t("Your join link or seat token")), input),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, t("Open my seat"))));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = tokenFrom(input.value);
    if (!value) return;
    token = value;
    remember(exerciseId, token);
    boot();
  });
  message(t("Open your seat"), problem || t("This page needs your seat's join link. Open the link you were given, or paste it here."), form);
  input.focus();
}

export const EVENTS_PAGE = 200; // the events the page starts with, and reads back at a time

async function load() {
  const view = await getState(exerciseId, token);
  // the events up to the view: the most recent, not the whole log (the feed reads back on demand)
  const page = await getEventsBefore(exerciseId, token, view.exercise.version + 1, EVENTS_PAGE);
  return { view, events: page.events, eventsPage: { has_more: page.has_more, before: page.before } };
}

async function boot() {
  if (!exerciseId) {
    message(t("Not an exercise"), t("This address does not name an exercise."));
    return;
  }
  if (!token) {
    askForToken();
    return;
  }
  message(t("Loading…"), t("Loading the exercise."));
  let loaded;
  for (let attempt = 0; ; attempt += 1) {
    try {
      loaded = await load();
      break;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        forget(exerciseId);
        token = null;
        askForToken(t("That link does not open a seat in this exercise: {why}", { why: e.message }));
        return;
      }
      if (e instanceof ApiError && e.status === 404) {
        message(t("No such exercise"), e.message);
        return;
      }
      const wait = Math.min(10000, 1000 * 2 ** attempt);
      message(t("Cannot reach the server"), t("{why} Trying again in {secs} s…", { why: e.message, secs: Math.round(wait / 1000) }));
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  start(loaded.view, loaded.events, loaded.eventsPage);
}

function start(view, events, eventsPage) {
  // The observer's view lists every delivered inject, also those sent to other seats, whose
  // events it never receives: it re-reads its view after each burst of events to stay exact.
  const store = createStore(view, events, {
    reload: (at) => getState(exerciseId, token, { at }),
    alwaysReload: view.seat === "observer",
    eventsPage,
    olderEvents: (before) => getEventsBefore(exerciseId, token, before, EVENTS_PAGE),
    olderRows: (key, before) => getOlderRows(exerciseId, token, key, before),
  });
  const send = (command, key) => sendCommand(exerciseId, token, command, key);
  const ctxOf = () => {
    const v = store.view;
    return {
      store, view: v, events: store.events, perms: permissions(v), send, exerciseId, token,
      index: store.index,
      now: () => exerciseNow(v, store.skew),
    };
  };
  const layout = buildLayout({ exerciseId, token, send, view: store.view, ctxOf });
  fill(app, layout.el);
  document.title = `${view.me ? view.me.seat : view.seat} · ${exerciseTitle(view)} · ttx`;

  const render = () => {
    layout.update(ctxOf());
    store.renderedSeq = store.lastSeq; // what the page shows, not just what it knows
    expireStatuses(store.renderedSeq);
  };
  store.subscribe(render);
  render();
  setInterval(() => layout.tick(ctxOf()), 1000);

  const live = new Live({
    exerciseId, token,
    after: () => store.lastSeq,
    onEvent: (e) => store.accept(e),
    onPresence: (online) => store.setPresence(online),
    onStatus: (s) => store.setConnection(s),
    onSkew: (ms) => store.setSkew(ms),
  });
  live.start();
  // the page's state, for the curious and the tests (no token in it)
  window.ttx = { store, drop: (why) => live.drop(why) };
}

boot();
