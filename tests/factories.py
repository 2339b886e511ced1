"""Plain factory functions: each makes one valid record through the services."""

from __future__ import annotations

import itertools

from coproduce.accounts.models import Organisation, OrganisationMembership, Person, User
from coproduce.accounts.services import (
    invitation_accept,
    invitation_send,
    membership_sharing_update,
    organisation_founder_join,
    person_create,
)
from coproduce.catalogue.models import Stage
from coproduce.projects.models import Project
from coproduce.projects.services import membership_add, project_create

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def make_organisation(name: str | None = None, kind: str = "university") -> Organisation:
    return Organisation.objects.create(name=name or f"Organisation {next(_sequence)}", kind=kind)


def make_user(
    email: str | None = None,
    *,
    name: str | None = None,
    party: str = "researcher",
    organisation: Organisation | None = None,
    equity_officer: bool = False,
    counted: bool = False,
    seen_by_name: bool = False,
) -> User:
    """A login with its Person, optionally a member of `organisation` (by an invitation it
    accepted), sharing its equity answers as chosen."""
    number = next(_sequence)
    user = User.objects.create_user(email or f"user{number}@example.org", PASSWORD)
    person_create(
        by=user,
        name=name or f"Person {number}",
        party=party,
        organisation=organisation,
        user=user,
    )
    if organisation is not None:
        join(
            user,
            organisation,
            equity_officer=equity_officer,
            counted=counted,
            seen_by_name=seen_by_name,
        )
    return user


def join(
    user: User,
    organisation: Organisation,
    *,
    equity_officer: bool = False,
    is_admin: bool = False,
    counted: bool = False,
    seen_by_name: bool = False,
) -> OrganisationMembership:
    """Make `user` a member the one way a login becomes one: an invitation it accepts. The
    inviter is another member if there is one (an equity officer needs one), else the user."""
    inviter = (
        User.objects.filter(person__org_memberships__organisation=organisation)
        .exclude(pk=user.pk)
        .order_by("pk")
        .first()
    ) or user
    if equity_officer and inviter == user:
        # Nobody accepts the equity officer role from themselves.
        inviter = make_user(name=f"Founder of {organisation.name}")
        organisation_founder_join(by=inviter, organisation=organisation)
    invitation = invitation_send(
        by=inviter,
        organisation=organisation,
        email=user.email,
        is_admin=is_admin,
        is_equity_officer=equity_officer,
    )
    membership = invitation_accept(by=user, invitation=invitation)
    if counted or seen_by_name:
        membership_sharing_update(
            by=user,
            membership=membership,
            counted_in_figures=counted or seen_by_name,
            seen_by_name=seen_by_name,
        )
    return membership


def make_person(name: str | None = None, *, party: str = "public", by: User) -> Person:
    return person_create(by=by, name=name or f"Person {next(_sequence)}", party=party)


def make_project(
    *, by: User, organisation: Organisation, title: str | None = None, stage: int = 1
) -> Project:
    return project_create(
        by=by,
        title=title or f"Project {next(_sequence)}",
        organisation=organisation,
        current_stage=Stage.objects.get(number=stage),
    )


def add_member(project: Project, user: User, role: str, *, by: User) -> None:
    membership_add(by=by, project=project, person=user.person, role=role)


def share(
    user: User, organisation: Organisation, *, counted: bool = True, seen_by_name: bool = False
) -> OrganisationMembership:
    """The member's own choice of what the organisation's equity officers see."""
    return membership_sharing_update(
        by=user,
        membership=OrganisationMembership.objects.get(organisation=organisation, person__user=user),
        counted_in_figures=counted,
        seen_by_name=seen_by_name,
    )
