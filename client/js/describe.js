// Events in words, for the feed. Each area's view module registers the sentence of each of its
// events (js/registry.js); this only dispatches, and says something plain about an event nobody
// registered. Returns plain strings; the feed puts them in with text nodes.

import { descriptionOf, generic } from "./registry.js";
import { humanize, seatName } from "./words.js";

/**
 * {kind, title, text, body}: `kind` is a CSS hint (inject, decision, message, ...), `title` a short
 * headline, `text` the sentence, `body` an optional longer text (an inject's body).
 */
export function describeEvent(e, view) {
  const g = generic(view, e);
  const fn = descriptionOf(g.type);
  if (fn) return fn({ ...g, data: g.data || {} }, view);
  return { kind: "other", text: `${seatName(view, e.actor)}: ${humanize(e.type)}` };
}
