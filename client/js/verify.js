// Verifying an exported log in the browser, as `ttx verify` does (server/store/chain.py and
// server/review/export.py: parse_export): hash = SHA-256(previous hash + canonical JSON of the
// event's hashed fields), chained from 64 zeros; seq consecutive from 1; the header's event_count
// and head_hash. The file is read here, a piece at a time, and never leaves the machine.
//
// Canonical JSON is Python's `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
// of the values Python's `json.loads` reads: so numbers keep their source text to know an int
// (no ".", "e") from a float, and a float is written as Python's repr writes it.

import { t } from "./i18n.js";

export const GENESIS = "0".repeat(64);
export const FORMAT = "ttx-export";
const HASHED_FIELDS = ["seq", "id", "type", "version", "actor", "exercise_time", "recorded_at", "audience", "data"];

class Num {
  constructor(source) {
    this.source = source;
  }
}

class Unhashable extends Error {}

/** Whether this browser can tell 1 from 1.0 in JSON (JSON.parse source text access). */
export function canVerify() {
  let seen = null;
  try {
    JSON.parse("[1.0]", (k, v, ctx) => { if (k === "0") seen = ctx && ctx.source; return v; });
  } catch {
    return false;
  }
  return seen === "1.0" && !!(globalThis.crypto && crypto.subtle);
}

function parse(text) {
  return JSON.parse(text, (key, value, ctx) => (typeof value === "number" ? new Num(ctx.source) : value));
}

const pad2 = (n) => String(n).padStart(2, "0");

/** Python's repr of a float (`float.__repr__`): shortest round-trip digits, fixed notation when
 * the decimal point falls within 16 places, else `1e-05` / `1.5e+16`. */
export function pyFloat(x) {
  if (!Number.isFinite(x)) throw new Unhashable(t("Out of range float values are not JSON compliant"));
  const negative = x < 0 || Object.is(x, -0);
  const [mant, exp] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const point = Number(exp) + 1; // value = 0.<digits> x 10^point
  let out;
  if (point > -4 && point <= 16) {
    if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`;
    else if (point >= digits.length) out = `${digits}${"0".repeat(point - digits.length)}.0`;
    else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  } else {
    const e = point - 1;
    out = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}e${e < 0 ? "-" : "+"}${pad2(Math.abs(e))}`;
  }
  return negative ? `-${out}` : out;
}

function number(n) {
  const s = n.source;
  if (/^-?\d+$/.test(s)) return BigInt(s).toString(); // Python reads an int: its digits
  return pyFloat(Number(s));
}

function byCodePoint(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** Python's canonical JSON of a value read by `parse`. */
export function canonical(v) {
  if (v === null) return "null";
  if (v instanceof Num) return number(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  const keys = Object.keys(v).sort(byCodePoint);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
}

async function sha256hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function isInt(v) {
  return v instanceof Num && /^-?\d+$/.test(v.source);
}

class Break {
  constructor(seq, line, reason) {
    Object.assign(this, { seq, line, reason });
  }

  toString() {
    return this.line !== null ? t("hash chain breaks at seq {seq} (line {line}): {reason}", this)
      : t("hash chain breaks at seq {seq}: {reason}", this);
  }
}

/** Lines of a File or Blob, a piece at a time: [line number, text]. */
async function* lines(blob) {
  const reader = blob.stream().pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  let n = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += value;
    let i;
    while ((i = rest.indexOf("\n")) >= 0) {
      n += 1;
      yield [n, rest.slice(0, i + 1)];
      rest = rest.slice(i + 1);
    }
  }
  if (rest) yield [n + 1, rest];
}

/** Verify an export: {ok: true, events, head} or {ok: false, problem: Break, events}. */
export async function verifyExport(blob, { onProgress } = {}) {
  let header = null;
  let prev = GENESIS;
  let expected = 1;
  let count = 0;
  let last = null;
  const fail = (seq, line, reason) => ({ ok: false, events: count, problem: new Break(seq, line, reason) });
  for await (const [line, text] of lines(blob)) {
    if (!text.trim()) continue;
    let obj;
    try {
      obj = parse(text);
    } catch {
      return fail(count + 1, line, t("line is not valid JSON"));
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj) || obj instanceof Num) {
      return fail(count + 1, line, t("line is not a JSON object"));
    }
    if (obj.format === FORMAT && count === 0 && header === null) {
      header = obj;
      continue;
    }
    const seq = obj.seq;
    if (!(seq instanceof Num) || Number(seq.source) !== expected) { // as Python's `seq != expected`
      if (isInt(seq) && BigInt(seq.source) > BigInt(expected)) {
        return fail(expected, line, t("seq {expected} is missing (found {found}): an event was deleted or reordered", { expected, found: seq.source }));
      }
      return fail(expected, line, t("found seq {found} where {expected} was expected: events out of order",
        { found: seq instanceof Num ? seq.source : JSON.stringify(seq), expected }));
    }
    const fields = obj.nonce === undefined || obj.nonce === null ? HASHED_FIELDS : [...HASHED_FIELDS, "nonce"];
    const body = Object.fromEntries(fields.map((k) => [k, obj[k] === undefined ? null : obj[k]]));
    let computed;
    try {
      computed = await sha256hex(prev + canonical(body));
    } catch (e) {
      return fail(expected, line, t("event cannot be hashed: {error}", { error: e.message }));
    }
    if (computed !== obj.hash) return fail(expected, line, t("the event's content does not match its hash: it was edited"));
    prev = computed;
    expected += 1;
    count += 1;
    last = computed;
    if (onProgress && count % 500 === 0) onProgress(count);
  }
  if (header !== null) {
    const promised = header.event_count;
    if (isInt(promised) && BigInt(promised.source) !== BigInt(count)) {
      const n = Number(promised.source);
      return fail(n > count ? count + 1 : n + 1, null, n > count
        ? t("the header promises {n} events but the log has {count}: events were deleted from the end", { n, count })
        : t("the header promises {n} events but the log has {count}: events were added", { n, count }));
    }
    if (count && header.head_hash !== undefined && header.head_hash !== null && header.head_hash !== last) {
      return fail(count, null, t("the last event's hash differs from the header's head_hash"));
    }
  }
  if (!count) return fail(1, null, t("the log has no events"));
  return { ok: true, events: count, head: last };
}
