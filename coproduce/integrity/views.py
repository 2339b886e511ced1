from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coproduce.core.forms import submit
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import Permission, require_project_permission
from coproduce.integrity import queries, services
from coproduce.integrity.forms import (
    CommentForm,
    EarlyReleaseDecisionForm,
    EarlyReleaseForm,
    FindingForm,
    FindingReviseForm,
    FramingRequestForm,
    FramingResponseForm,
    OutputForm,
    OutputReviseForm,
)
from coproduce.integrity.models import (
    EarlyReleaseRequest,
    Finding,
    FramingOutcome,
    FramingRequest,
    Output,
    ReleaseDecision,
)
from coproduce.integrity.tasks import verify_chains
from coproduce.projects.models import Project


@require_project_permission(Permission.PROJECT_VIEW)
def register(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    return render(
        request,
        "integrity/register.html",
        {
            "project": project,
            "findings": Finding.objects.filter(project=project).select_related("stage"),
            "outputs": queries.visible_outputs(request.user, project),
            "early_access": queries.may_see_before_release(request.user, project),
            "check": queries.last_check(),
        },
    )


@require_POST
@require_project_permission(Permission.INTEGRITY_EDIT)
def check_chains(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """Queue a check of both chains; the worker records the result for every project page."""
    verify_chains.enqueue()
    messages.success(request, "The check is queued; its result appears here when it is done.")
    return redirect("integrity:register", project_id=project.pk)


@require_project_permission(Permission.INTEGRITY_EDIT)
def finding_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    form = FindingForm(form_data(request), initial={"stage": project.current_stage})
    finding = submit(
        request, form, partial(services.finding_register, by=request.user, project=project)
    )
    if finding is not None:
        messages.success(request, f"{finding.reference} registered in the ledger.")
        return redirect("integrity:finding", project_id=project.pk, finding_id=finding.pk)
    return render(request, "integrity/finding_form.html", {"project": project, "form": form})


@require_project_permission(Permission.PROJECT_VIEW)
def finding_detail(
    request: AuthenticatedHttpRequest, project: Project, finding_id: int
) -> HttpResponse:
    finding = get_object_or_404(Finding, project=project, pk=finding_id)
    return _subject_page(request, project, finding, {})


@require_project_permission(Permission.INTEGRITY_EDIT)
def finding_revise(
    request: AuthenticatedHttpRequest, project: Project, finding_id: int
) -> HttpResponse:
    finding = get_object_or_404(Finding, project=project, pk=finding_id)
    form = FindingReviseForm(
        form_data(request),
        initial={
            "title": finding.title,
            "statement": finding.statement,
            "version": finding.version,
        },
    )
    if submit(request, form, partial(services.finding_revise, by=request.user, finding=finding)):
        messages.success(request, f"{finding.reference} revised; the ledger records the change.")
        return redirect("integrity:finding", project_id=project.pk, finding_id=finding.pk)
    return render(
        request,
        "integrity/finding_revise.html",
        {"project": project, "finding": finding, "form": form},
    )


@require_POST
@require_project_permission(Permission.RELEASE_DECIDE)
def finding_release(
    request: AuthenticatedHttpRequest, project: Project, finding_id: int
) -> HttpResponse:
    finding = get_object_or_404(Finding, project=project, pk=finding_id)
    try:
        services.finding_release(by=request.user, finding=finding)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{finding.reference} released.")
    return redirect("integrity:finding", project_id=project.pk, finding_id=finding.pk)


@require_project_permission(Permission.INTEGRITY_EDIT)
def output_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    data = form_data(request)
    form = OutputForm(data, request.FILES if data is not None else None, project=project)
    output = submit(
        request, form, partial(services.output_register, by=request.user, project=project)
    )
    if output is not None:
        messages.success(request, f"{output.reference} registered with its SHA-256.")
        return redirect("integrity:output", project_id=project.pk, output_id=output.pk)
    return render(request, "integrity/output_form.html", {"project": project, "form": form})


def _output(request: AuthenticatedHttpRequest, project: Project, output_id: int) -> Output:
    """An output the user may see: before release, only the roles the charter names."""
    output = get_object_or_404(queries.visible_outputs(request.user, project), pk=output_id)
    return output


@require_project_permission(Permission.PROJECT_VIEW)
def output_detail(
    request: AuthenticatedHttpRequest, project: Project, output_id: int
) -> HttpResponse:
    output = _output(request, project, output_id)
    return _subject_page(request, project, output, {})


@require_project_permission(Permission.PROJECT_VIEW)
def output_download(
    request: AuthenticatedHttpRequest, project: Project, output_id: int
) -> FileResponse:
    output = _output(request, project, output_id)
    try:
        handle = output.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The stored file is missing.") from missing
    return FileResponse(
        handle, as_attachment=True, filename=output.filename, content_type=output.content_type
    )


@require_project_permission(Permission.INTEGRITY_EDIT)
def output_revise(
    request: AuthenticatedHttpRequest, project: Project, output_id: int
) -> HttpResponse:
    output = _output(request, project, output_id)
    data = form_data(request)
    form = OutputReviseForm(
        data, request.FILES if data is not None else None, initial={"version": output.version}
    )
    if submit(request, form, partial(services.output_revise, by=request.user, output=output)):
        messages.success(request, f"{output.reference} revised; the ledger records both hashes.")
        return redirect("integrity:output", project_id=project.pk, output_id=output.pk)
    return render(
        request,
        "integrity/output_revise.html",
        {"project": project, "output": output, "form": form},
    )


@require_POST
@require_project_permission(Permission.RELEASE_DECIDE)
def output_release(
    request: AuthenticatedHttpRequest, project: Project, output_id: int
) -> HttpResponse:
    output = _output(request, project, output_id)
    if not output.is_released():
        messages.error(request, "Before its date, an output is released by approving a request.")
    else:
        try:
            services.output_release(by=request.user, output=output)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{output.reference} released; the ledger records it.")
    return redirect("integrity:output", project_id=project.pk, output_id=output.pk)


@require_POST
@require_project_permission(Permission.INTEGRITY_EDIT)
def early_release_request(
    request: AuthenticatedHttpRequest, project: Project, output_id: int
) -> HttpResponse:
    output = _output(request, project, output_id)
    form = EarlyReleaseForm(request.POST, prefix="early")
    if submit(
        request, form, partial(services.early_release_request, by=request.user, output=output)
    ):
        messages.success(request, "Request recorded. The lead decides and gives the reason.")
        return redirect("integrity:output", project_id=project.pk, output_id=output.pk)
    return _subject_page(request, project, output, {"early_form": form})


@require_POST
@require_project_permission(Permission.RELEASE_DECIDE)
def early_release_decide(
    request: AuthenticatedHttpRequest, project: Project, output_id: int, request_id: int
) -> HttpResponse:
    output = _output(request, project, output_id)
    early = get_object_or_404(
        EarlyReleaseRequest, output=output, pk=request_id, decision=ReleaseDecision.PENDING
    )
    form = EarlyReleaseDecisionForm(request.POST, prefix=f"decide-{early.pk}")
    if submit(
        request, form, partial(services.early_release_decide, by=request.user, request=early)
    ):
        messages.success(request, "Decision recorded in the ledger.")
        return redirect("integrity:output", project_id=project.pk, output_id=output.pk)
    return _subject_page(request, project, output, {"decision_forms": {early.pk: form}})


def _subject(
    request: AuthenticatedHttpRequest, project: Project, kind: str, subject_id: int
) -> Finding | Output:
    if kind == "finding":
        return get_object_or_404(Finding, project=project, pk=subject_id)
    return _output(request, project, subject_id)


@require_POST
@require_project_permission(Permission.INTEGRITY_EDIT)
def comment_add(
    request: AuthenticatedHttpRequest, project: Project, kind: str, subject_id: int
) -> HttpResponse:
    subject = _subject(request, project, kind, subject_id)
    form = CommentForm(request.POST, prefix="comment")
    if submit(request, form, partial(services.comment_add, by=request.user, subject=subject)):
        messages.success(request, "Comment recorded in the ledger.")
        return _back(project, subject)
    return _subject_page(request, project, subject, {"comment_form": form})


@require_POST
@require_project_permission(Permission.INTEGRITY_EDIT)
def framing_request_add(
    request: AuthenticatedHttpRequest, project: Project, kind: str, subject_id: int
) -> HttpResponse:
    subject = _subject(request, project, kind, subject_id)
    form = FramingRequestForm(request.POST, prefix="framing")
    if submit(
        request, form, partial(services.framing_request_add, by=request.user, subject=subject)
    ):
        messages.success(request, "Framing request recorded. Answer it with the team's reason.")
        return _back(project, subject)
    return _subject_page(request, project, subject, {"framing_form": form})


@require_POST
@require_project_permission(Permission.INTEGRITY_EDIT)
def framing_respond(
    request: AuthenticatedHttpRequest, project: Project, framing_id: int
) -> HttpResponse:
    framing = get_object_or_404(
        FramingRequest.objects.select_related("finding", "output"),
        pk=framing_id,
        outcome=FramingOutcome.PENDING,
    )
    subject = framing.finding or framing.output
    if subject is None or subject.project_id != project.pk:
        raise Http404("No such request")
    if isinstance(subject, Output):
        subject = _output(request, project, subject.pk)
    form = FramingResponseForm(request.POST, prefix=f"framing-{framing.pk}")
    if submit(request, form, partial(services.framing_respond, by=request.user, framing=framing)):
        messages.success(request, "The team's answer is recorded in the ledger.")
        return _back(project, subject)
    return _subject_page(request, project, subject, {"response_forms": {framing.pk: form}})


def _back(project: Project, subject: Finding | Output) -> HttpResponse:
    if isinstance(subject, Finding):
        return redirect("integrity:finding", project_id=project.pk, finding_id=subject.pk)
    return redirect("integrity:output", project_id=project.pk, output_id=subject.pk)


def _subject_page(
    request: AuthenticatedHttpRequest,
    project: Project,
    subject: Finding | Output,
    extra: dict[str, Any],
) -> HttpResponse:
    """The page of a finding or an output: its ledger history, its provenance statement, and
    the forms for comments, framing requests and answers."""
    provenance = queries.provenance(subject)
    pending = subject.framing_requests.filter(outcome=FramingOutcome.PENDING)
    response_forms = extra.pop("response_forms", {})
    decision_forms = extra.pop("decision_forms", {})
    context = {
        "project": project,
        "subject": subject,
        "kind": "finding" if isinstance(subject, Finding) else "output",
        "provenance": provenance,
        "diffs": provenance.revision_diffs(),
        "comment_form": CommentForm(prefix="comment"),
        "framing_form": FramingRequestForm(prefix="framing"),
        "pending": [
            (f, response_forms.get(f.pk) or FramingResponseForm(prefix=f"framing-{f.pk}"))
            for f in pending
        ],
        **extra,
    }
    if isinstance(subject, Output):
        context.setdefault("early_form", EarlyReleaseForm(prefix="early"))
        context["early_requests"] = [
            (
                early,
                decision_forms.get(early.pk)
                or EarlyReleaseDecisionForm(prefix=f"decide-{early.pk}"),
            )
            for early in subject.early_release_requests.select_related("decided_by")
        ]
    return render(request, "integrity/subject_detail.html", context)
