// What the page knows: the seat's view folded forward by every event received, the events
// themselves (the feed), who is online and the state of the connection. Events arrive in seq
// order; one with a seq we have already folded is dropped, so nothing is shown twice.
//
// The page reads what it needs, not the whole log: the view holds the most recent rows of each
// growing list (`view.pages[key]` says whether there are older ones), and the page starts from the
// most recent events (`store.eventsPage`). `loadOlderRows(key)` and `loadOlderEvents()` read one
// more page back on demand ("Show older"); `loadAllEvents()` reads the whole log (the replay).

import { apply, fold } from "./fold.js";
import { generic } from "./registry.js";

/**
 * The events received, by (generic) type, for the panels that show events themselves (statements,
 * control messages, observations): `of(type)` in seq order, `group(type, field)` a Map from the
 * value of `data[field]` to those events.
 */
export function eventIndex() {
  const byType = new Map();
  const groups = new Map(); // "type field" -> {n, map}
  return {
    add(view, e) {
      const g = generic(view, e);
      if (!byType.has(g.type)) byType.set(g.type, []);
      byType.get(g.type).push(g);
    },
    of(type) {
      return byType.get(type) || [];
    },
    group(type, field) {
      const list = byType.get(type) || [];
      const key = `${type} ${field}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { n: 0, map: new Map() }));
      for (; g.n < list.length; g.n += 1) {
        const e = list[g.n];
        const k = e.data ? e.data[field] : undefined;
        if (!g.map.has(k)) g.map.set(k, []);
        g.map.get(k).push(e);
      }
      return g.map;
    },
  };
}

/**
 * Put `rows` (older rows of a list, oldest first) into `view[key]` just before the row `cursor`
 * (the oldest of the rows already shown; rows in play that are older still stay in front), leaving
 * out those the list already holds.
 */
export function insertOlder(view, key, rows, cursor) {
  const list = view[key] || (view[key] = []);
  const have = new Set(list.map((r) => r.id));
  const fresh = rows.filter((r) => !have.has(r.id));
  const at = list.findIndex((r) => r.id === cursor);
  list.splice(at < 0 ? 0 : at, 0, ...fresh);
}

/**
 * @param initialView the seat's view (GET /state)
 * @param history the events up to it that the page starts with (the most recent, or all)
 * @param o.reload (at) => the view after event `at`
 * @param o.eventsPage {has_more, before} of `history`: whether the seat may see older events
 * @param o.olderEvents (before) => {events, has_more, before}: the page of events before seq `before`
 * @param o.olderRows (key, before) => {items, has_more, before}: the page of a list's rows before row `before`
 */
export function createStore(initialView, history, { reload, alwaysReload = false, eventsPage = null, olderEvents = null,
  olderRows = null } = {}) {
  const listeners = new Set();
  const version = initialView.exercise.version;
  const store = {
    // events up to the view's version are already in it; later ones are folded now
    view: fold(initialView, history.filter((e) => e.seq > version)),
    events: [...history],
    lastSeq: Math.max(version, history.length ? history[history.length - 1].seq : 0),
    presence: [],
    connection: { state: "connecting" },
    skew: initialView._skew || 0,
    index: eventIndex(),
    eventsPage: eventsPage || { has_more: false, before: null },
  };
  for (const e of store.events) store.index.add(store.view, e);
  let resyncing = false;
  let timer = null;
  const paged = new Set(); // lists the page has read older rows of (kept across a re-read of the view)
  const loadingRows = new Map(); // key -> promise
  let loadingEvents = null;

  function notify() {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      for (const fn of listeners) fn(store);
    }, 16);
  }

  store.subscribe = (fn) => {
    listeners.add(fn);
    return () => listeners.delete(fn);
  };

  /** Fold one event in, unless it is old news. Returns whether it was new. */
  store.accept = (event) => {
    if (!event || typeof event.seq !== "number" || event.seq <= store.lastSeq) return false;
    apply(store.view, event);
    store.events.push(event);
    store.index.add(store.view, event);
    store.lastSeq = event.seq;
    if (reload && (store.view._inexact || alwaysReload)) scheduleResync();
    notify();
    return true;
  };

  let resyncTimer = null;
  function scheduleResync() {
    clearTimeout(resyncTimer);
    resyncTimer = setTimeout(resync, 150); // once per burst of events
  }

  /** Re-read the view at the last seq, then fold whatever arrived meanwhile on top. */
  async function resync() {
    if (resyncing) {
      scheduleResync();
      return;
    }
    resyncing = true;
    delete store.view._inexact;
    try {
      const at = store.lastSeq;
      const fresh = fold(await reload(at), store.events.filter((e) => e.seq > at));
      // the older rows read on demand are kept: the re-read view holds only the most recent
      const old = store.view;
      for (const key of paged) {
        const mark = fresh.pages && fresh.pages[key];
        if (!mark || !mark.has_more || !old[key]) continue;
        const ids = new Set(fresh[key].map((r) => r.id));
        insertOlder(fresh, key, old[key].filter((r) => !ids.has(r.id)), mark.before);
        fresh.pages[key] = old.pages[key];
      }
      store.view = fresh;
      notify();
    } catch {
      /* keep the folded view; it is right in everything but the detail that needed a re-read */
    } finally {
      resyncing = false;
    }
  }

  store.setPresence = (online) => {
    store.presence = online;
    notify();
  };

  store.setConnection = (status) => {
    store.connection = status;
    notify();
  };

  store.setSkew = (ms) => {
    store.skew = ms;
  };

  /** Read the page of `key`'s rows before the oldest shown, into the view. */
  store.loadOlderRows = (key) => {
    const mark = store.view.pages && store.view.pages[key];
    if (!olderRows || !mark || !mark.has_more) return Promise.resolve(false);
    if (loadingRows.has(key)) return loadingRows.get(key);
    const p = olderRows(key, mark.before).then((page) => {
      insertOlder(store.view, key, page.items, mark.before);
      store.view.pages[key] = { has_more: page.has_more, before: page.before };
      paged.add(key);
      notify();
      return true;
    }).finally(() => loadingRows.delete(key));
    loadingRows.set(key, p);
    return p;
  };

  /** Read the page of events before the oldest the page holds (the feed, the event index). */
  store.loadOlderEvents = () => {
    if (loadingEvents) return loadingEvents;
    if (!olderEvents || !store.eventsPage.has_more) return Promise.resolve(false);
    loadingEvents = olderEvents(store.eventsPage.before).then((page) => {
      const first = store.events.length ? store.events[0].seq : Infinity;
      store.events = [...page.events.filter((e) => e.seq < first), ...store.events];
      store.eventsPage = { has_more: page.has_more, before: page.before };
      store.index = eventIndex();
      for (const e of store.events) store.index.add(store.view, e);
      notify();
      return true;
    }).finally(() => { loadingEvents = null; });
    return loadingEvents;
  };

  /** Read every older event (the replay needs the whole log). */
  store.loadAllEvents = async () => {
    while (store.eventsPage.has_more) {
      if (!(await store.loadOlderEvents())) break;
    }
  };

  store.changed = notify;
  if (store.view._inexact && reload) resync();
  return store;
}
