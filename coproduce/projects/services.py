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
    "currency",
    "overspend_margin",
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
    currency: str = "GBP",
    overspend_margin: int = 10,
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
        currency=currency.upper(),
        overspend_margin=overspend_margin,
        created_by=by,
    )
    audited_save(project, by=by, action="project.create")
    lead = Membership(
        project=project, person=person_for_user(by), role=ProjectRole.LEAD, created_by=by
    )
    audited_save(lead, by=by, action="membership.add")
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
    lock_project(project.pk)
    _ensure_may_grant(by, project.pk, old_role=None, new_role=role, custodian=is_data_custodian)
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
    lock_project(membership.project_id)
    current = stored(membership)
    _ensure_may_grant(
        by,
        membership.project_id,
        old_role=current.role,
        new_role=role,
        custodian=is_data_custodian != current.is_data_custodian,
    )
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
    lock_project(membership.project_id)
    current = stored(membership)
    _ensure_may_grant(
        by, membership.project_id, old_role=current.role, new_role=None, custodian=False
    )
    if current.role == ProjectRole.LEAD:
        _ensure_another_lead(membership)
    audited_delete(membership, by=by, action="membership.remove")


def lock_project(project_id: int) -> None:
    """Serialise writes to one project, so checks such as "is there another lead?" or "is this
    cell already filled?" still hold when the write lands (PostgreSQL; SQLite writes one at a
    time anyway)."""
    Project.objects.select_for_update().filter(pk=project_id).values_list("pk").get()


def _ensure_may_grant(
    by: User, project_id: int, *, old_role: str | None, new_role: str | None, custodian: bool
) -> None:
    """Only a lead may make or unmake a lead, or choose data custodians: otherwise anyone who
    manages members could promote themselves."""
    if by.is_superuser:
        return
    actor_role = (
        Membership.objects.filter(project_id=project_id, person__user=by)
        .values_list("role", flat=True)
        .first()
    )
    if actor_role == ProjectRole.LEAD:
        return
    if ProjectRole.LEAD in (old_role, new_role):
        raise ValidationError({"role": "Only a lead can make someone a lead or change a lead."})
    if custodian:
        raise ValidationError({"is_data_custodian": "Only a lead can choose data custodians."})


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
