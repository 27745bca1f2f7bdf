"""The hash chain's canonical form: the fast assembly equals plain canonical JSON, byte for byte."""

from __future__ import annotations

import uuid

from hypothesis import given, settings, strategies as st

from server.store.chain import canonical_body, canonical_json
from server.store.rows import _EVENT_NS, event_uuid

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(seq=st.integers(1, 2**31), id=st.text(max_size=40), type=st.text(max_size=30), version=st.integers(1, 9),
       actor=st.text(max_size=12), exercise_time=st.floats(min_value=0, max_value=1e9, allow_nan=False),
       recorded_at=st.text(max_size=30), audience=st.none() | st.lists(st.text(max_size=12), max_size=5),
       data=st.dictionaries(st.text(max_size=12), JSON, max_size=6))
def test_canonical_body_is_canonical_json(seq, id, type, version, actor, exercise_time, recorded_at, audience, data):
    body = {"seq": seq, "id": id, "type": type, "version": version, "actor": actor, "exercise_time": exercise_time,
            "recorded_at": recorded_at, "audience": audience, "data": data}
    fast = canonical_body(seq=seq, id=id, type=type, version=version, actor=actor, exercise_time=exercise_time,
                          recorded_at=recorded_at, audience=audience, data_json=canonical_json(data).decode("utf-8"))
    assert fast == canonical_json(body)


@given(exercise_id=st.text(max_size=40), seq=st.integers(1, 2**31))
def test_event_uuid_is_uuid5(exercise_id, seq):
    assert event_uuid(exercise_id, seq) == str(uuid.uuid5(_EVENT_NS, f"{exercise_id}/{seq}"))
