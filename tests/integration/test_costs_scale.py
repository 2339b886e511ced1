"""Costs pages with thousands of time entries run a fixed number of queries: the database sums,
the page never loads the entries one by one."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from coproduce.costs.models import Activity, TimeEntry
from tests.conftest import Team, client_for

# Measured with the six-person team; the same with 50 entries as with 5,000. "My record" runs
# one query per payment threshold in force (three shipped defaults today).
PAGE_MAX_QUERIES = {
    "costs:budget": 9,
    "costs:burden": 7,
    "costs:activities": 7,
    "costs:my_record": 15,
}


def log_time(team: Team, entries: int) -> None:
    people = [m.person_id for m in team.project.memberships.all()]
    stage = team.project.current_stage
    activities = Activity.objects.bulk_create(
        Activity(
            project=team.project,
            kind="meeting",
            title=f"Meeting {n}",
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 300),
            stage=stage,
        )
        for n in range(entries // len(people))
    )
    TimeEntry.objects.bulk_create(
        TimeEntry(
            project=team.project,
            person_id=people[n % len(people)],
            activity=activities[n // len(people)] if n // len(people) < len(activities) else None,
            stage=stage,
            date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 300),
            attendance_hours=Decimal("1.5"),
            preparation_hours=Decimal("0.25") * (n % 4),
            defrayed_by="unfunded" if n % 3 == 0 else "project_budget",
            rate=Decimal("30.0000"),
            rate_amount=Decimal(30),
            rate_hours=Decimal(1),
            currency="GBP",
            cost=(Decimal("1.5") + Decimal("0.25") * (n % 4)) * Decimal(30),
            contributions=n % 5,
        )
        for n in range(entries)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGE_MAX_QUERIES))
@pytest.mark.parametrize("entries", [50, 5000])
def test_costs_pages_run_a_fixed_number_of_queries(
    team: Team, name: str, entries: int, django_assert_max_num_queries: Any
) -> None:
    log_time(team, entries)
    client = client_for(team.alice)
    page = reverse(name, kwargs={"project_id": team.project.pk})

    with django_assert_max_num_queries(PAGE_MAX_QUERIES[name]):
        response = client.get(page)

    assert response.status_code == 200
    assert TimeEntry.objects.filter(project=team.project).count() == entries


@pytest.mark.django_db
def test_burden_totals_with_5000_entries_match_a_direct_sum(team: Team) -> None:
    log_time(team, 5000)
    client = client_for(team.alice)

    report = client.get(reverse("costs:burden", kwargs={"project_id": team.project.pk})).context[
        "report"
    ]

    expected = sum(e.hours for e in TimeEntry.objects.filter(project=team.project))
    assert report.total_hours == expected
    unfunded = sum(
        e.hours for e in TimeEntry.objects.filter(project=team.project, defrayed_by="unfunded")
    )
    assert report.unfunded_hours == unfunded
