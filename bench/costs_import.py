"""`python -m bench.costs_import`: time a large time-sheet import and show its memory is flat.

In a temporary SQLite database, builds a project with 20 members (some with costed terms),
writes a time CSV (most rows attend activities of about eight people, the rest are standalone
entries), and imports it twice: a large file (100,000 rows by default) and a small one (10,000).
Each size is imported once for the time and peak resident memory, and once more under
tracemalloc for the peak Python allocation, so tracing does not slow the timed run. The import
streams, so memory does not follow the number of rows: a cost items file keeps the same peak
at ten times the rows; a time file's peak grows only by the index of its activities (about
0.4 KB for each distinct activity). CPU seconds are printed beside wall-clock seconds because
on a shared machine the two differ. Options: --rows N, --small N, --costs to run a cost items
file of each size as well.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import functools
import os
import resource
import sys
import tempfile
import time
import timeit
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coproduce.accounts.models import Organisation, Person, User
    from coproduce.costs.models import Rate
    from coproduce.projects.models import Project

MEMBERS = 20
MB = 1024 * 1024
ACTIVITY_SIZE = 8


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.costs_import")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--costs", action="store_true", help="Also import a cost items file.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="coproduce-bench-") as workdir:
        run(args, Path(workdir))


def run(args: argparse.Namespace, workdir: Path) -> None:
    os.environ["COPRODUCE_DATA_DIR"] = str(workdir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # DEBUG keeps every SQL statement in memory, which would look like the import growing.
    # Production runs with DEBUG off.
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    team = make_team()
    print(f"SQLite in {workdir}; {MEMBERS} members; activities of {ACTIVITY_SIZE} people")
    print(f"CPU yardstick: sum(range(10**6)) takes {cpu_yardstick() * 1000:.0f} ms here")

    layouts = [("time", write_time_csv)]
    if args.costs:
        layouts.append(("cost items", write_cost_csv))
    for label, write in layouts:
        peaks = []
        for rows in (args.small, args.rows):
            path = workdir / f"{label.replace(' ', '-')}-{rows}.csv"
            write(path, rows, team.emails)
            run = functools.partial(import_into, team, path)
            wall, cpu, rss_growth = timed(run)
            peaks.append(traced(run))
            print(
                f"{label} CSV, {rows:,} rows ({path.stat().st_size / MB:.1f} MB): "
                f"{wall:.2f} s ({cpu:.2f} s CPU), {rows / wall:,.0f} rows/s; "
                f"peak traced memory {peaks[-1] / MB:.1f} MB; "
                f"peak RSS grew {rss_growth / MB:.1f} MB"
            )
        small, large = peaks
        print(
            f"{label}: peak traced memory {small / MB:.1f} MB for {args.small:,} rows, "
            f"{large / MB:.1f} MB for {args.rows:,}: ratio {large / small:.2f} for "
            f"{args.rows / args.small:.0f} times the rows"
        )


@dataclass
class Team:
    lead: User
    organisation: Organisation
    people: list[Person]
    rates: list[Rate]

    @property
    def emails(self) -> list[str]:
        return [person.email for person in self.people]


def make_team() -> Team:
    from coproduce.accounts.models import Organisation, User
    from coproduce.accounts.services import person_create
    from coproduce.costs.models import Rate

    organisation = Organisation.objects.create(name="Bench University", kind="university")
    lead = User.objects.create_user("lead@bench.example", None)
    people = [
        person_create(
            by=lead, name=f"Member {n}", email=f"member{n}@bench.example", party="researcher"
        )
        for n in range(MEMBERS - 1)  # and the lead
    ]
    return Team(lead, organisation, people, list(Rate.objects.filter(organisation__isnull=True)))


def new_project(team: Team) -> Project:
    """A project with the whole team, two in three with costed terms, through the services."""
    from coproduce.catalogue.models import Stage
    from coproduce.costs.models import DefrayedBy
    from coproduce.costs.services import member_terms_set
    from coproduce.projects.services import membership_add, project_create

    project = project_create(
        by=team.lead,
        title="Bench project",
        organisation=team.organisation,
        current_stage=Stage.objects.get(number=1),
    )
    for n, person in enumerate(team.people):
        membership = membership_add(by=team.lead, project=project, person=person, role="researcher")
        if n % 3:
            member_terms_set(
                by=team.lead,
                membership=membership,
                rate=team.rates[n % len(team.rates)],
                defrayed_by=DefrayedBy.PROJECT_BUDGET,
            )
    return project


def import_into(team: Team, path: Path) -> None:
    from coproduce.costs.transfer import import_file

    project = new_project(team)
    result = import_file(by=team.lead, project=project, path_or_file=path)
    assert result.rows > 0


def cpu_yardstick() -> float:
    """Seconds for a fixed pure-Python loop (best of five), so that figures from different
    machines can be compared."""
    return min(timeit.repeat("sum(range(10**6))", number=1, repeat=5))


def timed(work: Callable[[], None]) -> tuple[float, float, int]:
    """Seconds taken, seconds of this process's CPU (less than the first on a busy machine),
    and how far the peak resident memory rose (bytes)."""
    before = _max_rss()
    cpu, started = time.process_time(), time.perf_counter()
    work()
    return time.perf_counter() - started, time.process_time() - cpu, _max_rss() - before


def traced(work: Callable[[], object]) -> int:
    """The peak of Python allocations while `work` runs, above what was allocated before."""
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - baseline


def _max_rss() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports kilobytes


def write_time_csv(path: Path, rows: int, emails: list[str]) -> None:
    from coproduce.costs.transfer import TIME_COLUMNS

    start = datetime.date(2024, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(TIME_COLUMNS)
        for n in range(rows):
            group, seat = divmod(n, ACTIVITY_SIZE)
            email = emails[(group * 3 + seat) % len(emails)]
            day = (start + datetime.timedelta(days=group % 700)).isoformat()
            if group % 5 == 4:  # one row in five is time that was not at an activity
                title, kind, description = "", "", f"Drafting, part {n}"
            else:
                title, kind, description = f"Session {group}", "workshop", ""
            writer.writerow(
                [
                    day,
                    1 + group % 7,
                    email,
                    title,
                    kind,
                    description,
                    "2.00",
                    "0.50" if seat % 2 else "",
                    "",
                    "0.25",
                    seat or "",
                    "",
                ]
            )


def write_cost_csv(path: Path, rows: int, emails: list[str]) -> None:
    from coproduce.costs.transfer import COST_COLUMNS

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COST_COLUMNS)
        for n in range(rows):
            hourly = n % 2 == 0
            writer.writerow(
                [
                    "actual" if n % 3 else "planned",
                    "travel" if hourly else "venue_catering",
                    1 + n % 7,
                    f"Cost {n}",
                    emails[n % len(emails)] if n % 4 else "",
                    "" if n % 4 else "Bench University",
                    "",
                    "project_budget",
                    "",
                    "2025-03-31",
                    "GBP",
                    "" if hourly else f"{n % 1000}.25",
                    "1.50" if hourly else "",
                    "30.00" if hourly else "",
                ]
            )


if __name__ == "__main__":
    main()
