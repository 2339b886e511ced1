from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coproduce.accounts.models import Gender, Organisation, OrganisationMembership, Person, User
from coproduce.audit.services import audit_record, audited_save, snapshot, stored

EQUITY_FIELDS = ("career_stage", "contract", "gender", "gender_self_description", "equity_consent")


def person_for_user(user: User) -> Person:
    """The user's Person; a login without one (say, a new superuser) gets one named after it."""
    person = Person.objects.filter(user=user).first()
    if person is None:
        person = person_create(by=user, name=user.get_full_name() or user.email, user=user)
    return person


def password_changed(*, by: User) -> None:
    """Record that a user changed their password (never the password itself)."""
    audit_record(by=by, action="user.password_change", target=by, changes={"password": {}})


@transaction.atomic
def person_create(
    *,
    by: User,
    name: str,
    email: str = "",
    party: str = "researcher",
    organisation: Organisation | None = None,
    role_title: str = "",
    user: User | None = None,
) -> Person:
    person = Person(
        name=name.strip(),
        email=email.strip().lower(),
        party=party,
        organisation=organisation,
        role_title=role_title.strip(),
        user=user,
        created_by=by,
    )
    audited_save(person, by=by, action="person.create")
    return person


@transaction.atomic
def person_update_equity(
    *,
    by: User,
    person: Person,
    career_stage: str,
    contract: str,
    gender: str,
    gender_self_description: str,
    equity_consent: bool,
) -> Person:
    """Record a person's self-declared equity attributes and their consent to aggregate use.

    The audit event names which fields changed but never their values: the log is readable by
    project leads, and equity attributes must not appear next to a name.
    """
    current = stored(person)
    before = {name: getattr(current, name) for name in EQUITY_FIELDS}
    person.career_stage = career_stage
    person.contract = contract
    person.gender = gender
    person.gender_self_description = (
        gender_self_description.strip() if gender == Gender.SELF_DESCRIBED else ""
    )
    person.equity_consent_at = current.equity_consent_at
    if equity_consent and not current.equity_consent:
        person.equity_consent_at = timezone.now()
    if not equity_consent:
        person.equity_consent_at = None
    person.equity_consent = equity_consent
    person.full_clean()
    person.save()
    changed = sorted(name for name in EQUITY_FIELDS if getattr(person, name) != before[name])
    audit_record(
        by=by,
        action="person.update_equity",
        target=person,
        changes={name: {"changed": True} for name in changed},
    )
    return person


@transaction.atomic
def organisation_create(*, by: User, name: str, kind: str) -> Organisation:
    """Create an organisation; its creator becomes a member and its first administrator."""
    name = name.strip()
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "An organisation with this name already exists."})
    organisation = Organisation(name=name, kind=kind)
    audited_save(organisation, by=by, action="organisation.create")
    organisation_member_add(
        by=by, organisation=organisation, person=person_for_user(by), is_admin=True
    )
    return organisation


@transaction.atomic
def organisation_member_add(
    *,
    by: User,
    organisation: Organisation,
    person: Person,
    is_admin: bool = False,
    is_equity_officer: bool = False,
    is_portfolio_viewer: bool = False,
) -> OrganisationMembership:
    if OrganisationMembership.objects.filter(organisation=organisation, person=person).exists():
        raise ValidationError({"person": f"{person.name} is already a member."})
    if person.organisation_id is None:
        # Their first organisation becomes their affiliation (a work attribute).
        before = snapshot(stored(person), ["organisation_id"])
        person.organisation = organisation
        audited_save(person, by=by, action="person.update", before=before)
    membership = OrganisationMembership(
        organisation=organisation,
        person=person,
        is_admin=is_admin,
        is_equity_officer=is_equity_officer,
        is_portfolio_viewer=is_portfolio_viewer,
    )
    audited_save(membership, by=by, action="organisation.member_add")
    return membership


@transaction.atomic
def organisation_member_update(
    *,
    by: User,
    membership: OrganisationMembership,
    is_admin: bool,
    is_equity_officer: bool,
    is_portfolio_viewer: bool,
) -> OrganisationMembership:
    current = stored(membership)
    if is_equity_officer and not current.is_equity_officer and membership.person.user_id == by.pk:
        raise ValidationError(
            {"is_equity_officer": "Another administrator must make you an equity officer."}
        )
    if current.is_admin and not is_admin:
        others = OrganisationMembership.objects.filter(
            organisation_id=membership.organisation_id, is_admin=True
        ).exclude(pk=membership.pk)
        if not others.exists():
            raise ValidationError({"is_admin": "An organisation needs at least one administrator."})
    before = snapshot(current)
    membership.is_admin = is_admin
    membership.is_equity_officer = is_equity_officer
    membership.is_portfolio_viewer = is_portfolio_viewer
    audited_save(membership, by=by, action="organisation.member_update", before=before)
    return membership


@transaction.atomic
def organisation_member_add_new_person(
    *,
    by: User,
    organisation: Organisation,
    name: str,
    party: str,
    role_title: str = "",
    **standing: bool,
) -> OrganisationMembership:
    """Record someone new (without a login) as a member of the organisation, all or nothing."""
    person = person_create(
        by=by, name=name, party=party, role_title=role_title, organisation=organisation
    )
    return organisation_member_add(by=by, organisation=organisation, person=person, **standing)
