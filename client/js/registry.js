// The client's one registry. Each area of the exercise (a view module under js/views/) registers
// here, next to its panel, what the page needs to know about its events and its place on the page:
//
//   registerFold("assistance_requested", (view, e) => { view.assistance.push(...) });
//   registerDescription("assistance_requested", (e, view) => ({ kind: "assistance", text: "..." }));
//   registerPanel({ id: "assistance", column: "main", order: 40, roles: ALL, create: (env) => assistancePanel(env) });
//   registerSnapshot(40, (view) => [h("h3", {}, "Assistance"), ...]);
//
// The fold (fold.js), the feed (describe.js), the page layout (views/layout.js) and the replay's
// snapshot (views/review.js) look things up here and know no area by name. The modules that
// register are imported once, from js/slices.js.
//
// Events a scenario records under an alias of its own (`x_notified` for the generic
// `notification_sent`) are folded and described as their generic event: the view lists the
// aliases (`view.institutions.aliases`), and `generic(view, e)` gives the event as the generic one,
// with the fields its alias fixes filled in when an older record left them out.

const folds = new Map(); // event type -> [fn(view, event)]
const descriptions = new Map(); // event type -> fn(event, view) -> {kind, text, title?, body?}
const panels = []; // {id, tab, column, order, roles, create(env)}
const snapshots = []; // {order, part(view) -> nodes}

export const ALL_ROLES = Object.freeze(["participant", "facilitator", "observer"]);
export const STAFF_ROLES = Object.freeze(["facilitator", "observer"]);

/** `fn(view, event)` changes the seat's view (a draft, mutated in place) for events of `type` ("*": every event). */
export function registerFold(type, fn) {
  if (!folds.has(type)) folds.set(type, []);
  folds.get(type).push(fn);
}

/** `fn(event, view)` says an event of `type` in words for the feed: {kind, text, title?, body?}. */
export function registerDescription(type, fn) {
  if (descriptions.has(type)) throw new Error(`a description of ${type} is registered twice`);
  descriptions.set(type, fn);
}

/**
 * A panel of the exercise page. `create(env)` returns {el, update(ctx), tick?(ctx), activate?(ctx),
 * deactivate?()}; env = {send, exerciseId, token, view, role, ctxOf}. `tab`: "live" (default) or
 * "review"; `column`: "main" or "side"; `order`: its place in the column; `roles`: the seats that
 * get it (participant, facilitator, observer); `when(view)`: a further condition, checked once;
 * `news(event, view)`: which events are news to this panel, counted as unread in its heading until
 * the seat looks at it (js/views/attention.js).
 */
export function registerPanel({ id, create, tab = "live", column = "main", order = 100, roles = ALL_ROLES, when = null,
  news = null }) {
  if (panels.some((p) => p.id === id)) throw new Error(`panel ${id} is registered twice`);
  panels.push({ id, create, tab, column, order, roles, when, news });
}

/** `part(view)` gives this area's part of the replay's snapshot of the state (nodes). */
export function registerSnapshot(order, part) {
  snapshots.push({ order, part });
}

/** The panels for a role, in order. */
export function panelsFor(role, view, { tab = "live", column } = {}) {
  return panels
    .filter((p) => p.tab === tab && (column === undefined || p.column === column) && p.roles.includes(role)
      && (!p.when || p.when(view)))
    .sort((a, b) => a.order - b.order);
}

export function snapshotParts() {
  return [...snapshots].sort((a, b) => a.order - b.order).map((s) => s.part);
}

/** The alias a scenario recorded this event type under, if any: {command, means, records, event}. */
export function aliasOf(view, type) {
  const aliases = (view && view.institutions && view.institutions.aliases) || [];
  return aliases.find((a) => a.records === type) || null;
}

/** The event as its generic type (itself, unless it was recorded under a scenario's alias). */
export function generic(view, e) {
  if (folds.has(e.type) || descriptions.has(e.type)) return e;
  const alias = aliasOf(view, e.type);
  if (!alias || !alias.event) return e;
  const fixed = Object.fromEntries(Object.entries(alias.means || {}).filter(([k]) => k !== "type"));
  return { ...e, type: alias.event, recorded_as: e.type, data: { ...fixed, ...(e.data || {}) } };
}

/** The fold handlers of an event type (generic), then those registered for every type ("*"). */
export function foldsOf(type) {
  const every = folds.get("*");
  return every ? [...(folds.get(type) || []), ...every] : folds.get(type) || [];
}

export function descriptionOf(type) {
  return descriptions.get(type) || null;
}

/** Event types that have a fold or a description (for the registry's own test). */
export function registeredTypes() {
  return { folds: [...folds.keys()], descriptions: [...descriptions.keys()], panels: panels.map((p) => p.id) };
}
