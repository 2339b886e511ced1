"""`make bench`: build a demo-scale database in a temporary folder and time the pages.

Prints, for the largest demo project, the median and 95th percentile server time of the
project overview and the involvement grid (Django test client, no network), and the number of
queries each page runs. Options: --projects N synthetic projects, --members M per project,
--repeat R requests per page.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coproduce-bench-") as workdir:
        run(args, workdir)


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

    for label, name in (
        ("overview", "projects:overview"),
        ("involvement grid", "planning:involvement"),
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


if __name__ == "__main__":
    main()
