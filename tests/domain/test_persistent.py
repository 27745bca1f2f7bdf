"""The State's tables (`persistent.Rows`) behave as dicts do, in dict order, while a write shares
the rest of the table with the state it came from."""

from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st

from server.domain.persistent import Rows, as_rows

KEYS = st.sampled_from([f"k{i}" for i in range(12)])
OPS = st.lists(st.tuples(st.sampled_from(["set", "del"]), KEYS, st.integers(0, 99)), max_size=60)


@given(OPS, st.integers(1, 5))
def test_a_table_reads_and_iterates_like_a_dict_with_the_same_writes(ops, every):
    want: dict[str, int] = {}
    rows = Rows()
    history = [(rows, dict(want))]
    draft = rows.draft()
    for n, (op, key, value) in enumerate(ops):
        if op == "set":
            want[key] = value
            draft[key] = value
        elif key in want:
            del want[key]
            del draft[key]
        if n % every == 0:  # a command ends: the new state's table
            rows = draft.snapshot()
            history.append((rows, dict(want)))
            draft = rows.draft()
    history.append((draft.snapshot(), dict(want)))
    for table, expected in history:  # every earlier state is still what it was
        assert list(table.items()) == list(expected.items())
        assert len(table) == len(expected) and table == expected
        assert all(table.get(k) == expected.get(k) and (k in table) == (k in expected) for k in [f"k{i}" for i in range(12)])


def test_a_draft_leaves_its_base_alone_and_iterates_while_written():
    base = as_rows({"a": 1, "b": 2})
    draft = base.draft()
    for key in draft:  # a slice may change the table while looping over it
        draft[key] = draft[key] * 10
        draft["c"] = 3
    assert dict(base) == {"a": 1, "b": 2}
    assert list(draft.snapshot().items()) == [("a", 10), ("b", 20), ("c", 3)]


def test_tables_travel_to_worker_processes_in_order():
    rows = as_rows({"z": 1, "a": 2, "m": 3})
    again = pickle.loads(pickle.dumps(rows))
    assert type(again) is Rows and list(again.items()) == [("z", 1), ("a", 2), ("m", 3)]


def test_what_is_derived_from_a_table_is_worked_out_once_per_table_and_afresh_after_a_write():
    from server.domain.persistent import derived

    calls = []

    def open_ones(rows):
        calls.append(1)
        return tuple(k for k, v in rows.items() if v == "open")

    table = Rows({"a": "open", "b": "closed"})
    assert derived(table, "open", open_ones) == ("a",)
    assert derived(table, "open", open_ones) == ("a",)
    assert len(calls) == 1
    draft = table.draft()
    draft["b"] = "open"
    written = draft.snapshot()
    assert derived(written, "open", open_ones) == ("a", "b")
    assert derived(table, "open", open_ones) == ("a",)  # the old table is unchanged, and so is its result
    assert len(calls) == 2
    assert derived({"c": "open"}, "open", open_ones) == ("c",)  # a plain dict: worked out each time
    assert derived({"c": "open"}, "open", open_ones) == ("c",)
    assert len(calls) == 4
