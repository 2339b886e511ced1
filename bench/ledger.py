"""`python -m bench.ledger`: `coproduce ledger verify` over 1,000,000 chained ledger entries.

Target (the issue): verifying 1,000,000 chained entries takes at most 20 s, in constant memory.

Builds once, then reuses, a SQLite database holding 1,000,000 valid, hash-chained integrity
ledger entries (registrations, stakeholder comments, revisions with their diffs, framing
requests and the team's answers: short texts, some of them not ASCII) and the ledger chain's
head, and a second one holding the first 100,000 of the same entries. Both are migrated with
the project's migrations and cached in the data folder (`data/bench-ledger-*.sqlite3`) under a
key of the entry count and of the generator's source; a cached file is reused only when its
row count and its chain head still agree. The entries are made with the chain's own `link` and
`ledger_content`, and the first batch is read back through the ORM and checked before the rest
are written, so the hashes cover exactly what the database returns.

Prints, each part in a fresh process: the peak memory of the verification at 100,000 entries
and at 1,000,000 (tracemalloc's peak of Python allocations, in a second run so tracing does not
slow the first, and the growth of peak RSS) and their ratio; at 100,000 entries, the time of
`verify_ledger` against the simple path it replaced (the ORM's converted rows, a `Row` per
entry, `chain.verify`), alternated, with the same verdict, and their ratio; the median wall
time (and CPU time: on a shared machine the wall clock waits for other processes) of
`coproduce ledger verify` over the 1,000,000 entries, entries per second, and the time of just
reading the rows, bare. Targets: at most 20 s for 1,000,000 entries, and a peak traced memory
at 1,000,000 entries at most 1.1 times the one at 100,000 (constant memory).

Run under `scripts/with-postgres python -m bench.ledger` it uses that throwaway PostgreSQL
database instead (nothing cached): 100,000 entries, measured, then extended to 1,000,000.

Options: --entries N, --small N, --repeat R, --rebuild.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = 1_000_000
SMALL = 100_000
TARGET_SECONDS = 20.0
TARGET_MEMORY_RATIO = 1.1
BATCH = 10_000  # entries per INSERT transaction; a database is only ever extended by whole ones
SEED = "coproduce-ledger-bench"
START = datetime.datetime(2023, 1, 9, 9, 0, tzinfo=datetime.UTC)
MB = 1024 * 1024
GENERATOR_START = "# --- The synthetic ledger"
GENERATOR_END = "# --- The measurements"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger")
    parser.add_argument("--entries", type=int, default=ENTRIES)
    parser.add_argument("--small", type=int, default=SMALL, help="the size memory is compared at")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached databases")
    # Internal: each measurement runs in a process of its own (one database per process, and
    # a peak RSS that nothing before it has raised).
    parser.add_argument(
        "--child", choices=("prepare", "time", "memory", "compare"), help=argparse.SUPPRESS
    )
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args)
    else:
        run(args)


# --- The orchestrating process ------------------------------------------------------------


def run(args: argparse.Namespace) -> None:
    print(
        f"{describe_database()}; CPU yardstick: sum(range(10**6)) takes "
        f"{cpu_yardstick() * 1000:.0f} ms here",
        flush=True,
    )
    # Small first: on PostgreSQL there is one database, measured at 100,000 entries and then
    # extended to the full count.
    child(args, "prepare", args.small)
    small = child(args, "memory", args.small)
    compared = child(args, "compare", args.small)
    timing = child(args, "time", args.entries)
    large = child(args, "memory", args.entries)
    ratio = large["traced"] / small["traced"]
    print(
        f"peak traced memory {small['traced'] / MB:.1f} MB at {args.small:,} entries, "
        f"{large['traced'] / MB:.1f} MB at {args.entries:,}: ratio {ratio:.2f} for "
        f"{args.entries / args.small:.0f} times the entries; peak RSS grew "
        f"{small['rss'] / MB:.1f} MB and {large['rss'] / MB:.1f} MB"
    )
    median = timing["median"]
    print(
        f"ledger verify, {args.entries:,} entries: median {median:.2f} s "
        f"(CPU {timing['cpu']:.2f} s), {args.entries / median:,.0f} entries per second; "
        f"{compared['ratio']:.2f} times faster than the simple path (CPU)"
    )
    print(
        f"targets: at most {TARGET_SECONDS:.0f} s {verdict(median <= TARGET_SECONDS)}; "
        f"constant memory (ratio at most {TARGET_MEMORY_RATIO}) "
        f"{verdict(ratio <= TARGET_MEMORY_RATIO)}"
    )


def child(args: argparse.Namespace, mode: str, entries: int) -> dict[str, Any]:
    """Run one measurement in a fresh process and return what it reported."""
    with tempfile.TemporaryDirectory(prefix="coproduce-bench-") as workdir:
        result = Path(workdir) / "result.json"
        command = [sys.executable, "-m", "bench.ledger", "--child", mode, "--result", str(result)]
        command += ["--entries", str(entries), "--repeat", str(args.repeat)]
        if args.rebuild and mode != "memory":
            command.append("--rebuild")
        sys.stdout.flush()
        subprocess.run(command, check=True)
        reported: dict[str, Any] = json.loads(result.read_text())
        return reported


def describe_database() -> str:
    if on_postgresql():
        return "PostgreSQL (DATABASE_URL, not cached)"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}, cached in {data_dir()}"


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def data_dir() -> Path:
    data = Path(os.environ.get("COPRODUCE_DATA_DIR") or ROOT / "data")
    data.mkdir(parents=True, exist_ok=True)
    return data


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def cpu_yardstick() -> float:
    """Seconds for a fixed pure-Python loop (best of five), so that figures from different
    machines can be compared."""
    return min(timeit.repeat("sum(range(10**6))", number=1, repeat=5))


# --- A measuring process ------------------------------------------------------------------


def run_child(args: argparse.Namespace) -> None:
    database = None if on_postgresql() else cached_database(args.entries)
    setup_django(database)
    if args.child in ("prepare", "time"):
        prepare(args.entries, database, rebuild=args.rebuild)
    else:
        check_prepared(args.entries)
    result: dict[str, Any] = {}
    if args.child == "time":
        result = time_verify(args.entries, args.repeat)
    elif args.child == "memory":
        result = measure_memory(args.entries)
    elif args.child == "compare":
        result = compare_paths(args.entries, args.repeat)
    Path(args.result).write_text(json.dumps(result))


def cached_database(entries: int) -> Path:
    """The cache file for `entries` entries, under a key of the generator's source (the part
    of this file between the markers)."""
    source = Path(__file__).read_text()
    section = source[source.index(f"\n{GENERATOR_START}") : source.index(f"\n{GENERATOR_END}")]
    generator = hashlib.sha256(section.encode()).hexdigest()[:10]
    return data_dir() / f"bench-ledger-{entries}-{generator}.sqlite3"


def setup_django(database: Path | None) -> None:
    if database is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    # Timed as in production: no query log, which DEBUG keeps for every statement.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def prepare(entries: int, database: Path | None, *, rebuild: bool) -> None:
    """Make the database hold exactly `entries` chained ledger entries: reuse it, extend it
    (by whole batches of the same deterministic entries) or build it from nothing."""
    from django.core.management import call_command
    from django.db import connection

    if database is not None and rebuild:
        remove(database)
    migrated = io.StringIO()
    call_command("migrate", stdout=migrated)
    length = chain_state()
    if length is None or length > entries or length % BATCH:
        if database is None:
            raise SystemExit("the ledger in DATABASE_URL is not one this benchmark made")
        connection.close()
        remove(database)
        call_command("migrate", stdout=io.StringIO())
        length = 0
    built = database.with_name(database.name + ".built") if database is not None else None
    where = database or "PostgreSQL"
    if length == entries:
        note = built.read_text().strip() if built is not None and built.exists() else ""
        print(f"database {where}: reused, {entries:,} entries ({note})")
        if "No migrations to apply" not in migrated.getvalue():
            print("database: applied new migrations to the cached database")
        return
    started = time.perf_counter()
    build(start=length, entries=entries)
    seconds = time.perf_counter() - started
    summary = (
        f"{entries - length:,} entries built in {seconds:.1f} s "
        f"({(entries - length) / seconds:,.0f} per second) on {datetime.date.today()}"
    )
    if chain_state() != entries:
        raise SystemExit("the database does not hold the chain just built")
    if built is not None:
        built.write_text(summary + "\n")
    print(f"database {where}: {summary}", flush=True)


def remove(database: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".built"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def chain_state() -> int | None:
    """The length of the ledger chain when its rows and its head agree, else None."""
    from django.db.models import Max

    from coproduce.audit.chain import GENESIS
    from coproduce.audit.models import ChainHead
    from coproduce.integrity.models import LEDGER_CHAIN, LedgerEntry

    head = ChainHead.objects.filter(name=LEDGER_CHAIN).first()
    if head is None:
        return None
    count = LedgerEntry.objects.count()
    last_seq = LedgerEntry.objects.aggregate(last=Max("seq"))["last"] or 0
    last_hash = (
        LedgerEntry.objects.filter(seq=count).values_list("hash", flat=True).first()
        if count
        else GENESIS
    )
    if head.length != count or last_seq != count or head.last_hash != last_hash:
        return None
    return count


def check_prepared(entries: int) -> None:
    if chain_state() != entries:
        raise SystemExit(f"the database does not hold {entries:,} chained entries: prepare it")


# --- The synthetic ledger -----------------------------------------------------------------

NAMES = [
    "Amira Haddad", "Ben Okafor", "Chloé Martin", "Dafydd Rees", "Eilidh MacLeod",
    "Femi Adeyemi", "Grace Liu", "Hēmi Walker", "Ioana Popescu", "Jamal Khan",
    "Kirsty Boyd", "Łukasz Nowak", "Marta Silva", "Niamh Byrne", "Olu Bankole",
    "Priya Sharma", "Rhys Evans", "Siân Price", "Tomasz Zieliński", "Zoë Clarke",
]  # fmt: skip
PARTIES = [
    "patient", "carer", "practitioner", "commissioner", "community group", "charity", "funder",
]  # fmt: skip
TOPICS = [
    "Waiting times", "Home visits", "Peer-support groups", "Discharge letters",
    "Transport to clinics", "The helpline", "Interpreters", "Night shifts",
    "The appointment app", "Respite care", "Café drop-ins", "Text reminders",
]  # fmt: skip
CLAIMS = [
    "were shorter for people with a named key worker",
    "mattered more to carers than the clinic's opening hours",
    "reduced missed appointments by about a fifth",
    "were described as “a lifeline” by most carers we spoke to",
    "made little difference for people under 30",
    "varied widely between the two sites",
    "improved after the drop-in sessions began",
    "were trusted less where staff changed often",
]
COMMENTS = [
    "This matches what we hear at the support group.",
    "Could you say which site this was? It reads as if it applies to both.",
    "I think “most” overstates it — several of us disagreed.",
    "Please add that the survey was only in English.",
    "Agreed, and the same was true for the evening clinic.",
    "The numbers are small; say so in the summary.",
    "Nothing to add, thank you for asking us.",
    "Carers' own costs are missing from this.",
]
REQUESTS = [
    "Lead with what worked before the problems.",
    "Call it a pilot, not an evaluation.",
    "Do not name the trust in the plain-language summary.",
    "Use “people who use the service” rather than “patients”.",
    "Put the carers' quotes before the statistics.",
]
REASONS = [
    "A partner pointed out the comparison was unfair.",
    "Corrected the figure after the second analysis.",
    "Clearer wording, no change of meaning.",
    "The steering group asked for the caveat.",
    "Added the site, as stakeholders asked.",
]
RESPONSES = [
    "We changed the order of the sections.",
    "We kept the wording: the data support it.",
    "We added a sentence on the limits of the sample.",
    "We used the term the group preferred.",
]
OUTCOMES = ["accepted", "partly", "declined"]
# How often each event appears, out of 20.
EVENTS = ["registered"] * 5 + ["comment"] * 8 + ["revised"] * 3 + ["framing_request"] * 2
EVENTS += ["framing_response"] * 2


def statement(rng: random.Random) -> str:
    return f"{rng.choice(TOPICS)} {rng.choice(CLAIMS)}."


def revisions() -> list[dict[str, str]]:
    """A pool of revisions, each with the diff `finding_revise` would record."""
    from coproduce.integrity.services import statement_diff

    rng = random.Random(f"{SEED}:revisions")
    pool = []
    for _ in range(40):
        before = f"{statement(rng)}\n{statement(rng)}"
        after = f"{before.splitlines()[0]}\n{statement(rng)} {rng.choice(COMMENTS)}"
        pool.append(
            {
                "title": f"{rng.choice(TOPICS)} (revised)",
                "title_before": rng.choice(TOPICS),
                "statement": after,
                "diff": statement_diff(before, after),
            }
        )
    return pool


def payload(event: str, seq: int, rng: random.Random, pool: list[dict[str, str]]) -> Any:
    """A payload of the shape the integrity services record for the event."""
    party = rng.choice(PARTIES)
    if event == "registered":
        return {
            "reference": f"F{rng.randrange(1, 60)}",
            "title": f"{rng.choice(TOPICS)} {rng.choice(CLAIMS)[:40]}",
            "statement": statement(rng),
            "stage": rng.randrange(1, 8),
        }
    if event == "comment":
        return {"by": rng.choice(NAMES), "party": party, "comment": rng.choice(COMMENTS)}
    if event == "revised":
        return {**rng.choice(pool), "reason": rng.choice(REASONS)}
    if event == "framing_request":
        return {
            "request_id": seq,
            "asked_by": f"{rng.choice(NAMES)} for the {party}s' forum",
            "party": party,
            "request": rng.choice(REQUESTS),
        }
    return {
        "request_id": seq - rng.randrange(1, 500),
        "outcome": rng.choice(OUTCOMES),
        "response": rng.choice(RESPONSES),
        "reason": rng.choice(REASONS),
    }


def batch(first: int, size: int, pool: list[dict[str, str]]) -> Iterator[tuple[Any, ...]]:
    """Entries `first` to `first + size - 1`, without hashes: (seq, created_at, project_id,
    subject, subject_id, event, actor_label, payload), the arguments of `ledger_content`.
    Each batch has its own seeded generator, so a database can be extended batch by batch."""
    rng = random.Random(f"{SEED}:{first}")
    for seq in range(first, first + size):
        moment = START + datetime.timedelta(
            seconds=seq * 37 + rng.randrange(30), microseconds=rng.randrange(1_000_000)
        )
        if seq % 997 == 0:  # now and then a whole second, which is stored without a fraction
            moment = moment.replace(microsecond=0)
        event = rng.choice(EVENTS)
        yield (
            seq,
            moment,
            rng.randrange(1, 2_000),
            "finding" if rng.random() < 0.7 else "output",
            rng.randrange(1, 50_000),
            event,
            f"{rng.choice(NAMES).split()[0].lower()}.{rng.randrange(100)}@example.org",
            payload(event, seq, rng, pool),
        )


def build(*, start: int, entries: int) -> None:
    """Append entries `start + 1` to `entries` to the ledger chain: hashed with the chain's own
    functions, inserted with plain INSERTs in batches, the head moved with each batch."""
    from django.db import connection, transaction

    from coproduce.audit.chain import GENESIS, link
    from coproduce.audit.models import ChainHead
    from coproduce.audit.queries import CHAIN_ROW
    from coproduce.integrity.models import (
        LEDGER_CHAIN,
        LEDGER_CHAIN_FIELDS,
        LedgerEntry,
        ledger_content,
    )

    names = ("seq", *CHAIN_ROW, *LEDGER_CHAIN_FIELDS[1:])
    columns = [LedgerEntry._meta.get_field(name).column for name in names]  # type: ignore[union-attr]
    quote = connection.ops.quote_name
    insert = (
        f"INSERT INTO {quote(str(LedgerEntry._meta.db_table))} "
        f"({', '.join(quote(str(column)) for column in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    # Stored exactly as the ORM stores them: aware datetimes through the backend's adapter
    # (UTC text on SQLite), JSON through JSONField's.
    adapt_moment = connection.ops.adapt_datetimefield_value
    adapt_json = connection.ops.adapt_json_value
    head = ChainHead.objects.get(name=LEDGER_CHAIN)
    previous = head.last_hash if start else GENESIS
    pool = revisions()
    for first in range(start + 1, entries + 1, BATCH):
        size = min(BATCH, entries + 1 - first)
        rows = []
        for values in batch(first, size, pool):
            digest = link(previous, ledger_content(*values))
            seq, moment, project_id, subject, subject_id, event, actor, data = values
            rows.append(
                (seq, previous, digest, adapt_moment(moment), project_id, subject, subject_id,
                 event, actor, adapt_json(data, None))
            )  # fmt: skip
            previous = digest
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert, rows)
            ChainHead.objects.filter(name=LEDGER_CHAIN).update(
                length=first + size - 1, last_hash=previous
            )
        if first == 1:
            read_back(pool, size)


def read_back(pool: list[dict[str, str]], size: int) -> None:
    """The first batch, read back through the ORM: every value as generated, every hash
    recomputed from the model's own chain content and linked to the one before."""
    from coproduce.audit.chain import GENESIS, link
    from coproduce.integrity.models import LEDGER_CHAIN_FIELDS, LedgerEntry

    previous = GENESIS
    stored = LedgerEntry.objects.order_by("seq")[:size]
    for entry, values in zip(stored, batch(1, size, pool), strict=True):
        as_read = tuple(getattr(entry, name) for name in LEDGER_CHAIN_FIELDS)
        if as_read != values:
            raise SystemExit(f"entry {entry.seq} does not read back as written: {as_read}")
        if entry.prev_hash != previous or link(previous, entry.chain_content()) != entry.hash:
            raise SystemExit(f"entry {entry.seq} does not chain when read back")
        previous = entry.hash


