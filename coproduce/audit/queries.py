"""Reads of the audit log, and the streaming of a hash chain's rows for its verification."""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from json.scanner import make_scanner
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import JSONField, Model, QuerySet
from django.db.models.expressions import Col

from coproduce.audit.chain import Row, Verification, canonical_text_acyclic, verify, verify_rows
from coproduce.audit.models import (
    AUDIT_CHAIN,
    AUDIT_CHAIN_FIELDS,
    AuditEvent,
    ChainHead,
    audit_content,
)

CHUNK = 5_000
CHAIN_ROW = ("prev_hash", "hash")  # then the fields the chain's content is made of


def audit_rows() -> Iterator[Row]:
    """Every audit event in chain order, streamed in constant memory, as `chain.verify` takes
    them (`verify_audit_log` reads the same rows more directly)."""
    for row in chain_queryset(AuditEvent, AUDIT_CHAIN_FIELDS).iterator(chunk_size=CHUNK):
        yield Row(row[2], row[0], row[1], audit_content(*row[2:]))


def verify_audit_log() -> Verification:
    """The audit log's chain, checked by `chain.verify_rows` over its rows as the database's
    driver returns them; `verify_chain(AUDIT_CHAIN, audit_rows())` gives the same verdict."""
    rows, read = chain_rows(AuditEvent, AUDIT_CHAIN_FIELDS)

    def text(row: Sequence[Any]) -> str:
        values = [convert(value) for convert, value in zip(read, row[2:], strict=True)]
        return canonical_text_acyclic(audit_content(*values))

    return verify_chain_rows(AUDIT_CHAIN, rows, text)


def chain_head(name: str) -> tuple[int, str]:
    """The length and the last hash the chain's head records (nothing, without a head)."""
    head = ChainHead.objects.filter(name=name).first()
    return (head.length, head.last_hash) if head else (0, "")


def verify_chain(name: str, rows: Iterator[Row]) -> Verification:
    length, last = chain_head(name)
    return verify(name, rows, expected_length=length, expected_last=last)


def verify_chain_rows[R: Sequence[Any]](
    name: str, rows: Iterator[R], text: Callable[[R], str]
) -> Verification:
    length, last = chain_head(name)
    return verify_rows(name, rows, text, expected_length=length, expected_last=last)


# Streaming a chain --------------------------------------------------------------------------
#
# A check reads every entry of a chain: a million rows for a busy ledger. The ORM's iterator()
# converts every value of every row through the backend's and the field's converters, which
# costs more than recomputing the hash. So the rows are read as the database's driver returns
# them, in the same chunks and through the same cursor iterator() would use, and each entry's
# values are converted only when its hash is recomputed, by `reader`: the same conversion,
# done directly for the two a chain needs (aware datetimes, JSON).


def chain_queryset(model: type[Model], fields: Sequence[str]) -> QuerySet[Any, Any]:
    """(prev_hash, hash, *fields) of every entry of the model's chain, in seq order."""
    return model._default_manager.order_by("seq").values_list(*CHAIN_ROW, *fields)


def chain_rows(
    model: type[Model], fields: Sequence[str]
) -> tuple[Iterator[tuple[Any, ...]], list[Callable[[Any], Any]]]:
    """The chain's rows as `chain_queryset` selects them, as the driver returns them, and for
    each of `fields` the function that converts its value as the ORM would."""
    queryset = chain_queryset(model, fields)
    return driver_rows(queryset), [reader(model, name, queryset.db) for name in fields]


