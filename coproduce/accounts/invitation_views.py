"""A person's invitations and memberships: accepting, declining, withdrawing, and what each
organisation may see of their equity answers."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coproduce.accounts import services
from coproduce.accounts.forms import MembershipSharingForm
from coproduce.accounts.models import (
    Invitation,
    InvitationStatus,
    OrganisationMembership,
    User,
)
from coproduce.core.forms import submit
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import Permission, has_permission


def _visible_invitation(user: User, invitation_id: int) -> Invitation:
    """The invitation if it was sent to the user's address or by an organisation the user
    administers; otherwise 404, so nobody learns which invitations exist."""
    invitations = Invitation.objects.visible_to(user).select_related("organisation", "invited_by")
    return get_object_or_404(invitations, pk=invitation_id)


@login_required
def invitation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    invitations = Invitation.objects.addressed_to(request.user).select_related("organisation")
    memberships = OrganisationMembership.objects.filter(person__user=request.user).select_related(
        "organisation"
    )
    return render(
        request,
        "accounts/invitation_list.html",
        {
            "pending": invitations.filter(status=InvitationStatus.PENDING),
            "answered": invitations.exclude(status=InvitationStatus.PENDING),
            "memberships": memberships.order_by("organisation__name"),
        },
    )


@login_required
def invitation_detail(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _visible_invitation(request.user, invitation_id)
    is_addressee = invitation.email == request.user.email.lower()
    may_withdraw = has_permission(
        request.user, Permission.ORGANISATION_MANAGE, organisation=invitation.organisation
    )
    return render(
        request,
        "accounts/invitation_detail.html",
        {
            "invitation": invitation,
            "is_addressee": is_addressee,
            "may_withdraw": may_withdraw,
            "pending": invitation.status == InvitationStatus.PENDING,
        },
    )


def _answer(
    request: AuthenticatedHttpRequest,
    invitation_id: int,
    service: Callable[..., Any],
    done: str,
) -> HttpResponse:
    invitation = _visible_invitation(request.user, invitation_id)
    try:
        service(by=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:invitation", invitation_id=invitation.pk)
    messages.success(request, done.format(organisation=invitation.organisation.name))
    return redirect("accounts:invitations")


@require_POST
@login_required
def invitation_accept(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    return _answer(
        request,
        invitation_id,
        services.invitation_accept,
        "You are now a member of {organisation}. Choose below what it may see of your "
        "equity answers: nothing, until you choose.",
    )


@require_POST
@login_required
def invitation_decline(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    return _answer(
        request,
        invitation_id,
        services.invitation_decline,
        "Invitation from {organisation} declined.",
    )


@login_required
def invitation_withdraw(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    invitation = _visible_invitation(request.user, invitation_id)
    organisation = invitation.organisation
    if not has_permission(request.user, Permission.ORGANISATION_MANAGE, organisation=organisation):
        raise PermissionDenied("Only the organisation's administrators withdraw its invitations.")
    if request.method == "POST":
        try:
            services.invitation_withdraw(by=request.user, invitation=invitation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:invitation", invitation_id=invitation.pk)
        messages.success(request, f"Invitation to {invitation.email} withdrawn.")
        return redirect("organisations:detail", organisation_id=organisation.pk)
    return render(request, "accounts/invitation_withdraw.html", {"invitation": invitation})


@login_required
def membership_sharing(request: AuthenticatedHttpRequest, org_membership_id: int) -> HttpResponse:
    membership = OrganisationMembership.objects.select_related("organisation", "person").filter(
        pk=org_membership_id, person__user=request.user
    )
    found = membership.first()
    if found is None:
        # Not 403: that would tell anyone which memberships exist.
        raise Http404("No such membership")
    form = MembershipSharingForm(form_data(request), instance=found)
    save = partial(services.membership_sharing_update, by=request.user, membership=found)
    if submit(request, form, save) is not None:
        messages.success(request, f"Your choices for {found.organisation.name} are saved.")
        return redirect("accounts:invitations")
    return render(request, "accounts/membership_sharing.html", {"membership": found, "form": form})


@login_required
def membership_leave(request: AuthenticatedHttpRequest, org_membership_id: int) -> HttpResponse:
    """GET asks the member to confirm; only the POST leaves."""
    found = (
        OrganisationMembership.objects.select_related("organisation", "person")
        .filter(pk=org_membership_id, person__user=request.user)
        .first()
    )
    if found is None:
        raise Http404("No such membership")
    if request.method == "POST":
        try:
            services.membership_leave(by=request.user, membership=found)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:invitations")
        messages.success(request, f"You have left {found.organisation.name}.")
        return redirect("accounts:invitations")
    return render(request, "accounts/membership_leave.html", {"membership": found})
