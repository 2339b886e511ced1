from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.core.demo import (
    DEMO_LEAD_EMAIL,
    DEMO_PASSWORD,
    demo_exists,
    load_portfolio,
    load_synthetic,
)


class Command(BaseCommand):
    help = "Load the demo portfolio (idempotent), and optionally N synthetic projects."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Also add N synthetic projects for benchmarks (0 to 100000).",
        )
        parser.add_argument(
            "--members", type=int, default=12, help="Members per synthetic project (2 to 500)."
        )
        parser.add_argument(
            "--entries",
            type=int,
            default=20,
            metavar="E",
            help="Time entries per synthetic project (0 to 100000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale, members, entries = options["scale"], options["members"], options["entries"]
        if not 0 <= scale <= 100_000:
            raise CommandError("--scale must be between 0 and 100000.")
        if not 2 <= members <= 500:
            raise CommandError("--members must be between 2 and 500.")
        if not 0 <= entries <= 100_000:
            raise CommandError("--entries must be between 0 and 100000.")
        if demo_exists():
            self.stdout.write("The demo portfolio is already loaded.")
        else:
            load_portfolio()
            self.stdout.write(self.style.SUCCESS("Loaded the demo portfolio."))
        if scale:
            made = load_synthetic(scale, members_per_project=members, entries_per_project=entries)
            self.stdout.write(f"Added {made} synthetic projects.")
            if entries:
                self.stdout.write(f"Logged {made * entries} time entries on them.")
        self.stdout.write(
            f"\nDemo sign-in\n  email:    {DEMO_LEAD_EMAIL}\n  password: {DEMO_PASSWORD}\n"
        )
