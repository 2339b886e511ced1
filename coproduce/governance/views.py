from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coproduce.accounts.models import PartyKind
from coproduce.accounts.services import person_for_user
from coproduce.core.concurrency import StaleEdit, carry_current_version
from coproduce.core.forms import apply_errors, ask_to_confirm, row_errors
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import Permission, require_project_permission
from coproduce.core.warnings import NeedsConfirmation
from coproduce.governance import charts, queries, services, voice
from coproduce.governance.charter import SECTIONS, diff_versions
from coproduce.governance.forms import CharterForm, DecisionForm, DissentForm, DissentFormSet
from coproduce.governance.models import CharterVersion, Decision, DecisionKind, DecisionMethod
from coproduce.projects.models import Membership, Project, ProjectRole

WINDOWS = range(2, 21)


@require_project_permission(Permission.PROJECT_VIEW)
def charter(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    version = queries.current_version(project)
    me = Membership.objects.filter(project=project, person__user=request.user).first()
    acknowledgements = queries.acknowledgements(project, version) if version else None
    return render(
        request,
        "governance/charter.html",
        {
            "project": project,
            "version": version,
            "sections": [(s, version.sections.get(s.code, "")) for s in SECTIONS]
            if version
            else [],
            "methods": _method_rows(version) if version else [],
            "early_access": [
                label
                for role, label in ProjectRole.choices
                if version and role in version.early_access
            ],
            "acknowledgements": acknowledgements,
            "i_acknowledged": bool(
                me and acknowledgements and me.person not in acknowledgements.waiting
            ),
            "is_member": me is not None,
        },
    )


def _method_rows(version: CharterVersion) -> list[tuple[str, list[str]]]:
    names = dict(DecisionMethod.choices)
    return [
        (label, [names[m] for m in version.methods.get(kind, [])])
        for kind, label in DecisionKind.choices
    ]


@require_POST
@require_project_permission(Permission.GOVERNANCE_EDIT)
def charter_start(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    try:
        services.charter_start(by=request.user, project=project)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Charter started from the template. Edit it to make it yours.")
    return redirect("governance:charter", project_id=project.pk)


@require_project_permission(Permission.GOVERNANCE_EDIT)
def charter_edit(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    document = queries.charter_of(project)
    version = queries.current_version(project)
    if document is None or version is None:
        raise Http404("This project has no charter yet.")
    form = CharterForm(
        form_data(request), initial=CharterForm.initial_for(version, document.version)
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.charter_revise(
                by=request.user, charter=document, **form.service_arguments()
            )
        except ValidationError as error:
            apply_errors(form, error)
            if isinstance(error, StaleEdit):
                carry_current_version(form, error)
        else:
            messages.success(
                request, f"Version {new.number} agreed. Members are asked to acknowledge it."
            )
            return redirect("governance:charter", project_id=project.pk)
    stale = form.has_error(NON_FIELD_ERRORS, "stale")
    return render(
        request,
        "governance/charter_form.html",
        {"project": project, "form": form, "version": version, "stale": stale},
    )


@require_POST
@require_project_permission(Permission.PROJECT_VIEW)
def charter_acknowledge(
    request: AuthenticatedHttpRequest, project: Project, number: int
) -> HttpResponse:
    version = get_object_or_404(CharterVersion, charter__project=project, number=number)
    try:
        services.charter_acknowledge(
            by=request.user, version=version, person=person_for_user(request.user)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"You acknowledged version {number} of the charter.")
    return redirect("governance:charter", project_id=project.pk)


@require_project_permission(Permission.PROJECT_VIEW)
def charter_history(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    versions = list(
        CharterVersion.objects.filter(charter__project=project).select_related("created_by")
    )
    by_number = {v.number: v for v in versions}
    try:
        later = by_number[int(request.GET.get("to", versions[0].number if versions else 0))]
        earlier = by_number[int(request.GET.get("from", later.number - 1))]
    except (KeyError, ValueError, IndexError):
        later = earlier = None  # type: ignore[assignment]
    changes = (
        diff_versions(
            earlier.sections,
            later.sections,
            earlier.methods,
            later.methods,
            earlier.early_access,
            later.early_access,
        )
        if earlier is not None and later is not None
        else []
    )
    return render(
        request,
        "governance/charter_history.html",
        {
            "project": project,
            "versions": versions,
            "earlier": earlier,
            "later": later,
            "changes": [c for c in changes if c.changed],
        },
    )


@require_project_permission(Permission.PROJECT_VIEW)
def decisions(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    items = queries.decisions(project)
    warnings = queries.decision_warnings(project, items)
    labels = dict(PartyKind.choices)
    by_decision: dict[int, list[str]] = {}
    for warning in warnings:
        by_decision.setdefault(warning.decision.pk, []).append(warning.text)
    return render(
        request,
        "governance/decisions.html",
        {
            "project": project,
            "rows": [
                (d, [labels[p] for p in queries.parties_present(d)], by_decision.get(d.pk, []))
                for d in items
            ],
            "warnings": warnings,
        },
    )


@require_project_permission(Permission.GOVERNANCE_EDIT)
def decision_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    return _decision_form(request, project, None)


@require_project_permission(Permission.GOVERNANCE_EDIT)
def decision_edit(
    request: AuthenticatedHttpRequest, project: Project, decision_id: int
) -> HttpResponse:
    decision = get_object_or_404(Decision, project=project, pk=decision_id)
    return _decision_form(request, project, decision)


def _decision_form(
    request: AuthenticatedHttpRequest, project: Project, decision: Decision | None
) -> HttpResponse:
    data = form_data(request)
    form = DecisionForm(
        data,
        project=project,
        editing=decision is not None,
        initial=_decision_initial(project, decision),
    )
    dissents = DissentFormSet(
        data,
        prefix="dissent",
        form_kwargs={"project": project},
        initial=[
            # A member's name and party come from the member: the fields are for others.
            {
                "membership": d.membership,
                "name": "" if d.membership else d.name,
                "party": "" if d.membership else d.party,
                "reason": d.reason,
            }
            for d in decision.dissents.all()
        ]
        if decision
        else None,
    )
    if data is not None and form.is_valid() and dissents.is_valid():
        try:
            saved = services.decision_save(
                by=request.user,
                project=project,
                decision=decision,
                dissents=[_dissent(f) for f in dissents.forms if not f.is_blank],
                **form.cleaned_data,
            )
        except NeedsConfirmation as error:
            ask_to_confirm(form, error)
        except ValidationError as error:
            apply_errors(form, error)
            if isinstance(error, StaleEdit):
                carry_current_version(form, error)
        else:
            messages.success(request, f"Decision recorded: {saved.title}")
            return redirect("governance:decisions", project_id=project.pk)
    return render(
        request,
        "governance/decision_form.html",
        {
            "project": project,
            "form": form,
            "dissents": dissents,
            "decision": decision,
            "row_errors": row_errors(
                ((f"Dissent {n}", f) for n, f in enumerate(dissents.forms, start=1)),
                formset=dissents,
            ),
        },
    )


def _decision_initial(project: Project, decision: Decision | None) -> dict[str, Any]:
    if decision is None:
        return {"stage": project.current_stage}
    return {
        "title": decision.title,
        "detail": decision.detail,
        "kind": decision.kind,
        "method": decision.method,
        "stage": decision.stage,
        "decided_on": decision.decided_on,
        "activity": decision.activity,
        "present": list(decision.present.all()),
        "other_parties": decision.other_parties,
        "accountable": decision.accountable,
        "version": decision.version,
    }


def _dissent(form: DissentForm) -> services.DissentInput:
    data = form.cleaned_data
    return services.DissentInput(
        membership=data.get("membership"),
        name=data.get("name", ""),
        party=data.get("party", ""),
        reason=data.get("reason", ""),
    )


@require_project_permission(Permission.PROJECT_VIEW)
def voice_page(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    try:
        window = int(request.GET.get("window", voice.DEFAULT_WINDOW))
    except ValueError:
        window = voice.DEFAULT_WINDOW
    if window not in WINDOWS:
        window = voice.DEFAULT_WINDOW
    activities = queries.activity_voices(project)
    # Names only for those who may see named figures (leads and coordinators); others see the
    # warnings without who they are about.
    names = (
        dict(Membership.objects.filter(project=project).values_list("person_id", "person__name"))
        if Permission.BURDEN_NAMED in request.can  # type: ignore[attr-defined]
        else {}
    )
    summary = voice.summarise(activities)
    warnings = voice.usual_suspects(activities, window)
    points = voice.trend(activities, window)
    return render(
        request,
        "governance/voice.html",
        {
            "project": project,
            "window": window,
            "windows": WINDOWS,
            "summary": summary,
            "top_two": [names[p] for p in summary.top_two if p in names],
            "warnings": [(w, [names[p] for p in w.people if p in names]) for w in warnings],
            "chart": charts.voice_trend_chart(points, window) if points else None,
            "definitions": voice.__doc__,
        },
    )
