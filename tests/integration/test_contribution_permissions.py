"""Who may change a contribution (question 1): those who manage the plan (leads and
coordinators) any; everyone else who records contributions only the ones they recorded and
their own party's. alice leads, bob is a researcher, paula a practice partner, carol a public
contributor, olive a funder observing, and cora coordinates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.accounts.models import User
from coproduce.planning.models import Contribution
from coproduce.planning.services import contribution_create
from tests.conftest import Team, client_for
from tests.factories import add_member, make_user

pytestmark = pytest.mark.django_db


def record(team: Team, *, by: User, party: str, kind: str) -> Contribution:
    return contribution_create(
        by=by, project=team.project, party=party, kind=kind, description="As recorded", stages=[]
    )


def edit_url(contribution: Contribution) -> str:
    return reverse("planning:contribution_edit", args=[contribution.project_id, contribution.pk])


def delete_url(contribution: Contribution) -> str:
    return reverse("planning:contribution_delete", args=[contribution.project_id, contribution.pk])


def edit(user: User, contribution: Contribution) -> int:
    response = client_for(user).post(
        edit_url(contribution),
        {"party": contribution.party, "kind": contribution.kind, "description": "Changed"},
    )
    return response.status_code


def remove(user: User, contribution: Contribution) -> int:
    return client_for(user).post(delete_url(contribution), {"confirm": "yes"}).status_code


@pytest.fixture
def funders(team: Team) -> Contribution:
    """The funder's contribution, recorded by the lead."""
    return record(team, by=team.alice, party="funder", kind="money")


@pytest.fixture
def cora(team: Team) -> User:
    user = make_user("cora@example.org", name="Cora Coordinator", organisation=team.organisation)
    add_member(team.project, user, "coordinator", by=team.alice)
    return user


@pytest.mark.parametrize("persona", ["carol", "paula", "bob"])
def test_member_outside_the_funder_party_cannot_edit_the_funders_contribution(
    team: Team, funders: Contribution, persona: str
) -> None:
    status = edit(getattr(team, persona), funders)

    assert status == 403
    funders.refresh_from_db()
    assert funders.description == "As recorded"


@pytest.mark.parametrize("persona", ["carol", "paula", "bob"])
def test_member_outside_the_funder_party_cannot_remove_the_funders_contribution(
    team: Team, funders: Contribution, persona: str
) -> None:
    status = remove(getattr(team, persona), funders)

    assert status == 403
    assert Contribution.objects.filter(pk=funders.pk).exists()


def test_public_contributor_cannot_open_another_partys_edit_page(
    team: Team, funders: Contribution
) -> None:
    assert client_for(team.carol).get(edit_url(funders)).status_code == 403


def test_observer_cannot_edit_even_their_own_partys_contribution(
    team: Team, funders: Contribution
) -> None:
    # olive's party is the funder, but an observer records no contributions.
    assert edit(team.olive, funders) == 403


@pytest.mark.parametrize("manager", ["alice", "cora"])
def test_those_who_manage_the_plan_edit_and_remove_any_partys_contribution(
    team: Team, funders: Contribution, cora: User, manager: str
) -> None:
    user = cora if manager == "cora" else team.alice

    assert edit(user, funders) == 302
    funders.refresh_from_db()
    assert funders.description == "Changed"
    assert remove(user, funders) == 302
    assert not Contribution.objects.filter(pk=funders.pk).exists()


def test_member_of_the_same_party_edits_a_contribution_someone_else_recorded(
    team: Team,
) -> None:
    public = record(team, by=team.alice, party="public", kind="lived_experience")

    assert edit(team.carol, public) == 302
    public.refresh_from_db()
    assert public.description == "Changed"


def test_the_member_who_recorded_a_contribution_may_change_it_whatever_its_party(
    team: Team,
) -> None:
    # carol records what she knows the practitioners bring.
    practitioners = record(team, by=team.carol, party="practitioner", kind="access")

    assert edit(team.carol, practitioners) == 302
    assert remove(team.carol, practitioners) == 302
    assert not Contribution.objects.filter(pk=practitioners.pk).exists()


def test_the_list_offers_edit_only_on_contributions_the_member_may_change(
    team: Team, funders: Contribution
) -> None:
    public = record(team, by=team.alice, party="public", kind="lived_experience")

    html = (
        client_for(team.carol)
        .get(reverse("planning:contributions", args=[team.project.pk]))
        .content.decode()
    )

    assert edit_url(public) in html
    assert edit_url(funders) not in html
