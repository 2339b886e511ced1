"""`make bench`: build a demo-scale database in a temporary folder and time the pages.

Prints, for the largest demo project, the median and 95th percentile server time of the
project overview, the involvement grid and the costs pages with 5,000 time entries (Django
test client, no network), and the number of queries each page runs. Then runs the burden
benchmark (bench/burden.py: 2,000 projects, 1,000,000 time entries, against a hand-written
GROUP BY), the import benchmark (bench/costs_import.py: 100,000 CSV rows), the forecast
benchmark (bench/simulation.py: 100,000 iterations x 7 stages x 100 risks) and the ledger
benchmark (bench/ledger.py: `coproduce ledger verify` over 1,000,000 chained entries, in
entries per second and peak memory) and the hostile uploads benchmark (bench/hostile_uploads.py:
the time and peak memory of refusing zip bombs, shared-strings bombs, wide rows and the like,
failing if any takes too long or too much), each in its own process. Options: --projects N
synthetic projects, --members M per project, --repeat R requests per page, --quick to skip the
five large benchmarks.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time


class QueryCounter:
    """A database execute wrapper that records each statement a request runs."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.log.append(sql)
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="skip the large runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coproduce-bench-") as workdir:
        run(args, workdir)
    if not args.quick:
        for module in (
            "bench.burden",
            "bench.costs_import",
            "bench.simulation",
            "bench.ledger",
            "bench.hostile_uploads",
        ):
            print(f"\n== {module} ==", flush=True)
            subprocess.run([sys.executable, "-m", module], check=True)


def run(args: argparse.Namespace, workdir: str) -> None:
    os.environ["COPRODUCE_DATA_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from coproduce.accounts.models import User
    from coproduce.projects.models import Project

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", scale=args.projects, members=args.members, stdout=io.StringIO())
    print(
        f"setup: {args.projects} synthetic projects x {args.members} members "
        f"in {time.perf_counter() - started:.1f} s"
    )

    project = Project.objects.annotate(n=Count("memberships")).order_by("-n", "pk").first()
    assert project is not None
    user = User.objects.filter(is_superuser=False).first()
    assert user is not None
    user.is_superuser = True  # sees every project, including the synthetic ones
    user.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(user)
    print(f"largest project: {project.title!r} with {project.n} members")  # type: ignore[attr-defined]

    entries = log_time(project, args.entries)
    print(f"time entries on that project: {entries}")
    for label, name in (
        ("overview", "projects:overview"),
        ("involvement grid", "planning:involvement"),
        ("budget", "costs:budget"),
        ("burden", "costs:burden"),
        ("activities", "costs:activities"),
    ):
        url = reverse(name, args=[project.pk])
        client.get(url)  # warm caches and templates
        queries: list[str] = []
        with connection.execute_wrapper(QueryCounter(queries)):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"{label}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
            f"{len(queries)} queries, {args.repeat} requests"
        )


def log_time(project, entries: int) -> int:  # type: ignore[no-untyped-def]
    """Bulk-log `entries` costed time entries, spread over the project's members and a year of
    weekly meetings, as a busy project would have."""
    import datetime
    from decimal import Decimal

    from coproduce.costs.models import Activity, TimeEntry

    people = list(project.memberships.values_list("person_id", flat=True))
    activities = Activity.objects.bulk_create(
        Activity(
            project=project,
            kind="meeting",
            title=f"Weekly meeting {n + 1}",
            date=datetime.date(2025, 1, 6) + datetime.timedelta(weeks=n % 52),
            stage=project.current_stage,
        )
        for n in range(max(1, entries // len(people)))
    )
    TimeEntry.objects.bulk_create(
        (
            TimeEntry(
                project=project,
                person_id=people[n % len(people)],
                activity=activities[n // len(people)]
                if n // len(people) < len(activities)
                else None,
                stage=project.current_stage,
                date=datetime.date(2025, 1, 6) + datetime.timedelta(days=n % 365),
                attendance_hours=Decimal("1.5"),
                preparation_hours=Decimal("0.5") * (n % 3),
                defrayed_by="unfunded" if n % 4 == 0 else "project_budget",
                rate=Decimal("30.0000"),
                rate_amount=Decimal(30),
                rate_hours=Decimal(1),
                currency="GBP",
                cost=(Decimal("1.5") + Decimal("0.5") * (n % 3)) * 30,
            )
            for n in range(entries)
        ),
        batch_size=2000,
    )
    return TimeEntry.objects.filter(project=project).count()


if __name__ == "__main__":
    main()
