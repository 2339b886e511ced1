"""The fast path of a chain check (`coproduce ledger verify`) against the simple one it
replaced: the same text to hash for every entry, and the same verdict on intact and tampered
chains.

The simple path lets the ORM convert every value of every row (the compiler's own converters),
makes a `Row` per entry with `ledger_content` and checks them with `chain.verify`. The fast path
reads the rows as the database's driver returns them, converts the two values that need it with
`audit.queries.reader` (and `utc_text_reader`), writes the canonical JSON out directly
(`integrity.queries.ledger_text`, `chain.canonical_text_acyclic`) and checks the rows with
`chain.verify_rows`. Most tests need no database (only the connection's settings); the last
ones run both paths over a real ledger, tampered with in SQL.
"""

from __future__ import annotations

import datetime
import json
import math
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from coproduce.audit.chain import (
    GENESIS,
    Row,
    Verification,
    canonical_text,
    canonical_text_acyclic,
    link,
    verify,
    verify_rows,
)
from coproduce.audit.models import AUDIT_CHAIN, AuditEvent
from coproduce.audit.queries import (
    CHAIN_ROW,
    audit_rows,
    chain_queryset,
    reader,
    unchanged,
    utc_text_reader,
    verify_audit_log,
    verify_chain,
)
from coproduce.integrity.models import (
    LEDGER_CHAIN,
    LEDGER_CHAIN_FIELDS,
    LedgerEntry,
    ledger_content,
)
from coproduce.integrity.queries import ledger_rows, ledger_text, verify_ledger
from tests.conftest import Team

