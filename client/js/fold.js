// The page's state is a fold of events over the seat's view (the shape of GET /state, see
// server/domain/views.py). `fold(view, events)` returns a new view; the input is never changed.
// Each area's view module registers the fold of its own events (js/registry.js), mirroring its
// server slice's evolver and view, so the view after folding event N equals the server's view
// at N (a browser test checks this). Events recorded under a scenario's alias are folded as the
// generic event they are.

import { inWorldIso } from "./clock.js";
import { foldsOf, generic } from "./registry.js";

export function fold(view, events) {
  const draft = structuredClone(view);
  for (const e of events) apply(draft, e);
  return draft;
}

export function evolve(view, event) {
  return fold(view, [event]);
}

/**
 * Apply one event to a draft view (mutating it). Unknown types only move the version. A handler
 * sets `v._inexact` when the view cannot be derived exactly from the event alone (then the page
 * re-reads GET /state?at=seq and folds on from there).
 */
export function apply(v, e) {
  const g = generic(v, e);
  for (const handler of foldsOf(g.type)) handler(v, g);
  v.exercise.version = e.seq;
  v.exercise.last_time = Math.max(v.exercise.last_time, e.exercise_time);
  v.exercise.in_world_now = inWorldIso(v.exercise.start, v.exercise.last_time);
}
