"""The engine and the client name no treaty, body or article: those words belong to scenarios.

Every file under `server/` and `client/` is read, and a line fails if it holds one of the treaty
pack's words. The contract aliases of the pack (`notify_un_security_council`, `request_accession`
and the events they record) are scenario data too (`aliases:` in the scenario files), so the code
needs none of them; the only exceptions are listed in ALLOWED, each with its reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.settings import PROJECT_ROOT

WORDS = [
    (r"\bUN\b", "the UN"),
    (r"\bUNSC\b", "the UN Security Council's id"),
    (r"(?i)security council", "the UN Security Council"),
    (r"\bCCS\b", "the treaty's Council of Collective Security"),
    (r"\bCFM\b|\bCDM\b", "the treaty's councils"),
    (r"\bCIS\b|\bCSTO\b|\bTCS\b|\bNATO\b|\bOSCE\b", "an alliance or organisation"),
    (r"(?i)\btreaty\b", "the Treaty"),
    (r"(?i)aggression", "the treaty's aggression"),
    (r"(?i)accession|accede", "accession under the Protocol"),
    (r"\bProtocol (of|on)\b|24\.12\.93|24 December 1993", "the Protocol of 24.12.93"),
    (r"\bArt\.\s*\d|\bArticle\s+\d", "an article number"),
    (r"(?i)participating state", "the treaty's members"),
    (r"(?i)non[- ]signator", "the treaty's non-members"),
    (r"(?i)un_security_council|notify_un", "the pack's UN alias"),
]

# (path relative to the project, word pattern) -> why it may appear there
ALLOWED: dict[tuple[str, str], str] = {
    **{("server/domain/legacy.py", pattern): "reads logs recorded before scenarios declared their institutions, when "
       "the engine had the treaty built in: it names what that engine did" for pattern, _ in WORDS},
}

SUFFIXES = {".py", ".js", ".html", ".css", ".svg"}


def _files() -> list[Path]:
    out = []
    for top in ("server", "client"):
        for path in sorted((PROJECT_ROOT / top).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                out.append(path)
    return out


def test_there_are_files_to_read():
    names = {p.relative_to(PROJECT_ROOT).as_posix() for p in _files()}
    assert "server/domain/slices/decisions.py" in names and "client/js/fold.js" in names


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.relative_to(PROJECT_ROOT).as_posix())
def test_no_treaty_word_in_engine_or_client(path: Path):
    rel = path.relative_to(PROJECT_ROOT).as_posix()
    found = []
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        for pattern, what in WORDS:
            if (rel, pattern) in ALLOWED:
                continue
            m = re.search(pattern, line)
            if m:
                found.append(f"{rel}:{n}: {m.group(0)!r} ({what}): {line.strip()[:120]}")
    assert not found, "domain words belong to scenario files:\n" + "\n".join(found)


def test_the_check_catches_a_treaty_word(tmp_path):
    """The patterns are not vacuous: lines the old client and server held are caught."""
    samples = ['legend: "Request assistance (Art. 4)"', "Under the Protocol of 24 December 1993 it may ask to join",
               '"un_security_council_notified": 1,', "f\"{seat} is not a participating state\"",
               "notifies the UN Security Council", 'body="CCS"']
    for line in samples:
        assert any(re.search(p, line) for p, _ in WORDS), line
