"""A refusal is one of the engine's sentences: its English `message` for API clients, its template and
params, and, when the request asks for another language, the refusal said in it, the scenario's names
in the scenario's words."""

from __future__ import annotations


async def refused(client, exercise, seat, command, lang=None):
    headers = exercise.headers(seat, **({"Accept-Language": lang} if lang else {}))
    r = await client.post(f"/api/exercises/{exercise.id}/commands", json=command, headers=headers)
    assert r.status_code in (403, 409, 422), r.text
    return r.json()["error"]


async def test_an_english_request_gets_the_english_sentence_with_its_template(client, exercise):
    err = await refused(client, exercise, "TJK", {"type": "report_threat", "kind": "aggression", "summary": "x"})
    assert err["code"] == "not_started"
    assert err["message"] == err["template"] == "The exercise has not started yet."
    assert err["params"] == {} and "localized" not in err


async def test_a_russian_request_gets_the_refusal_in_russian_with_the_scenarios_names(client, exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    err = await refused(client, exercise, "MDA", {"type": "request_assistance", "kinds": ["military"], "summary": "x"},
                        lang="ru-RU,ru;q=0.9")
    assert err["code"] == "not_allowed"
    # the English stays English, for API clients
    assert err["message"] == "MDA (non-signatory, partial participant) may not request assistance in this exercise."
    assert err["template"] == "{who} may not {move} in this exercise."
    assert err["params"] == {"who": "MDA (non-signatory, partial participant)", "move": "request assistance"}
    assert err["localized"] == {"lang": "ru", "message": "MDA (неподписавшее государство, частичный участник) не может в этом "
                                                         "учении: «запросить помощь»."}


async def test_an_engine_word_in_a_refusal_is_said_in_the_language_too(client, exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    await exercise.command("facilitator", {"type": "pause_exercise"})
    err = await refused(client, exercise, "facilitator", {"type": "pause_exercise"}, lang="ru")
    assert err["message"] == "Only a running exercise can be paused; this one is paused."
    assert err["localized"]["message"] == "Приостановить можно только идущее учение; это учение: приостановлено."
    err = await refused(client, exercise, "TJK", {"type": "start_exercise"}, lang="ru")
    assert err["localized"]["message"] == "Только ведущий может начать учение."


async def test_an_id_in_a_refusal_stays_as_it_is(client, exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    err = await refused(client, exercise, "facilitator", {"type": "deliver_inject", "inject_id": "nope"}, lang="ru")
    assert err["params"] == {"inject": "nope"}
    assert err["localized"]["message"] == "В этом сценарии нет вводной «nope»."


async def test_a_malformed_move_is_worded_in_the_language_too(client, exercise):
    await exercise.command("facilitator", {"type": "start_exercise"})
    err = await refused(client, exercise, "RUS", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "   ",
                                                  "text": "x"}, lang="ru")
    assert (err["code"], err["message"]) == ("invalid_command", "The title cannot be empty.")
    assert err["details"] and err["params"] == {"name": "title"}
    assert err["localized"]["message"] == "Поле «название» не может быть пустым."
