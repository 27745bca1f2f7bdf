// The client's words in the reader's language. Gettext-style: the English text is the message id,
// and `t("Large type")` looks it up in the chosen language's catalog (client/i18n/<lang>.json,
// served by the server like the rest of the client). Placeholders are named: `t("Closes {time}.",
// { time })`. A string that a module keeps in a constant is marked with `N_("...")` (which only
// returns it) and translated where it is shown, so the catalog test (tests/test_client_catalog.py)
// finds every string either way. Scenario words (seat names, labels) come from the scenario, and
// participant text is never translated.
//
// The engine's recorded sentences (a decision's reason: "consensus: 2 for, none against", kept in
// the log in English) are not the client's: their templates and translations are the server's
// catalog (server/review/locale/<lang>.po), read from GET /api/sentences/<lang>; `recorded(text)`
// finds a sentence's template and values again and says it in the reader's language.
//
// The language: the one chosen with the switch (remembered in localStorage), else the browser's
// (navigator.languages, which is what it sends as Accept-Language), else English. The catalog is
// loaded before any module that imports this one runs (top-level await), so `t()` works at once;
// switching language reloads the page.

import { h } from "./dom.js";

export const LANGUAGES = [["en", "English"], ["ru", "Русский"]];
const KEY = "ttx.lang";

function chosen() {
  try {
    const saved = localStorage.getItem(KEY);
    if (LANGUAGES.some(([code]) => code === saved)) return saved;
  } catch { /* storage disabled */ }
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const code = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.some(([c]) => c === code)) return code;
  }
  return "en";
}

async function load(code) {
  if (code === "en") return {};
  try {
    const r = await fetch(`/static/i18n/${code}.json`, { cache: "no-cache" });
    if (!r.ok) return null;
    return await r.json();
  } catch {
    return null;
  }
}

async function loadSentences(code) {
  if (code === "en") return {};
  try {
    const r = await fetch(`/api/sentences/${code}`, { cache: "no-cache" });
    return r.ok ? await r.json() : {};
  } catch {
    return {};
  }
}

let lang = chosen();
let [catalog, sentences] = await Promise.all([load(lang), loadSentences(lang)]);
if (catalog === null) { // the catalog did not come: English rather than a page of ids
  lang = "en";
  catalog = {};
  sentences = {};
}
document.documentElement.lang = lang;

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// the longest templates first: the most specific one that matches a sentence is its template
const readers = Object.keys(sentences).sort((a, b) => b.length - a.length).map((template) => {
  const names = [];
  const source = template.split(/\{(\w+)\}/).map((part, i) => (i % 2 ? (names.push(part), "(.+?)") : escapeRe(part))).join("");
  return [template, new RegExp(`^${source}$`), names];
});

export function language() {
  return lang;
}

/** Mark a string for the catalog without translating it (for constants read at import time). */
export const N_ = (text) => text;

/** `text` in the reader's language, with `{name}` placeholders filled from `params`. */
export function t(text, params) {
  const found = Object.prototype.hasOwnProperty.call(catalog, text) ? catalog[text] : text;
  if (!params) return found;
  return found.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** A sentence the engine recorded in English, in the reader's language (as it is if it is not one of the engine's). */
export function recorded(text) {
  if (!text || !readers.length) return text;
  for (const [template, re, names] of readers) {
    const m = re.exec(text);
    if (!m) continue;
    const params = Object.fromEntries(names.map((n, i) => [n, m[i + 1]]));
    if ("reason" in params) {
      const inner = recorded(params.reason);
      if (inner === params.reason) return text;
      params.reason = inner;
    }
    return sentences[template].replace(/\{(\w+)\}/g, (x, name) => (name in params ? params[name] : x));
  }
  return text;
}

/** A page's own words written in its HTML: each element marked `data-t` gets its text in the reader's
 * language (the HTML's English, spaces folded, is the message id); the page's `lang` follows. */
export function translateStatic(root) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.textContent.trim().replace(/\s+/g, " "));
}

export function setLanguage(code) {
  try { localStorage.setItem(KEY, code); } catch { /* this page only */ }
  location.reload();
}

/** The language switch: a labelled select; choosing reloads the page in that language. */
export function languageSwitch() {
  const id = "language-switch";
  const sel = h("select", { id, class: "language" }, LANGUAGES.map(([code, name]) =>
    h("option", { value: code, lang: code, selected: code === lang }, name)));
  sel.value = lang;
  sel.addEventListener("change", () => setLanguage(sel.value));
  return h("span", { class: "language-switch" }, h("label", { for: id, class: "sr-only" }, t("Language")), sel);
}
