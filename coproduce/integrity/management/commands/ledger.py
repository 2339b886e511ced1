"""`coproduce ledger verify`: recompute the audit log's and the integrity ledger's hash chains."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.integrity.services import chains_verify


class Command(BaseCommand):
    help = (
        "Recompute the hash chains of the audit log and the integrity ledger and report the "
        "first broken link, if any (exit status 1 when a chain is broken)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("verify", help=self.help)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        check = chains_verify()
        seconds = time.perf_counter() - started
        entries = check.audit_entries + check.ledger_entries
        for line in check.report.splitlines():
            self.stdout.write(line)
        rate = entries / seconds if seconds else 0
        self.stdout.write(
            f"Checked {entries:,} entries in {seconds:.1f} s ({rate:,.0f} per second)."
        )
        if not check.intact:
            raise CommandError("A chain is broken: see the first broken entry above.")
