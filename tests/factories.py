"""Plain factory functions: each makes one valid record through the services."""

from __future__ import annotations

import itertools

from coproduce.accounts.models import Organisation, Person, User
from coproduce.accounts.services import organisation_member_add, person_create
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
) -> User:
    """A login with its Person, optionally a member of `organisation`."""
    number = next(_sequence)
    user = User.objects.create_user(email or f"user{number}@example.org", PASSWORD)
    person = person_create(
        by=user,
        name=name or f"Person {number}",
        party=party,
        organisation=organisation,
        user=user,
    )
    if organisation is not None:
        organisation_member_add(
            by=user, organisation=organisation, person=person, is_equity_officer=equity_officer
        )
    return user


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
