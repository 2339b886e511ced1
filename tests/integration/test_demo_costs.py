"""The demo's history of activities, time, costs and payments; synthetic time at volume."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from coproduce.core.demo import (
    HISTORY_ENDS,
    PROJECTS,
    SYNTHETIC_ORGANISATION,
    load_busy_project,
    load_portfolio,
    load_synthetic,
)
from coproduce.costs import queries
from coproduce.costs.models import Activity, CostItem, MemberTerms, TimeEntry
from coproduce.projects.models import Membership, Project

IMBALANCED = "Shaping crisis care together"
WATCHED_GROUPS = {
    "Doctoral and early-career people",
    "People on fixed-term or casual contracts",
    "Women and non-binary people",
}


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


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


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestDemoHistory:
    def test_every_project_has_terms_a_plan_activities_costs_and_payments(self) -> None:
        for project in Project.objects.all():
            members = Membership.objects.filter(project=project)
            items = CostItem.objects.filter(project=project)
            assert MemberTerms.objects.filter(membership__project=project).count() == (
                members.count()
            ), project.title
            assert items.filter(status="planned").exists(), project.title
            assert items.filter(status="actual").exclude(category="contributor_payment").exists()
            assert items.filter(status="actual", category="contributor_payment").exists()
            assert Activity.objects.filter(project=project).count() >= 2, project.title
            assert TimeEntry.objects.filter(project=project, activity__isnull=True).exists()

    def test_every_activity_has_attendees_with_hours(self) -> None:
        empty = Activity.objects.annotate(n=Count("time_entries")).filter(n=0)
        hourless = TimeEntry.objects.filter(
            attendance_hours=0, preparation_hours=0, administration_hours=0, follow_up_hours=0
        )

        assert not empty.exists()
        assert not hourless.exists()
        assert TimeEntry.objects.filter(contributions__gt=0).exists()

    def test_every_dated_record_falls_after_its_project_starts_and_in_the_past(self) -> None:
        for model in (Activity, TimeEntry, CostItem):
            dated = model.objects.exclude(date__isnull=True)  # type: ignore[attr-defined]

            assert dated.exists()
            assert not dated.filter(date__gt=HISTORY_ENDS).exists(), model
            assert not dated.filter(date__lt=F("project__start_date")).exists(), model

    def test_staff_time_is_costed_at_the_members_shipped_rate(self) -> None:
        entries = TimeEntry.objects.filter(rate__isnull=False).select_related("person")
        doctoral = TimeEntry.objects.filter(person__role_title="Doctoral Researcher")

        assert entries.filter(person__party="researcher").exists()
        for entry in entries:
            assert entry.cost == entry.hours * entry.rate
        assert not TimeEntry.objects.filter(person__party="public", rate__isnull=False).exists()
        assert set(doctoral.values_list("rate", flat=True)) == {Decimal("14.0000")}
        assert TimeEntry.objects.filter(defrayed_by="partner_in_kind").exists()

    def test_some_work_and_some_costs_are_absorbed_unfunded(self) -> None:
        travel = CostItem.objects.filter(
            status="actual", category="travel", bearer_person__isnull=False
        )

        assert TimeEntry.objects.filter(defrayed_by="unfunded").exists()
        assert travel.filter(defrayed_by="unfunded").exists()
        assert travel.filter(defrayed_by="project_budget").exists()

    def test_contributor_payments_go_to_public_contributors_at_nihr_rates(self) -> None:
        payments = CostItem.objects.filter(status="actual", category="contributor_payment")

        assert payments.count() >= 20
        assert not payments.exclude(payee__party="public").exists()
        assert {Decimal(75), Decimal(150)} <= set(payments.values_list("amount", flat=True))
        assert not payments.filter(hours__isnull=False).exclude(rate=25).exists()

    def test_a_payment_takes_a_contributor_past_a_benefit_threshold(self) -> None:
        crossed = set()
        for payment in CostItem.objects.filter(status="actual", category="contributor_payment"):
            assert payment.payee is not None and payment.date is not None
            warnings = queries.payment_warnings(
                organisation=payment.project.organisation_id,
                payee=payment.payee,
                day=payment.date,
                amount=payment.amount,
                currency=payment.currency,
                excluding=payment,
            )
            crossed |= {warning.threshold.code for warning in warnings}

        assert "uk-permitted-work-lower" in crossed
        assert "uk-permitted-work-higher-2025" in crossed

    def test_the_imbalanced_project_warns_that_junior_staff_carry_the_work(self) -> None:
        project = Project.objects.get(title=IMBALANCED)

        report = queries.burden_for_project(project)

        warned = {warning.group: warning for warning in report.warnings}
        assert set(warned) == WATCHED_GROUPS
        for warning in warned.values():
            assert warning.people >= report.threshold
            assert warning.ratio >= Fraction(7, 5)

    def test_the_imbalanced_project_shows_every_group_it_warns_about(self) -> None:
        # Not every equity group: linked suppression hides some so that no two tables give a
        # small group away (tests/integration/test_burden_disclosure_demo.py).
        report = queries.burden_for_project(Project.objects.get(title=IMBALANCED))

        shown = {row.label for table in report.tables for row in table.rows if not row.suppressed}
        assert shown >= WATCHED_GROUPS
        career = next(t for t in report.tables if t.dimension.code == "career_stage")
        assert career.suppressed == 0

    def test_the_other_projects_show_no_burden_warning(self) -> None:
        others = Project.objects.exclude(title=IMBALANCED)

        assert others.count() == len(PROJECTS) - 1
        for project in others:
            assert queries.burden_for_project(project).warnings == [], project.title

    def test_the_demo_command_adds_the_asked_number_of_time_entries(self) -> None:
        output = run_demo("--scale", "3", "--members", "5", "--entries", "7")

        assert "The demo portfolio is already loaded." in output
        assert "Logged 21 time entries on them." in output
        synthetic = TimeEntry.objects.filter(project__organisation__name=SYNTHETIC_ORGANISATION)
        assert synthetic.count() == 21


def time_entries_of(organisation: str) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(project__organisation__name=organisation)


@pytest.mark.django_db
def test_synthetic_time_entries_are_exact_costed_members_time() -> None:
    load_synthetic(4, members_per_project=6, entries_per_project=50)

    entries = time_entries_of(SYNTHETIC_ORGANISATION).select_related("project", "stage")
    assert entries.count() == 4 * 50
    costed = entries.filter(rate__isnull=False)
    uncosted = entries.filter(rate__isnull=True)
    assert costed.exists() and uncosted.exists()
    for entry in costed:
        assert entry.cost == entry.hours * entry.rate
        assert entry.currency == "GBP"
    assert not uncosted.exclude(cost__isnull=True, currency="").exists()
    for entry in entries:
        assert entry.hours > 0
        assert entry.stage.number <= entry.project.current_stage.number
        assert entry.project.start_date <= entry.date <= HISTORY_ENDS
    assert not entries.exclude(person__memberships__project=F("project")).exists()
    assert {"unfunded", "project_budget"} <= set(entries.values_list("defrayed_by", flat=True))


@pytest.mark.django_db
def test_demo_refuses_a_negative_number_of_entries() -> None:
    with pytest.raises(CommandError, match=r"--entries must be between 0 and 100000\."):
        run_demo("--scale", "1", "--entries", "-1")

    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_busy_project_has_the_asked_entries_all_at_activities() -> None:
    project = load_busy_project(entries=250, members=12)

    entries = TimeEntry.objects.filter(project=project)
    assert entries.count() == 250
    assert not entries.filter(activity__isnull=True).exists()
    per_activity = Activity.objects.filter(project=project).annotate(n=Count("time_entries"))
    assert max(per_activity.values_list("n", flat=True)) == 12
    for entry in entries.filter(rate__isnull=False):
        assert entry.cost == entry.hours * entry.rate


def cost_history() -> dict[str, list[tuple[Any, ...]]]:
    """Everything a reader of the demo's costs would notice, without database ids."""
    return {
        "activities": sorted(
            Activity.objects.values_list("project__title", "title", "date", "stage__number")
        ),
        "time": sorted(
            TimeEntry.objects.values_list(
                "project__title",
                "person__name",
                "date",
                "attendance_hours",
                "preparation_hours",
                "administration_hours",
                "follow_up_hours",
                "contributions",
                "defrayed_by",
                "cost",
            ),
            key=repr,
        ),
        "costs": sorted(
            CostItem.objects.values_list(
                "project__title",
                "status",
                "category",
                "stage__number",
                "description",
                "bearer_person__name",
                "bearer_organisation__name",
                "payee__name",
                "date",
                "amount",
            ),
            key=repr,
        ),
    }


def history_of_a_rolled_back_load(load: Callable[[], object]) -> dict[str, Any]:
    with transaction.atomic():
        load()
        result = cost_history()
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
def test_demo_cost_history_is_the_same_every_time_it_is_loaded() -> None:
    first = history_of_a_rolled_back_load(load_portfolio)

    second = history_of_a_rolled_back_load(load_portfolio)

    assert len(first["time"]) > 300
    assert first == second
