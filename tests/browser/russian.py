"""A scenario that speaks Russian, and the check that a page shows nothing but the Russian catalog's
words, the scenario's words, participant text, numbers and times."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

CATALOG = Path(__file__).resolve().parents[2] / "client" / "i18n" / "ru.json"


def russian_definition() -> dict[str, Any]:
    """The tiny border crisis with every word of the scenario in Russian (its ids stay ids)."""
    return {
        "id": "tiny-border-ru",
        "title": "Малый пограничный кризис",
        "summary": "Обстрел погранзаставы; союзники должны провести консультации, помочь и решить.",
        "start": "2026-03-01T08:00:00+03:00",
        "seat_kinds": [{"id": "state", "name": "Государство"}, {"id": "office", "name": "Секретариат", "consulted": "always"}],
        "statuses": [
            {"id": "member", "name": "государство-участник", "member": True,
             "powers": ["report_threat", "request_consultation", "request_assistance", "respond_to_assistance", "cast_vote",
                        "record_implementation", {"move": "notify", "to": ["UNSC"]}]},
        ],
        "decision_kinds": [{"id": "general", "name": "Общее решение"},
                           {"id": "use_of_armed_forces", "name": "Применение сил"}],
        "threat_kinds": [{"id": "threat", "name": "Угроза"}, {"id": "attack", "name": "Нападение"}],
        "assistance_kinds": [{"id": "military", "name": "Военная"}, {"id": "medical", "name": "Медицинская"}],
        "recipients": [{"id": "UNSC", "name": "Совет Безопасности ООН"}],
        "seats": [
            {"id": "TJK", "name": "Таджикистан", "kind": "state", "status": "member",
             "briefing": "Ваша застава обстреляна. Просите помощи."},
            {"id": "RUS", "name": "Россия", "kind": "state", "status": "member", "briefing": "Ваши силы уже на границе."},
            {"id": "KAZ", "name": "Казахстан", "kind": "state", "status": "member", "briefing": "Будьте в курсе."},
        ],
        "bodies": [
            {"id": "CCS", "name": "Совет коллективной безопасности", "members": ["RUS", "TJK"], "chair": "RUS"},
        ],
        "rules": [{"body": "*", "kind": "*", "rule": "consensus", "quorum": 0.5, "deadline_minutes": 60}],
        "injects": [{"id": "incursion", "title": "Обстрел заставы 12", "body": "Миномётный огонь с рассвета.", "to": "all"}],
    }


def strings_of(value: Any) -> Iterable[str]:
    """The texts of a scenario a page may show: its names, briefings, injects and the seats' ids
    ("TJK"), not its lower-case ids and keys ("threat", "use_of_armed_forces", "consensus"), which
    would hide an English word left on the page."""
    if isinstance(value, str):
        if not re.fullmatch(r"[a-z0-9_\-*]+", value):
            yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_of(v)


def catalog_fragments() -> list[str]:
    """The Russian catalogs' texts, cut at their placeholders: what a sentence built from one may hold.
    The client's (client/i18n/ru.json) and the engine's recorded sentences the page reads from the
    server's catalog (GET /api/sentences/ru: a decision's reason)."""
    from server.review.translate import recorded_sentences

    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    out: set[str] = set()
    for text in [*catalog.values(), *recorded_sentences("ru").values()]:
        for part in re.split(r"\{\w+\}", text):
            part = part.strip()
            if re.search(r"[^\W\d_]", part):
                out.add(part)
    return sorted(out, key=len, reverse=True)


VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('script, style, option, noscript')) continue;
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest('.sr-only')) continue;
    out.push(text);
  }
  for (const s of document.querySelectorAll('select')) {  // what a visible select shows
    if (s.checkVisibility() && s.selectedOptions.length) out.push(s.selectedOptions[0].textContent.trim());
  }
  return out;
}"""

