"""The hash chain behind the audit log and the integrity ledger: the canonical bytes an entry's
hash covers, the hash itself (checked against hashlib directly), and `verify` on intact chains
and on every kind of break, including random chains with one random mutation each."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.audit.chain import GENESIS, Broken, Row, canonical, link, verify


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(contents: list[Mapping[str, Any]]) -> list[Row]:
    """A chain made here, without `link`: each hash is SHA-256 over the previous hash's 64 hex
    characters followed by JSON with sorted keys, no spaces, UTF-8."""
    rows, previous = [], GENESIS
    for seq, content in enumerate(contents, start=1):
        body = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        hash_ = sha256_hex(previous.encode() + body.encode("utf-8"))
        rows.append(Row(seq, previous, hash_, content))
        previous = hash_
    return rows


def check(rows: list[Row], *, length: int | None = None, last: str | None = None) -> Any:
    """Verify `rows` against a head that records `length` entries ending at `last` (by default
    the head of the rows as given)."""
    return verify(
        "test",
        iter(rows),
        expected_length=len(rows) if length is None else length,
        expected_last=(rows[-1].hash if rows else GENESIS) if last is None else last,
    )


CONTENTS: list[Mapping[str, Any]] = [
    {"seq": n, "action": f"thing.{n}", "changes": {"title": {"from": None, "to": f"T{n}"}}}
    for n in range(1, 7)
]


# Canonical serialisation ----------------------------------------------------------------------


def test_canonical_is_sorted_compact_json() -> None:
    assert canonical({"b": 1, "a": [1, 2], "c": {"z": None, "y": True}}) == (
        b'{"a":[1,2],"b":1,"c":{"y":true,"z":null}}'
    )


def test_canonical_does_not_depend_on_key_order_at_any_depth() -> None:
    one = {"a": 1, "b": {"x": 1, "y": [{"p": 1, "q": 2}]}}
    two = {"b": {"y": [{"q": 2, "p": 1}], "x": 1}, "a": 1}

    assert list(one) != list(two)
    assert canonical(one) == canonical(two)
    assert link(GENESIS, one) == link(GENESIS, two)


def test_canonical_keeps_list_order() -> None:
    assert canonical({"a": [1, 2]}) != canonical({"a": [2, 1]})


def test_canonical_writes_utf_8_not_escapes() -> None:
    assert canonical({"name": "Zoë Ōkubo 北"}) == '{"name":"Zoë Ōkubo 北"}'.encode()
    assert b"\\u" not in canonical({"name": "Zoë"})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_canonical_refuses_nan_and_infinity(value: float) -> None:
    with pytest.raises(ValueError):
        canonical({"amount": value})


@given(st.dictionaries(st.text(), st.integers() | st.text() | st.booleans() | st.none()))
def test_canonical_is_the_same_for_any_key_order(content: dict[str, Any]) -> None:
    reversed_order = dict(reversed(list(content.items())))

    assert canonical(reversed_order) == canonical(content)
    assert json.loads(canonical(content).decode("utf-8")) == content


# link -----------------------------------------------------------------------------------------


def test_genesis_is_sixty_four_zeros() -> None:
    assert GENESIS == "0000000000000000000000000000000000000000000000000000000000000000"


def test_link_is_sha256_of_the_previous_hash_then_the_canonical_bytes() -> None:
    content = {"b": 2, "a": "é"}
    expected = sha256_hex(b"0" * 64 + b'{"a":"\xc3\xa9","b":2}')

    assert link(GENESIS, content) == expected


def test_link_depends_on_the_previous_hash() -> None:
    content = {"a": 1}
    other = "f" * 64

    assert link(other, content) == sha256_hex(other.encode() + b'{"a":1}')
    assert link(other, content) != link(GENESIS, content)


@given(
    st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    st.dictionaries(st.text(), st.integers() | st.text() | st.lists(st.integers())),
)
def test_link_matches_an_independent_hashlib_computation(
    previous: str, content: dict[str, Any]
) -> None:
    body = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert link(previous, content) == sha256_hex(previous.encode() + body.encode("utf-8"))


# verify on intact chains ----------------------------------------------------------------------


def test_an_intact_chain_verifies() -> None:
    rows = build(CONTENTS)

    result = check(rows)

    assert result.intact
    assert result.broken is None
    assert result.entries == 6
    assert result.summary() == "test: 6 entries, intact."


def test_link_builds_the_same_chain_as_the_independent_builder() -> None:
    previous = GENESIS
    for row in build(CONTENTS):
        assert link(previous, row.content) == row.hash
        previous = row.hash


def test_an_empty_chain_with_an_empty_head_verifies() -> None:
    result = verify("test", iter([]), expected_length=0, expected_last=GENESIS)

    assert result.intact and result.entries == 0


def test_verify_reads_content_whatever_its_key_order() -> None:
    rows = build(CONTENTS)
    shuffled = [
        dataclasses.replace(row, content=dict(reversed(list(row.content.items())))) for row in rows
    ]

    assert check(shuffled, last=rows[-1].hash).intact


# verify on each kind of break -----------------------------------------------------------------


def test_changed_content_is_broken_at_that_entry() -> None:
    rows = build(CONTENTS)
    rows[2] = dataclasses.replace(rows[2], content={**rows[2].content, "action": "forged"})

    result = check(rows)

    assert not result.intact
    assert result.broken == Broken(3, result.broken.reason)  # type: ignore[union-attr]
    assert "content no longer matches its hash" in result.broken.reason  # type: ignore[union-attr]
    assert result.entries == 2
    assert result.summary().startswith("test: broken at entry 3: ")


def test_changed_content_with_its_own_hash_recomputed_breaks_the_next_link() -> None:
    rows = build(CONTENTS)
    forged = {**rows[2].content, "action": "forged"}
    rows[2] = dataclasses.replace(rows[2], content=forged, hash=link(rows[2].previous, forged))

    result = check(rows, last=build(CONTENTS)[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 4
    assert "does not follow the entry before it" in result.broken.reason


def test_an_entry_removed_in_the_middle_is_reported_missing() -> None:
    rows = build(CONTENTS)
    del rows[3]  # entry 4

    result = check(rows, length=6, last=build(CONTENTS)[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 4
    assert result.broken.reason == "entry 4 is missing (the next one is 5)"
    assert result.entries == 3


def test_an_entry_removed_and_the_rest_renumbered_breaks_the_link() -> None:
    rows = build(CONTENTS)
    del rows[3]
    rows = [dataclasses.replace(row, seq=n) for n, row in enumerate(rows, start=1)]

    result = check(rows, length=6, last=build(CONTENTS)[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 4
    assert "does not follow the entry before it" in result.broken.reason


def test_the_last_entry_removed_is_a_length_mismatch_with_the_head() -> None:
    full = build(CONTENTS)
    rows = full[:-1]

    result = check(rows, length=6, last=full[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 6
    assert "holds 5 entries but its head records 6" in result.broken.reason
    assert result.entries == 5


def test_entries_reordered_by_swapping_their_positions_break_at_the_first_swapped() -> None:
    rows = build(CONTENTS)
    # As in the database: the two rows swap seq numbers, so the row read at position 3 is the
    # old fourth entry.
    third, fourth = rows[2], rows[3]
    rows[2] = dataclasses.replace(fourth, seq=3)
    rows[3] = dataclasses.replace(third, seq=4)

    result = check(rows)

    assert result.broken is not None
    assert result.broken.seq == 3
    assert "does not follow the entry before it" in result.broken.reason


def test_entries_read_out_of_order_are_reported() -> None:
    rows = build(CONTENTS)
    rows[2], rows[3] = rows[3], rows[2]

    result = check(rows, last=build(CONTENTS)[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 3
    assert result.broken.reason == "entry 3 is missing (the next one is 4)"


def test_a_repeated_entry_is_reported() -> None:
    rows = build(CONTENTS)
    rows.insert(3, rows[2])  # entry 3 twice

    result = check(rows, length=6, last=rows[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 4
    assert result.broken.reason == "entries are repeated or out of order"


def test_an_inserted_entry_breaks_the_link_of_the_entry_it_displaced() -> None:
    original = build(CONTENTS)
    forged_content = {"seq": 3, "action": "forged"}
    forged = Row(3, original[1].hash, link(original[1].hash, forged_content), forged_content)
    rows = [
        *original[:2],
        forged,
        *(dataclasses.replace(row, seq=row.seq + 1) for row in original[2:]),
    ]

    result = check(rows, length=7, last=original[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 4  # the old third entry no longer follows what precedes it
    assert "does not follow the entry before it" in result.broken.reason


def test_an_entry_added_at_the_end_without_the_head_is_a_length_mismatch() -> None:
    original = build(CONTENTS)
    extra_content = {"seq": 7, "action": "forged"}
    extra = Row(7, original[-1].hash, link(original[-1].hash, extra_content), extra_content)

    result = check([*original, extra], length=6, last=original[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 7
    assert "holds 7 entries but its head records 6" in result.broken.reason


def test_a_head_whose_last_hash_differs_is_broken_at_the_last_entry() -> None:
    rows = build(CONTENTS)

    result = check(rows, last="e" * 64)

    assert result.broken is not None
    assert result.broken.seq == 6
    assert result.broken.reason == "the last entry is not the one the chain's head records"
    assert result.entries == 6


def test_the_whole_tail_rewritten_is_caught_by_the_head() -> None:
    original = build(CONTENTS)
    forged = [{**c, "action": "rewritten"} if c["seq"] >= 4 else c for c in CONTENTS]

    result = check(build(forged), last=original[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 6
    assert "not the one the chain's head records" in result.broken.reason


def test_a_changed_previous_hash_is_broken_at_that_entry() -> None:
    rows = build(CONTENTS)
    rows[0] = dataclasses.replace(rows[0], previous="1" * 64)

    result = check(rows)

    assert result.broken is not None
    assert result.broken.seq == 1
    assert result.entries == 0


def test_a_chain_that_does_not_start_at_one_is_reported() -> None:
    rows = build(CONTENTS)[1:]

    result = check(rows, length=6, last=build(CONTENTS)[-1].hash)

    assert result.broken is not None
    assert result.broken.seq == 1
    assert result.broken.reason == "entry 1 is missing (the next one is 2)"


# Random chains, random single mutations -------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# "~" never appears in a generated key, so adding it always changes the content.
contents = st.dictionaries(st.text(alphabet="abcdefgh", max_size=6), json_values, max_size=5)
chains = st.lists(contents, min_size=1, max_size=8)

MUTATIONS = ("content", "hash", "previous", "remove", "swap_with_next", "head")


@settings(max_examples=40)
@given(chains)
def test_random_chains_verify_intact(contents_: list[dict[str, Any]]) -> None:
    rows = build(contents_)

    result = check(rows)

    assert result.intact
    assert result.entries == len(rows)


@given(chains, st.data())
def test_any_single_mutation_is_detected_at_the_mutated_position(
    contents_: list[dict[str, Any]], data: st.DataObject
) -> None:
    original = build(contents_)
    n = len(original)
    assert check(original).intact
    mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    last_position = n - 1 if mutation == "swap_with_next" else n
    if last_position < 1:
        mutation, last_position = "content", n
    k = data.draw(st.integers(1, last_position), label="position")
    rows = list(original)
    head_last = original[-1].hash
    row = rows[k - 1]
    if mutation == "content":
        rows[k - 1] = dataclasses.replace(row, content={**row.content, "~": "tampered"})
    elif mutation == "hash":
        rows[k - 1] = dataclasses.replace(row, hash=sha256_hex(row.hash.encode()))
    elif mutation == "previous":
        rows[k - 1] = dataclasses.replace(row, previous=sha256_hex(row.previous.encode()))
    elif mutation == "remove":
        del rows[k - 1]  # the head still records n entries
    elif mutation == "swap_with_next":
        rows[k - 1] = dataclasses.replace(rows[k], seq=k)
        rows[k] = dataclasses.replace(row, seq=k + 1)
    else:  # the head's last hash
        head_last = sha256_hex(head_last.encode())
        k = n

    result = check(rows, length=n, last=head_last)

    assert not result.intact
    assert result.broken is not None
    assert result.broken.seq == k, (mutation, result.broken)
    assert result.entries <= k
