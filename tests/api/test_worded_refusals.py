"""A malformed move is refused with a sentence for the person who made it ("The title cannot be
empty."), not the validator's ("propose_decision: title: String should have at least 1
character"); the error's details keep the field and the validator's words for tools."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("body,said,field", [
    ({"type": "propose_decision", "body": "CCS", "kind": "general", "title": "   ", "text": "Close it."},
     "The title cannot be empty.", "title"),
    ({"type": "propose_decision", "body": "CCS", "kind": "general", "title": "x" * 201, "text": "Close it."},
     "The title is too long: at most 200 characters.", "title"),
    ({"type": "propose_decision", "body": "CCS", "kind": "general", "text": "Close it."}, "The title is missing.", "title"),
    ({"type": "report_threat", "kind": "threat", "summary": "Shelling", "colour": "red"}, "This move takes no “colour”.", "colour"),
    ({"type": "cast_vote", "decision_id": "dec_1", "vote": "maybe"}, "The vote must be one of 'for', 'against' or 'abstain'.",
     "vote"),
])
async def test_a_malformed_move_is_refused_in_words_for_people(exercise, body, said, field):
    await exercise.command("facilitator", {"type": "start_exercise"})
    error = (await exercise.command("RUS", body, expect=422))["error"]
    assert error["code"] == "invalid_command"
    assert error["message"] == said
    assert "should" not in error["message"] and not error["message"].startswith(body["type"])
    assert error["details"][0]["field"] == field and error["details"][0]["message"]  # the validator's, for tools
