"""`coproduce simulate`: the Monte Carlo forecast of one or more projects, from the terminal."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.accounts.models import User
from coproduce.core.permissions import Permission, has_permission
from coproduce.core.progress import ProgressBar
from coproduce.projects.models import Project
from coproduce.risks import charts, queries, services
from coproduce.risks.forecast import plan_inputs
from coproduce.risks.models import RunStatus
from coproduce.risks.simulation import PERCENTILES, InvalidInput, SimulationResult, simulate


class Command(BaseCommand):
    help = (
        "Forecast a project's duration and co-production cost by Monte Carlo simulation and "
        "print the P10, P50, P80 and P90 (see docs/risks.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--project", type=int, action="append", required=True, help="Project id; repeatable."
        )
        parser.add_argument("--iterations", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=None, help="Default: a fresh one.")
        parser.add_argument("--distribution", choices=["pert", "triangular"], default="pert")
        parser.add_argument(
            "--save-as",
            metavar="EMAIL",
            help="Save each run in its project's forecast history, as this user.",
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show a progress bar (default: when standard error is a terminal).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            iterations, capped = services.capped_iterations(options["iterations"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if capped:
            self.stderr.write(
                f"{options['iterations']:,} iterations is more than the most allowed; "
                f"running {iterations:,}."
            )
        seed = options["seed"] if options["seed"] is not None else services.default_seed()
        projects = self._projects(options["project"])
        user = self._saver(options["save_as"], projects)
        show = options["progress"] if options["progress"] is not None else self.stderr.isatty()
        for project in projects:
            if user is not None:
                self._save(project, user, iterations, seed, options["distribution"])
            else:
                self._run(project, iterations, seed, options["distribution"], show)

    def _projects(self, ids: list[int]) -> list[Project]:
        found = Project.objects.in_bulk(ids)
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise CommandError(f"There is no project {', '.join(missing)}.")
        return [found[i] for i in dict.fromkeys(ids)]

    def _saver(self, email: str | None, projects: list[Project]) -> User | None:
        if email is None:
            return None
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user has the email {email}.")
        for project in projects:
            if not has_permission(user, Permission.RISKS_EDIT, project=project):
                raise CommandError(f"{user.email} may not run forecasts for {project}.")
        return user

    def _run(
        self, project: Project, iterations: int, seed: int, distribution: Any, show: bool
    ) -> None:
        stages, risks, _ = plan_inputs(*queries.forecast_plan(project))
        bar = ProgressBar(self.stderr) if show else None

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.show("Running", done, total, "iterations")

        try:
            result = simulate(
                stages,
                risks,
                iterations=iterations,
                seed=seed,
                distribution=distribution,
                progress=progress,
            )
        except InvalidInput as error:
            raise CommandError(f"{project}: {error}") from error
        finally:
            if bar is not None:
                bar.finish()
        self._print(project, result, len(stages), len(risks))

    def _save(
        self, project: Project, user: User, iterations: int, seed: int, distribution: Any
    ) -> None:
        try:
            run = services.forecast_start(
                by=user,
                project=project,
                iterations=iterations,
                seed=seed,
                distribution=distribution,
                label="From the command line",
            )
        except ValidationError as error:
            raise CommandError(f"{project}: {' '.join(error.messages)}") from error
        if run.status != RunStatus.DONE:
            self.stdout.write(
                f"{project}: run {run.pk} is queued for the background worker "
                "(coproduce db_worker)."
            )
            return
        assert run.result is not None
        self.stdout.write(f"{project}: saved as run {run.pk}.")
        self._print_percentiles(
            run.result["duration"]["percentiles"], run.result["cost"]["percentiles"], run.currency
        )

    def _print(self, project: Project, result: SimulationResult, stages: int, risks: int) -> None:
        self.stdout.write(
            f"{project}: {result.iterations:,} iterations, seed {result.seed}, "
            f"{result.distribution}; {stages} stages, {risks} open risks."
        )
        self._print_percentiles(
            {str(p): v for p, v in result.duration.percentiles.items()},
            {str(p): v for p, v in result.cost.percentiles.items()},
            project.currency,
        )

    def _print_percentiles(
        self, duration: dict[str, float], cost: dict[str, float], currency: str
    ) -> None:
        self.stdout.write(f"{'':<5}{'Duration':>16}{'Co-production cost':>22}")
        for p in PERCENTILES:
            self.stdout.write(
                f"P{p:<4}{charts.value_text('duration', duration[str(p)], ''):>16}"
                f"{charts.value_text('cost', cost[str(p)], currency):>22}"
            )
