from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.accounts.models import PartyKind
from coproduce.catalogue.models import Stage
from coproduce.core.forms import submit
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import (
    Permission,
    may_change_contribution,
    permissions_for,
    require_project_permission,
)
from coproduce.core.removal import Removal, confirm_removal
from coproduce.planning import services
from coproduce.planning.forms import ContributionForm, EmphasisForm, InvolvementForm
from coproduce.planning.models import Contribution, Involvement
from coproduce.planning.queries import involvement_grid, project_appraisal
from coproduce.projects.models import Project

CELL = "planning/involvement_cell.html"


@require_project_permission(Permission.PROJECT_VIEW)
def contribution_list(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    contributions = (
        Contribution.objects.filter(project=project)
        .select_related("project")
        .prefetch_related("stages")
    )
    changeable = {c.pk for c in contributions if may_change_contribution(request.user, c)}
    return render(
        request,
        "planning/contribution_list.html",
        {
            "project": project,
            "contributions": contributions,
            "changeable": changeable,
            "form": ContributionForm(),
        },
    )


@require_project_permission(Permission.CONTRIBUTIONS_EDIT)
def contribution_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    return _contribution_form(request, project, None)


@require_project_permission(Permission.CONTRIBUTIONS_EDIT)
def contribution_edit(
    request: AuthenticatedHttpRequest, project: Project, contribution_id: int
) -> HttpResponse:
    contribution = _changeable_contribution(request, project, contribution_id)
    return _contribution_form(request, project, contribution)


def _changeable_contribution(
    request: AuthenticatedHttpRequest, project: Project, contribution_id: int
) -> Contribution:
    contribution = get_object_or_404(Contribution, project=project, pk=contribution_id)
    if not may_change_contribution(request.user, contribution):
        raise PermissionDenied("Only its party, whoever recorded it, or the lead may change it.")
    return contribution


def _contribution_form(
    request: AuthenticatedHttpRequest, project: Project, contribution: Contribution | None
) -> HttpResponse:
    form = ContributionForm(form_data(request), instance=contribution)

    save = (
        partial(services.contribution_create, by=request.user, project=project)
        if contribution is None
        else partial(services.contribution_update, by=request.user, contribution=contribution)
    )
    if submit(request, form, save) is not None:
        messages.success(request, "Contribution saved.")
        return redirect("planning:contributions", project_id=project.pk)
    return render(
        request,
        "planning/contribution_form.html",
        {"project": project, "form": form, "contribution": contribution},
    )


@require_http_methods(["GET", "POST"])
@require_project_permission(Permission.CONTRIBUTIONS_EDIT)
def contribution_delete(
    request: AuthenticatedHttpRequest, project: Project, contribution_id: int
) -> HttpResponse:
    contribution = _changeable_contribution(request, project, contribution_id)

    def remove() -> HttpResponse:
        services.contribution_delete(by=request.user, contribution=contribution)
        messages.success(request, "Contribution removed.")
        return redirect("planning:contributions", project_id=project.pk)

    removal = Removal(
        what=f"the contribution “{contribution}”",
        consequence="It leaves the list of what everyone brings. The change log keeps a record "
        "of it.",
        button="Yes, remove this contribution",
        cancel_url=reverse("planning:contribution_edit", args=[project.pk, contribution.pk]),
    )
    return confirm_removal(request, project, removal, remove)


@require_project_permission(Permission.PROJECT_VIEW)
def involvement(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    grid = involvement_grid(project, all_parties=request.GET.get("all") == "1")
    may_edit = Permission.INVOLVEMENT_EDIT in permissions_for(request.user, project)
    return render(
        request,
        "planning/involvement_grid.html",
        {"project": project, "grid": grid, "may_edit": may_edit},
    )


@require_project_permission(Permission.INVOLVEMENT_EDIT)
def involvement_cell(
    request: AuthenticatedHttpRequest, project: Project, party: str, stage_number: int
) -> HttpResponse:
    """One cell of the grid: a full page without JavaScript, a fragment in place with htmx."""
    context = _cell_context(project, party, stage_number)
    if request.htmx and request.GET.get("show") == "cell":
        return render(request, f"{CELL}#cell_display", context)
    if request.method == "POST" and "clear" in request.POST:
        if context["cell"] is not None:
            services.involvement_clear(by=request.user, involvement=context["cell"])
        return _cell_saved(request, project, {**context, "cell": None})
    # Several cell forms can be open on the grid at once: each needs its own element ids.
    auto_id = f"cell-{party}-{stage_number}-%s"
    form = InvolvementForm(form_data(request), instance=context["cell"], auto_id=auto_id)
    save = partial(
        services.involvement_save,
        by=request.user,
        project=project,
        party=party,
        stage=context["stage"],
    )
    saved = submit(request, form, save)
    if saved is not None:
        return _cell_saved(request, project, {**context, "cell": saved})
    template = f"{CELL}#cell_form" if request.htmx else CELL
    return render(request, template, {**context, "form": form})


def _cell_context(project: Project, party: str, stage_number: int) -> dict[str, Any]:
    if party not in PartyKind.values:
        raise Http404("No such party")
    stage = get_object_or_404(Stage, number=stage_number)
    return {
        "project": project,
        "party": party,
        "party_label": PartyKind(party).label,
        "stage": stage,
        "cell": Involvement.objects.filter(project=project, party=party, stage=stage).first(),
        "may_edit": True,
    }


def _cell_saved(
    request: AuthenticatedHttpRequest, project: Project, context: dict[str, object]
) -> HttpResponse:
    if request.htmx:
        return render(request, f"{CELL}#cell_display", {**context, "focus": True})
    messages.success(request, "Involvement saved.")
    return redirect("planning:involvement", project_id=project.pk)


@require_project_permission(Permission.PROJECT_VIEW)
def emphasis(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    return _emphasis_page(request, project, bound=False)


@require_POST
@require_project_permission(Permission.EMPHASIS_SCORE)
def emphasis_score(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    return _emphasis_page(request, project, bound=True)


def _emphasis_page(
    request: AuthenticatedHttpRequest, project: Project, *, bound: bool
) -> HttpResponse:
    criteria, ratings, appraisal = project_appraisal(project)
    form = EmphasisForm(request.POST if bound else None, criteria=criteria, ratings=ratings)
    rate_all = partial(services.emphasis_rate_all, by=request.user, project=project)
    saved = submit(request, form, lambda **_: rate_all(scores=form.answers()))
    if saved is not None:
        messages.success(request, "Scores saved. The recommendation is up to date.")
        return redirect("planning:emphasis", project_id=project.pk)
    may_score = Permission.EMPHASIS_SCORE in permissions_for(request.user, project)
    return render(
        request,
        "planning/emphasis_appraisal.html",
        {
            "project": project,
            "form": form,
            "appraisal": appraisal,
            "rated": [(criterion, ratings.get(criterion.pk)) for criterion in criteria],
            "may_score": may_score,
        },
        status=400 if bound else 200,
    )
