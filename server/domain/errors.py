"""Refusals: the domain's one way of saying no.

A refusal is one of the engine's sentences, made like the others (`Words.say`): an English template
that is its message id in the catalog (server/review/locale/<lang>.po), and its parameters. A
parameter is a value said as it is (an id, a number, participant text), or `Said`: a name the
scenario gives (a seat's standing, a body, a term) or one of the engine's words (a status), said in
whichever language the refusal is read in. The English `message` is made at once; `say(words)`
says the refusal in the language of `words` (the edge does, for the language a request asks for).
"""

from __future__ import annotations

from typing import Any, Callable


class Said:
    """A refusal's parameter in the reader's words: `english` as the engine says it, `say(words)` in
    the language of a `Words`."""

    __slots__ = ("english", "say")

    def __init__(self, english: str, say: Callable[[Any], str]) -> None:
        self.english = english
        self.say = say

    def __str__(self) -> str:
        return self.english

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Said({self.english!r})"


def word(value: Any) -> Said:
    """One of the engine's own words (a status: `adopted`, `in_force`, `paused`), from the catalog."""
    text = str(value)
    return Said(text, lambda w: w.catalog(text.replace("_", " ")))


def listed(values: Any, each: Callable[[Any, Any], str] | None = None, *, none: str = "none") -> Said:
    """A list of ids or words, comma-separated; `each(words, value)` says one in the reader's words
    (default: as it is); an empty list is the engine's word `none`."""
    items = [str(v) for v in values]
    say_one = each or (lambda w, v: v)

    def say(w: Any) -> str:
        return ", ".join(say_one(w, v) for v in items) if items else w.catalog(none)

    return Said(", ".join(items) or none, say)


class Refused(Exception):
    """A command the domain will not carry out.

    `status` is the HTTP status the edge should answer with: 403 when the seat may never do this,
    409 when it is not possible in the current state, 422 when the command is malformed in a way
    only the domain can see (an unknown body or seat, say). `template` and `params` are the
    sentence; `message` is it in English; `scenario` (set by `decide`) names the scenario whose
    words a `Said` parameter is said in.
    """

    def __init__(self, code: str, template: str, status: int = 409, params: dict[str, Any] | None = None) -> None:
        self.params = dict(params or {})
        self.message = template.format(**{k: str(v) for k, v in self.params.items()}) if self.params else template
        super().__init__(self.message)
        self.code = code
        self.template = template
        self.status = status
        self.scenario: Any = None

    def english_params(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.params.items()}

    def say(self, words: Any) -> str:
        """The refusal in the language of `words` (a `Words` with its catalog)."""
        said = {k: v.say(words) if isinstance(v, Said) else str(v) for k, v in self.params.items()}
        return words.say(self.template, **said)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Refused({self.code!r}, {self.message!r}, {self.status})"


def forbidden(code: str, template: str, **params: Any) -> Refused:
    return Refused(code, template, 403, params)


def conflict(code: str, template: str, **params: Any) -> Refused:
    return Refused(code, template, 409, params)


def invalid(code: str, template: str, **params: Any) -> Refused:
    return Refused(code, template, 422, params)
