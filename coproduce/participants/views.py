"""The participant register: counts for every member, identifying details behind the firewall.

Every view that shows or changes identifying details is wrapped in `identifying`: only data
custodians get in (others get 403, outsiders 404), a missing or wrong key shows the locked page
(503) instead of the details, the response is never cached, and the view records the access
before it shows anything.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from coproduce.core.forms import submit
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import Permission, require_project_permission
from coproduce.core.spreadsheets import defused
from coproduce.participants import crypto, queries, services
from coproduce.participants.forms import ParticipantForm, WithdrawForm
from coproduce.participants.models import AccessAction, Participant, ParticipantStatus
from coproduce.projects.models import Project

PAGE_SIZE = 50
ACCESS_PAGE_SIZE = 100

type ProjectView = Callable[..., HttpResponse]


def identifying(view: ProjectView) -> Callable[..., HttpResponseBase]:
    """For views that show or change identifying details: custodians only, a usable key, no
    caching, and all of the view's writes (the access record included) undone if it fails."""

    @require_project_permission(Permission.PARTICIPANTS_IDENTIFY)
    @functools.wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, project: Project, **kwargs: Any) -> HttpResponse:
        try:
            crypto.check_key()
            with transaction.atomic():
                response = view(request, project, **kwargs)
        except crypto.ParticipantKeyError as error:
            response = render(
                request,
                "participants/locked.html",
                {"project": project, "problem": str(error)},
                status=503,
            )
        add_never_cache_headers(response)
        return response

    return wrapper


@require_project_permission(Permission.PROJECT_VIEW)
def counts(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """Counts by site, stage and status for every member; works without the key."""
    return render(
        request,
        "participants/counts.html",
        {
            "project": project,
            "counts": queries.participant_counts(project),
            "custodians": queries.custodians(project),
            "locked": crypto.key_problem(),
        },
    )


@identifying
def register(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    participants = queries.register(project)
    status = request.GET.get("status")
    if status in ParticipantStatus.values:
        participants = participants.filter(status=status)
    page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
    services.access_record(by=request.user, project=project, action=AccessAction.LIST)
    return render(
        request,
        "participants/register.html",
        {
            "project": project,
            "page": page,
            "rows": [(p, services.details(p)) for p in page],
            "status": status if status in ParticipantStatus.values else "",
            "statuses": ParticipantStatus.choices,
        },
    )


@identifying
def participant_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    form = ParticipantForm(form_data(request), initial={"stage": project.current_stage})
    participant = submit(
        request, form, partial(services.participant_add, by=request.user, project=project)
    )
    if participant is not None:
        messages.success(request, f"{participant.code} added to the register.")
        return redirect("participants:detail", project_id=project.pk, participant_id=participant.pk)
    return _form_page(request, project, form, None)


@identifying
def participant_edit(
    request: AuthenticatedHttpRequest, project: Project, participant_id: int
) -> HttpResponse:
    participant = get_object_or_404(queries.register(project), pk=participant_id)
    form = ParticipantForm(
        form_data(request),
        participant=participant,
        initial=ParticipantForm.initial_for(participant, services.details(participant)),
    )
    saved = submit(
        request,
        form,
        partial(services.participant_update, by=request.user, participant=participant),
    )
    if saved is not None:
        messages.success(request, f"{saved.code} saved.")
        return redirect("participants:detail", project_id=project.pk, participant_id=saved.pk)
    # Showing the form shows the details: record it (a successful save records itself).
    services.access_record(
        by=request.user, project=project, action=AccessAction.EDIT, participant=participant
    )
    return _form_page(request, project, form, participant)


def _form_page(
    request: AuthenticatedHttpRequest,
    project: Project,
    form: ParticipantForm,
    participant: Participant | None,
) -> HttpResponse:
    # After a stale edit, what the other custodian saved, to compare with the form.
    current = None
    if participant is not None and form.has_error(NON_FIELD_ERRORS, "stale"):
        fresh = queries.register(project).get(pk=participant.pk)
        current = (fresh, services.details(fresh))
    return render(
        request,
        "participants/participant_form.html",
        {"project": project, "form": form, "participant": participant, "current": current},
    )


@identifying
def participant_detail(
    request: AuthenticatedHttpRequest, project: Project, participant_id: int
) -> HttpResponse:
    participant = get_object_or_404(queries.register(project), pk=participant_id)
    return _detail_page(request, project, participant, WithdrawForm())


def _detail_page(
    request: AuthenticatedHttpRequest,
    project: Project,
    participant: Participant,
    withdraw_form: WithdrawForm,
    status: int = 200,
) -> HttpResponse:
    details = services.details(participant)
    services.access_record(
        by=request.user, project=project, action=AccessAction.VIEW, participant=participant
    )
    return render(
        request,
        "participants/participant_detail.html",
        {
            "project": project,
            "participant": participant,
            "details": details,
            "withdraw_form": withdraw_form,
            "accesses": participant.accesses.all()[:20],
        },
        status=status,
    )


@require_POST
@identifying
def participant_withdraw(
    request: AuthenticatedHttpRequest, project: Project, participant_id: int
) -> HttpResponse:
    participant = get_object_or_404(queries.register(project), pk=participant_id)
    form = WithdrawForm(request.POST)
    saved = submit(
        request,
        form,
        partial(services.participant_withdraw, by=request.user, participant=participant),
    )
    if saved is not None:
        erased = form.cleaned_data["erase_details"]
        messages.success(
            request,
            f"{saved.code} withdrawn{' and their details erased' if erased else ''}.",
        )
        return redirect("participants:detail", project_id=project.pk, participant_id=saved.pk)
    return _detail_page(request, project, participant, form)


@identifying
def register_export(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """Every participant with their identifying details, as CSV, for a custodian's mailing or
    follow-up. Recorded like any other view of the details."""
    services.access_record(by=request.user, project=project, action=AccessAction.EXPORT)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "site", "stage", "status", "name", "contact", "notes"])
    for participant in queries.register(project).iterator():
        details = services.details(participant)
        writer.writerow(
            [
                participant.code,
                defused(participant.site),
                participant.stage.number,
                participant.status,
                defused(details.name),
                defused(details.contact),
                defused(details.notes),
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"{slugify(project.title)[:40]}-participants.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_project_permission(Permission.PARTICIPANTS_IDENTIFY)
def access_log(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """Who saw or changed identifying details, and when. Codes only, so it opens without the
    key."""
    page = Paginator(queries.access_log(project).select_related("user"), ACCESS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    response = render(request, "participants/access_log.html", {"project": project, "page": page})
    add_never_cache_headers(response)
    return response
