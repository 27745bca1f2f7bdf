"""The hash chain: the canonical form, the nonce (chain format 1), and logs from before it (format 0)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path
from types import MappingProxyType

from hypothesis import given, settings, strategies as st

from server.review.export import parse_export
from server.store.chain import (GENESIS, canonical_body, canonical_json, event_hash, event_id_from_nonce, new_nonce,
                                verify_chain)
from server.domain.events import format_timestamp, freeze, thaw
from server.store.rows import _canonical_data, _timestamp, seal
from tests.review.support import Play

LEGACY_LOG = Path(__file__).parent / "fixtures" / "legacy-chain.ndjson"  # written by commit cb8197d, before the nonce

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(seq=st.integers(1, 2**31), id=st.text(max_size=40), type=st.text(max_size=30), version=st.integers(1, 9),
       actor=st.text(max_size=12),
       exercise_time=st.floats(min_value=0, max_value=1e9, allow_nan=False) | st.integers(0, 10**9),
       recorded_at=st.text(max_size=30), audience=st.none() | st.lists(st.text(max_size=12), max_size=5),
       data=st.dictionaries(st.text(max_size=12), JSON, max_size=6), nonce=st.none() | st.text(max_size=64))
def test_canonical_body_is_canonical_json(seq, id, type, version, actor, exercise_time, recorded_at, audience, data, nonce):
    body = {"seq": seq, "id": id, "type": type, "version": version, "actor": actor, "exercise_time": exercise_time,
            "recorded_at": recorded_at, "audience": audience, "data": data}
    if nonce is not None:
        body["nonce"] = nonce
    fast = canonical_body(seq=seq, id=id, type=type, version=version, actor=actor, exercise_time=exercise_time,
                          recorded_at=recorded_at, audience=audience, data_json=canonical_json(data).decode("utf-8"),
                          nonce=nonce)
    assert fast == canonical_json(body)


@settings(max_examples=400, deadline=None)
@given(epoch=st.floats(min_value=0, max_value=4e9, allow_nan=False) | st.integers(0, 4 * 10**9).map(lambda s: s + 0.9995))
def test_sealing_formats_the_time_as_the_chain_does(epoch):
    assert _timestamp(epoch) == format_timestamp(epoch)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.text(max_size=12), JSON, max_size=6))
def test_sealing_serialises_data_as_canonical_json(data):
    assert _canonical_data(data) == canonical_json(data).decode("utf-8")


def _frozen(value):
    """Event data as the domain holds it: mappings as read-only proxies, lists as tuples."""
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.text(max_size=12), JSON, max_size=6))
def test_sealing_serialises_frozen_data_as_the_canonical_json_of_its_plain_copy(data):
    assert _canonical_data(_frozen(data)) == canonical_json(thaw(_frozen(data))).decode("utf-8")
    assert _canonical_data(freeze(data)) == canonical_json(data).decode("utf-8")


def _reference_event_id(nonce: str) -> str:  # the id's definition, written out the long way
    digest = bytearray(hashlib.sha256(b"ttx event id\x00" + nonce.encode("ascii")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x40
    digest[8] = (digest[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(digest)))


@settings(max_examples=300, deadline=None)
@given(nonce=st.binary(min_size=16, max_size=16).map(bytes.hex))
def test_an_event_id_is_the_uuid_of_its_nonce_hash(nonce):
    assert event_id_from_nonce(nonce) == _reference_event_id(nonce)
    assert uuid.UUID(event_id_from_nonce(nonce)).version == 4


def sealed_run() -> list[dict]:
    play = Play()
    play.do("facilitator", "add_observation", t=10, text="note")
    play.do("KAZ", "report_threat", t=20, kind="threat", summary="Shelling at the border post.")
    sealed, _rows = seal("ex_0123456789abcdef", play.events, GENESIS)
    return [e.envelope() for e in sealed]


def test_every_new_event_carries_128_random_bits_inside_its_hash():
    envelopes = sealed_run()
    assert all(re.fullmatch(r"[0-9a-f]{32}", e["nonce"]) for e in envelopes)
    assert len({e["nonce"] for e in envelopes}) == len(envelopes)
    assert verify_chain(envelopes) is None


def test_an_event_id_is_derived_from_its_nonce_not_from_the_exercise_and_seq():
    first, second = sealed_run(), sealed_run()  # the same exercise id, the same seqs
    assert [e["id"] for e in first] != [e["id"] for e in second]
    assert all(e["id"] == event_id_from_nonce(e["nonce"]) for e in first)
    assert len({e["id"] for e in first + second}) == len(first) * 2


def test_stripping_the_nonce_of_an_event_breaks_the_chain_there():
    envelopes = sealed_run()
    del envelopes[2]["nonce"]
    assert verify_chain(envelopes).seq == 3


def test_a_null_nonce_does_not_pass_for_a_legacy_event():
    envelopes = sealed_run()
    envelopes[3]["nonce"] = None
    assert verify_chain(envelopes).seq == 4


def test_a_log_hashed_before_the_nonce_still_verifies():
    lines = LEGACY_LOG.read_bytes().splitlines()
    assert all("nonce" not in json.loads(line) for line in lines[1:])  # the fixture is really of the old format
    parsed = parse_export(lines)
    assert parsed.problem is None and len(parsed.events) == 6


def test_a_log_hashed_before_the_nonce_still_detects_an_edit():
    lines = LEGACY_LOG.read_text().splitlines()
    lines[4] = lines[4].replace('"text":"agreed"', '"text":"refused"')
    assert parse_export(lines).problem.seq == 4


def test_a_chain_may_go_on_from_legacy_events_to_events_with_a_nonce():
    legacy = [json.loads(line) for line in LEGACY_LOG.read_text().splitlines()[1:]]
    prev = legacy[-1]["hash"]
    nonce = new_nonce()
    later = {"seq": 7, "id": event_id_from_nonce(nonce), "type": "observation_added", "version": 1, "actor": "facilitator",
             "exercise_time": 300.0, "recorded_at": "2027-01-15T08:05:00.000Z", "audience": ["facilitator"],
             "data": {"text": "after the upgrade"}, "nonce": nonce}
    later["hash"] = event_hash(prev, later)
    assert verify_chain(legacy + [later]) is None
