"""`python -m bench.burden`: the burden analysis of a 2,000-project organisation, timed.

Builds once, then reuses, a SQLite database made by `coproduce demo --scale 2000 --members 12
--entries 500` (2,000 projects, 1,000,000 time entries), cached in the data folder under a key
of the options and of the generator's source. Prints the median time of
`queries.burden_for_organisation` and of a hand-written single SQL GROUP BY over the same rows,
their ratio, and whether the targets hold (at most 1.5 s, and at most 1.5 times the plain
query); then where the ORM path spends its time, and the query plans. Last, the median times of
the burden and budget reads of one project with 5,000 time entries.

Options: --projects N, --members M, --entries E (per project), --repeat R, --rebuild.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import os
import secrets
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coproduce.accounts.models import Organisation

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "coproduce" / "core" / "demo.py"
TARGET_SECONDS = 1.5
TARGET_RATIO = 1.5
BUSY_ENTRIES = 5000

# The same totals person_loads() asks the ORM for, written by hand: one statement, one pass.
HAND_WRITTEN = """
SELECT e.person_id, e.currency,
       SUM(e.attendance_hours), SUM(e.preparation_hours),
       SUM(e.administration_hours), SUM(e.follow_up_hours),
       SUM(CASE WHEN e.defrayed_by = 'unfunded'
                THEN e.attendance_hours + e.preparation_hours
                     + e.administration_hours + e.follow_up_hours
                ELSE 0 END),
       SUM(e.cost)
FROM costs_timeentry e
JOIN projects_project p ON p.id = e.project_id
WHERE p.organisation_id = %s
GROUP BY e.person_id, e.currency
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.burden")
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--members", type=int, default=12)
    parser.add_argument("--entries", type=int, default=500, help="time entries per project")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after a warm-up")
    parser.add_argument("--rebuild", action="store_true", help="ignore a cached database")
    args = parser.parse_args(argv)
    database = cached_database(args)
    built = database.with_name(database.name + ".built")
    reuse = database.exists() and built.exists() and not args.rebuild
    if not reuse:
        for path in (database, built, *(Path(f"{database}{s}") for s in ("-wal", "-shm"))):
            path.unlink(missing_ok=True)
    setup_django(database)
    run(args, database, built, reuse)


def cached_database(args: argparse.Namespace) -> Path:
    data = Path(os.environ.get("COPRODUCE_DATA_DIR") or ROOT / "data")
    data.mkdir(parents=True, exist_ok=True)
    generator = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:10]
    key = f"{args.projects}x{args.members}x{args.entries}-{generator}"
    return data / f"bench-burden-{key}.sqlite3"


def setup_django(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    # Timed as in production: no query log, which DEBUG keeps for every statement.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def run(args: argparse.Namespace, database: Path, built: Path, reuse: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from coproduce.accounts.models import Organisation
    from coproduce.core.demo import SYNTHETIC_ORGANISATION
    from coproduce.costs import queries
    from coproduce.costs.models import TimeEntry

    migrated = io.StringIO()
    call_command("migrate", stdout=migrated)
    print(f"SQLite {sqlite3.sqlite_version}, database {database}")
    if reuse:
        print(f"database: reused ({built.read_text().strip()})")
        if "No migrations to apply" not in migrated.getvalue():
            print("database: applied new migrations to the cached database")
    else:
        started = time.perf_counter()
        call_command("demo", stdout=io.StringIO())
        portfolio = time.perf_counter() - started
        started = time.perf_counter()
        call_command(
            "demo",
            scale=args.projects,
            members=args.members,
            entries=args.entries,
            stdout=io.StringIO(),
        )
        synthetic = time.perf_counter() - started
        summary = (
            f"{args.projects} synthetic projects with {args.projects * args.entries} time "
            f"entries built in {synthetic:.1f} s (the demo portfolio before them in "
            f"{portfolio:.1f} s) on {datetime.date.today()}"
        )
        built.write_text(summary + "\n")
        print(f"database: {summary}")

    organisation = Organisation.objects.get(name=SYNTHETIC_ORGANISATION)
    rows = TimeEntry.objects.filter(project__organisation=organisation).count()
    projects = organisation.projects.count()
    print(f"organisation: {projects} projects, {rows} time entries")

    def hand_written() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, [organisation.pk])
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows

    report = queries.burden_for_organisation(organisation)
    people, warnings = len(report.people), len(report.warnings)
    del report  # timed in steady state, not with a previous report still held
    # Alternated, so that a change in the machine's load affects both sides alike.
    orm, sql = timed_alternately(
        lambda: queries.burden_for_organisation(organisation), hand_written, args.repeat
    )
    ratio = orm.median / sql.median
    print(f"burden_for_organisation: {orm}; {people} people, {warnings} warnings")
    print(f"hand-written GROUP BY:   {sql}; {len(hand_written())} groups")
    print(
        f"ratio ORM / hand-written: {ratio:.2f} "
        f"(CPU {statistics.median(orm.cpu) / statistics.median(sql.cpu):.2f})"
    )
    print(
        f"target at most {TARGET_SECONDS} s: {verdict(orm.median <= TARGET_SECONDS)}; "
        f"target ratio at most {TARGET_RATIO}: {verdict(ratio <= TARGET_RATIO)}"
    )
    breakdown(organisation, args.repeat)
    print("query plan, hand-written:")
    explain(HAND_WRITTEN, [organisation.pk])
    busy_project(args.repeat)


