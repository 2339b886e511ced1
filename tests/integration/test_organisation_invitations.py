"""Joining an organisation by invitation: the invited person accepts or declines, the inviter
learns nothing about who has an account, and the organisation sees nothing of anyone who has
not accepted. Equity officers see only what each member chose to share."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.accounts.models import (
    Invitation,
    InvitationStatus,
    Organisation,
    OrganisationMembership,
    Person,
    User,
)
from coproduce.accounts.services import (
    invitation_accept,
    invitation_send,
    organisation_create,
    person_update_equity,
)
from coproduce.audit.models import AuditEvent
from coproduce.costs.queries import burden_for_project
from tests.conftest import Team, client_for
from tests.factories import make_user, share

pytestmark = pytest.mark.django_db

ANSWERS = {
    "career_stage": "early",
    "contract": "fixed_term",
    "gender": "woman",
    "gender_self_description": "",
    "equity_consent": True,
}


@pytest.fixture
def admin(team: Team) -> User:
    """Alice administers Northbridge University."""
    OrganisationMembership.objects.filter(
        organisation=team.organisation, person=team.alice.person
    ).update(is_admin=True)
    return team.alice


def invite(by: User, organisation: Organisation, email: str, **roles: str) -> object:
    return client_for(by).post(
        reverse("organisations:invite", args=[organisation.pk]), {"email": email, **roles}
    )


def invitation_to(email: str) -> Invitation:
    return Invitation.objects.get(email=email, status=InvitationStatus.PENDING)


def url(name: str, invitation: Invitation) -> str:
    return reverse(f"accounts:{name}", args=[invitation.pk])


def log_actions(organisation: Organisation) -> list[str]:
    events = AuditEvent.objects.for_organisation(organisation.pk).order_by("seq")
    return list(events.values_list("action", flat=True))


# Inviting gives the same answer whoever the address belongs to ------------------------------


def test_inviting_gives_the_same_answer_whether_or_not_the_address_has_an_account(
    team: Team, admin: User
) -> None:
    User.objects.create_user("has.account@example.org", "x" * 20)
    client = client_for(admin)
    answers = []
    for email in ("has.account@example.org", "no.account@example.org"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                reverse("organisations:invite", args=[team.organisation.pk]), {"email": email}
            )
        # Nothing is read about the address but the organisation's own invitations.
        touching = [q["sql"] for q in queries.captured_queries if email in q["sql"]]
        assert touching, "the test must see the queries that carry the address"
        assert all("accounts_invitation" in sql or "audit_auditevent" in sql for sql in touching), (
            touching
        )
        page = client.get(response["Location"]).content.decode().replace(email, "ADDRESS")
        message = re.findall(r"Invitation sent to ADDRESS[^<]*", page)
        answers.append((response.status_code, response["Location"], message))

    assert answers[0] == answers[1]
    assert answers[0][0] == 302 and len(answers[0][2]) == 1


def test_an_invitation_is_mailed_alike_to_an_address_with_or_without_an_account(
    team: Team, admin: User, settings: object, django_capture_on_commit_callbacks: object
) -> None:
    settings.COPRODUCE_SITE_URL = "https://coproduce.example"  # type: ignore[attr-defined]
    User.objects.create_user("has.account@example.org", "x" * 20)

    for email in ("has.account@example.org", "no.account@example.org"):
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            invite(admin, team.organisation, email)

    assert [m.to for m in mail.outbox] == [["has.account@example.org"], ["no.account@example.org"]]
    bodies = []
    for message, email in zip(mail.outbox, ("has.account", "no.account"), strict=True):
        invitation = invitation_to(f"{email}@example.org")
        link = f"https://coproduce.example/accounts/invitations/{invitation.pk}/"
        assert link in message.body
        bodies.append(message.body.replace(link, "LINK").replace(email, "ADDRESS"))
    assert bodies[0] == bodies[1]
    assert mail.outbox[0].subject == mail.outbox[1].subject


def test_a_pending_invitation_gives_the_organisation_nothing_about_the_person(
    team: Team, admin: User
) -> None:
    person_update_equity(by=team.carol, person=team.carol.person, **ANSWERS)
    officer = make_user(organisation=team.organisation, equity_officer=True)
    before = OrganisationMembership.objects.count()

    invite(admin, team.organisation, "carol@example.org", is_equity_officer="on", is_admin="on")

    assert OrganisationMembership.objects.count() == before
    assert not OrganisationMembership.objects.filter(person=team.carol.person).exists()
    team.carol.person.refresh_from_db()
    assert team.carol.person.organisation is None
    detail = client_for(admin).get(reverse("organisations:detail", args=[team.organisation.pk]))
    assert b"carol@example.org" in detail.content  # the address they typed, nothing more
    assert b"Carol Contributor" not in detail.content
    assert (
        client_for(officer).get(reverse("accounts:equity", args=[team.carol.person.pk])).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, b"This field is required."),
        ({"email": "not an address"}, b"Enter a valid email address."),
        ({"email": "a" * 250 + "@example.org"}, b"at most 254 characters"),
    ],
)
def test_inviting_badly_is_refused_and_saves_nothing(
    team: Team, admin: User, data: dict[str, str], message: bytes
) -> None:
    response = client_for(admin).post(
        reverse("organisations:invite", args=[team.organisation.pk]), data
    )

    assert response.status_code == 200
    assert b"There is a problem" in response.content and message in response.content
    assert not Invitation.objects.filter(status=InvitationStatus.PENDING).exists()


def test_a_second_pending_invitation_to_the_same_address_is_refused(
    team: Team, admin: User
) -> None:
    invite(admin, team.organisation, "nia@example.org")

    response = invite(admin, team.organisation, "NIA@example.org")

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert b"already waiting for an answer" in response.content  # type: ignore[attr-defined]
    assert Invitation.objects.filter(email="nia@example.org").count() == 1


def test_only_administrators_may_invite(team: Team) -> None:
    response = invite(team.bob, team.organisation, "nia@example.org")

    assert response.status_code == 403  # type: ignore[attr-defined]
    assert not Invitation.objects.filter(email="nia@example.org").exists()


# Answering -----------------------------------------------------------------------------------


def test_accepting_makes_the_invited_person_a_member_with_the_standing_offered(
    team: Team, admin: User
) -> None:
    invite(admin, team.organisation, "Carol@Example.org", is_portfolio_viewer="on")
    invitation = invitation_to("carol@example.org")
    carol = client_for(team.carol)

    page = carol.get(reverse("accounts:invitations"))
    assert url("invitation_accept", invitation).encode() in page.content
    response = carol.post(url("invitation_accept", invitation))

    assert response.status_code == 302
    membership = OrganisationMembership.objects.get(person=team.carol.person)
    assert membership.organisation == team.organisation
    assert membership.is_portfolio_viewer and not membership.is_admin
    assert not membership.is_equity_officer
    assert not membership.counted_in_figures and not membership.seen_by_name
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.responded_at
    actions = log_actions(team.organisation)
    assert actions[-4:] == [
        "organisation.invitation_send",
        "organisation.invitation_accept",
        "person.update",  # Northbridge becomes her affiliation, as she had none
        "organisation.member_add",
    ]


def test_accepting_and_declining_take_a_post_only(team: Team, admin: User) -> None:
    invite(admin, team.organisation, "carol@example.org")
    invitation = invitation_to("carol@example.org")

    for name in ("invitation_accept", "invitation_decline"):
        assert client_for(team.carol).get(url(name, invitation)).status_code == 405

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_accepting_needs_the_csrf_token(team: Team, admin: User) -> None:
    invite(admin, team.organisation, "carol@example.org")
    invitation = invitation_to("carol@example.org")
    client = client_for(team.carol)
    client.handler.enforce_csrf_checks = True  # type: ignore[attr-defined]

    response = client.post(url("invitation_accept", invitation))

    assert response.status_code == 403
    assert not OrganisationMembership.objects.filter(person=team.carol.person).exists()


def test_declining_leaves_no_trace_of_the_person_in_the_organisation(
    team: Team, admin: User
) -> None:
    invite(admin, team.organisation, "carol@example.org")
    invitation = invitation_to("carol@example.org")

    client_for(team.carol).post(url("invitation_decline", invitation))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert not OrganisationMembership.objects.filter(person=team.carol.person).exists()
    assert log_actions(team.organisation)[-1] == "organisation.invitation_decline"
    # An answered invitation cannot be answered again.
    client_for(team.carol).post(url("invitation_accept", invitation))
    assert not OrganisationMembership.objects.filter(person=team.carol.person).exists()


@pytest.mark.parametrize("who", ["the administrator", "another member", "an outsider"])
def test_nobody_but_the_invited_person_can_accept(team: Team, admin: User, who: str) -> None:
    invite(admin, team.organisation, "carol@example.org", is_admin="on")
    invitation = invitation_to("carol@example.org")
    user = {"the administrator": admin, "another member": team.bob, "an outsider": team.paula}[who]

    response = client_for(user).post(url("invitation_accept", invitation))

    assert response.status_code == (403 if user == admin else 404)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not OrganisationMembership.objects.filter(person=team.carol.person).exists()
    assert not OrganisationMembership.objects.filter(
        organisation=team.organisation, person=team.paula.person
    ).exists()


def test_an_invitation_is_seen_only_by_its_addressee_and_the_organisations_administrators(
    team: Team, admin: User
) -> None:
    invite(admin, team.organisation, "carol@example.org")
    invitation = invitation_to("carol@example.org")
    page = url("invitation", invitation)

    assert client_for(team.carol).get(page).status_code == 200
    assert client_for(admin).get(page).status_code == 200
    for user in (team.bob, team.paula, team.oscar):
        assert client_for(user).get(page).status_code == 404, user
    assert b"Northbridge" not in client_for(team.paula).get(page).content


def test_withdrawing_asks_first_then_the_invitation_can_no_longer_be_accepted(
    team: Team, admin: User
) -> None:
    invite(admin, team.organisation, "carol@example.org")
    invitation = invitation_to("carol@example.org")

    confirm = client_for(admin).get(url("invitation_withdraw", invitation))
    invitation.refresh_from_db()
    assert confirm.status_code == 200 and b"Withdraw the invitation" in confirm.content
    assert invitation.status == InvitationStatus.PENDING

    client_for(admin).post(url("invitation_withdraw", invitation))
    client_for(team.carol).post(url("invitation_accept", invitation))

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    assert not OrganisationMembership.objects.filter(person=team.carol.person).exists()
    assert "organisation.invitation_withdraw" in log_actions(team.organisation)


@pytest.mark.parametrize("who", ["the invited person", "a member who is not an administrator"])
def test_only_administrators_withdraw(team: Team, admin: User, who: str) -> None:
    invite(admin, team.organisation, "carol@example.org")
    invitation = invitation_to("carol@example.org")
    user = team.carol if who == "the invited person" else team.bob

    response = client_for(user).post(url("invitation_withdraw", invitation))

    assert response.status_code in (403, 404)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_a_member_invited_again_gains_the_roles_offered(team: Team, admin: User) -> None:
    invite(admin, team.organisation, "bob@example.org", is_equity_officer="on")

    client_for(team.bob).post(url("invitation_accept", invitation_to("bob@example.org")))

    membership = OrganisationMembership.objects.get(
        organisation=team.organisation, person=team.bob.person
    )
    assert membership.is_equity_officer
    assert log_actions(team.organisation)[-1] == "organisation.member_update"


def test_nobody_becomes_equity_officer_on_their_own_invitation(team: Team) -> None:
    founder = make_user("founder@example.org")
    organisation = organisation_create(by=founder, name="Eastfield Forum", kind="community")
    invitation = invitation_send(
        by=founder, organisation=organisation, email=founder.email, is_equity_officer=True
    )

    response = client_for(founder).post(url("invitation_accept", invitation), follow=True)

    assert b"Another administrator must invite you" in response.content
    assert not OrganisationMembership.objects.get(organisation=organisation).is_equity_officer


# What each member chooses to share -----------------------------------------------------------


def sharing_url(user: User, organisation: Organisation) -> str:
    membership = OrganisationMembership.objects.get(organisation=organisation, person__user=user)
    return reverse("accounts:membership_sharing", args=[membership.pk])


def test_a_member_chooses_to_be_counted_and_it_is_logged(team: Team) -> None:
    response = client_for(team.bob).post(
        sharing_url(team.bob, team.organisation), {"counted_in_figures": "on"}
    )

    membership = OrganisationMembership.objects.get(person=team.bob.person)
    assert response.status_code == 302
    assert membership.counted_in_figures and not membership.seen_by_name
    event = AuditEvent.objects.filter(action="organisation.member_sharing").get()
    assert event.organisation_id == team.organisation.pk
    assert event.changes == {"counted_in_figures": {"from": False, "to": True}}


def test_seen_by_name_without_being_counted_is_refused_naming_the_field(team: Team) -> None:
    response = client_for(team.bob).post(
        sharing_url(team.bob, team.organisation), {"seen_by_name": "on"}
    )

    membership = OrganisationMembership.objects.get(person=team.bob.person)
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b'href="#id_seen_by_name"' in response.content
    assert not membership.seen_by_name


def test_the_database_refuses_seen_by_name_without_counted(team: Team) -> None:
    membership = OrganisationMembership.objects.get(person=team.bob.person)

    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationMembership.objects.filter(pk=membership.pk).update(
            seen_by_name=True, counted_in_figures=False
        )


@pytest.mark.parametrize("who", ["alice", "oscar", "paula"])
def test_only_the_member_sees_their_sharing_page(team: Team, who: str) -> None:
    page = sharing_url(team.bob, team.organisation)

    response = client_for(getattr(team, who)).post(page, {"counted_in_figures": "on"})

    assert response.status_code == 404
    assert not OrganisationMembership.objects.get(person=team.bob.person).counted_in_figures


# The equity officer's page -------------------------------------------------------------------


def test_equity_officers_see_only_counted_members_in_aggregate_and_named_ones_by_name(
    team: Team,
) -> None:
    officer = make_user("officer@example.org", organisation=team.organisation, equity_officer=True)
    counted = [
        make_user(name=f"Counted {n}", organisation=team.organisation, counted=True)
        for n in range(6)
    ]
    for n, user in enumerate(counted):
        gender = "woman" if n < 5 else "man"
        person_update_equity(by=user, person=user.person, **{**ANSWERS, "gender": gender})
    named = make_user(name="Nadia Named", organisation=team.organisation, seen_by_name=True)
    person_update_equity(by=named, person=named.person, **{**ANSWERS, "career_stage": "senior"})
    # Bob answered but chose nothing; Paula answered and was only invited.
    person_update_equity(by=team.bob, person=team.bob.person, **ANSWERS)
    invitation_send(by=team.alice, organisation=team.organisation, email="paula@example.org")
    person_update_equity(by=team.paula, person=team.paula.person, **ANSWERS)

    response = client_for(officer).get(reverse("organisations:equity", args=[team.organisation.pk]))

    figures = response.context["figures"]
    assert figures.counted == 6
    gender = {c.label: c.count for c in figures.tables[2].cells}
    # The one man is hidden, and so are the five women: shown, they would give him away as
    # the total less five.
    assert set(gender.values()) == {None}
    career = {c.label: c.count for c in figures.tables[0].cells}
    assert career["Early career"] == 6 and career["Senior"] is None
    assert [row.person for row in response.context["named"]] == [named.person]
    assert b"Nadia Named" in response.content and b"Bob Researcher" not in response.content


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_the_equity_page_is_for_equity_officers_only(team: Team, admin: User, who: str) -> None:
    response = client_for(getattr(team, who)).get(
        reverse("organisations:equity", args=[team.organisation.pk])
    )

    assert response.status_code == 403


def test_the_equity_page_is_hidden_from_superusers(team: Team) -> None:
    root = User.objects.create_superuser("root@example.org", "x" * 20)
    client = client_for(None)
    client.force_login(root)

    response = client.get(reverse("organisations:equity", args=[team.organisation.pk]))

    assert response.status_code == 403


def test_an_accepted_invitation_gives_an_officer_nothing_until_the_member_chooses(
    team: Team, admin: User
) -> None:
    officer = make_user("officer@example.org", organisation=team.organisation, equity_officer=True)
    person_update_equity(by=team.carol, person=team.carol.person, **ANSWERS)
    invitation = invitation_send(
        by=admin, organisation=team.organisation, email="carol@example.org"
    )
    invitation_accept(by=team.carol, invitation=invitation)
    equity = reverse("accounts:equity", args=[team.carol.person.pk])

    assert client_for(officer).get(equity).status_code == 404
    share(team.carol, team.organisation, seen_by_name=True)
    assert client_for(officer).get(equity).status_code == 200
    assert Person.objects.get(pk=team.carol.person.pk).career_stage == "early"


# The organisation's burden page counts answers by the organisation's own consent ------------


def test_the_organisation_burden_page_uses_each_persons_choice_to_be_counted_by_it(
    team: Team,
) -> None:
    """Bob chose to be counted by Northbridge; Alice chose it too but gave no general consent;
    Carol gave general consent but is no member of Northbridge; Oscar is a member who gave
    general consent but did not choose to be counted by it."""
    for user, consent in ((team.alice, False), (team.bob, True), (team.carol, True)):
        person_update_equity(by=user, person=user.person, **{**ANSWERS, "equity_consent": consent})
    person_update_equity(by=team.oscar, person=team.oscar.person, **ANSWERS)
    share(team.bob, team.organisation)
    share(team.alice, team.organisation)
    viewer = team.organisation.memberships.get(person=team.bob.person)
    viewer.is_portfolio_viewer = True
    viewer.save()

    response = client_for(team.bob).get(
        reverse("organisation_costs:burden", kwargs={"organisation_id": team.organisation.pk})
    )

    careers = {load.name: load.career_stage for load in response.context["report"].people}
    assert careers["Bob Researcher"] == "early"
    assert careers["Alice Lead"] == "early"
    assert careers["Carol Contributor"] == "not_disclosed"
    assert careers["Oscar Outsider"] == "not_disclosed"
    assert "members of Northbridge University who chose to be counted" in response.content.decode()
    # The project's own page keeps the general consent.
    on_project = {load.name: load.career_stage for load in burden_for_project(team.project).people}
    assert on_project["Carol Contributor"] == "early"
    assert on_project["Alice Lead"] == "not_disclosed"


# Leaving -------------------------------------------------------------------------------------


def leave_url(user: User, organisation: Organisation) -> str:
    membership = OrganisationMembership.objects.get(organisation=organisation, person__user=user)
    return reverse("accounts:membership_leave", args=[membership.pk])


def test_leaving_asks_first_then_the_answers_stop_counting_at_once(team: Team) -> None:
    officer = make_user(organisation=team.organisation, equity_officer=True)
    counted = [make_user(organisation=team.organisation, counted=True) for _ in range(6)]
    for user in counted:
        person_update_equity(by=user, person=user.person, **ANSWERS)
    leaver = counted[0]
    page = leave_url(leaver, team.organisation)
    equity = reverse("organisations:equity", args=[team.organisation.pk])
    assert client_for(officer).get(equity).context["figures"].counted == 6

    asked = client_for(leaver).get(page)

    assert b"Leave Northbridge University?" in asked.content
    assert team.organisation.memberships.filter(person=leaver.person).exists()

    response = client_for(leaver).post(page)

    assert response.status_code == 302
    assert not team.organisation.memberships.filter(person=leaver.person).exists()
    assert client_for(officer).get(equity).context["figures"].counted == 5
    event = AuditEvent.objects.for_organisation(team.organisation.pk).get(
        action="organisation.member_leave"
    )
    assert event.changes["counted_in_figures"] == {"from": True, "to": None}


@pytest.mark.parametrize("who", ["alice", "oscar"])
def test_nobody_else_can_make_a_member_leave(team: Team, admin: User, who: str) -> None:
    page = leave_url(team.bob, team.organisation)

    response = client_for(getattr(team, who)).post(page)

    assert response.status_code == 404
    assert team.organisation.memberships.filter(person=team.bob.person).exists()


def test_the_only_administrator_cannot_leave(team: Team, admin: User) -> None:
    response = client_for(admin).post(leave_url(admin, team.organisation), follow=True)

    assert "only administrator of Northbridge University" in response.content.decode()
    assert team.organisation.memberships.filter(person=admin.person).exists()
    assert "organisation.member_leave" not in log_actions(team.organisation)
