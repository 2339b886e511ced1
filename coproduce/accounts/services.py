from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coproduce.accounts.models import (
    Gender,
    Invitation,
    InvitationStatus,
    Organisation,
    OrganisationMembership,
    Person,
    User,
)
from coproduce.audit.services import audit_record, audited_delete, audited_save, snapshot, stored

logger = logging.getLogger(__name__)

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
    organisation_founder_join(by=by, organisation=organisation)
    return organisation


@transaction.atomic
def organisation_founder_join(*, by: User, organisation: Organisation) -> OrganisationMembership:
    """Make `by` the first administrator of an organisation that has no members yet (one just
    created, here or by the demo). Anyone else joins by accepting an invitation."""
    if OrganisationMembership.objects.filter(organisation=organisation).exists():
        raise ValidationError("Only an organisation without members can be founded.")
    return _membership_create(
        by=by, organisation=organisation, person=person_for_user(by), is_admin=True
    )


def _membership_create(
    *,
    by: User,
    organisation: Organisation,
    person: Person,
    is_admin: bool = False,
    is_equity_officer: bool = False,
    is_portfolio_viewer: bool = False,
) -> OrganisationMembership:
    """The one place a membership row is made; callers have checked the person's consent (an
    accepted invitation, founding it themselves) or that the person has no login."""
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
def organisation_member_record(
    *, by: User, organisation: Organisation, person: Person
) -> OrganisationMembership:
    """Record someone without a login as a member. It gives nobody access to anything: the
    person cannot sign in, and without a login they cannot choose to share their answers."""
    if stored(person).user_id is not None:
        raise ValidationError(
            {"person": "Someone with an account joins by accepting an invitation."}
        )
    return _membership_create(by=by, organisation=organisation, person=person)


@transaction.atomic
def organisation_member_add_new_person(
    *,
    by: User,
    organisation: Organisation,
    name: str,
    party: str,
    role_title: str = "",
) -> OrganisationMembership:
    """Record someone new (without a login) as a member of the organisation, all or nothing."""
    person = person_create(
        by=by, name=name, party=party, role_title=role_title, organisation=organisation
    )
    return organisation_member_record(by=by, organisation=organisation, person=person)


