"""The HTML report in Russian: downloaded from the Review tab of a page switched to Russian, every
text is the report catalog's (server/review/locale/ru.po, which also holds the engine's sentences:
each event's summary, the rules in words, the settlements' reasons), the scenario's, a
participant's, a number or a time; nothing is left in English, marked or not."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from playwright.sync_api import expect

from .russian import leftovers, russian_definition, russian_report, strings_of

PO = Path(__file__).resolve().parents[2] / "server" / "review" / "locale" / "ru.po"

REPORT_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('style, title, desc')) continue;
    out.push(text);
  }
  return out;
}"""


def report_fragments() -> list[str]:
    import re

    with open(PO, "rb") as f:
        catalog = read_po(f, locale="ru")
    out = set()
    for m in catalog:
        if m.id and m.string:
            out.update(p.strip() for p in re.split(r"\{\w+\}", m.string) if p.strip())
    return sorted(out, key=len, reverse=True)


def test_the_report_follows_the_russian_switch(api, open_seat, tmp_path):
    definition = russian_definition()
    ex = api.create(definition=definition)
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    said = ["Миномёты бьют по заставе", "Нужны врачи", "Закрыть границу", "Обеим сторонам отойти.", "Записано наблюдение",
            "Совместные действия?", "Пост 12 держится", "Вертолёт готов", "Ввести войска", "Сообщаем об обстреле"]
    ex.command("TJK", {"type": "report_threat", "kind": "attack", "summary": said[0], "against": ["KAZ"]})
    req = ex.first("TJK", {"type": "request_assistance", "kinds": ["medical"], "summary": said[1]}, "request_id")
    ex.command("RUS", {"type": "respond_to_assistance", "request_id": req, "response": "pledge", "kinds": ["medical"],
                       "details": said[7]})
    con = ex.first("TJK", {"type": "request_consultation", "topic": said[5], "invitees": "all"}, "consultation_id")
    ex.command("RUS", {"type": "post_statement", "consultation_id": con, "text": said[6]})
    ex.command("TJK", {"type": "close_consultation", "consultation_id": con, "outcome": "coordinated"})
    dec = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": said[2], "text": said[3]},
                   "decision_id")
    ex.command("RUS", {"type": "cast_vote", "decision_id": dec, "vote": "for"})
    ex.command("TJK", {"type": "cast_vote", "decision_id": dec, "vote": "for"})  # adopted, with its reason
    no = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "use_of_armed_forces", "title": said[8],
                          "text": said[3]}, "decision_id")
    ex.command("TJK", {"type": "cast_vote", "decision_id": no, "vote": "against"})  # rejected at once: an objection
    ex.command("TJK", {"type": "record_implementation", "decision_id": dec, "status": "in_force"})
    ex.command("TJK", {"type": "notify", "recipient": "UNSC", "summary": said[9]})
    ex.command("facilitator", {"type": "set_clock_speed", "factor": 2.0})
    ex.command("facilitator", {"type": "add_observation", "text": said[4]})
    ex.command("facilitator", {"type": "end_exercise"})

    report, html = russian_report(open_seat, ex.link("facilitator"), tmp_path)
    assert '<html lang="ru">' in html

    expect(report.locator("h1")).to_contain_text("Отчёт по итогам учения: Малый пограничный кризис")
    texts = report.evaluate(REPORT_TEXT)
    # the report names the scenario, injects, bodies and kinds by their ids, as the log records them
    ids = [definition["id"], *(x["id"] for group in ("injects", "bodies", "decision_kinds") for x in definition[group])]
    # in-world dates carry the language's own day and month names (Babel's calendar data)
    from babel import Locale

    calendar = [*Locale("ru").days["format"]["abbreviated"].values(), *Locale("ru").months["format"]["abbreviated"].values()]
    allowed = [*report_fragments(), *strings_of(definition), *said, ex.id, *ids, *calendar]
    left = leftovers(texts, allowed)
    assert left == [], "\n".join(f"{text!r} -> {rest!r}" for text, rest in left)
    # the engine's sentences are said in Russian, not marked as English
    assert report.locator('[lang="en"]').count() == 0
    timeline = report.locator("#timeline")
    expect(timeline).to_contain_text("Таджикистан голосует: за")
    expect(timeline).to_contain_text("«Закрыть границу» — принято: консенсус: «за» — 2, «против» — никого")
    expect(report.locator("#decisions")).to_contain_text("нет консенсуса: «против» — 1")


def test_the_report_language_comes_from_lang_then_accept_language(api):
    ex = api.create(definition=russian_definition())
    url = f"/api/exercises/{ex.id}/report"
    headers = ex.headers("observer")

    def get(params, accept=None):
        r = api.http.get(url, params={"format": "html", **params}, headers={**headers, **({"Accept-Language": accept} if accept else {})})
        assert r.status_code == 200, r.text
        return r.headers["content-language"], r.text

    lang, html = get({"lang": "ru"})
    assert lang == "ru" and '<html lang="ru">' in html and "Хронология" in html
    assert get({}, "ru-RU,ru;q=0.9,en;q=0.8")[0] == "ru"
    assert get({}, "de-DE,de;q=0.9")[0] == "en"  # a language we do not speak: English
    assert get({"lang": "en"}, "ru")[0] == "en"  # the page's choice wins over the browser's
    lang, html = get({})
    assert lang == "en" and "Timeline" in html and "Хронология" not in html
    refused = api.http.get(url, params={"format": "html", "lang": "xx"}, headers=headers)
    assert refused.status_code == 422
