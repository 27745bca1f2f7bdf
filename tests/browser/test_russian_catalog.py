"""Every string the client and the HTML report route through their catalogs is in the Russian one
(client/i18n/ru.json; server/review/locale/ru.po), with the same placeholders, and nothing stale is
kept. No browser needed: this reads the sources."""

from __future__ import annotations

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


def report_ids() -> set[str]:
    from server.review.chart import COUNCIL_ROW, INJECTS_ROW, MARKS
    from server.review.render_html import DEFAULT_MILESTONE_NAMES, STATES

    ids: set[str] = set()
    for name in ("render_html.py", "chart.py"):
        for a, b in REPORT_CALL.findall((ROOT / "server" / "review" / name).read_text(encoding="utf-8")):
            ids.add(a or b)
    return ids | set(STATES) | set(DEFAULT_MILESTONE_NAMES) | {m[0] for m in MARKS.values()} | {INJECTS_ROW, COUNCIL_ROW}


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
    check(ids, catalog)
