"""Walk the whole URLconf: anonymous users are sent to sign in, outsiders see nothing.

A new URL is covered automatically; one that takes an argument this file cannot fill makes the
test fail until it is taught the argument, so no view escapes the check.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coproduce.accounts.services import invitation_send
from coproduce.costs.services import (
    AttendeeTime,
    activity_save,
    cost_item_create,
    rate_save,
    threshold_save,
)
from coproduce.governance.services import charter_start, decision_save
from coproduce.integrity.services import (
    early_release_request,
    finding_register,
    framing_request_add,
    output_register,
)
from coproduce.participants.services import participant_add
from coproduce.planning.services import contribution_create
from coproduce.projects.models import Membership
from coproduce.projects.services import membership_update
from coproduce.risks.services import forecast_start, risk_create, stage_estimate_save
from tests.conftest import Team, client_for

PUBLIC = {"home", "healthz", "accounts:login", "accounts:logout"}
READ_ONLY = {
    "planning:contributions",
    "planning:involvement",
    "planning:emphasis",
    "costs:budget",
    "costs:activities",
    "costs:burden",
    "costs:my_record",
    "risks:register",
    "risks:detail",
    "risks:run",
    "risks:compare",
    "governance:charter",
    "governance:charter_history",
    "governance:decisions",
    "governance:voice",
    "integrity:register",
    "integrity:finding",
    "integrity:output",
    "integrity:output_download",
}
ORGANISATION_MANAGE_URLS = {
    "organisations:invite",
    "organisations:member_record",
    "organisations:member_edit",
    "organisation_costs:rate_add",
    "organisation_costs:rate_edit",
    "organisation_costs:rate_copy_defaults",
    "organisation_costs:threshold_add",
    "organisation_costs:threshold_edit",
    "organisation_costs:disclosure",
}
PROJECT_EDIT_URLS = {
    "projects:edit",
    "projects:member_add",
    "projects:member_edit",
    "projects:member_remove",
}


def url_names(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[tuple[str, list[str]]]:
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            for name, args in url_names(pattern.url_patterns, inner):
                yield name, [*pattern.pattern.regex.groupindex, *args]
        elif pattern.name:
            yield f"{namespace}{pattern.name}", list(pattern.pattern.regex.groupindex)


def all_urls(team: Team) -> list[tuple[str, str]]:
    contribution = contribution_create(
        by=team.alice,
        project=team.project,
        party="public",
        kind="lived_experience",
        description="Experience of crisis care",
        stages=[],
    )
    item = cost_item_create(
        by=team.alice,
        project=team.project,
        status="planned",
        category="travel",
        stage=team.project.current_stage,
        description="Train fares for the advisory group",
        defrayed_by="project_budget",
        currency="GBP",
        bearer_organisation=team.organisation,
        amount=Decimal("120.00"),
    )
    activity = activity_save(
        by=team.alice,
        project=team.project,
        kind="meeting",
        title="Advisory group 1",
        date=datetime.date(2026, 3, 2),
        stage=team.project.current_stage,
        attendees=[AttendeeTime(person=team.carol.person, attendance_hours=Decimal(2))],
    )
    rate = rate_save(
        by=team.alice,
        organisation=team.organisation,
        kind="staff",
        label="Grade 7",
        unit="hour",
        hours_in_unit=Decimal(1),
        amount=Decimal("41.00"),
        currency="GBP",
        year=2026,
        source="Finance office costing policy 2026",
    )
    threshold = threshold_save(
        by=team.alice,
        organisation=team.organisation,
        name="Local benefit limit",
        period="week",
        amount=Decimal("50.00"),
        currency="GBP",
        valid_from=datetime.date(2026, 1, 1),
        source="Council guidance",
    )
    risk = risk_create(
        by=team.alice,
        project=team.project,
        title="Partner organisation withdraws",
        stage=team.project.current_stage,
    )
    stage_estimate_save(
        by=team.alice,
        project=team.project,
        stage=team.project.current_stage,
        **dict.fromkeys(("duration_low", "duration_mode", "duration_high"), Decimal(4)),
        **dict.fromkeys(("cost_low", "cost_mode", "cost_high"), Decimal(1000)),
    )
    run = forecast_start(by=team.alice, project=team.project, iterations=1_000, seed=1)
    charter_start(by=team.alice, project=team.project)
    decision = decision_save(
        by=team.alice,
        project=team.project,
        title="Use a steering group",
        kind="team",
        method="consensus",
        stage=team.project.current_stage,
        decided_on=datetime.date(2026, 3, 2),
    )
    finding = finding_register(
        by=team.alice,
        project=team.project,
        title="Waiting times",
        statement="People waited longer at night.",
        stage=team.project.current_stage,
    )
    framing = framing_request_add(
        by=team.alice, subject=finding, asked_by="Trust board", party="", request="Soften it"
    )
    output = output_register(
        by=team.alice,
        project=team.project,
        title="Interim report",
        kind="report",
        audience="funder",
        release_date=datetime.date(2099, 1, 1),
        file=SimpleUploadedFile("report.pdf", b"%PDF-1.4 interim", "application/pdf"),
    )
    early = early_release_request(
        by=team.alice, output=output, requested_by="Funder", reason="Board meeting"
    )
    membership_update(
        by=team.alice,
        membership=Membership.objects.get(project=team.project, person=team.alice.person),
        role="lead",
        is_data_custodian=True,
    )
    participant = participant_add(
        by=team.alice,
        project=team.project,
        site="North clinic",
        stage=team.project.current_stage,
        name="Pat Participant",
    )
    values = {
        "project_id": team.project.pk,
        "participant_id": participant.pk,
        "risk_id": risk.pk,
        "run_id": run.pk,
        "number": 1,
        "decision_id": decision.pk,
        "finding_id": finding.pk,
        "output_id": output.pk,
        "request_id": early.pk,
        "subject_id": finding.pk,
        "framing_id": framing.pk,
        "item_id": item.pk,
        "activity_id": activity.pk,
        "rate_id": rate.pk,
        "threshold_id": threshold.pk,
        "membership_id": Membership.objects.filter(project=team.project).first().pk,  # type: ignore[union-attr]
        "contribution_id": contribution.pk,
        "party": "public",
        "stage_number": 2,
        "person_id": team.bob.person.pk,
        "organisation_id": team.organisation.pk,
        "org_membership_id": team.organisation.memberships.first().pk,  # type: ignore[union-attr]
        "invitation_id": invitation_send(
            by=team.alice, organisation=team.organisation, email="newcomer@example.org"
        ).pk,
    }
    urls = []
    for name, args in url_names():
        missing = set(args) - set(values)
        assert not missing, f"Teach this test how to fill {missing} for {name}"
        urls.append((name, reverse(name, kwargs={a: values[a] for a in dict.fromkeys(args)})))
    return urls


@pytest.mark.django_db
def test_every_private_url_sends_anonymous_users_to_sign_in(team: Team) -> None:
    client = client_for(None)
    checked = 0
    for name, url in all_urls(team):
        if name in PUBLIC:
            continue
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (302, 405), (name, method, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("accounts:login")), name
            checked += 1
    assert checked >= 30


@pytest.mark.django_db
def test_every_project_url_is_hidden_from_outsiders(team: Team) -> None:
    client = client_for(team.oscar)
    project_urls = [(n, u) for n, u in all_urls(team) if f"/projects/{team.project.pk}/" in u]
    assert len(project_urls) >= 14
    for name, url in project_urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (403, 404, 405), (name, response.status_code)
            assert b"Crisis care study" not in response.content, name


@pytest.mark.django_db
def test_equity_page_of_another_person_is_forbidden_to_colleagues(team: Team) -> None:
    url = reverse("accounts:equity", kwargs={"person_id": team.bob.person.pk})
    assert client_for(team.alice).get(url).status_code == 404
    assert client_for(team.bob).get(url).status_code == 200


@pytest.mark.django_db
def test_observer_cannot_reach_any_editing_url(team: Team) -> None:
    client = client_for(team.olive)
    edit_urls = [
        (name, url)
        for name, url in all_urls(team)
        if name in PROJECT_EDIT_URLS
        or (
            name.startswith(("planning:", "costs:", "risks:", "governance:", "integrity:"))
            and name not in READ_ONLY
            and name != "governance:charter_acknowledge"  # every member acknowledges
        )
    ]
    assert len(edit_urls) >= 9
    for name, url in edit_urls:
        response = client.post(url, {"title": "Hijacked"})
        assert response.status_code == 403, (name, response.status_code)


@pytest.mark.django_db
def test_members_see_every_project_page(team: Team) -> None:
    client = client_for(team.carol)
    for name in (
        "projects:overview",
        "projects:members",
        "planning:contributions",
        "planning:involvement",
        "planning:emphasis",
        "costs:budget",
        "costs:activities",
        "costs:burden",
        "costs:my_record",
        "risks:register",
        "risks:forecast",
        "risks:estimates",
    ):
        response = client.get(reverse(name, kwargs={"project_id": team.project.pk}))
        assert response.status_code == 200, name
        assert b"Crisis care study" in response.content


@pytest.mark.django_db
def test_every_organisation_url_is_hidden_from_people_outside_it(team: Team) -> None:
    client = client_for(team.carol)  # a project member, but not in the organisation
    org_urls = [(n, u) for n, u in all_urls(team) if f"/organisations/{team.organisation.pk}/" in u]
    assert len(org_urls) >= 3
    for name, url in org_urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 404, (name, response.status_code)


@pytest.mark.django_db
def test_organisation_members_cannot_manage_it_without_being_administrators(team: Team) -> None:
    client = client_for(team.bob)  # a member of the organisation, not an administrator
    managed = 0
    for name, url in all_urls(team):
        if name in ORGANISATION_MANAGE_URLS:
            assert client.post(url, {"is_admin": "on"}).status_code == 403, name
            managed += 1
    assert managed == len(ORGANISATION_MANAGE_URLS)
    detail = reverse("organisations:detail", kwargs={"organisation_id": team.organisation.pk})
    assert client.get(detail).status_code == 200


@pytest.mark.django_db
def test_pages_offer_only_the_actions_a_role_may_take(team: Team) -> None:
    pages = {
        "projects:overview": reverse("projects:edit", kwargs={"project_id": team.project.pk}),
        "projects:members": reverse("projects:member_add", kwargs={"project_id": team.project.pk}),
        "planning:contributions": reverse(
            "planning:contribution_add", kwargs={"project_id": team.project.pk}
        ),
    }
    log = reverse("projects:audit_log", kwargs={"project_id": team.project.pk}).encode()
    for name, action in pages.items():
        page = reverse(name, kwargs={"project_id": team.project.pk})
        lead_sees = client_for(team.alice).get(page).content
        observer_sees = client_for(team.olive).get(page).content
        assert action.encode() in lead_sees and log in lead_sees, name
        assert action.encode() not in observer_sees and log not in observer_sees, name
