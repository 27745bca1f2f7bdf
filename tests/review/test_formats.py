"""The report's formats: JSON, self-contained HTML with its chart, Markdown, CSV; participant text escaped."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from server.review.chart import MARKS, chart_rows
from server.review.render_html import render_html
from server.review.render_text import md, render, render_csv, render_markdown
from server.review.report import build_report
from tests.review.support import MEMBERS, XSS, Play


def hostile_run() -> Play:
    """Every free-text field a participant or the facilitator fills carries an XSS payload."""
    p = Play()
    p.tick(0)
    p.do("TJK", "report_threat", t=60, kind="aggression", summary=XSS, source=XSS)
    p.do("TJK", "request_consultation", t=120, topic=XSS, invitees="all")
    con = p.last("consultation_opened").data["consultation_id"]
    p.do("KAZ", "post_statement", t=150, consultation_id=con, text=f"=HYPERLINK(\"x\") | *bold* {XSS}")
    p.do("TJK", "close_consultation", t=170, consultation_id=con, outcome="coordinated", position=XSS)
    p.do("TJK", "request_assistance", t=180, kinds=["military"], summary=XSS)
    req = p.last("assistance_requested").data["request_id"]
    p.do("RUS", "respond_to_assistance", t=200, request_id=req, response="pledge", details=XSS)
    p.do("RUS", "propose_decision", t=240, body="CCS", kind="use_of_armed_forces", title=XSS, text=XSS)
    dec = p.last("decision_proposed").data["decision_id"]
    for m in MEMBERS:
        p.do(m, "cast_vote", t=300, decision_id=dec, vote="for")
    p.do("KGZ", "record_implementation", t=400, decision_id=dec, status="blocked", note=XSS)
    p.do("SG", "notify_un_security_council", t=420, summary=XSS, decision_id=dec)
    p.do("facilitator", "send_inject", t=430, title=XSS, body=XSS, to="all")
    p.do("facilitator", "add_observation", t=440, text=XSS)
    p.do("facilitator", "score_expectation", t=450, expectation_id="threat-reported", score="met", note=XSS)
    return p


@pytest.fixture(scope="module")
def report():
    return build_report(hostile_run().events)


def test_the_payload_is_really_in_the_report(report):
    assert XSS in json.dumps(report)  # otherwise the escaping tests would prove nothing


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_participant_text_is_escaped(report, fmt):
    out = render(report, fmt)
    assert XSS not in out
    assert "<img" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert out.count("&lt;img") >= 10


def test_html_is_self_contained_and_printable(report):
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from elsewhere
    assert "<link" not in page and "@import" not in page
    assert "@media print" in page and "@page" in page
    for section in ("summary", "chart", "chains", "decisions", "expectations", "seats", "observations", "timeline"):
        assert f'id="{section}"' in page


def test_the_chart_has_a_row_per_seat_and_a_mark_per_chain_event(report):
    page = render_html(report)
    svg = page[page.index("<svg"):page.index("</svg>")]
    expected = [e for e in report["timeline"] if e["generic"] in MARKS]
    assert svg.count('class="mark"') == len(expected) > 10
    rows = [r for r, _, _ in chart_rows(report)]
    assert rows[0] == "Injects" and rows[-1] == "Outcomes (system)"
    assert {"TJK", "RUS", "KAZ", "SG", "KGZ"} <= set(rows)
    for row in rows:
        assert f'data-row="{row}"' in svg
    assert 'class="legend"' in svg and "Decision adopted" in svg


def test_markdown_escapes_markup_and_keeps_tables_whole(report):
    text = render_markdown(report)
    tables: list[list[int]] = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("| "):
            if not in_table:
                tables.append([])
            tables[-1].append(len(re.findall(r"(?<!\\)\|", line)))  # unescaped pipes = columns + 1
            in_table = True
        else:
            in_table = False
    assert len(tables) >= 5
    for widths in tables:
        assert len(set(widths)) == 1, widths  # a pipe in participant text never adds a column
    assert "\\*bold\\*" in text and "\\|" in text
    assert md("# not a heading").startswith("\\#")
    assert md("1. not a list") == "1\\. not a list"


def test_csv_has_one_row_per_event(report):
    rows = list(csv.reader(io.StringIO(render_csv(report))))
    assert rows[0] == ["seq", "exercise_time", "clock", "in_world", "actor", "type", "summary"]
    assert [int(r[0]) for r in rows[1:]] == [e["seq"] for e in report["timeline"]]
    assert all(len(r) == 7 for r in rows)


def test_csv_neutralises_formulas():
    from server.review.render_text import _cell

    assert _cell("=1+1") == "'=1+1" and _cell("@SUM(A1)") == "'@SUM(A1)" and _cell("TJK reports") == "TJK reports"


def test_json_format_is_the_report(report):
    assert json.loads(render(report, "json")) == json.loads(json.dumps(report))
