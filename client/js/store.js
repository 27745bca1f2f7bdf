// What the page knows: the seat's view folded forward by every event received, the events
// themselves (the feed), who is online and the state of the connection. Events arrive in seq
// order; one with a seq we have already folded is dropped, so nothing is shown twice.

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

export function createStore(initialView, history, { reload, alwaysReload = false } = {}) {
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
  };
  for (const e of store.events) store.index.add(store.view, e);
  let resyncing = false;
  let timer = null;

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
      const fresh = await reload(at);
      store.view = fold(fresh, store.events.filter((e) => e.seq > at));
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

  store.changed = notify;
  if (store.view._inexact && reload) resync();
  return store;
}
