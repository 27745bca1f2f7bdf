"""The Russian switch, checked the blunt way: on TJK's page switched to Russian, and in the report
downloaded in Russian, no visible text keeps a Latin letter, except the few tokens named here, each
for its reason. (test_russian_page.py and test_russian_report.py check the same pages against the
catalogs; this one needs no catalog, so a word missing from both the code and the catalog, or an
engine sentence passed through untranslated, cannot hide in it.)"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .russian import VISIBLE_TEXT, russian_definition

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


def test_no_latin_letter_on_tjks_russian_page_or_in_the_russian_report(api, open_seat, tmp_path):
    definition = russian_definition()
    ex = api.create(definition=definition)
    decided = play(ex)

    tjk = open_seat(ex.link("TJK"))
    page = tjk.page
    page.locator("#language-switch").select_option("ru")
    tjk.wait_live()
    page.wait_for_function("n => window.ttx.store.renderedSeq >= n", arg=ex.events("TJK")[-1]["seq"])
    expect(page.locator(f'#decision-list article[data-id="{decided["yes"]}"]')).to_contain_text("консенсус")
    texts = page.evaluate(VISIBLE_TEXT)
    assert len(texts) > 60
    left = latin_left(texts, *ids(definition))
    assert left == [], left
    assert tjk.page_errors == [] and tjk.console_errors == []

    ex.command("facilitator", {"type": "end_exercise"})
    fac = open_seat(ex.link("facilitator"), accept_downloads=True)
    fac.page.locator("#language-switch").select_option("ru")
    fac.wait_live()
    fac.get_by_role("tab", name="Разбор").click()
    with fac.expect_download() as info:
        fac.get_by_role("button", name="Скачать HTML (для печати)").click()
    saved = tmp_path / "report.html"
    info.value.save_as(saved)
    report = fac.page.context.new_page()
    report.set_content(saved.read_text(encoding="utf-8"))
    expect(report.locator("#timeline")).to_contain_text("отклонено: нет консенсуса")
    texts = report.evaluate(ALL_TEXT)
    # and the scenario by its id, once, as the log records it
    left = latin_left(texts, definition["id"], *ids(definition))
    assert left == [], left


def test_the_check_sees_latin():
    assert latin_left(["Таджикистан (TJK)", "ex_0123456789ab", "10:00:00 UTC"], "TJK") == []
    assert latin_left(["Ваше место", "Your seat", "Тajikistan", "TJKs"], "TJK") == ["Your seat", "Тajikistan", "TJKs"]