UTC = datetime.UTC
ZONES = [
    UTC,
    datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
    datetime.timezone(-datetime.timedelta(hours=8)),
    zoneinfo.ZoneInfo("Europe/London"),
]
moments = st.datetimes(
    min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)
)
aware_moments = st.datetimes(
    min_value=datetime.datetime(1, 1, 2),
    max_value=datetime.datetime(9999, 12, 30),
    timezones=st.sampled_from(ZONES),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Whatever a column could hold after tampering: the fast path must then agree too.
odd_values = (
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
)


def converted_by_the_orm(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The rows as values_list() hands them over: converted by the compiler's converters."""
    compiler = chain_queryset(LedgerEntry, LEDGER_CHAIN_FIELDS).query.get_compiler("default")
    compiler.setup_query()
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    return [tuple(row) for row in compiler.apply_converters(rows, converters)]


def fast_text() -> Callable[[Sequence[Any]], str]:
    return ledger_text(
        reader(LedgerEntry, "created_at"),
        reader(LedgerEntry, "payload"),
        utc_text_reader(LedgerEntry, "created_at"),
    )


def simple_path(rows: list[tuple[Any, ...]], length: int, last: str) -> Verification:
    def entries() -> Iterable[Row]:
        for row in converted_by_the_orm(rows):
            yield Row(row[2], row[0], row[1], ledger_content(*row[2:]))

    return verify("ledger", entries(), expected_length=length, expected_last=last)


def fast_path(rows: list[tuple[Any, ...]], length: int, last: str) -> Verification:
    return verify_rows(
        "ledger", iter(rows), fast_text(), expected_length=length, expected_last=last
    )


def driver_value(moment: datetime.datetime) -> datetime.datetime:
    """A created_at as the database's driver returns it: naive UTC from SQLite, aware from
    PostgreSQL."""
    aware = moment.replace(tzinfo=UTC)
    return aware.replace(tzinfo=None) if connection.vendor == "sqlite" else aware


entry_values = st.tuples(
    moments,
    st.integers(1, 10**6),
    st.sampled_from(["finding", "output"]),
    st.integers(1, 10**6),
    st.sampled_from(["registered", "comment", "revised", "framing_request"]),
    st.text(max_size=12),
    st.dictionaries(st.text(max_size=8), json_values, max_size=4),
)


def ledger_chain(entries: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows as the driver returns them, (prev_hash, hash, *LEDGER_CHAIN_FIELDS), hashed the way
    the ledger is written: `link` over `ledger_content` of the aware values."""
    rows, previous = [], GENESIS
    for seq, (moment, project, subject, subject_id, event, actor, payload) in enumerate(
        entries, start=1
    ):
        aware = moment.replace(tzinfo=UTC)
        content = ledger_content(seq, aware, project, subject, subject_id, event, actor, payload)
        hash_ = link(previous, content)
        rows.append(
            (
                previous,
                hash_,
                seq,
                driver_value(moment),
                project,
                subject,
                subject_id,
                event,
                actor,
                json.dumps(payload),
            )
        )
        previous = hash_
    return rows


# The text to hash -----------------------------------------------------------------------------


@given(json_values)
def test_the_acyclic_encoder_writes_what_canonical_text_writes(value: Any) -> None:
    assert canonical_text_acyclic(value) == canonical_text(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, {"a": [-math.inf]}])
def test_the_acyclic_encoder_refuses_nan_and_infinity_too(value: Any) -> None:
    with pytest.raises(ValueError):
        canonical_text(value)
    with pytest.raises(ValueError):
        canonical_text_acyclic(value)


@given(
    seq=st.integers(),
    moment=aware_moments,
    project=st.integers(),
    subject=st.text(),
    subject_id=st.integers(),
    event=st.text(),
    actor=st.text(),
    payload=json_values,
)
def test_ledger_text_is_the_canonical_text_of_ledger_content(
    seq: int,
    moment: datetime.datetime,
    project: int,
    subject: str,
    subject_id: int,
    event: str,
    actor: str,
    payload: Any,
) -> None:
    row = ("p", "h", seq, moment, project, subject, subject_id, event, actor, payload)

    assert ledger_text()(row) == canonical_text(ledger_content(*row[2:]))


@given(
    st.lists(st.integers() | odd_values, min_size=6, max_size=6),
    aware_moments,
    json_values,
)
def test_ledger_text_agrees_whatever_the_columns_hold(
    values: list[Any], moment: datetime.datetime, payload: Any
) -> None:
    seq, project, subject, subject_id, event, actor = values
    row = ("p", "h", seq, moment, project, subject, subject_id, event, actor, payload)

    assert ledger_text()(row) == canonical_text(ledger_content(*row[2:]))


def test_ledger_text_writes_the_keys_in_sorted_order_and_utf_8() -> None:
    moment = datetime.datetime(2024, 5, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    row = ("p", "h", 7, moment, 3, "finding", 9, "comment", "zoë@example.org", {"b": 1, "a": "é"})

    assert ledger_text()(row) == (
        '{"actor":"zoë@example.org","at":"2024-05-01T09:00:00+00:00","event":"comment",'
        '"payload":{"a":"é","b":1},"project":3,"seq":7,"subject":["finding",9]}'
    )


# Reading the driver's values as the ORM does ------------------------------------------------


def orm_value(name: str, value: Any) -> Any:
    """One value of a ledger row, converted by the compiler's converters."""
    position = (*CHAIN_ROW, *LEDGER_CHAIN_FIELDS).index(name)
    row = [None] * (len(CHAIN_ROW) + len(LEDGER_CHAIN_FIELDS))
    row[position] = value
    return converted_by_the_orm([row])[0][position]


@given(moments | aware_moments)
def test_created_at_reads_as_the_orm_reads_it(moment: datetime.datetime) -> None:
    expected = orm_value("created_at", moment)

    read = reader(LedgerEntry, "created_at")(moment)

    assert read == expected and read.tzinfo == expected.tzinfo
    assert utc_text_reader(LedgerEntry, "created_at")(moment) == (
        expected.astimezone(UTC).isoformat()
    )


@given(
    json_values.map(json.dumps)
    | json_values.map(lambda v: json.dumps(v, ensure_ascii=False, indent=1))
    | json_values.map(lambda v: f" {json.dumps(v)}\n")
    | st.sampled_from(["", "{", '{"a": 1} x', "\ufeff{}", "NaN", "[1, 2,]", "'a'", "nul"])
    | st.text()
)
def test_a_payload_reads_as_the_orm_reads_it(stored: str) -> None:
    expected = orm_value("payload", stored)

    read = reader(LedgerEntry, "payload")(stored)

    assert read == expected or (read != read and expected != expected)  # NaN
    assert type(read) is type(expected)


def test_a_column_the_orm_does_not_convert_is_read_unchanged() -> None:
    assert reader(LedgerEntry, "actor_label") is unchanged
    assert reader(LedgerEntry, "seq") is unchanged


# Verdicts -------------------------------------------------------------------------------------

MUTATIONS = (
    "actor",
    "payload",
    "payload_reserialised",
    "payload_not_json",
    "moment",
    "project_as_text",
    "subject_id_as_float",
    "hash",
    "previous",
    "remove",
    "swap_with_next",
    "repeat",
    "head_last",
    "head_longer",
)


def mutate(
    rows: list[tuple[Any, ...]], mutation: str, k: int
) -> tuple[list[tuple[Any, ...]], int, str]:
    """The rows with entry k (1-based) tampered with, and the head's length and last hash."""
    rows = list(rows)
    length, last = len(rows), rows[-1][1]
    row = list(rows[k - 1])
    if mutation == "actor":
        row[8] = row[8] + "~"
    elif mutation == "payload":
        row[9] = json.dumps({**json.loads(row[9]), "~": "tampered"})
    elif mutation == "payload_reserialised":  # the same JSON, written differently: still intact
        row[9] = json.dumps(json.loads(row[9]), ensure_ascii=False, indent=2, sort_keys=True)
    elif mutation == "payload_not_json":
        row[9] = row[9][:-1]
    elif mutation == "moment":
        row[3] = row[3] + datetime.timedelta(microseconds=1)
    elif mutation == "project_as_text":
        row[4] = str(row[4])
    elif mutation == "subject_id_as_float":
        row[6] = float(row[6])
    elif mutation == "hash":
        row[1] = "f" * 64
    elif mutation == "previous":
        row[0] = "e" * 64
    elif mutation == "remove":
        del rows[k - 1]
        return rows, length, last
    elif mutation == "swap_with_next" and k < len(rows):
        rows[k - 1], rows[k] = rows[k], rows[k - 1]
        return rows, length, last
    elif mutation == "repeat":
        rows.insert(k - 1, rows[k - 1])
        return rows, length, last
    elif mutation == "head_last":
        return rows, length, "d" * 64
    elif mutation == "head_longer":
        return rows, length + 1, last
    rows[k - 1] = tuple(row)
    return rows, length, last


@given(st.lists(entry_values, min_size=1, max_size=8))
def test_both_paths_find_an_intact_chain_intact(entries: list[tuple[Any, ...]]) -> None:
    rows = ledger_chain(entries)

    fast = fast_path(rows, len(rows), rows[-1][1])

    assert fast == simple_path(rows, len(rows), rows[-1][1])
    assert fast.intact and fast.entries == len(rows)


@given(st.lists(entry_values, min_size=1, max_size=8), st.sampled_from(MUTATIONS), st.data())
def test_both_paths_give_the_same_verdict_on_a_tampered_chain(
    entries: list[tuple[Any, ...]], mutation: str, data: st.DataObject
) -> None:
    original = ledger_chain(entries)
    k = data.draw(st.integers(1, len(original)), label="entry")
    rows, length, last = mutate(original, mutation, k)

    fast = fast_path(rows, length, last)

    assert fast == simple_path(rows, length, last)
    if mutation not in ("payload_reserialised", "project_as_text", "swap_with_next"):
        assert not fast.intact, mutation


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_each_kind_of_tampering_gets_the_same_verdict_from_both(mutation: str) -> None:
    entries = [
        (
            datetime.datetime(2025, 3, n, 9, 30, n, n * 1000),
            n,
            "finding",
            10 + n,
            "comment",
            f"person{n}@example.org",
            {"comment": f"Point {n}: “quoted”, café", "by": "Siân", "n": n / 4},
        )
        for n in range(1, 7)
    ]
    rows, length, last = mutate(ledger_chain(entries), mutation, 3)

    fast = fast_path(rows, length, last)

    assert fast == simple_path(rows, length, last)
    if mutation == "payload_reserialised":
        assert fast.intact
    elif mutation == "project_as_text":
        # SQLite would store "3" in an integer column as 3; text that was not a number stays
        # text, and then the content differs.
        assert fast.broken is not None and fast.broken.seq == 3
    else:
        assert fast.broken is not None and fast.broken.seq in (3, 4, 6, 7), fast


# Over a real ledger -----------------------------------------------------------------------------


def append_entries(count: int) -> None:
    from coproduce.audit.services import chain_append

    for n in range(1, count + 1):
        entry = LedgerEntry(
            project_id=1,
            subject="finding",
            subject_id=n,
            event="comment",
            actor_label=f"person{n}@example.org",
            payload={"by": "Zoë", "comment": f"Point {n}", "n": n},
        )
        chain_append(LEDGER_CHAIN, entry, LedgerEntry.chain_content)


def sql(statement: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=LedgerEntry._meta.db_table), params)


def both() -> tuple[Verification, Verification]:
    return verify_ledger(), verify_chain(LEDGER_CHAIN, ledger_rows())


@pytest.mark.django_db
def test_over_a_real_ledger_both_paths_agree_intact_and_tampered() -> None:
    append_entries(12)
    fast, simple = both()
    assert fast == simple
    assert fast.intact and fast.entries == 12

    # The same JSON written another way is still the same content.
    stored = LedgerEntry.objects.get(seq=4).payload
    sql("UPDATE {table} SET payload = %s WHERE seq = 4", json.dumps(stored, indent=2))
    fast, simple = both()
    assert fast == simple and fast.intact

    sql("UPDATE {table} SET actor_label = %s WHERE seq = 9", "mallory@example.org")
    fast, simple = both()
    assert fast == simple
    assert fast.broken is not None and fast.broken.seq == 9
    assert "content no longer matches its hash" in fast.broken.reason

    sql("UPDATE {table} SET payload = %s WHERE seq = 5", '"a string, not an object"')
    fast, simple = both()
    assert fast == simple
    assert fast.broken is not None and fast.broken.seq == 5

    sql("DELETE FROM {table} WHERE seq = 2")
    fast, simple = both()
    assert fast == simple
    assert fast.broken is not None and fast.broken.seq == 2
    assert fast.broken.reason == "entry 2 is missing (the next one is 3)"


@pytest.mark.django_db
def test_over_a_real_ledger_a_moved_moment_is_caught_by_both() -> None:
    append_entries(5)
    entry = LedgerEntry.objects.get(seq=3)
    moved = entry.created_at + datetime.timedelta(microseconds=1)
    # Through the backend's own adapter, as the ORM would store it.
    sql(
        "UPDATE {table} SET created_at = %s WHERE seq = 3",
        connection.ops.adapt_datetimefield_value(moved),
    )

    fast, simple = both()

    assert fast == simple
    assert fast.broken is not None and fast.broken.seq == 3


@pytest.mark.django_db
def test_over_a_real_audit_log_both_paths_agree_intact_and_tampered(team: Team) -> None:
    def both_audit() -> tuple[Verification, Verification]:
        return verify_audit_log(), verify_chain(AUDIT_CHAIN, audit_rows())

    fast, simple = both_audit()
    assert fast == simple
    assert fast.intact and fast.entries == AuditEvent.objects.count() > 3

    target = AuditEvent.objects.order_by("seq")[2]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET target_label = %s WHERE seq = %s",
            ["forged", target.seq],
        )
    fast, simple = both_audit()
    assert fast == simple
    assert fast.broken is not None and fast.broken.seq == target.seq
