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


# an element of a page's HTML marked `data-t`: its text is a message id (client/js/i18n.js translateStatic)
STATIC = re.compile(r"<(\w+)[^>]*\bdata-t\b[^>]*>([^<]*)</\1>")


def client_ids() -> set[str]:
    ids: set[str] = set()
    for path in CLIENT.rglob("*.js"):
        ids.update(json.loads(f'"{m}"') for m in CLIENT_CALL.findall(code_of(path)))
    for path in CLIENT.parent.glob("*.html"):
        ids.update(" ".join(text.split()) for _, text in STATIC.findall(path.read_text(encoding="utf-8")))
    return ids


# A string literal in client code that reads as English words ("Record the move", "Forget",
# `${n} new`), not through t() or N_(): what the catalog would miss.
LITERAL = re.compile(r"""(?P<pre>\b(?:t|N_)\(\s*)?(?P<q>["'`])(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)""")
WORDS = re.compile(r"[A-Z][a-z]+|[a-z]{2,} [a-z]{2,}")
TEMPLATE_WORD = re.compile(r"(?<=\s)[a-z]{3,}\b")  # `${n} new`: a word beside what a template fills in
# where a literal is a name for the machine, not a word for people: attributes, events, selectors
MACHINE = re.compile(r"(?:\b(?:class|className|id|type|role|rel|href|src|name|for|kind|autocomplete|inputmode|key|code)\s*:|"
                     r"\b(?:querySelector|querySelectorAll|closest|addEventListener|removeEventListener|getElementById|"
                     r"createElement|setAttribute|getAttribute|classList\.\w+)\(|===?|!==?|\bcase)\s*$")
# messages for developers, never shown to participants (a programming error, a close reason on the wire)
FOR_DEVELOPERS = {"h(): X is not allowed", "a description of X is registered twice", "panel X is registered twice",
                  "copy refused", "client drop"}
# HTTP header names, key names and CSS classes that look like words
NOT_WORDS = {"Bearer X", "Content-Type", "Idempotency-Key", "readOnly", "htmlFor", "tabIndex", "ArrowRight", "ArrowLeft",
             "Home", "End", "status busy", "status ok", "status error", "type field", "badge status-badge st-X", "seg seg-X wX",
             # the lab's example input: JSON a user edits, not words
             'scenario\\n{"name": "qualified majority 0.67", "rules": [{"rule": "qualified_majority", "threshold": 0.67, '
             '"deadline_minutes": 45}]}'}


def flatten(line: str) -> str:
    """A line with what templates fill in (`${...}`, nested templates too) put as X, and a trailing
    comment cut, so that only the literal text of each string is left to read."""
    line = re.sub(r"\s//\s.*$", "", line)
    while True:
        flat = re.sub(r"(?<!\$)\{[^{}`]*\}", "O", line)  # an object literal, innermost first
        flat = re.sub(r"\$\{[^{}`]*\}", "X", flat)
        flat = re.sub(r"`[^`$]*`(?=[^`]*\})", "S", flat)  # a template inside a ${...}
        if flat == line:
            return flat
        line = flat


def bare_literals() -> list[str]:
    found = []
    for path in sorted(CLIENT.rglob("*.js")):
        if path.name == "i18n.js":  # the catalog's own module: language names, each in itself
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if line.lstrip().startswith(("//", "*", "/*", "import ", "export {")):
                continue
            line = flatten(line)
            for m in LITERAL.finditer(line):
                text = m.group("s")
                words = re.sub(r"\bttx\b", "", text.replace("X", " "))  # the product's name is not English
                wordy = WORDS.search(words) or (m.group("q") == "`" and TEMPLATE_WORD.search(words))
                if m.group("pre") or not wordy or MACHINE.search(line[:m.start()]):
                    continue
                if text in FOR_DEVELOPERS or text in NOT_WORDS:
                    continue
                found.append(f"{path.relative_to(ROOT)}:{no}: {text[:80]}")
    return found


def test_no_string_of_the_client_bypasses_the_catalog():
    assert bare_literals() == []


def test_the_bypass_check_sees_a_bare_string(tmp_path, monkeypatch):
    import tests.browser.test_russian_catalog as me

    (tmp_path / "x.js").write_text('const a = h("button", {}, "Record the move");\nconst b = t("Forget");\n'
                                   'setText(el, `${n} new`);\nel.className = "status busy";\n')
    monkeypatch.setattr(me, "CLIENT", tmp_path)
    monkeypatch.setattr(me, "ROOT", tmp_path)
    assert [x.split(": ", 1)[1] for x in me.bare_literals()] == ["Record the move", "X new"]


REFUSALS = ("forbidden", "conflict", "invalid")  # server/domain/errors.py: (code, template, **params)


def said(source: str) -> set[str]:
    """The templates given to `say(...)`, `_say(...)` or `N_(...)`: the literal first argument, or
    each branch of a conditional one (`say("a" if x else "b")`); and a refusal's template, the second
    argument of `forbidden(...)`, `conflict(...)` or `invalid(...)` (but one that is only a
    placeholder, the scenario's own text), the third of the API's `refusal(...)`."""
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
            elif name in REFUSALS and len(node.args) >= 2:
                out.update(x for x in literals(node.args[1]) if not PLACEHOLDER.fullmatch(x))
            elif name == "refusal" and len(node.args) >= 3:  # server/api/errors.py: (status, code, template, ...)
                out.update(literals(node.args[2]))
    return out


def engine_ids() -> set[str]:
    """The engine's sentences and words a report in another language says from the catalog."""
    from server.domain.registry import REGISTRY
    from server.domain.rules import REASONS, RULE_NAMES
    from server.domain.words import DEFAULT_MILESTONES, DEFAULT_MOVES, DEFAULT_TERMS, DEFAULT_VOTES, STAFF

    ids: set[str] = set(REASONS) | set(RULE_NAMES.values())
    for path in [*(ROOT / "server" / "domain").rglob("*.py"), *(ROOT / "server" / "review").glob("*.py"),
                 ROOT / "server" / "service.py",
                 *(ROOT / "server" / "api" / name for name in ("errors.py", "commands.py", "deps.py", "queries.py", "review.py"))]:
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
