"""The demo's risk registers, stage estimates and forecast runs."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, Max
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from coproduce.audit.models import AuditEvent
from coproduce.core.demo import PROJECTS, load_portfolio
from coproduce.core.permissions import Permission, has_permission
from coproduce.projects.models import Project
from coproduce.risks import queries
from coproduce.risks.demo import DEMO_ITERATIONS, MAIN_PROJECT, REGISTERS, load_register
from coproduce.risks.forecast import compare, plan_inputs
from coproduce.risks.models import ForecastRun, Risk, RiskReview, RunStatus, StageEstimate
from coproduce.risks.simulation import check_inputs

OVERDUE_IN_MAIN = {"Partners bend the study to their own ends"}


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The demo portfolio, loaded once for the class and rolled back after it: it writes
    hundreds of records through the services, which takes seconds. Each test runs in a
    savepoint inside this transaction."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        load_portfolio()
        yield
        transaction.set_rollback(True)


def main_project() -> Project:
    return Project.objects.get(title=MAIN_PROJECT)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemoRegisters:
    def test_every_demo_project_has_a_story(self) -> None:
        assert set(REGISTERS) == {spec.title for spec in PROJECTS}

    def test_every_project_has_a_register_of_adopted_and_own_risks(self) -> None:
        for project in Project.objects.select_related("current_stage"):
            risks = Risk.objects.filter(project=project)
            adopted = risks.filter(catalogue_item__isnull=False)
            own = risks.filter(catalogue_item__isnull=True)

            assert adopted.count() >= 4, project.title
            assert 1 <= own.count() <= 2, project.title
            assert not own.filter(mitigation="").exists(), project.title
            # Up to a stage or two ahead, no further.
            furthest = adopted.aggregate(n=Max("stage__number"))["n"]
            assert furthest <= project.current_stage.number + 2, project.title
            assert not risks.filter(owner__isnull=True).exists(), project.title
            assert not risks.exclude(owner__project=project).exists(), project.title

    def test_registers_vary_in_scores_statuses_and_forecast_inputs(self) -> None:
        risks = Risk.objects.all()
        occurred = risks.filter(status="occurred").select_related("project__current_stage")

        assert risks.values("likelihood").distinct().count() >= 4
        assert risks.values("impact").distinct().count() >= 4
        assert {"open", "mitigating", "closed", "occurred"} == set(
            risks.values_list("status", flat=True)
        )
        assert occurred.exists()
        for risk in occurred:
            assert risk.stage.number < risk.project.current_stage.number, risk.title
        assert risks.filter(probability__isnull=False, delay_low__isnull=False).exists()
        assert risks.filter(probability__isnull=True, delay_low__isnull=True).exists()

    def test_the_main_project_tells_the_whole_story(self) -> None:
        risks = Risk.objects.filter(project=main_project())

        assert {"open", "mitigating", "closed", "occurred"} == set(
            risks.values_list("status", flat=True)
        )
        assert risks.filter(catalogue_item__type="cross_cutting").exists()
        assert risks.filter(cost_low__isnull=False).count() >= 2
        assert risks.filter(cost_low__isnull=True).count() >= 2
        assert RiskReview.objects.filter(risk__project=main_project()).count() >= 5

    def test_every_project_estimates_its_stages_from_the_current_one_to_the_last(self) -> None:
        for project in Project.objects.select_related("current_stage"):
            estimates = StageEstimate.objects.filter(project=project)
            planned = queries.planned_stage_costs(project)

            numbers = list(estimates.values_list("stage__number", flat=True))
            assert numbers == list(range(project.current_stage.number, 8)), project.title
            for e in estimates.select_related("stage"):
                assert 0 < e.duration_low <= e.duration_mode <= e.duration_high, project.title
                assert 0 < e.cost_low <= e.cost_mode <= e.cost_high, project.title
                budget = planned.get(e.stage.number)
                if budget and e.stage_id != project.current_stage_id:
                    # A stage still to come is estimated near its planned budget.
                    assert budget * Decimal("0.5") <= e.cost_mode <= budget * 2, project.title

    def test_every_projects_forecast_inputs_are_valid(self) -> None:
        for project in Project.objects.all():
            stages, risks, record = plan_inputs(*queries.forecast_plan(project))

            check_inputs(stages, risks, DEMO_ITERATIONS)
            assert stages, project.title
            assert record["risks"], project.title
            defaults = {name for r in record["risks"] for name in r["defaults"]}
            assert defaults, project.title

    def test_the_main_project_has_two_finished_runs_to_compare(self) -> None:
        runs = ForecastRun.objects.filter(project=main_project(), status=RunStatus.DONE)

        assert runs.count() >= 2
        assert runs.values("label").distinct().count() == runs.count()
        assert set(runs.values_list("iterations", flat=True)) == {DEMO_ITERATIONS}
        later, earlier = runs.order_by("-created_at")[:2]
        assert earlier.created_at < later.created_at
        assert earlier.result is not None and later.result is not None
        comparison = compare(earlier.inputs, earlier.result, later.inputs, later.result)
        changed = {c.what for c in comparison.changes}
        assert any(what.startswith("Stage ") for what in changed)
        assert any(c.earlier == "not in the run" for c in comparison.changes)
        assert any(c.change for c in comparison.duration)

    def test_no_other_project_has_forecast_runs(self) -> None:
        assert not ForecastRun.objects.exclude(project=main_project()).exists()

    def test_the_main_project_has_one_risk_overdue_for_review(self) -> None:
        overdue = queries.overdue(main_project())

        assert {o.risk.title for o in overdue} == OVERDUE_IN_MAIN
        assert all("last reviewed" in o.reason for o in overdue)

    def test_the_other_projects_are_up_to_date_with_their_reviews(self) -> None:
        for project in Project.objects.exclude(title=MAIN_PROJECT):
            assert queries.overdue(project) == [], project.title

    def test_story_dates_run_in_order(self) -> None:
        for risk in Risk.objects.select_related("project").annotate(n=Count("reviews")):
            assert risk.project.start_date is not None
            assert risk.created_at.date() >= risk.project.start_date, risk.title
            reviews = list(risk.reviews.all())
            assert all(r.created_at >= risk.created_at for r in reviews), risk.title
            if reviews:
                assert risk.last_reviewed_at == max(r.created_at for r in reviews), risk.title
            else:
                assert risk.last_reviewed_at is None, risk.title

    def test_every_write_is_audited_and_made_by_a_member_who_may_edit_risks(self) -> None:
        actions = ("risk.adopt", "risk.create", "risk.review", "stage_estimate.save")
        events = AuditEvent.objects.filter(action__in=(*actions, "forecast.start"))

        assert set(events.values_list("action", flat=True)) == {*actions, "forecast.start"}
        assert events.filter(action__in=("risk.adopt", "risk.create")).count() == (
            Risk.objects.count()
        )
        assert events.filter(action="risk.review").count() == RiskReview.objects.count()
        projects = Project.objects.in_bulk()
        for event in events.select_related("actor"):
            assert event.actor is not None and event.project_id is not None
            project = projects[event.project_id]
            assert has_permission(event.actor, Permission.RISKS_EDIT, project=project), (
                event.action,
                project.title,
            )

    def test_the_registers_are_the_same_every_time_they_are_loaded(self) -> None:
        """Load the registers again over the same portfolio. (The other demo tests load the
        whole portfolio twice and compare its people, plans and costs.)"""
        first = risk_story()

        with transaction.atomic():
            ForecastRun.objects.all().delete()
            StageEstimate.objects.all().delete()
            Risk.objects.all().delete()
            for project in Project.objects.all():
                load_register(project)
            second = risk_story()
            transaction.set_rollback(True)

        assert len(first["risks"]) > 30
        assert len(first["reviews"]) > 20
        assert len(first["runs"]) == 2
        assert first == second


def risk_story() -> dict[str, Any]:
    """Everything a reader of the registers would notice, without ids or the load's time."""

    def without_ids(inputs: dict[str, Any]) -> dict[str, Any]:
        return {**inputs, "risks": [{**r, "id": None} for r in inputs["risks"]]}

    return {
        "risks": sorted(
            Risk.objects.values_list(
                "project__title",
                "title",
                "stage__number",
                "likelihood",
                "impact",
                "owner__person__name",
                "status",
                "mitigation",
                "probability",
                "delay_mode",
                "cost_mode",
            ),
            key=repr,
        ),
        "reviews": sorted(
            RiskReview.objects.values_list(
                "risk__project__title", "risk__title", "likelihood", "status", "note"
            ),
            key=repr,
        ),
        "estimates": sorted(
            StageEstimate.objects.values_list(
                "project__title", "stage__number", "duration_mode", "cost_low", "cost_high"
            )
        ),
        "runs": sorted(
            (run.project.title, run.label, run.seed, without_ids(run.inputs), run.result)
            for run in ForecastRun.objects.select_related("project")
        ),
    }