# --- The measurements ---------------------------------------------------------------------


def time_verify(entries: int, repeat: int) -> dict[str, Any]:
    """`coproduce ledger verify`, `repeat` times, after the rows it reads were read once bare
    (which also brings the file into the OS's cache)."""
    from django.core.management import call_command

    from coproduce.audit.queries import chain_queryset, driver_rows
    from coproduce.integrity.models import LEDGER_CHAIN_FIELDS, LedgerEntry

    bare = timed(lambda: drain(driver_rows(chain_queryset(LedgerEntry, LEDGER_CHAIN_FIELDS))), 1)
    wall, cpu, report = [], [], ""
    for _ in range(repeat):
        out = io.StringIO()
        started, processed = time.perf_counter(), time.process_time()
        call_command("ledger", "verify", stdout=out)  # raises if a chain is broken
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - processed)
        report = out.getvalue()
    median = statistics.median(wall)
    for line in report.splitlines():
        print(f"  {line}")
    print(
        f"ledger verify, {entries:,} entries: median {median:.2f} s "
        f"(CPU {statistics.median(cpu):.2f} s; runs {', '.join(f'{t:.2f}' for t in wall)}), "
        f"{entries / median:,.0f} entries per second"
    )
    print(
        f"  of which reading the rows, bare (the SQL, every row fetched, one run): "
        f"{bare.wall[0]:.2f} s (CPU {bare.cpu[0]:.2f} s)"
    )
    print(f"  load average over the last 5 minutes: {os.getloadavg()[1]:.1f}", flush=True)
    return {"median": median, "cpu": statistics.median(cpu), "wall": wall}


