"""Hash chains: the audit log and the integrity ledger are each a chain of entries in which
every entry's hash covers its own content and the hash of the entry before it.

- **Content** is serialised canonically: JSON with sorted keys, no spaces, UTF-8, no NaN
  (`canonical`). Whatever order a database hands keys back in, the bytes are the same.
- **An entry's hash** is SHA-256 over the previous entry's hash (64 hex characters) followed
  by those bytes (`link`). The first entry follows `GENESIS`, 64 zeros.
- **Order** is each entry's `seq`: 1, 2, 3... with no gaps. `append` takes the chain's head
  row with an UPDATE first, so concurrent writers (several processes on one PostgreSQL
  database) queue for it and never fork the chain; the head also records the length, so
  removing the last entries is detected too.
- **Verifying** (`verify`) recomputes every hash in order from plain rows and reports the
  first broken link: an entry whose content no longer matches its hash (changed after it was
  written), one whose recorded previous hash is not its predecessor's (removed, inserted or
  reordered entries), or a chain shorter or longer than its head says. `verify_rows` is the
  same check, with the same verdicts, over rows as the database returns them and no object
  made per entry: the queries stream a whole chain through it (`coproduce ledger verify`, a
  million entries in seconds), with a function that gives each entry's canonical JSON as
  text (`canonical_text`, `canonical_text_acyclic`, or the same characters written out
  directly).

Plain Python, no ORM here: `audit.services` and `integrity.services` build the content and
store the rows; `audit.queries` and `integrity.queries` stream them back for `verify_rows` in
constant memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

GENESIS = "0" * 64

# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
# allow_nan=False) returns, without making an encoder for every call.
canonical_text: Callable[[Any], str] = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode
# A string as JSON, quoted and escaped but not made ASCII: what canonical_text does to strings.
json_string: Callable[[str], str] = encode_basestring


def _acyclic_canonical_text() -> Callable[[Any], str]:
    """canonical_text for values that cannot hold themselves, such as JSON read back from a
    database: json's C encoder, made once with the same options (without the bookkeeping that
    catches a list or dict inside itself) instead of once per call, which is most of the cost
    of a small value. canonical_text itself where that encoder is missing or differs."""
    try:
        from _json import make_encoder
    except ImportError:  # pragma: no cover - an interpreter without json's C accelerator
        return canonical_text
    try:
        encoder = make_encoder(
            None, json.JSONEncoder().default, encode_basestring, None, ":", ",", True, False, False
        )

        def text(value: Any) -> str:
            return "".join(encoder(value, 0))

        sample = {"b": [1, 2.5, None, True, 'é\n"', {"y": {}, "x": []}], "a": -(2**70)}
        if text(sample) != canonical_text(sample) or text("é") != canonical_text("é"):
            return canonical_text  # pragma: no cover
    except Exception:  # pragma: no cover - a C encoder with other arguments
        return canonical_text
    return text


canonical_text_acyclic: Callable[[Any], str] = _acyclic_canonical_text()


def canonical(content: Mapping[str, Any]) -> bytes:
    return canonical_text(content).encode()


def link(previous: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(previous.encode("ascii") + canonical(content)).hexdigest()


@dataclass(frozen=True)
class Row:
    seq: int
    previous: str  # the previous hash as recorded on the entry
    hash: str
    content: Mapping[str, Any]


@dataclass(frozen=True)
class Broken:
    seq: int
    reason: str


@dataclass(frozen=True)
class Verification:
    chain: str
    entries: int
    broken: Broken | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def summary(self) -> str:
        if self.broken is None:
            return f"{self.chain}: {self.entries:,} entries, intact."
        return f"{self.chain}: broken at entry {self.broken.seq}: {self.broken.reason}"


def verify(
    chain: str, rows: Iterable[Row], *, expected_length: int, expected_last: str
) -> Verification:
    """Recompute the chain from its rows (in seq order) and stop at the first broken link."""
    previous = GENESIS
    count = 0
    for row in rows:
        count += 1
        if row.seq != count:
            return _out_of_order(chain, count, row.seq)
        if row.previous != previous:
            return _not_following(chain, count, row.seq)
        expected = link(previous, row.content)
        if expected != row.hash:
            return _changed(chain, count, row.seq)
        previous = row.hash
    return _end(chain, count, previous, expected_length, expected_last)


def verify_rows[R: Sequence[Any]](
    chain: str,
    rows: Iterable[R],
    text: Callable[[R], str],
    *,
    expected_length: int,
    expected_last: str,
) -> Verification:
    """`verify` over plain rows, as fast as Python goes: each row is (the previous hash as
    recorded, the hash, the seq, ...anything else), and `text(row)` is the canonical JSON of
    the entry's content as a str (`canonical_text` of it, or the same characters built more
    directly). The same checks in the same order, so the same verdict as `verify`."""
    sha256 = hashlib.sha256
    previous = GENESIS
    count = 0
    for row in rows:
        count += 1
        if row[2] != count:
            return _out_of_order(chain, count, row[2])
        if row[0] != previous:
            return _not_following(chain, count, row[2])
        # The same bytes `link` hashes: `previous` is GENESIS or a hash that was just
        # recomputed, so it is ASCII and encodes the same on its own or with the text.
        if sha256((previous + text(row)).encode()).hexdigest() != row[1]:
            return _changed(chain, count, row[2])
        previous = row[1]
    return _end(chain, count, previous, expected_length, expected_last)


def _out_of_order(chain: str, count: int, seq: int) -> Verification:
    reason = (
        f"entry {count} is missing (the next one is {seq})"
        if seq > count
        else "entries are repeated or out of order"
    )
    return Verification(chain, count - 1, Broken(count, reason))


def _not_following(chain: str, count: int, seq: int) -> Verification:
    return Verification(
        chain,
        count - 1,
        Broken(
            seq, "it does not follow the entry before it (one was changed, removed or inserted)"
        ),
    )


def _changed(chain: str, count: int, seq: int) -> Verification:
    return Verification(
        chain,
        count - 1,
        Broken(seq, "its content no longer matches its hash (changed after it was written)"),
    )


def _end(
    chain: str, count: int, previous: str, expected_length: int, expected_last: str
) -> Verification:
    """Every row followed the one before it: does the chain end where its head says?"""
    if count == expected_length and previous != expected_last:
        return Verification(
            chain,
            count,
            Broken(count, "the last entry is not the one the chain's head records"),
        )
    if count != expected_length:
        return Verification(
            chain,
            count,
            Broken(
                count + 1 if count < expected_length else expected_length + 1,
                f"the chain holds {count:,} entries but its head records {expected_length:,} "
                "(entries were removed or added outside the application)",
            ),
        )
    return Verification(chain, count, None)
