from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from coproduce.accounts.models import Organisation, Person, User
from coproduce.accounts.services import person_create, person_for_user
from coproduce.audit.services import audited_delete, audited_save, snapshot, stored
from coproduce.catalogue.models import Stage
from coproduce.projects.models import Membership, Project, ProjectRole

PROJECT_FIELDS = (
    "title",
    "summary",
    "organisation",
    "funder",
    "start_date",
    "end_date",
    "current_stage",
    "approach",
    "why_coproduce",
    "intended_outcomes",
)


@transaction.atomic
def project_create(
    *,
    by: User,
    title: str,
    organisation: Organisation,
    current_stage: Stage,
    approach: str = "co_production",
    summary: str = "",
    funder: str = "",
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    why_coproduce: str = "",
    intended_outcomes: str = "",
) -> Project:
    """Create a project; its creator becomes its lead."""
    project = Project(
        title=title.strip(),
        organisation=organisation,
        current_stage=current_stage,
        approach=approach,
        summary=summary,
        funder=funder,
        start_date=start_date,
        end_date=end_date,
        why_coproduce=why_coproduce,
        intended_outcomes=intended_outcomes,
        created_by=by,
    )
    audited_save(project, by=by, action="project.create")
    membership_add(by=by, project=project, person=person_for_user(by), role=ProjectRole.LEAD)
    return project


@transaction.atomic
def project_update(*, by: User, project: Project, **fields: Any) -> Project:
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown project fields: {', '.join(sorted(unknown))}")
    before = snapshot(stored(project))
    for name, value in fields.items():
        setattr(project, name, value)
    audited_save(project, by=by, action="project.update", before=before, project_id=project.pk)
    return project


@transaction.atomic
def membership_add(
    *,
    by: User,
    project: Project,
    person: Person,
    role: str,
    is_data_custodian: bool = False,
) -> Membership:
    if Membership.objects.filter(project=project, person=person).exists():
        raise ValidationError({"person": f"{person.name} is already a member of this project."})
    membership = Membership(
        project=project,
        person=person,
        role=role,
        is_data_custodian=is_data_custodian,
        created_by=by,
    )
    audited_save(membership, by=by, action="membership.add", project_id=project.pk)
    return membership


@transaction.atomic
def membership_update(
    *, by: User, membership: Membership, role: str, is_data_custodian: bool
) -> Membership:
    current = stored(membership)
    if current.role == ProjectRole.LEAD and role != ProjectRole.LEAD:
        _ensure_another_lead(membership)
    before = snapshot(current)
    membership.role = role
    membership.is_data_custodian = is_data_custodian
    audited_save(
        membership,
        by=by,
        action="membership.update",
        before=before,
        project_id=membership.project_id,
    )
    return membership


@transaction.atomic
def membership_remove(*, by: User, membership: Membership) -> None:
    if membership.role == ProjectRole.LEAD:
        _ensure_another_lead(membership)
    audited_delete(membership, by=by, action="membership.remove")


def _ensure_another_lead(membership: Membership) -> None:
    others = Membership.objects.filter(
        project_id=membership.project_id, role=ProjectRole.LEAD
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(
            {"role": "A project needs at least one lead. Make someone else lead first."}
        )


@transaction.atomic
def membership_add_new_person(
    *,
    by: User,
    project: Project,
    role: str,
    name: str,
    party: str,
    email: str = "",
    role_title: str = "",
) -> Membership:
    """Record someone new (without a login) and add them to the project, all or nothing."""
    person = person_create(by=by, name=name, email=email, party=party, role_title=role_title)
    return membership_add(by=by, project=project, person=person, role=role)