def compare_paths(entries: int, repeat: int) -> dict[str, Any]:
    """verify_ledger against the simple path it replaces (the ORM's converted rows, a Row per
    entry, chain.verify), alternated: the same verdict, and how much faster."""
    from coproduce.audit.queries import verify_chain
    from coproduce.integrity.models import LEDGER_CHAIN
    from coproduce.integrity.queries import ledger_rows, verify_ledger

    fast, simple = verify_ledger(), verify_chain(LEDGER_CHAIN, ledger_rows())
    if fast != simple or not fast.intact:
        raise SystemExit(f"the two paths disagree: {fast} / {simple}")
    timings: tuple[Timings, Timings] = (Timings([], []), Timings([], []))
    calls: tuple[Callable[[], object], ...] = (
        verify_ledger,
        lambda: verify_chain(LEDGER_CHAIN, ledger_rows()),
    )
    for _ in range(repeat):
        for call, timing in zip(calls, timings, strict=True):
            started, processed = time.perf_counter(), time.process_time()
            call()
            timing.wall.append(time.perf_counter() - started)
            timing.cpu.append(time.process_time() - processed)
    ratio = statistics.median(timings[1].cpu) / statistics.median(timings[0].cpu)
    print(f"verify_ledger, {entries:,} entries: {timings[0]}")
    print(f"the simple path (ORM rows, chain.verify): {timings[1]}; same verdict")
    print(f"  the simple path takes {ratio:.2f} times the CPU", flush=True)
    return {"ratio": ratio}


