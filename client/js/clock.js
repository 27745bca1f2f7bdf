// The exercise clock, as the server defines it (server/domain/clock.py): anchored at the last clock
// event, `anchor_time` exercise seconds at wall time `anchor_wall`, running at `speed`. The client
// reads the wall clock corrected by `skew` (server minus client, in ms) so a phone whose clock is
// wrong still shows the room's time.
import { N_, t } from "./i18n.js";

export function exerciseTimeAt(clock, wallSeconds) {
  if (!clock || !clock.running) return clock ? clock.anchor_time : 0;
  return clock.anchor_time + Math.max(0, wallSeconds - clock.anchor_wall) * clock.speed;
}

export function exerciseNow(view, skewMs = 0) {
  return exerciseTimeAt(view.exercise.clock, (Date.now() + skewMs) / 1000);
}

const pad = (n, w = 2) => String(n).padStart(w, "0");

/** The whole seconds a time has reached: rounded to the millisecond the log keeps, then cut. The
 * server's reports do the same (server/review/summaries.py `whole_seconds`), so the page, HTML,
 * Markdown and CSV agree to the second. */
export function wholeSeconds(seconds) {
  return Math.floor(Math.round(Math.abs(seconds) * 1000) / 1000);
}

/** Exercise time (or a delay) as HH:MM:SS (hours keep counting past 24). */
export function hms(seconds) {
  const neg = seconds < 0;
  const s = wholeSeconds(seconds);
  const text = `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return neg && s > 0 ? `-${text}` : text;
}

/** Like the server's format_offset: "00:15" or "00:15:30". */
export function offset(seconds) {
  const s = Math.round(seconds);
  const base = `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}`;
  return s % 60 ? `${base}:${pad(s % 60)}` : base;
}

const START = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)?$/;
const MONTHS = [N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"),
  N_("Nov"), N_("Dec")];
const DAYS = [N_("Sun"), N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat")];

/** The in-world wall time `seconds` after the scenario's start, in the scenario's own time zone. */
function inWorldParts(start, seconds) {
  const m = START.exec(start || "");
  if (!m) return null;
  const startMicro = m[7] ? Number(m[7].padEnd(6, "0")) : 0;
  const total = Math.round(seconds * 1e6) + startMicro;
  const whole = Math.floor(total / 1e6);
  const micro = total - whole * 1e6;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + whole * 1000);
  const zone = m[8] === "Z" ? "+00:00" : m[8] || "";
  return { d, micro, zone };
}

/** Python's isoformat of start + timedelta(seconds): what the server puts in `in_world_now`. */
export function inWorldIso(start, seconds) {
  const p = inWorldParts(start, seconds);
  if (!p) return start;
  const { d, micro, zone } = p;
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return base + (micro ? `.${pad(micro, 6)}` : "") + zone;
}

/** "Mon 12 Jun 1995 09:15:30" in the scenario's time zone. */
export function inWorldText(start, seconds, { seconds: withSeconds = true, date = true } = {}) {
  const p = inWorldParts(start, Math.round(seconds * 1000) / 1000);
  if (!p) return "";
  const { d } = p;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${withSeconds ? `:${pad(d.getUTCSeconds())}` : ""}`;
  if (!date) return time;
  return `${t(DAYS[d.getUTCDay()])} ${d.getUTCDate()} ${t(MONTHS[d.getUTCMonth()])} ${d.getUTCFullYear()} ${time}`;
}

export function zoneLabel(start) {
  const m = START.exec(start || "");
  if (!m || !m[8]) return "";
  return m[8] === "Z" || m[8] === "+00:00" ? "UTC" : `UTC${m[8]}`;
}

/** Parse the envelope's `recorded_at` ("2026-11-27T10:15:02.123Z") to epoch seconds. */
export function epochSeconds(recordedAt) {
  return Math.round(Date.parse(recordedAt)) / 1000;
}

/** A wall-clock duration in words for countdowns: "12:04" or "1:02:03". */
export function countdown(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${pad(mm)}:${pad(ss)}`;
}
