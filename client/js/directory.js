// The exercises this browser created, kept in localStorage with their join links (so a facilitator
// who closes the tab can still reach them): open, copy a link, forget. Bounded: the newest
// MAX_KEPT are kept. The links are secret: they stay in this browser, and "Forget" removes them.

const KEY = "ttx.exercises";
export const MAX_KEPT = 50;

function read() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(value) ? value.filter((x) => x && typeof x.id === "string" && Array.isArray(x.seats)) : [];
  } catch {
    return [];
  }
}

function write(items) {
  try {
    localStorage.setItem(KEY, JSON.stringify(items.slice(0, MAX_KEPT)));
  } catch {
    /* storage disabled or full: the list lives only on this page */
  }
}

/** Newest first. */
export function keptExercises() {
  return read();
}

/** Keep an exercise just created (the answer of POST /api/exercises). */
export function keepExercise(out, scenarioTitle) {
  const entry = {
    id: out.id, title: out.title, scenario: out.scenario_id, scenarioTitle: scenarioTitle || null,
    created: new Date().toISOString(),
    seats: out.seats.map((s) => ({ seat: s.seat, name: s.name, kind: s.kind, join_url: s.join_url })),
  };
  write([entry, ...read().filter((x) => x.id !== out.id)]);
}

export function forgetExercise(id) {
  write(read().filter((x) => x.id !== id));
}
