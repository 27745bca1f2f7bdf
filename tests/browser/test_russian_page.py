"""The Russian switch: the whole page of a seat in Russian, nothing in English left, checked against
the catalog (client/i18n/ru.json); the choice is remembered."""

from __future__ import annotations

from playwright.sync_api import expect

from .russian import (VISIBLE_TEXT, bilingual_definition, catalog_fragments, leftovers, russian_definition, russian_words,
                      strings_of)
from .support import screenshot


def test_the_russian_switch_shows_the_whole_tjk_page_in_russian(api, open_seat):
    definition = russian_definition()
    ex = api.create(definition=definition)
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    said = ["Миномёты бьют по заставе", "Нужны врачи и вертолёты", "Совместные действия?", "Закрыть границу",
            "Обеим сторонам отойти.", "Пост 12 держится", "Открыть коридор", "Ввести войска"]
    ex.command("TJK", {"type": "report_threat", "kind": "attack", "summary": said[0], "against": ["KAZ"]})
    ex.command("TJK", {"type": "request_assistance", "kinds": ["medical"], "summary": said[1]})
    con = ex.first("TJK", {"type": "request_consultation", "topic": said[2], "invitees": "all"}, "consultation_id")
    ex.command("RUS", {"type": "post_statement", "consultation_id": con, "text": said[5]})
    dec = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": said[3], "text": said[4]},
                   "decision_id")
    ex.command("RUS", {"type": "cast_vote", "decision_id": dec, "vote": "for"})
    # two settled decisions: the engine's reasons ("consensus: 2 for, none against") in Russian too
    done = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": said[6], "text": said[4]},
                    "decision_id")
    ex.command("RUS", {"type": "cast_vote", "decision_id": done, "vote": "for"})
    ex.command("TJK", {"type": "cast_vote", "decision_id": done, "vote": "for"})
    no = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "use_of_armed_forces", "title": said[7],
                          "text": said[4]}, "decision_id")
    ex.command("TJK", {"type": "cast_vote", "decision_id": no, "vote": "against"})
    ex.command("TJK", {"type": "notify", "recipient": "UNSC", "summary": "Сообщаем об обстреле"})
    ex.command("TJK", {"type": "send_control_message", "text": "Вопрос ведущему"})

    tjk = open_seat(ex.link("TJK"))
    page = tjk.page
    expect(page.locator("#exercise-status")).to_have_text("Running")
    page.locator("#language-switch").select_option("ru")  # the switch reloads the page in Russian
    tjk.wait_live()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("#exercise-status")).to_have_text("Идёт")
    card = page.locator(f'#decision-list article[data-id="{dec}"]')
    expect(card.locator(".tally")).to_contain_text("не голосовали: 1")
    page.wait_for_function("n => window.ttx.store.renderedSeq >= n", arg=ex.head())
    expect(page.locator(f'#decision-list article[data-id="{done}"]')).to_contain_text("консенсус: «за» — 2, «против» — никого")
    expect(page.locator(f'#decision-list article[data-id="{no}"]')).to_contain_text("нет консенсуса: «против» — 1")

    texts = page.evaluate(VISIBLE_TEXT)
    assert len(texts) > 60  # the whole page, not a loading screen
    allowed = [*catalog_fragments(), *strings_of(definition), *said, "Сообщаем об обстреле", "Вопрос ведущему",
               "Русский"]  # the language switch names each language in itself
    left = leftovers(texts, allowed)
    assert left == [], "\n".join(f"{text!r} -> {rest!r}" for text, rest in left)
    screenshot(page, "participant-ru.png", full_page=False)

    # remembered: a new page of this browser opens in Russian
    page.reload()
    tjk.wait_live()
    expect(page.locator("#exercise-status")).to_have_text("Идёт")
    assert tjk.page_errors == [] and tjk.console_errors == []


def test_a_scenario_in_two_languages_speaks_the_readers(api, open_seat):
    """Names written as `{en: ..., ru: ...}`: the English page shows the English, the Russian page the
    Russian, and nothing of the English is left on it."""
    definition = bilingual_definition()
    ex = api.create(definition=definition)
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("TJK", {"type": "report_threat", "kind": "attack", "summary": "Миномёты бьют по заставе", "against": ["KAZ"]})
    dec = ex.first("RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Закрыть границу",
                           "text": "Обеим сторонам отойти."}, "decision_id")
    tjk = open_seat(ex.link("TJK"))
    page = tjk.page
    expect(page.locator("header .seat-name")).to_have_text("Tajikistan")
    expect(page.locator("#threats")).to_contain_text("Attack")
    page.locator("#language-switch").select_option("ru")
    tjk.wait_live()
    expect(page.locator("header .seat-name")).to_have_text("Таджикистан")
    expect(page.locator("header .sub")).to_have_text("Малый пограничный кризис")
    expect(page.locator(f'#decision-list article[data-id="{dec}"] .meta')).to_contain_text("Совет коллективной безопасности")
    expect(page.locator("#me")).to_contain_text("Просить союзников о помощи (Ст. 4)")
    texts = page.evaluate(VISIBLE_TEXT)
    allowed = [*catalog_fragments(), *russian_words(definition), "Миномёты бьют по заставе", "Закрыть границу",
               "Обеим сторонам отойти.", "Русский"]
    left = leftovers(texts, allowed)
    assert left == [], "\n".join(f"{text!r} -> {rest!r}" for text, rest in left)
    assert tjk.page_errors == [] and tjk.console_errors == []


def test_the_check_finds_an_english_word(api, open_seat):
    """The check above is not blind: English on the page is reported."""
    texts = ["Таджикистан (TJK)", "Ваше место", "Your seat", "Тajikistan voted for"]
    allowed = [*catalog_fragments(), *strings_of(russian_definition())]
    assert [t for t, _ in leftovers(texts, allowed)] == ["Your seat", "Тajikistan voted for"]
