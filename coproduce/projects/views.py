from __future__ import annotations

import copy
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from coproduce.accounts.models import Person, User
from coproduce.audit.models import AuditEvent
from coproduce.core.forms import submit
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import Permission, require_project_permission
from coproduce.core.removal import Removal, confirm_removal
from coproduce.projects import services
from coproduce.projects.forms import AddMemberForm, MembershipForm, ProjectForm
from coproduce.projects.models import Membership, Project
from coproduce.projects.queries import project_overview as build_overview


@login_required
def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    projects = (
        Project.objects.visible_to(request.user)
        .select_related("current_stage", "organisation")
        .order_by("title", "pk")
    )
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    return render(request, "projects/project_list.html", {"page": page})


@login_required
def project_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProjectForm(form_data(request), user=request.user)
    project = submit(request, form, partial(services.project_create, by=request.user))
    if project is not None:
        messages.success(request, "Project created. You are its lead.")
        return redirect("projects:overview", project_id=project.pk)
    return render(request, "projects/project_form.html", {"form": form})


@require_project_permission(Permission.PROJECT_VIEW)
def project_overview(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    overview = build_overview(project)
    return render(
        request, "projects/project_overview.html", {"project": project, "overview": overview}
    )


@require_project_permission(Permission.PROJECT_EDIT)
def project_edit(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    # The form edits a copy, so the page header keeps the saved title if the form has errors.
    form = ProjectForm(form_data(request), instance=copy.copy(project), user=request.user)
    update = partial(services.project_update, by=request.user, project=project)
    if submit(request, form, update) is not None:
        messages.success(request, "Project details saved.")
        return redirect("projects:overview", project_id=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@require_project_permission(Permission.PROJECT_VIEW)
def member_list(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    members = Membership.objects.filter(project=project).select_related("person__organisation")
    return render(request, "projects/member_list.html", {"project": project, "members": members})


@require_project_permission(Permission.MEMBERS_MANAGE)
def member_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    form = AddMemberForm(form_data(request), project=project)
    membership = submit(request, form, partial(_add_member, by=request.user, project=project))
    if membership is not None:
        messages.success(request, f"{membership.person.name} added to the project.")
        return redirect("projects:members", project_id=project.pk)
    return render(request, "projects/member_add.html", {"project": project, "form": form})


def _add_member(
    *, by: User, project: Project, person: Person | None, role: str, **new: str
) -> Membership:
    if person is not None:
        return services.membership_add(by=by, project=project, person=person, role=role)
    return services.membership_add_new_person(
        by=by,
        project=project,
        role=role,
        name=new["new_name"],
        email=new["new_email"],
        party=new["new_party"],
        role_title=new["new_role_title"],
    )


@require_project_permission(Permission.MEMBERS_MANAGE)
def member_edit(
    request: AuthenticatedHttpRequest, project: Project, membership_id: int
) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("person"), project=project, pk=membership_id
    )
    form = MembershipForm(form_data(request), instance=membership)
    update = partial(services.membership_update, by=request.user, membership=membership)
    if submit(request, form, update) is not None:
        messages.success(request, f"{membership.person.name}'s role saved.")
        return redirect("projects:members", project_id=project.pk)
    return render(
        request,
        "projects/member_form.html",
        {"project": project, "membership": membership, "form": form},
    )


@require_http_methods(["GET", "POST"])
@require_project_permission(Permission.MEMBERS_MANAGE)
def member_remove(
    request: AuthenticatedHttpRequest, project: Project, membership_id: int
) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("person"), project=project, pk=membership_id
    )

    def remove() -> HttpResponse:
        try:
            services.membership_remove(by=request.user, membership=membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{membership.person.name} removed from the project.")
        return redirect("projects:members", project_id=project.pk)

    removal = Removal(
        what=f"{membership.person.name} from the project",
        consequence=f"{membership.person.name} will no longer see the project. Their past work "
        "stays on record.",
        button=f"Yes, remove {membership.person.name}",
        cancel_url=reverse("projects:member_edit", args=[project.pk, membership.pk]),
    )
    return confirm_removal(request, project, removal, remove)


@require_project_permission(Permission.AUDIT_VIEW)
def audit_log(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    events = AuditEvent.objects.for_project(project.pk)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "projects/audit_log.html", {"project": project, "page": page})
