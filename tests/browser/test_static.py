"""The client's source keeps its promises: no markup parsing from strings, nothing inline that the
Content-Security-Policy would block, nothing loaded from elsewhere. (No browser needed.)"""

from __future__ import annotations

import re
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "client"
SOURCES = sorted(CLIENT.rglob("*.js"))
PAGES = sorted(CLIENT.glob("*.html"))


def test_the_client_is_there():
    assert (CLIENT / "index.html").is_file() and (CLIENT / "exercise.html").is_file()
    assert len(SOURCES) >= 10


def test_no_script_parses_markup_or_code_from_strings():
    forbidden = re.compile(r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(|"
                           r"createContextualFragment|DOMParser")
    offenders = [f"{p.relative_to(CLIENT)}:{n}: {line.strip()}" for p in SOURCES
                 for n, line in enumerate(p.read_text().splitlines(), 1) if forbidden.search(line)]
    assert offenders == []


def test_pages_have_nothing_inline_and_load_only_their_own_files():
    for page in PAGES:
        html = page.read_text()
        assert "<style" not in html, page.name
        assert not re.search(r"\sstyle\s*=", html), page.name
        assert not re.search(r"\son[a-z]+\s*=", html), page.name
        for script in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/static/' in script, script
        assert re.findall(r"<script\b[^>]*>\s*</script>", html), "scripts are files, not inline"
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert url.startswith(("/", "#")), f"{page.name} loads {url}"


def test_no_source_names_another_origin():
    pattern = re.compile(r"""["'`](?:https?:)?//(?!\$\{)""")
    for p in [*SOURCES, *PAGES, *CLIENT.rglob("*.css")]:
        text = p.read_text()
        assert not pattern.search(text), p.name
