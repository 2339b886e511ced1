"""Who may grant which project role: nobody can promote themselves past their own standing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.accounts.models import User
from coproduce.projects.models import Membership
from coproduce.projects.services import membership_add
from tests.conftest import Team, client_for
from tests.factories import make_user


def membership_of(team: Team, user_email: str) -> Membership:
    return Membership.objects.get(project=team.project, person__user__email=user_email)


@pytest.fixture
def coordinator(team: Team) -> User:
    user = make_user("cora@example.org", name="Cora Coordinator", organisation=team.organisation)
    membership_add(by=team.alice, project=team.project, person=user.person, role="coordinator")
    return user


@pytest.mark.django_db
def test_coordinator_cannot_promote_themselves_to_lead(team: Team, coordinator: User) -> None:
    mine = membership_of(team, "cora@example.org")
    url = reverse("projects:member_edit", args=[team.project.pk, mine.pk])

    response = client_for(coordinator).post(url, {"role": "lead"})

    mine.refresh_from_db()
    assert b"Only a lead can make someone a lead or change a lead." in response.content
    assert mine.role == "coordinator"


@pytest.mark.django_db
def test_coordinator_cannot_demote_or_remove_the_lead(team: Team, coordinator: User) -> None:
    leads = membership_of(team, "alice@example.org")
    client = client_for(coordinator)

    client.post(
        reverse("projects:member_edit", args=[team.project.pk, leads.pk]), {"role": "observer"}
    )
    client.post(reverse("projects:member_remove", args=[team.project.pk, leads.pk]))

    leads.refresh_from_db()
    assert leads.role == "lead"


@pytest.mark.django_db
def test_coordinator_cannot_choose_data_custodians(team: Team, coordinator: User) -> None:
    bobs = membership_of(team, "bob@example.org")
    url = reverse("projects:member_edit", args=[team.project.pk, bobs.pk])

    response = client_for(coordinator).post(url, {"role": "researcher", "is_data_custodian": "on"})

    bobs.refresh_from_db()
    assert b"Only a lead can choose data custodians." in response.content
    assert not bobs.is_data_custodian


@pytest.mark.django_db
def test_coordinator_manages_other_roles(team: Team, coordinator: User) -> None:
    carols = membership_of(team, "carol@example.org")
    url = reverse("projects:member_edit", args=[team.project.pk, carols.pk])

    response = client_for(coordinator).post(url, {"role": "partner"})

    carols.refresh_from_db()
    assert response.status_code == 302
    assert carols.role == "partner"


@pytest.mark.django_db
def test_lead_can_appoint_another_lead_and_custodian(team: Team) -> None:
    bobs = membership_of(team, "bob@example.org")
    url = reverse("projects:member_edit", args=[team.project.pk, bobs.pk])

    client_for(team.alice).post(url, {"role": "lead", "is_data_custodian": "on"})

    bobs.refresh_from_db()
    assert bobs.role == "lead" and bobs.is_data_custodian
