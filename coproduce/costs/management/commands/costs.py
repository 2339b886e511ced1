from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.accounts.models import User
from coproduce.core.permissions import Permission, has_permission
from coproduce.core.progress import ProgressBar
from coproduce.core.warnings import NeedsConfirmation
from coproduce.costs.transfer import ImportRejected, Progress, export, import_file
from coproduce.projects.models import Project


class ImportProgress(ProgressBar):
    """Rows checked, then rows saved, of the total."""

    def __call__(self, step: Progress) -> None:
        label = "Checking" if step.phase == "checking" else "Saving"
        self.show(label, step.rows_done, step.rows_total, "rows")


class Command(BaseCommand):
    help = "Import or export cost items and time as CSV or XLSX (see docs/import-format.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser(
            "import", help="Import a cost items or time file: every row, or none if any is bad."
        )
        load.add_argument("file", help="A .csv (UTF-8) or .xlsx file.")
        load.add_argument("--project", type=int, required=True, metavar="ID")
        load.add_argument(
            "--as",
            dest="as_email",
            required=True,
            metavar="EMAIL",
            help="The user the import is recorded as; they must be allowed to edit costs.",
        )
        load.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show a progress bar (default: when standard error is a terminal).",
        )
        load.add_argument(
            "--confirm-warnings",
            action="store_true",
            help="Import even if rows have warnings (such as a payment past a benefit "
            "threshold), having checked them; without it they are listed and nothing is saved.",
        )
        dump = actions.add_parser("export", help="Write the project's cost items or time.")
        dump.add_argument("--project", type=int, required=True, metavar="ID")
        dump.add_argument("--kind", choices=["costs", "time"], required=True)
        dump.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        dump.add_argument(
            "--output", metavar="FILE", help="Write here (default: standard output, CSV only)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(pk=options["project"]).first()
        if project is None:
            raise CommandError(f"There is no project {options['project']}.")
        if options["action"] == "import":
            self.import_(project, options)
        else:
            self.export(project, options)

    def import_(self, project: Project, options: dict[str, Any]) -> None:
        user = User.objects.filter(email__iexact=options["as_email"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user has the email {options['as_email']}.")
        if not has_permission(user, Permission.COSTS_EDIT, project=project):
            raise CommandError(f"{user.email} may not edit the costs of {project}.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        show = options["progress"]
        if show is None:
            show = self.stderr.isatty()
        bar = ImportProgress(self.stderr) if show else None
        try:
            result = import_file(
                by=user,
                project=project,
                path_or_file=path,
                progress=bar,
                confirmed=options["confirm_warnings"],
            )
        except NeedsConfirmation as cautioned:
            self.list_refused(bar, cautioned.cautions, cautioned.unlisted)
            noun = "warning" if cautioned.total == 1 else "warnings"
            raise CommandError(
                f"Nothing was imported from {path.name}: {cautioned.total:,} {noun} to check. "
                "Import it again with --confirm-warnings to save it as it is."
            ) from cautioned
        except ImportRejected as rejected:
            self.list_refused(bar, rejected.problems, rejected.unlisted)
            noun = "problem" if rejected.total == 1 else "problems"
            raise CommandError(
                f"Nothing was imported from {path.name}: {rejected.total:,} {noun}."
            ) from rejected
        if bar is not None:
            bar.finish()
        if result.layout == "costs":
            made = f"{result.cost_items:,} cost items"
        else:
            made = f"{result.time_entries:,} time entries in {result.activities:,} activities"
        self.stdout.write(f"Imported {result.rows:,} rows from {path.name} into {project}: {made}.")

    def list_refused(
        self, bar: ImportProgress | None, reasons: Sequence[object], unlisted: int
    ) -> None:
        """Why nothing was imported, one line a problem or warning, on standard error."""
        if bar is not None:
            bar.finish()
        for reason in reasons:
            self.stderr.write(str(reason))
        if unlisted:
            self.stderr.write(f"... and {unlisted:,} more.")

    def export(self, project: Project, options: dict[str, Any]) -> None:
        kind, file_format, output = options["kind"], options["format"], options["output"]
        if output is None:
            if file_format == "xlsx":
                raise CommandError("XLSX is binary: give --output FILE.")
            export(project=project, kind=kind, format="csv", out=self.stdout)
            return
        with open(output, "wb") as out:
            rows = export(project=project, kind=kind, format=file_format, out=out)
        self.stderr.write(f"Wrote {rows:,} rows to {output}.")