# Latin that is not English: the product's name and the time zone's
NOT_ENGLISH = ("ttx", "UTC")
# times and identifiers: ISO date-times, hashes, the engine's ids (dec_…, ex_…)
IDENTIFIERS = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d)?|\b[0-9a-f]{12,}\b|\b[a-z]+_[0-9a-f]{8,}\b")


def leftovers(texts: list[str], allowed: Iterable[str]) -> list[tuple[str, str]]:
    """Each text with the allowed strings (longest first) taken out; what keeps a letter is returned."""
    given = {a.strip() for a in allowed if a and a.strip()}
    # as the page writes them at the start of a sentence or inside one ("За", "нападение")
    given |= {a[0].upper() + a[1:] for a in given} | {a.lower() for a in given}
    allowed = sorted(given, key=len, reverse=True)
    # whole words only: a short fragment ("и", "в") never eats the inside of an English word
    patterns = [re.compile((r"(?<!\w)" if re.match(r"\w", a) else "") + re.escape(a) + (r"(?!\w)" if re.search(r"\w$", a) else ""))
                for a in allowed]
    bad = []
    for text in texts:
        rest = text
        for a, pat in zip(allowed, patterns):
            if a in rest:
                rest = pat.sub(" ", rest)
        for word in NOT_ENGLISH:
            rest = re.sub(rf"\b{word}\b", " ", rest)
        rest = IDENTIFIERS.sub(" ", rest)
        if re.search(r"[^\W\d_]", rest):  # a letter of any script left over
            bad.append((text, rest.strip()))
    return bad


ENGLISH = {"Малый пограничный кризис": "Tiny border crisis", "Государство": "State", "Секретариат": "Office",
           "государство-участник": "participating state", "Общее решение": "General decision", "Применение сил": "Use of forces",
           "Угроза": "Threat", "Нападение": "Attack", "Военная": "Military", "Медицинская": "Medical",
           "Совет Безопасности ООН": "UN Security Council", "Таджикистан": "Tajikistan", "Россия": "Russia",
           "Казахстан": "Kazakhstan", "Совет коллективной безопасности": "Collective Security Council"}


def bilingual_definition() -> dict[str, Any]:
    """The same scenario with its names in English and Russian (`name: {en: ..., ru: ...}`); its
    briefings and injects, which are not translated, in Russian."""
    d = russian_definition()
    d["id"] = "tiny-border-two-languages"
    d["title"] = {"en": ENGLISH[d["title"]], "ru": d["title"]}
    for group in ("seat_kinds", "statuses", "decision_kinds", "threat_kinds", "assistance_kinds", "recipients", "seats", "bodies"):
        for item in d[group]:
            item["name"] = {"en": ENGLISH[item["name"]], "ru": item["name"]}
    d["words"] = {"moves": {"request_assistance": {"label": {"en": "Ask the allies for help", "ru": "Просить союзников о помощи"},
                                                   "reference": "Ст. 4"}},
                  "terms": {"member": {"en": "party", "ru": "участник"}}}
    return d


def russian_words(definition: dict[str, Any]) -> list[str]:
    """The scenario's strings a Russian page may show: every text but the English of `{en, ru}` ones."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict) and set(value) == {"en", "ru"}:
            out.append(value["ru"])
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            out.extend(strings_of(value))

    walk(definition)
    return out


def russian_report(open_seat: Any, link: str, tmp_path: Path) -> tuple[Any, str]:
    """The HTML report as the facilitator (`link`) downloads it with the page switched to Russian:
    a new page showing it, and its HTML."""
    fac = open_seat(link, accept_downloads=True)
    fac.page.locator("#language-switch").select_option("ru")
    fac.wait_live()
    fac.get_by_role("tab", name="Разбор").click()
    with fac.expect_download() as info:
        fac.get_by_role("button", name="Скачать HTML (для печати)").click()
    saved = tmp_path / "report.html"
    info.value.save_as(saved)
    html = saved.read_text(encoding="utf-8")
    report = fac.page.context.new_page()
    report.set_content(html)
    return report, html
