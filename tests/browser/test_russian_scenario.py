"""Names in several languages in a scenario (`name: {en: ..., ru: ...}`): read into the English the
engine speaks and `translations`, carried in every seat's view, refused with the field's line when
malformed or naming nothing. No browser needed."""

from __future__ import annotations

import pytest

from server.domain.scenario import Scenario
from server.scenarios.loader import ScenarioError, load_scenario_text, validate_definition

from .russian import bilingual_definition

YAML = """\
id: two-languages
title: {en: Two languages, ru: Два языка}
start: 2026-03-01T08:00:00+03:00
seat_kinds: [{id: state, name: {en: State, ru: Государство}}]
statuses: [{id: member, name: member, member: true, powers: [cast_vote]}]
seats:
  - {id: A, name: {en: Armenia, ru: Армения}, kind: state, status: member}
  - {id: B, name: {en: Belarus, ru: Беларусь}, kind: state, status: member}
bodies: [{id: C, name: {en: Council, ru: Совет}, members: all_members}]
words:
  moves: {cast_vote: {label: {en: Vote, ru: Голосовать}}}
  votes: {for: {en: aye, ru: за}}
"""


def test_names_in_two_languages_are_read_into_english_and_translations():
    sc = load_scenario_text(YAML)
    assert (sc.title, sc.seats[0].name, sc.bodies[0].name, sc.words.votes["for"]) == ("Two languages", "Armenia", "Council", "aye")
    assert sc.translations == {"ru": {"title": "Два языка", "seat_kind:state": "Государство", "seat:A": "Армения",
                                      "seat:B": "Беларусь", "body:C": "Совет", "move:cast_vote": "Голосовать", "vote:for": "за"}}
    again = Scenario.model_validate(sc.model_dump(mode="json"))  # a fork or a replay reads the dump
    assert again.translations == sc.translations and again.seats[0].name == "Armenia"


@pytest.mark.parametrize("bad, where", [
    ("{en: Armenia, fr: Arménie}", "seats[0].name"),  # a language we do not speak
    ("{ru: Армения}", "seats[0].name"),  # no English
])
def test_a_malformed_text_is_refused_where_it_stands(bad, where):
    text = YAML.replace("{en: Armenia, ru: Армения}", bad)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text)
    issues = [i for i in info.value.issues if i.field == where]
    assert issues and issues[0].line == 7
    assert any("a text in several languages" in i.message for i in issues)


def test_a_translation_must_name_something_of_the_scenario():
    d = bilingual_definition()
    d["translations"] = {"ru": {"seat:NOPE": "Нет такого"}}
    with pytest.raises(ScenarioError) as info:
        validate_definition(d)
    assert any(i.field == "translations.ru.seat:NOPE" and "names nothing" in i.message for i in info.value.issues)


def test_every_seat_view_carries_the_translations(api):
    ex = api.create(definition=bilingual_definition())
    for seat in ("TJK", "observer"):
        view = ex.state(seat)
        assert view["translations"]["ru"]["seat:TJK"] == "Таджикистан"
        assert view["seats"][0]["name"] == "Tajikistan"


def test_csto_border_crisis_ships_in_english_and_russian():
    """Every name the pack gives, its title and summary, its terms and its moves' labels and
    references have a Russian text, in Cyrillic; the engine's words in Russian come from them."""
    import re
    from pathlib import Path

    from server.domain.words import Words
    from server.scenarios import load_scenario_file

    sc = load_scenario_file(Path(__file__).resolve().parents[2] / "exercises" / "csto-border-crisis.yaml")
    ru = sc.translations["ru"]
    wanted = {"title", "summary"}
    for group, prefix in (("seat_kinds", "seat_kind"), ("statuses", "status"), ("seats", "seat"), ("bodies", "body"),
                          ("regions", "region"), ("decision_kinds", "decision_kind"), ("threat_kinds", "threat_kind"),
                          ("assistance_kinds", "assistance_kind"), ("recipients", "recipient"), ("milestones", "milestone")):
        wanted |= {f"{prefix}:{x.id}" for x in getattr(sc, group)}
    wanted |= {f"term:{t}" for t in sc.words.terms}
    wanted |= {f"move:{m}" for m, w in sc.words.moves.items() if w.label}
    wanted |= {f"move_reference:{m}" for m, w in sc.words.moves.items() if w.reference}
    wanted |= {f"decision_kind_reference:{k.id}" for k in sc.decision_kinds if k.reference}
    assert sorted(wanted - set(ru)) == []
    assert [k for k, v in ru.items() if not re.search("[а-яё]", v, re.I)] == []
    words = Words(sc, "ru")
    assert words.seat("TJK") == "Таджикистан" and words.body("CCS") == "Совет коллективной безопасности"
    assert words.moves["request_assistance"].reference == "ст. 4" and words.term("member") == "государство-участник"
    assert Words(sc).moves["request_assistance"].reference == "Art. 4"  # the English as it was