@transaction.atomic
def organisation_member_update(
    *,
    by: User,
    membership: OrganisationMembership,
    is_admin: bool,
    is_equity_officer: bool,
    is_portfolio_viewer: bool,
) -> OrganisationMembership:
    """Change a member's standing. The equity officer role can be taken away here but is
    given only by an invitation the person accepts (`invitation_accept`)."""
    current = stored(membership)
    if is_equity_officer and not current.is_equity_officer:
        raise ValidationError(
            {
                "is_equity_officer": "The equity officer role is offered by invitation: "
                "the person accepts it themselves."
            }
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
def membership_sharing_update(
    *,
    by: User,
    membership: OrganisationMembership,
    counted_in_figures: bool,
    seen_by_name: bool,
) -> OrganisationMembership:
    """The member's own choice of what the organisation's equity officers see of their
    answers: nothing, a count in the aggregate figures, or their answers by name as well."""
    current = stored(membership)
    if current.person.user_id != by.pk:
        raise PermissionDenied("Only the member chooses what is shared.")
    if seen_by_name and not counted_in_figures:
        raise ValidationError(
            {
                "seen_by_name": "Choose to be counted in the organisation's figures before "
                "choosing to be seen by name."
            }
        )
    before = snapshot(current)
    membership.counted_in_figures = counted_in_figures
    membership.seen_by_name = seen_by_name
    audited_save(membership, by=by, action="organisation.member_sharing", before=before)
    return membership


@transaction.atomic
def membership_leave(*, by: User, membership: OrganisationMembership) -> None:
    """The member leaves the organisation. The membership goes, and with it every choice to
    share: from now on their answers enter none of the organisation's figures. The change log
    records what the membership held. Its only administrator cannot leave, so that someone is
    always left to manage it."""
    current = stored(membership)
    if current.person.user_id != by.pk:
        raise PermissionDenied("Only the member leaves; administrators cannot remove a login.")
    others = OrganisationMembership.objects.filter(
        organisation_id=current.organisation_id, is_admin=True
    ).exclude(pk=current.pk)
    if current.is_admin and not others.exists():
        raise ValidationError(
            f"You are the only administrator of {current.organisation.name}: make another "
            "member an administrator before you leave."
        )
    audited_delete(current, by=by, action="organisation.member_leave")


# Invitations ---------------------------------------------------------------------------------


@transaction.atomic
def invitation_send(
    *,
    by: User,
    organisation: Organisation,
    email: str,
    is_admin: bool = False,
    is_equity_officer: bool = False,
    is_portfolio_viewer: bool = False,
) -> Invitation:
    """Invite an address to join, offering the standing ticked. The same happens whether or not
    the address has an account (nothing here looks one up): the invitation is stored and mailed,
    and waits for an account with that address to accept or decline it."""
    email = email.strip().lower()
    if Invitation.objects.filter(
        organisation=organisation, email=email, status=InvitationStatus.PENDING
    ).exists():
        raise ValidationError(
            {"email": "An invitation to this address is already waiting for an answer."}
        )
    invitation = Invitation(
        organisation=organisation,
        email=email,
        is_admin=is_admin,
        is_equity_officer=is_equity_officer,
        is_portfolio_viewer=is_portfolio_viewer,
        invited_by=by,
    )
    audited_save(invitation, by=by, action="organisation.invitation_send")
    transaction.on_commit(partial(_mail_invitation, invitation.pk))
    return invitation


def _mail_invitation(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(
        pk=invitation_id
    )
    link = settings.COPRODUCE_SITE_URL.rstrip("/") + reverse(
        "accounts:invitation", kwargs={"invitation_id": invitation.pk}
    )
    context = {"invitation": invitation, "link": link}
    try:
        send_mail(
            subject=f"An invitation to join {invitation.organisation.name} on coproduce",
            message=render_to_string("accounts/invitation_email.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except OSError:
        # The invitation stands and shows on the person's invitations page; the inviter's
        # answer must not depend on whether mail to the address went through.
        logger.exception("Could not mail invitation %s", invitation.pk)


def _pending_for(by: User, invitation: Invitation) -> Invitation:
    """The invitation as stored, if it is still pending and addressed to `by`."""
    current = stored(invitation)
    if current.email != by.email.lower():
        raise PermissionDenied("This invitation was sent to another address.")
    if current.status != InvitationStatus.PENDING:
        raise ValidationError(f"This invitation was already {current.get_status_display()}.")
    return current


@transaction.atomic
def invitation_accept(*, by: User, invitation: Invitation) -> OrganisationMembership:
    """The invited person joins, with the standing the invitation offered. A member invited
    again gains the roles offered. Only here does anyone become an equity officer."""
    current = _pending_for(by, invitation)
    if current.is_equity_officer and current.invited_by_id == by.pk:
        raise ValidationError("Another administrator must invite you to be an equity officer.")
    before = snapshot(current)
    current.status = InvitationStatus.ACCEPTED
    current.responded_at = timezone.now()
    audited_save(current, by=by, action="organisation.invitation_accept", before=before)
    person = person_for_user(by)
    membership = (
        OrganisationMembership.objects.select_for_update()
        .filter(organisation_id=current.organisation_id, person=person)
        .first()
    )
    if membership is None:
        return _membership_create(
            by=by,
            organisation=current.organisation,
            person=person,
            is_admin=current.is_admin,
            is_equity_officer=current.is_equity_officer,
            is_portfolio_viewer=current.is_portfolio_viewer,
        )
    standing = snapshot(membership)
    membership.is_admin |= current.is_admin
    membership.is_equity_officer |= current.is_equity_officer
    membership.is_portfolio_viewer |= current.is_portfolio_viewer
    audited_save(membership, by=by, action="organisation.member_update", before=standing)
    return membership


@transaction.atomic
def invitation_decline(*, by: User, invitation: Invitation) -> Invitation:
    current = _pending_for(by, invitation)
    before = snapshot(current)
    current.status = InvitationStatus.DECLINED
    current.responded_at = timezone.now()
    audited_save(current, by=by, action="organisation.invitation_decline", before=before)
    return current


@transaction.atomic
def invitation_withdraw(*, by: User, invitation: Invitation) -> Invitation:
    """An administrator takes back an invitation that has not been answered."""
    current = stored(invitation)
    if current.status != InvitationStatus.PENDING:
        raise ValidationError(f"This invitation was already {current.get_status_display()}.")
    before = snapshot(current)
    current.status = InvitationStatus.WITHDRAWN
    current.responded_at = timezone.now()
    audited_save(current, by=by, action="organisation.invitation_withdraw", before=before)
    return current