def drain(rows: Iterator[Any]) -> None:
    for _ in rows:
        pass


@dataclass(frozen=True)
class Timings:
    """Seconds per call: wall clock (the target), and this process's CPU time, which other
    load on the machine disturbs far less."""

    wall: list[float]
    cpu: list[float]

    def __str__(self) -> str:
        return (
            f"median {statistics.median(self.wall):.2f} s (CPU {statistics.median(self.cpu):.2f} s)"
        )


def timed(call: Callable[[], object], repeat: int) -> Timings:
    wall, cpu = [], []
    for _ in range(repeat):
        started, processed = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - processed)
    return Timings(wall, cpu)


def measure_memory(entries: int) -> dict[str, Any]:
    """One verification for the growth of peak RSS, then one under tracemalloc for the peak of
    Python allocations above what was allocated before it."""
    import gc

    from coproduce.integrity.services import chains_verify

    gc.collect()
    before = max_rss()
    started = time.perf_counter()
    check = chains_verify()
    seconds = time.perf_counter() - started
    rss = max_rss() - before
    if not check.intact or check.ledger_entries != entries:
        raise SystemExit(f"verification failed: {check.report}")
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        chains_verify()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    traced = peak - baseline
    print(
        f"memory, {entries:,} entries: peak traced {traced / MB:.1f} MB, peak RSS grew "
        f"{rss / MB:.1f} MB (untraced run {seconds:.2f} s)",
        flush=True,
    )
    return {"traced": traced, "rss": rss, "seconds": seconds}


def max_rss() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports kilobytes


if __name__ == "__main__":
    main()
