"""The Russian switch, checked the blunt way: on TJK's page switched to Russian, and in the report
downloaded in Russian, no visible text keeps a Latin letter, except the few tokens named here, each
for its reason. (test_russian_page.py and test_russian_report.py check the same pages against the
catalogs; this one needs no catalog, so a word missing from both the code and the catalog, or an
engine sentence passed through untranslated, cannot hide in it.)

The scenario writes TJK's briefing, its injects and its expectation in English and Russian (`{en:
..., ru: ...}`): the page shows a scheduled inject delivered to TJK and the briefing in Russian, and
a refusal of one of TJK's moves is said in Russian too; the report's injects, chains and
expectations read the Russian."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
from playwright.sync_api import expect

from server.clock import ManualClock
from server.harness import ThreadServer
from tests.conftest import make_settings

from .russian import VISIBLE_TEXT, russian_definition, russian_report

BRIEFING = {"en": "Your border post is under fire. Ask for help.", "ru": "Ваша застава обстреляна. Просите помощи."}
DAWN = {"en": "Dawn report from post 12", "ru": "Утреннее донесение заставы 12"}
DAWN_BODY = {"en": "A second group is crossing the river.", "ru": "Вторая группа переходит реку."}

# What may keep Latin letters on a Russian page, and why:
ALLOWED = [
    re.compile(r"\bttx\b"),  # the product's name, in the header
    re.compile(r"\bUTC\b"),  # the time zone of wall-clock times
    re.compile(r"\b[a-z]+_[0-9a-f]{8,}\b"),  # the engine's ids (ex_…, dec_…), which links and the log carry
    re.compile(r"\b[0-9a-f]{12,}\b"),  # hashes of the log's chain
]


def ids(definition: dict) -> list[str]:
    """The scenario's seat and body ids ("TJK", "CCS"): the product names seats and bodies by them
    (PRODUCT.md section 3), in every language."""
    return [x["id"] for group in ("seats", "bodies") for x in definition[group]]


def latin_left(texts: list[str], *extra: str) -> list[str]:
    bad = []
    for text in texts:
        rest = text
        for token in extra:
            rest = re.sub(rf"(?<![\w-]){re.escape(token)}(?![\w-])", " ", rest)
        for pattern in ALLOWED:
            rest = pattern.sub(" ", rest)
        if re.search(r"[A-Za-z]", rest):
            bad.append(text)
    return bad


ALL_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    if (text && n.parentElement && !n.parentElement.closest('style')) out.push(text);
  }
  return out;
}"""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[ThreadServer]:
    """With its scheduler, on a clock the test moves: the scheduled inject comes when the test says."""
    with ThreadServer(make_settings(sqlite_url, TTX_SCHEDULER=True), clock=clock) as live:
        yield live


def two_languages() -> dict:
    """The Russian tiny border crisis with TJK's briefing, the injects (one scheduled at the start,
    to TJK alone) and an expectation written in both languages, as a scenario for both writes them."""
    d = russian_definition()
    d["seats"][0]["briefing"] = BRIEFING
    d["injects"] = [
        {"id": "incursion", "title": {"en": "Shelling of post 12", "ru": "Обстрел заставы 12"},
         "body": {"en": "Mortar fire since dawn.", "ru": "Миномётный огонь с рассвета."}, "to": "all"},
        {"id": "dawn-report", "at": "00:00", "title": DAWN, "body": DAWN_BODY, "to": ["TJK"]},
    ]
    d["expectations"] = [{"id": "reported", "title": {"en": "Tajikistan reports the attack within 15 minutes",
                                                      "ru": "Таджикистан сообщает о нападении в течение 15 минут"},
                          "reference": {"en": "Art. 2", "ru": "ст. 2"}, "after": "incursion",
                          "expect": {"event": "threat_reported", "actor": "TJK"}, "within": "00:15"}]
    return d


