"""The report's words in the reader's language: gettext catalogs (`server/review/locale/<lang>.po`,
read with Babel) with the English text as the message id, and the language chosen from the request
(`?lang=`, else `Accept-Language`, else English). Values from the log (names, participant text) are
never translated; the scenario gives its own words."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable

from babel.core import negotiate_locale
from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("en", "ru")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
MAX_HEADER = 512  # an Accept-Language longer than this is not read at all

Translate = Callable[..., str]


@lru_cache(maxsize=None)
def _messages(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    with open(LOCALE_DIR / f"{lang}.po", "rb") as f:
        catalog = read_po(f, locale=lang)
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str) and m.string}


def catalog(lang: str) -> Callable[[str], str]:
    """A message id -> its text in `lang` (the id itself where the catalog has none)."""
    messages = _messages(lang if lang in LANGUAGES else "en")
    return lambda text: messages.get(text, text)


def recorded_sentences(lang: str) -> dict[str, str]:
    """The templates of the sentences the engine records in its events (a settlement's reason), each
    with its text in `lang`, for the page (GET /api/sentences/{lang})."""
    from ..domain.rules import REASONS

    say = catalog(lang)
    return {t: say(t) for t in REASONS}


def translator(lang: str) -> Translate:
    """`_("Status")`, `_("{n} events", n=3)`: the text in `lang`, placeholders filled after."""
    messages = _messages(lang if lang in LANGUAGES else "en")

    def _(text: str, **params: object) -> str:
        found = messages.get(text, text)
        return found.format(**params) if params else found

    _.lang = lang if lang in LANGUAGES else "en"  # type: ignore[attr-defined]
    return _


def pick_language(asked: str | None, accept_language: str | None) -> str:
    """`asked` if it is one we speak; else the best of the browser's `Accept-Language`; else English."""
    if asked in LANGUAGES:
        return asked
    header = (accept_language or "")[:MAX_HEADER]
    preferred: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*":
            preferred.append((-q, i, tag.replace("-", "_")))
    ordered = [tag for *_, tag in sorted(preferred)]
    chosen = negotiate_locale(ordered, list(LANGUAGES)) if ordered else None
    if chosen is None:  # "ru-RU" asks for Russian: negotiate on the language alone
        chosen = negotiate_locale([t.split("_")[0] for t in ordered], list(LANGUAGES)) if ordered else None
    return chosen or "en"
