"""Every string the client and the HTML report route through their catalogs is in the Russian one
(client/i18n/ru.json; server/review/locale/ru.po), with the same placeholders, and nothing stale is
kept. The report's catalog also holds the engine's sentences (every event's summary, the rules in
words, the settlements' reasons: `say("...")` and `N_("...")` in server/domain and server/review),
its default words and the names of its event types. No browser needed: this reads the sources."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client" / "js"
CLIENT_CATALOG = ROOT / "client" / "i18n" / "ru.json"
REPORT_CATALOG = ROOT / "server" / "review" / "locale" / "ru.po"
# t("...") and N_("...") in code (comments skipped): the English text is the message id
CLIENT_CALL = re.compile(r'\b(?:t|N_)\(\s*"((?:[^"\\]|\\.)*)"')
REPORT_CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
PLACEHOLDER = re.compile(r"\{\w+\}")
CYRILLIC = re.compile(r"[а-яё]", re.I)


def code_of(path: Path) -> str:
    return "\n".join(line for line in path.read_text(encoding="utf-8").split("\n")
                     if not line.lstrip().startswith(("//", "*", "/*")))


def client_ids() -> set[str]:
    ids: set[str] = set()
    for path in CLIENT.rglob("*.js"):
        ids.update(json.loads(f'"{m}"') for m in CLIENT_CALL.findall(code_of(path)))
    return ids


def said(source: str) -> set[str]:
    """The templates given to `say(...)`, `_say(...)` or `N_(...)`: the literal first argument, or
    each branch of a conditional one (`say("a" if x else "b")`)."""
    out: set[str] = set()

    def literals(node: ast.expr) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return literals(node.body) + literals(node.orelse)
        return []

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args:
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in ("say", "_say", "N_"):
                out.update(literals(node.args[0]))
    return out


def engine_ids() -> set[str]:
    """The engine's sentences and words a report in another language says from the catalog."""
    from server.domain.registry import REGISTRY
    from server.domain.rules import REASONS, RULE_NAMES
    from server.domain.words import DEFAULT_MILESTONES, DEFAULT_MOVES, DEFAULT_TERMS, DEFAULT_VOTES, STAFF

    ids: set[str] = set(REASONS) | set(RULE_NAMES.values())
    for path in [*(ROOT / "server" / "domain").rglob("*.py"), *(ROOT / "server" / "review").glob("*.py")]:
        ids |= said(path.read_text(encoding="utf-8"))
    ids |= {t.replace("_", " ") for t in REGISTRY.events}  # the timeline's "Event" column
    ids |= {*DEFAULT_MOVES.values(), *DEFAULT_TERMS.values(), *DEFAULT_VOTES.values(), *STAFF.values()}
    return ids | {m.name for m in DEFAULT_MILESTONES}


def report_ids() -> set[str]:
    from server.review.chart import COUNCIL_ROW, INJECTS_ROW, MARKS
    from server.review.render_html import STATES

    ids: set[str] = set()
    for name in ("render_html.py", "chart.py"):
        for a, b in REPORT_CALL.findall((ROOT / "server" / "review" / name).read_text(encoding="utf-8")):
            ids.add(a or b)
    return ids | set(STATES) | {m[0] for m in MARKS.values()} | {INJECTS_ROW, COUNCIL_ROW} | engine_ids()


def check(ids: set[str], catalog: dict[str, str]) -> None:
    assert sorted(ids - set(catalog)) == [], "not in the Russian catalog"
    assert sorted(set(catalog) - ids) == [], "in the catalog, but no code asks for it"
    for msgid, text in catalog.items():
        assert text and (CYRILLIC.search(text) or text != msgid), (msgid, text)  # translated, not copied
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), (msgid, text)


def test_every_client_string_is_in_the_russian_catalog():
    ids = client_ids()
    assert len(ids) > 400 and "Your seat" in ids and "Large type" in ids
    check(ids, json.loads(CLIENT_CATALOG.read_text(encoding="utf-8")))


def test_every_report_string_is_in_the_russian_catalog():
    with open(REPORT_CATALOG, "rb") as f:
        catalog = {m.id: m.string for m in read_po(f, locale="ru") if m.id}
    ids = report_ids()
    assert "Response chains" in ids and "Timeline" in ids
    # the engine's sentences are there too: a summary from a table, one from a conditional, a reason, a rule
    assert {"{seat} pledges {kinds}: {text}", "{seat} votes {vote} (was {was})", "consensus: {n} for, none against",
            "qualified majority ({share} {of})", "vote cast"} <= ids
    check(ids, catalog)
