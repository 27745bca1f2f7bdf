"""Texts only some seats read (a briefing, an inject, an expectation) written in several languages:
kept where they are written, delivered as given, read in the reader's language."""

from __future__ import annotations

from server.domain.events import upcast, upcast_event
from server.domain.fold import fold
from server.domain.scenario import in_language
from server.domain.registry import REGISTRY
from server.domain.views import seat_view
from server.domain.visibility import visible_events
from server.domain.words import Words

from .support import Run, border_crisis, small_scenario

TWO = {"en": "Shelling", "ru": "Обстрел"}


def bilingual() -> Run:
    return Run(small_scenario(injects=[
        {"id": "incursion", "at": "00:00", "title": TWO, "body": {"en": "Mortars.", "ru": "Миномёты."}, "to": ["TJK"]},
        {"id": "plain", "title": "Plain words", "to": "all"},
    ]))


def test_a_text_is_read_in_the_readers_language_else_english_else_any():
    assert in_language(TWO, "ru") == "Обстрел"
    assert in_language(TWO, "en") == "Shelling"
    assert in_language({"en": "Shelling"}, "ru") == "Shelling"
    assert in_language({"ru": "Обстрел"}, "en") == "Обстрел"
    assert in_language("As written", "ru") == "As written"
    assert in_language(None, "ru") == ""


def test_a_delivered_inject_carries_its_texts_as_the_scenario_gives_them_in_version_2():
    run = bilingual()
    [delivered] = run.tick()
    assert (delivered.type, delivered.version) == ("inject_delivered", 2)
    assert delivered.data["title"] == TWO and delivered.data["body"] == {"en": "Mortars.", "ru": "Миномёты."}
    assert delivered.audience == ("TJK",)
    plain = run.do("facilitator", "deliver_inject", inject_id="plain")[-1]
    assert plain.data["title"] == "Plain words"  # a single-language scenario's inject stays a string
    adhoc = run.do("facilitator", "send_inject", title="Новая вводная", body="Колонна", to=["TJK"])[-1]
    assert adhoc.data["title"] == "Новая вводная" and adhoc.data["body"] == "Колонна"


def test_its_summary_is_said_in_the_language_of_the_words():
    run = bilingual()
    [delivered] = run.tick()
    sc = run.state.scenario
    summary = REGISTRY.events["inject_delivered"].summary
    assert summary(delivered, delivered.data, Words(sc)).startswith('Inject "Shelling"')
    assert "Обстрел" in summary(delivered, delivered.data, Words(sc, "ru"))


def test_a_version_1_inject_with_strings_still_folds():
    run = bilingual()
    [delivered] = run.tick()
    old = delivered._replace(version=1, data={**delivered.data, "title": "Shelling", "body": "Mortars."})
    assert upcast("inject_delivered", 1, {"title": "x"}) == (2, {"title": "x"})
    assert upcast_event(old).version == 2
    state = fold([*run.events[:-1], old])
    view = seat_view(state, "TJK")
    assert [(i["id"], i["title"]) for i in view["injects"]] == [("incursion", "Shelling")]


def test_each_seat_reads_only_its_own_briefing_and_the_injects_sent_to_it():
    run = Run(border_crisis())
    run.tick()
    tjk = seat_view(run.state, "TJK")
    assert set(tjk["me"]["briefing"]) == {"en", "ru"}
    assert all("briefing" not in s for s in tjk["seats"])
    kaz_injects = [e.data["inject_id"] for e in visible_events(run.events, "KAZ") if e.type == "inject_delivered"]
    assert kaz_injects == ["incursion"]
    # the public words (a seat's head, a body's description) are translations every seat reads
    assert tjk["translations"]["ru"]["seat_head:TJK"] == "Глава государства Таджикистан"
    assert tjk["translations"]["ru"]["body_description:CCS"].startswith("Главы государств-участников")
    # a description the view does not give in English is not given in Russian either
    assert not any(k.startswith(("status_description:", "decision_kind_description:", "region_description:"))
                   for k in tjk["translations"]["ru"])
    assert "status_description:member" in run.state.scenario.translations["ru"]