def driver_rows(queryset: QuerySet[Any, Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of a values_list() queryset as the database's driver returns them, before the
    ORM converts a value, streamed as iterator() streams them: a server-side cursor on
    PostgreSQL (unless DISABLE_SERVER_SIDE_CURSORS), fetched CHUNK rows at a time."""
    return itertools.chain.from_iterable(_driver_chunks(queryset))


def _driver_chunks(queryset: QuerySet[Any, Any]) -> Iterator[list[tuple[Any, ...]]]:
    connection = connections[queryset.db]
    sql, params = queryset.query.sql_with_params()
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        cursor = connection.cursor()
    else:
        cursor = connection.chunked_cursor()
    with cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield rows


def unchanged(value: Any) -> Any:
    """The value as it is: the reader of a column the ORM does not convert."""
    return value


def reader(model: type[Model], name: str, using: str = DEFAULT_DB_ALIAS) -> Callable[[Any], Any]:
    """What the ORM makes of a value of the model's field as the database's driver returns it:
    the backend's converters, then the field's own, as the compiler applies them. `unchanged`
    for most fields. The two conversions a chain meets a million times are done directly, with
    the same result: SQLite's naive datetimes made aware, and JSON text decoded."""
    connection, column, converters = _converters(model, name, using)
    if not converters:
        return unchanged

    def convert(value: Any) -> Any:
        for converter in converters:
            value = converter(value, column, connection)
        return value

    zone = _sqlite_zone(connection, converters)
    if zone is not None:

        def aware(value: Any) -> Any:
            # The converter makes a naive datetime aware with timezone.make_aware, which
            # replaces its tzinfo with the connection's zone.
            if type(value) is datetime.datetime and value.tzinfo is None:
                return value.replace(tzinfo=zone)
            return convert(value)

        return aware
    if _plain_json(column.output_field, converters):
        scan = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # typeshed's stub

        def decoded(value: Any) -> Any:
            # json.loads(value), which JSONField.from_db_value returns, is the value json's
            # scanner reads from the first character when it ends at the last; anything else
            # (other types, spaces around it, not JSON at all) goes through the field.
            if type(value) is str:
                try:
                    result, end = scan(value, 0)
                except (StopIteration, ValueError):
                    return convert(value)
                if end == len(value):
                    return result
            return convert(value)

        return decoded
    return convert


def utc_text_reader(
    model: type[Model], name: str, using: str = DEFAULT_DB_ALIAS
) -> Callable[[Any], str]:
    """For a DateTimeField, the function that turns a value as the driver returns it into the
    ISO 8601 text of that moment in UTC, as a chain's content records it:
    `reader(...)(value).astimezone(UTC).isoformat()`, straight from the naive UTC datetimes
    SQLite's driver returns."""
    read = reader(model, name, using)

    def iso(value: Any) -> str:
        return str(read(value).astimezone(datetime.UTC).isoformat())

    connection, _, converters = _converters(model, name, using)
    if _sqlite_zone(connection, converters) is not datetime.UTC:
        return iso

    def iso_utc(value: Any) -> str:
        if type(value) is datetime.datetime and value.tzinfo is None:
            return value.isoformat() + "+00:00"
        return iso(value)

    return iso_utc


def _converters(
    model: type[Model], name: str, using: str
) -> tuple[BaseDatabaseWrapper, Col, list[Callable[..., Any]]]:
    """The connection, the column, and the converters the compiler applies to its values."""
    connection = connections[using]
    column = model._meta.get_field(name).get_col(model._meta.db_table)  # type: ignore[union-attr]
    converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    return connection, column, converters


def _sqlite_zone(
    connection: BaseDatabaseWrapper, converters: list[Callable[..., Any]]
) -> datetime.tzinfo | None:
    """The zone SQLite's datetime converter gives the naive datetimes it reads, when that is
    the column's only converter."""
    if connection.vendor != "sqlite" or not settings.USE_TZ:
        return None
    if converters != [connection.ops.convert_datetimefield_value]:  # type: ignore[attr-defined]
        return None
    zone: datetime.tzinfo | None = connection.timezone
    return zone


def _plain_json(field: Any, converters: list[Callable[..., Any]]) -> bool:
    """Whether the only conversion is JSONField's own, with json's standard decoder."""
    return (
        type(field) is JSONField
        and field.decoder is None
        and len(converters) == 1
        and getattr(converters[0], "__func__", None) is JSONField.from_db_value
    )
