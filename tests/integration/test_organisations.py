"""Organisations: creating one, recording people without a login, standing. Joining by
invitation is in test_organisation_invitations.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.accounts.models import (
    Invitation,
    Organisation,
    OrganisationMembership,
    Person,
    User,
)
from coproduce.audit.models import AuditEvent
from coproduce.projects.services import membership_add
from tests.conftest import Team, client_for
from tests.factories import PASSWORD, make_user, share


def _make_admin(team: Team) -> OrganisationMembership:
    membership = OrganisationMembership.objects.get(
        organisation=team.organisation, person=team.alice.person
    )
    membership.is_admin = True
    membership.save()
    return membership


@pytest.mark.django_db
def test_creating_an_organisation_makes_its_creator_the_administrator() -> None:
    user = make_user("founder@example.org")

    response = client_for(user).post(
        reverse("organisations:create"), {"name": "Eastfield Forum", "kind": "community"}
    )

    organisation = Organisation.objects.get(name="Eastfield Forum")
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:detail", args=[organisation.pk])
    membership = OrganisationMembership.objects.get(organisation=organisation)
    assert membership.person == user.person and membership.is_admin
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"organisation.create", "organisation.member_add"} <= actions


@pytest.mark.django_db
def test_creating_an_organisation_with_a_taken_name_is_refused(team: Team) -> None:
    response = client_for(team.oscar).post(
        reverse("organisations:create"), {"name": "northbridge university", "kind": "university"}
    )

    assert response.status_code == 200
    assert b"already exists" in response.content
    assert Organisation.objects.filter(name__iexact="northbridge university").count() == 1


@pytest.mark.django_db
def test_administrator_records_someone_new_without_a_login(team: Team) -> None:
    _make_admin(team)
    url = reverse("organisations:member_record", args=[team.organisation.pk])

    client_for(team.alice).post(
        url, {"name": "Winston Clarke", "party": "civil_society", "is_equity_officer": "on"}
    )

    person = Person.objects.get(name="Winston Clarke")
    assert person.user is None and person.organisation == team.organisation
    membership = OrganisationMembership.objects.get(person=person)
    # A record without a login takes no standing, and shares nothing.
    assert not membership.is_equity_officer and not membership.counted_in_figures


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, b"This field is required."),
        ({"name": "Someone"}, b"This field is required."),
        ({"name": "Someone", "party": "astronaut"}, b"Select a valid choice"),
        ({"name": "x" * 201, "party": "public"}, b"at most 200 characters"),
    ],
)
@pytest.mark.django_db
def test_recording_a_member_badly_is_refused_and_saves_nothing(
    team: Team, data: dict[str, str], message: bytes
) -> None:
    _make_admin(team)
    before = (Person.objects.count(), OrganisationMembership.objects.count())

    response = client_for(team.alice).post(
        reverse("organisations:member_record", args=[team.organisation.pk]), data
    )

    assert response.status_code == 200
    assert b"There is a problem" in response.content and message in response.content
    assert (Person.objects.count(), OrganisationMembership.objects.count()) == before


@pytest.mark.django_db
def test_the_last_administrator_cannot_step_down(team: Team) -> None:
    membership = _make_admin(team)
    url = reverse("organisations:member_edit", args=[team.organisation.pk, membership.pk])

    response = client_for(team.alice).post(url, {"is_portfolio_viewer": "on"})

    membership.refresh_from_db()
    assert response.status_code == 200
    assert b"at least one administrator" in response.content
    assert membership.is_admin and not membership.is_portfolio_viewer


@pytest.mark.django_db
@pytest.mark.parametrize("whose", ["own", "someone else's"])
def test_no_administrator_can_make_anyone_equity_officer_by_changing_standing(
    team: Team, whose: str
) -> None:
    _make_admin(team)
    membership = OrganisationMembership.objects.get(
        organisation=team.organisation,
        person=(team.alice if whose == "own" else team.bob).person,
    )
    url = reverse("organisations:member_edit", args=[team.organisation.pk, membership.pk])
    data = {"is_admin": "on"} if whose == "own" else {}

    response = client_for(team.alice).post(url, {**data, "is_equity_officer": "on"})

    membership.refresh_from_db()
    assert response.status_code == 200
    assert b"offered by invitation" in response.content
    assert not membership.is_equity_officer


@pytest.mark.django_db
def test_an_administrator_can_take_the_equity_officer_role_away(team: Team) -> None:
    _make_admin(team)
    officer = make_user("officer@example.org", organisation=team.organisation, equity_officer=True)
    membership = OrganisationMembership.objects.get(person=officer.person)
    url = reverse("organisations:member_edit", args=[team.organisation.pk, membership.pk])

    response = client_for(team.alice).post(url, {})

    membership.refresh_from_db()
    assert response.status_code == 302
    assert not membership.is_equity_officer
    event = AuditEvent.objects.filter(action="organisation.member_update").latest("seq")
    assert event.organisation_id == team.organisation.pk
    assert event.changes["is_equity_officer"] == {"from": True, "to": False}


@pytest.mark.django_db
def test_only_equity_officers_see_links_to_equity_answers_of_those_seen_by_name(
    team: Team,
) -> None:
    officer = make_user("officer@example.org", organisation=team.organisation, equity_officer=True)
    share(team.bob, team.organisation, seen_by_name=True)
    share(team.oscar, team.organisation, seen_by_name=False)
    hidden_link = reverse("accounts:equity", args=[team.oscar.person.pk]).encode()
    url = reverse("organisations:detail", args=[team.organisation.pk])
    equity_link = reverse("accounts:equity", args=[team.bob.person.pk]).encode()

    assert equity_link in client_for(officer).get(url).content
    assert hidden_link not in client_for(officer).get(url).content
    assert equity_link not in client_for(team.alice).get(url).content
    assert client_for(officer).get(equity_link.decode()).status_code == 200
    assert client_for(officer).get(hidden_link.decode()).status_code == 404


@pytest.mark.django_db
def test_organisation_list_shows_only_the_users_organisations(team: Team) -> None:
    other = Organisation.objects.create(name="Elsewhere Trust", kind="health_service")

    response = client_for(team.bob).get(reverse("organisations:list"))

    assert b"Northbridge University" in response.content
    assert other.name.encode() not in response.content


@pytest.mark.django_db
def test_account_that_accepts_an_invitation_can_join_the_organisations_projects(
    team: Team,
) -> None:
    _make_admin(team)
    newcomer = User.objects.create_user("nia@example.org", PASSWORD)
    client_for(team.alice).post(
        reverse("organisations:invite", args=[team.organisation.pk]), {"email": "nia@example.org"}
    )
    add_page = reverse("projects:member_add", args=[team.project.pk])
    assert not Person.objects.filter(user=newcomer).exists()

    invitation = Invitation.objects.get(email="nia@example.org")
    client_for(newcomer).post(reverse("accounts:invitation_accept", args=[invitation.pk]))

    person = Person.objects.get(user=newcomer)
    assert person.organisation == team.organisation
    offered = client_for(team.alice).get(add_page).context["form"].fields["person"].queryset
    assert person in offered


@pytest.mark.django_db
def test_researcher_from_a_partner_organisation_edits_without_moving_the_project(
    team: Team,
) -> None:
    partner_org = Organisation.objects.create(name="Riverside Trust", kind="health_service")
    rita = make_user("rita@example.org", organisation=partner_org)
    membership_add(by=team.alice, project=team.project, person=rita.person, role="researcher")
    url = reverse("projects:edit", args=[team.project.pk])
    form = client_for(rita).get(url).context["form"]
    data = {
        name: ("" if value is None else value.pk if hasattr(value, "pk") else value)
        for name, value in form.initial.items()
        if name in form.fields
    }

    response = client_for(rita).post(url, {**data, "title": "Crisis care, renamed"})

    team.project.refresh_from_db()
    assert response.status_code == 302
    assert team.project.title == "Crisis care, renamed"
    assert team.project.organisation == team.organisation
    offered = set(form.fields["organisation"].queryset)
    assert offered == {team.organisation, partner_org}


@pytest.mark.django_db
def test_organisation_change_log_shows_standing_changes_to_administrators_only(
    team: Team,
) -> None:
    _make_admin(team)
    bobs = OrganisationMembership.objects.get(
        organisation=team.organisation, person=team.bob.person
    )
    client_for(team.alice).post(
        reverse("organisations:member_edit", args=[team.organisation.pk, bobs.pk]),
        {"is_portfolio_viewer": "on"},
    )
    log = reverse("organisations:log", args=[team.organisation.pk])

    response = client_for(team.alice).get(log)

    event = AuditEvent.objects.get(action="organisation.member_update")
    assert event.organisation_id == team.organisation.pk
    assert b"organisation.member_update" in response.content
    assert b"is_portfolio_viewer" in response.content
    assert client_for(team.bob).get(log).status_code == 403