def timed_alternately(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[Timings, Timings]:
    """Time two calls in turn, `repeat` times each, after one warm-up of each."""
    first()
    second()
    timings: tuple[Timings, Timings] = (Timings([], []), Timings([], []))
    for _ in range(repeat):
        for call, timing in zip((first, second), timings, strict=True):
            started, processed = time.perf_counter(), time.process_time()
            call()
            timing.wall.append(time.perf_counter() - started)
            timing.cpu.append(time.process_time() - processed)
    return timings


@dataclass(frozen=True)
class Timings:
    """Seconds per call: wall clock (the target), and this process's CPU time, which SQLite's
    work is part of and which other load on the machine disturbs far less."""

    wall: list[float]
    cpu: list[float]

    def __str__(self) -> str:
        runs = ", ".join(f"{t:.3f}" for t in self.wall)
        return f"median {self.median:.3f} s (CPU {statistics.median(self.cpu):.3f} s; runs {runs})"

    @property
    def median(self) -> float:
        return statistics.median(self.wall)


def timed(call: Callable[[], object], repeat: int) -> Timings:
    """Each of `repeat` calls, after one untimed warm-up call."""
    call()
    wall, cpu = [], []
    for _ in range(repeat):
        started, processed = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - processed)
    return Timings(wall, cpu)


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def breakdown(organisation: Organisation, repeat: int) -> None:
    """Where burden_for_organisation spends its time: its queries run bare (executed and every
    row fetched, with no conversion to Python values), person_loads (the queries, converting
    their rows and building one PersonLoad per person) and analyse (plain Python)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coproduce.costs import burden, queries
    from coproduce.projects.models import Project

    projects = Project.objects.filter(organisation=organisation)
    with CaptureQueriesContext(connection) as captured:
        loads = queries.person_loads(projects)
    print(f"where the time goes ({len(captured)} queries):")
    bare_medians: list[tuple[float, str]] = []
    for query in captured.captured_queries:
        sql = query["sql"]  # parameters already inlined, as SQLite ran it

        def bare(sql: str = sql) -> object:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()

        timing = timed(bare, repeat)
        bare_medians.append((timing.median, sql))
        print(f"  query, bare:  {timing}  {' '.join(sql.split())[:90]}...")
    print(f"  person_loads: {timed(lambda: queries.person_loads(projects), repeat)}")
    analysis = timed(
        lambda: burden.analyse(
            loads,
            threshold=organisation.disclosure_threshold,
            warning_ratio=organisation.burden_warning_ratio,
        ),
        repeat,
    )
    print(f"  analyse:      {analysis}")
    # Slowest by the bare timing: SQLite does its work while rows are fetched, which the
    # captured execute time does not include.
    print("query plan, the ORM's slowest query:")
    explain(max(bare_medians)[1], [])


def explain(sql: str, params: Sequence[int]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        for row in cursor.fetchall():
            print(f"  {row[-1]}")


def busy_project(repeat: int) -> None:
    """The project-level reads on one project with 5,000 time entries, in its own organisation
    so that it leaves the organisation figures above alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coproduce.core.demo import BUSY_PROJECT_TITLE, load_busy_project
    from coproduce.costs import queries
    from coproduce.costs.models import TimeEntry
    from coproduce.projects.models import Project

    project = Project.objects.filter(title=BUSY_PROJECT_TITLE).first()
    if project is None:
        started = time.perf_counter()
        project = load_busy_project(entries=BUSY_ENTRIES)
        print(f"busy project: built in {time.perf_counter() - started:.1f} s")
    entries = TimeEntry.objects.filter(project=project).count()
    print(f"busy project: {project.title!r}, {entries} time entries (pk {project.pk})")
    calls: list[tuple[str, Callable[[], object]]] = [
        ("burden_for_project", lambda: queries.burden_for_project(project)),
        ("budget", lambda: queries.budget(project)),
    ]
    for label, call in calls:
        with CaptureQueriesContext(connection) as captured:
            call()
        times = timed(call, max(repeat, 5) * 4)
        print(
            f"  {label}: median {times.median * 1000:.1f} ms "
            f"(CPU {statistics.median(times.cpu) * 1000:.1f} ms), {len(captured)} queries"
        )


if __name__ == "__main__":
    main()
