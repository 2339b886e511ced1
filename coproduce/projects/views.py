from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coproduce.accounts.services import person_create
from coproduce.audit.models import AuditEvent
from coproduce.core.forms import apply_errors
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import Permission, require_project_permission
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
    if request.method == "POST" and form.is_valid():
        project = services.project_create(by=request.user, **form.cleaned_data)
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
    form = ProjectForm(form_data(request), instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.project_update(by=request.user, project=project, **form.cleaned_data)
        messages.success(request, "Project details saved.")
        return redirect("projects:overview", project_id=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


@require_project_permission(Permission.PROJECT_VIEW)
def member_list(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    members = Membership.objects.filter(project=project).select_related("person__organisation")
    return render(
        request,
        "projects/member_list.html",
        {"project": project, "members": members, "form": AddMemberForm(project=project)},
    )


@require_project_permission(Permission.MEMBERS_MANAGE)
def member_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    form = AddMemberForm(form_data(request), project=project)
    if request.method == "POST" and form.is_valid() and _add_member(request, project, form):
        return redirect("projects:members", project_id=project.pk)
    return render(request, "projects/member_add.html", {"project": project, "form": form})


def _add_member(request: AuthenticatedHttpRequest, project: Project, form: AddMemberForm) -> bool:
    data = form.cleaned_data
    try:
        person = data["person"] or person_create(
            by=request.user,
            name=data["new_name"],
            email=data["new_email"],
            party=data["new_party"],
            role_title=data["new_role_title"],
        )
        services.membership_add(by=request.user, project=project, person=person, role=data["role"])
    except ValidationError as error:
        apply_errors(form, error)
        return False
    messages.success(request, f"{person.name} added to the project.")
    return True


@require_project_permission(Permission.MEMBERS_MANAGE)
def member_edit(
    request: AuthenticatedHttpRequest, project: Project, membership_id: int
) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("person"), project=project, pk=membership_id
    )
    form = MembershipForm(form_data(request), instance=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(by=request.user, membership=membership, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{membership.person.name}'s role saved.")
            return redirect("projects:members", project_id=project.pk)
    return render(
        request,
        "projects/member_form.html",
        {"project": project, "membership": membership, "form": form},
    )


@require_POST
@require_project_permission(Permission.MEMBERS_MANAGE)
def member_remove(
    request: AuthenticatedHttpRequest, project: Project, membership_id: int
) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("person"), project=project, pk=membership_id
    )
    try:
        services.membership_remove(by=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.person.name} removed from the project.")
    return redirect("projects:members", project_id=project.pk)


@require_project_permission(Permission.AUDIT_VIEW)
def audit_log(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    events = AuditEvent.objects.for_project(project.pk)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "projects/audit_log.html", {"project": project, "page": page})
