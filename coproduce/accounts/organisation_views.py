"""Organisations and their members."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from coproduce.accounts import queries, services
from coproduce.accounts.forms import (
    InvitationForm,
    OrganisationForm,
    OrganisationMembershipForm,
    RecordMemberForm,
)
from coproduce.accounts.models import InvitationStatus, Organisation, OrganisationMembership
from coproduce.audit.models import AuditEvent
from coproduce.core.forms import submit
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import (
    Permission,
    has_permission,
    require_organisation_permission,
)


@login_required
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = Organisation.objects.of_user(request.user)
    return render(request, "accounts/organisation_list.html", {"organisations": organisations})


@login_required
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganisationForm(form_data(request))
    organisation = submit(request, form, partial(services.organisation_create, by=request.user))
    if organisation is not None:
        messages.success(request, "Organisation created. You are its administrator.")
        return redirect("organisations:detail", organisation_id=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form})


@require_organisation_permission(Permission.ORGANISATION_VIEW)
def organisation_detail(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> HttpResponse:
    memberships = organisation.memberships.select_related("person").order_by("person__name")
    may_manage = has_permission(
        request.user, Permission.ORGANISATION_MANAGE, organisation=organisation
    )
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "may_manage": may_manage,
            "invitations": organisation.invitations.filter(status=InvitationStatus.PENDING)
            if may_manage
            else [],
            "is_equity_officer": has_permission(
                request.user, Permission.ORGANISATION_EQUITY, organisation=organisation
            ),
            "may_see_portfolio": has_permission(
                request.user, Permission.ORGANISATION_PORTFOLIO, organisation=organisation
            ),
        },
    )


@require_organisation_permission(Permission.ORGANISATION_MANAGE)
def organisation_invite(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> HttpResponse:
    form = InvitationForm(form_data(request))
    send = partial(services.invitation_send, by=request.user, organisation=organisation)
    invitation = submit(request, form, send)
    if invitation is not None:
        # The same words whether or not the address has an account.
        messages.success(
            request,
            f"Invitation sent to {invitation.email}. It waits on their invitations page until "
            "they accept or decline it.",
        )
        return redirect("organisations:detail", organisation_id=organisation.pk)
    return render(
        request, "accounts/organisation_invite.html", {"organisation": organisation, "form": form}
    )


@require_organisation_permission(Permission.ORGANISATION_MANAGE)
def organisation_member_record(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> HttpResponse:
    form = RecordMemberForm(form_data(request))
    record = partial(
        services.organisation_member_add_new_person, by=request.user, organisation=organisation
    )
    membership = submit(request, form, record)
    if membership is not None:
        messages.success(request, f"{membership.person.name} recorded in {organisation.name}.")
        return redirect("organisations:detail", organisation_id=organisation.pk)
    return render(
        request,
        "accounts/organisation_member_record.html",
        {"organisation": organisation, "form": form},
    )


@require_organisation_permission(Permission.ORGANISATION_EQUITY)
def organisation_equity(
    request: AuthenticatedHttpRequest, organisation: Organisation
) -> HttpResponse:
    return render(
        request,
        "accounts/organisation_equity.html",
        {
            "organisation": organisation,
            "figures": queries.organisation_equity_figures(organisation),
            "named": queries.organisation_named_answers(organisation),
        },
    )


@require_organisation_permission(Permission.ORGANISATION_MANAGE)
def organisation_member_edit(
    request: AuthenticatedHttpRequest, organisation: Organisation, org_membership_id: int
) -> HttpResponse:
    membership = get_object_or_404(
        OrganisationMembership.objects.select_related("person"),
        organisation=organisation,
        pk=org_membership_id,
    )
    form = OrganisationMembershipForm(form_data(request), instance=membership)
    update = partial(services.organisation_member_update, by=request.user, membership=membership)
    if submit(request, form, update) is not None:
        messages.success(request, f"{membership.person.name}'s standing saved.")
        return redirect("organisations:detail", organisation_id=organisation.pk)
    return render(
        request,
        "accounts/organisation_member_form.html",
        {"organisation": organisation, "membership": membership, "form": form},
    )


@require_organisation_permission(Permission.ORGANISATION_MANAGE)
def organisation_log(request: AuthenticatedHttpRequest, organisation: Organisation) -> HttpResponse:
    events = AuditEvent.objects.for_organisation(organisation.pk)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request, "accounts/organisation_log.html", {"organisation": organisation, "page": page}
    )