def play(ex) -> dict[str, str]:
    """Moves of every kind TJK's page and the report show, with participant text in Russian."""
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    ex.command("facilitator", {"type": "send_inject", "title": "Новая вводная", "body": "Колонна у моста.", "to": ["TJK"]})
    ex.command("TJK", {"type": "report_threat", "kind": "attack", "summary": "Миномёты бьют по заставе", "against": ["KAZ"]})
    req = ex.first("TJK", {"type": "request_assistance", "kinds": ["medical"], "summary": "Нужны врачи"}, "request_id")
    ex.command("RUS", {"type": "respond_to_assistance", "request_id": req, "response": "pledge", "kinds": ["medical"],
                       "details": "Вертолёт готов"})
    con = ex.first("TJK", {"type": "request_consultation", "topic": "Совместные действия?", "invitees": "all"}, "consultation_id")
    ex.command("RUS", {"type": "post_statement", "consultation_id": con, "text": "Пост 12 держится"})
    yes = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Закрыть границу",
                           "text": "Обеим сторонам отойти."}, "decision_id")
    ex.command("RUS", {"type": "cast_vote", "decision_id": yes, "vote": "for"})
    ex.command("TJK", {"type": "cast_vote", "decision_id": yes, "vote": "for"})
    no = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "use_of_armed_forces", "title": "Ввести войска",
                          "text": "Войска к границе."}, "decision_id")
    ex.command("TJK", {"type": "cast_vote", "decision_id": no, "vote": "against"})
    ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Открыть коридор",
                     "text": "Гуманитарный коридор."}, "decision_id")
    ex.command("TJK", {"type": "record_implementation", "decision_id": yes, "status": "in_force"})
    ex.command("TJK", {"type": "notify", "recipient": "UNSC", "summary": "Сообщаем об обстреле"})
    ex.command("TJK", {"type": "send_control_message", "text": "Вопрос ведущему"})
    ex.command("facilitator", {"type": "answer_control_message", "seat": "TJK", "text": "Ответ ведущего"})
    ex.command("facilitator", {"type": "add_observation", "text": "Записано наблюдение"})
    return {"yes": yes, "no": no}


def test_no_latin_letter_on_tjks_russian_page_or_in_the_russian_report(api, clock, open_seat, tmp_path):
    definition = two_languages()
    ex = api.create(definition=definition)
    decided = play(ex)
    assert clock.sleepers >= 1  # the scheduler waits for its next pass
    clock.advance(1)  # one second on: the scheduler delivers the inject due at 00:00

    tjk = open_seat(ex.link("TJK"))
    page = tjk.page
    page.locator("#language-switch").select_option("ru")
    tjk.wait_live()
    # the scheduled inject, delivered to TJK alone: TJK reads it in Russian
    injects = page.locator("#received-inject-list")
    expect(injects).to_contain_text(DAWN["ru"])
    expect(injects).to_contain_text(DAWN_BODY["ru"])
    dawn = next(e for e in ex.events("TJK") if e["type"] == "inject_delivered" and e["data"]["inject_id"] == "dawn-report")
    assert (dawn["data"]["trigger"], dawn["version"], dawn["data"]["title"]) == ("scheduled", 2, DAWN)
    page.wait_for_function("n => window.ttx.store.renderedSeq >= n", arg=ex.events("TJK")[-1]["seq"])
    expect(page.locator("#briefing-text")).to_have_text(BRIEFING["ru"])
    expect(page.locator(f'#decision-list article[data-id="{decided["yes"]}"]')).to_contain_text("консенсус")
    # a refused move: TJK records again what it recorded; the server says no, in Russian
    card = page.locator(f'#decision-list article[data-id="{decided["yes"]}"]')
    card.locator("form.implementation button[type=submit]").click()
    expect(card.locator("form.implementation .status.error")).to_contain_text("уже отметил")
    texts = page.evaluate(VISIBLE_TEXT)
    assert len(texts) > 60
    left = latin_left(texts, *ids(definition))
    assert left == [], left
    # the one error the browser logs is the refusal's answer
    assert tjk.page_errors == [] and tjk.console_errors == ["Failed to load resource: the server responded with a status of "
                                                            "409 (Conflict)"]

    ex.command("facilitator", {"type": "end_exercise"})
    report, _ = russian_report(open_seat, ex.link("facilitator"), tmp_path)
    expect(report.locator("#timeline")).to_contain_text("отклонено: нет консенсуса")
    for text in (DAWN["ru"], "Обстрел заставы 12", "Таджикистан сообщает о нападении в течение 15 минут"):
        expect(report.locator("body")).to_contain_text(text)
    texts = report.evaluate(ALL_TEXT)
    # and the scenario by its id, once, as the log records it
    left = latin_left(texts, definition["id"], *ids(definition))
    assert left == [], left


def test_the_check_sees_latin():
    assert latin_left(["Таджикистан (TJK)", "ex_0123456789ab", "10:00:00 UTC"], "TJK") == []
    assert latin_left(["Ваше место", "Your seat", "Тajikistan", "TJKs"], "TJK") == ["Your seat", "Тajikistan", "TJKs"]
