from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coproduce.catalogue.models import Stage
from coproduce.core.forms import apply_errors, row_errors, submit
from coproduce.core.http import AuthenticatedHttpRequest, form_data
from coproduce.core.permissions import Permission, require_project_permission
from coproduce.projects.models import Project
from coproduce.risks import charts, queries, services
from coproduce.risks.forecast import PercentileChange, compare, plan_inputs
from coproduce.risks.forms import (
    AdoptForm,
    ForecastForm,
    GateForm,
    ReviewForm,
    RiskForm,
    StageEstimateForm,
    default_hints,
)
from coproduce.risks.models import (
    IMPACT_HELP,
    LIKELIHOOD_HELP,
    ForecastRun,
    Risk,
    RiskStatus,
    RunStatus,
    StageEstimate,
)
from coproduce.risks.simulation import PERCENTILES

PAGE_SIZE = 50
RUNS_PER_PAGE = 20


@require_project_permission(Permission.PROJECT_VIEW)
def register(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    risks = queries.register(project)
    status = request.GET.get("status")
    if status in RiskStatus.values:
        risks = risks.filter(status=status)
    return render(
        request,
        "risks/register.html",
        {
            "project": project,
            "page": Paginator(risks, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": RiskStatus.choices,
            "heat_map": charts.heat_map_chart(queries.heat_map(project)),
            "overdue": queries.overdue(project),
            "stages": Stage.objects.all(),
            "gate_count": queries.gate_risks(project).count(),
            "likelihood_help": LIKELIHOOD_HELP,
            "impact_help": IMPACT_HELP,
        },
    )


@require_project_permission(Permission.RISKS_EDIT)
def adopt(request: AuthenticatedHttpRequest, project: Project, stage_number: int) -> HttpResponse:
    """Adopt catalogue items of one stage (0: the cross-cutting costs) in one action."""
    stage = None
    if stage_number:
        stage = get_object_or_404(Stage, number=stage_number)
    items = queries.adoptable(project, stage)
    form = AdoptForm(form_data(request), choices=[item for item, taken in items if not taken])
    adopted = submit(request, form, partial(services.risk_adopt, by=request.user, project=project))
    if adopted is not None:
        messages.success(request, f"{len(adopted)} added to the register. Now score each one.")
        return redirect("risks:register", project_id=project.pk)
    return render(
        request,
        "risks/adopt.html",
        {"project": project, "form": form, "stage": stage, "items": items},
    )


@require_project_permission(Permission.RISKS_EDIT)
def risk_add(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    form = RiskForm(form_data(request), project=project, initial={"stage": project.current_stage})
    risk = submit(request, form, partial(services.risk_create, by=request.user, project=project))
    if risk is not None:
        messages.success(request, f"“{risk.title}” added to the register.")
        return redirect("risks:detail", project_id=project.pk, risk_id=risk.pk)
    return _risk_form(request, project, form, None)


@require_project_permission(Permission.RISKS_EDIT)
def risk_edit(request: AuthenticatedHttpRequest, project: Project, risk_id: int) -> HttpResponse:
    risk = get_object_or_404(Risk, project=project, pk=risk_id)
    form = RiskForm(
        form_data(request), project=project, risk=risk, initial=RiskForm.initial_for(risk)
    )
    if submit(request, form, partial(services.risk_update, by=request.user, risk=risk)):
        messages.success(request, "Risk saved.")
        return redirect("risks:detail", project_id=project.pk, risk_id=risk.pk)
    return _risk_form(request, project, form, risk)


def _risk_form(
    request: AuthenticatedHttpRequest, project: Project, form: RiskForm, risk: Risk | None
) -> HttpResponse:
    # After a stale edit, what the other person saved, to compare with the form.
    current = (
        queries.register(project).get(pk=risk.pk)
        if risk is not None and form.has_error(NON_FIELD_ERRORS, "stale")
        else None
    )
    return render(
        request,
        "risks/risk_form.html",
        {
            "project": project,
            "form": form,
            "risk": risk,
            "current": current,
            "hints": form.hints(),
        },
    )


@require_project_permission(Permission.PROJECT_VIEW)
def risk_detail(request: AuthenticatedHttpRequest, project: Project, risk_id: int) -> HttpResponse:
    risk = get_object_or_404(queries.register(project), pk=risk_id)
    return render(
        request,
        "risks/risk_detail.html",
        {
            "project": project,
            "risk": risk,
            "reviews": risk.reviews.select_related("created_by", "gate"),
            "form": ReviewForm(initial=ReviewForm.initial_for(risk)),
            "hints": default_hints(risk.likelihood, risk.impact),
        },
    )


@require_POST
@require_project_permission(Permission.RISKS_EDIT)
def risk_review(request: AuthenticatedHttpRequest, project: Project, risk_id: int) -> HttpResponse:
    risk = get_object_or_404(queries.register(project), pk=risk_id)
    form = ReviewForm(request.POST)
    if submit(request, form, partial(services.risk_review, by=request.user, risk=risk)):
        messages.success(request, "Review recorded.")
        return redirect("risks:detail", project_id=project.pk, risk_id=risk.pk)
    return render(
        request,
        "risks/risk_detail.html",
        {
            "project": project,
            "risk": risk,
            "reviews": risk.reviews.select_related("created_by", "gate"),
            "form": form,
            "hints": default_hints(risk.likelihood, risk.impact),
        },
        status=200,
    )


@require_project_permission(Permission.PROJECT_EDIT)
def stage_gate(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """Move the project to its next stage, reviewing each open risk of the stage it leaves."""
    following = Stage.objects.filter(number=project.current_stage.number + 1).first()
    risks = list(queries.gate_risks(project))
    data = form_data(request)
    reviews = [
        (risk, ReviewForm(data, prefix=f"risk-{risk.pk}", initial=ReviewForm.initial_for(risk)))
        for risk in risks
    ]
    form = GateForm(data)
    if following is not None and _pass_gate(request, project, form, reviews):
        messages.success(request, f"The project is now at stage {following}.")
        return redirect("risks:register", project_id=project.pk)
    return render(
        request,
        "risks/stage_gate.html",
        {
            "project": project,
            "following": following,
            "form": form,
            "reviews": reviews,
            "row_errors": row_errors((risk.title, review) for risk, review in reviews),
            "gates": project.stage_gates.select_related("from_stage", "to_stage", "created_by")[
                :10
            ],
        },
    )


def _pass_gate(
    request: AuthenticatedHttpRequest,
    project: Project,
    form: GateForm,
    reviews: list[tuple[Risk, ReviewForm]],
) -> bool:
    if request.method != "POST" or not all(f.is_valid() for f in [form, *(r for _, r in reviews)]):
        return False
    answers = [services.ReviewAnswer(risk=risk, **f.cleaned_data) for risk, f in reviews]
    try:
        services.stage_gate_pass(
            by=request.user, project=project, answers=answers, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        apply_errors(form, error)
        return False
    return True


def _may_edit(request: AuthenticatedHttpRequest) -> bool:
    """For pages everyone may read and editors may submit: refuse a submission by others."""
    may = Permission.RISKS_EDIT in request.can  # type: ignore[attr-defined]
    if request.method == "POST" and not may:
        raise PermissionDenied
    return may


@require_project_permission(Permission.PROJECT_VIEW)
def estimates(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    """Three-point estimates for every stage on one form; empty stages are left out."""
    may_edit = _may_edit(request)
    saved = {e.stage_id: e for e in StageEstimate.objects.filter(project=project)}
    planned = queries.planned_stage_costs(project)
    data = form_data(request) if may_edit else None
    rows = [
        (stage, _estimate_form(data, stage, saved.get(stage.pk)), planned.get(stage.number))
        for stage in Stage.objects.all()
    ]
    if data is not None and all(f.is_valid() for _, f, _ in rows):
        try:
            services.stage_estimates_save(
                by=request.user,
                project=project,
                values={stage: f.cleaned_data for stage, f, _ in rows},
            )
        except ValidationError as error:
            _apply_by_stage(error, rows)
        else:
            messages.success(request, "Estimates saved.")
            return redirect("risks:forecast", project_id=project.pk)
    stages, risks = queries.forecast_plan(project)
    _, _, record = plan_inputs(stages, risks)
    return render(
        request,
        "risks/estimates.html",
        {
            "project": project,
            "rows": rows,
            "may_edit": may_edit,
            "risk_inputs": record["risks"],
            "row_errors": [
                *(
                    (f"stage-{stage.number}", f"Stage {stage.number}: {error}")
                    for stage, form, _ in rows
                    for error in form.non_field_errors()
                ),
                *row_errors((f"Stage {stage.number}", form) for stage, form, _ in rows),
            ],
        },
    )


def _estimate_form(data: Any, stage: Stage, saved: StageEstimate | None) -> StageEstimateForm:
    initial = {name: getattr(saved, name) for name in services.ESTIMATE_FIELDS} if saved else {}
    return StageEstimateForm(data, prefix=f"stage-{stage.number}", initial=initial)


def _apply_by_stage(
    error: ValidationError, rows: list[tuple[Stage, StageEstimateForm, Any]]
) -> None:
    forms_by_stage = {stage.number: form for stage, form, _ in rows}
    for key, errors in error.message_dict.items():
        number, _, field = key.partition(":")
        form = forms_by_stage.get(int(number)) if number.isdigit() else None
        if form is not None:
            form.add_error(field if field in form.fields else None, errors)


@require_project_permission(Permission.PROJECT_VIEW)
def forecast(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    form = ForecastForm(form_data(request))
    _may_edit(request)
    run = submit(request, form, partial(_start, request, project))
    if run is not None:
        return redirect("risks:run", project_id=project.pk, run_id=run.pk)
    runs = ForecastRun.objects.filter(project=project).select_related("created_by")
    stages, risks = queries.forecast_plan(project)
    return render(
        request,
        "risks/forecast.html",
        {
            "project": project,
            "form": form,
            "page": Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page")),
            "stage_count": len(stages),
            "risk_count": len(risks),
        },
    )


def _start(
    request: AuthenticatedHttpRequest,
    project: Project,
    *,
    label: str,
    iterations: int,
    seed: int | None,
    distribution: str,
) -> ForecastRun:
    ran, capped = services.capped_iterations(iterations)
    if capped:
        messages.warning(
            request,
            f"{iterations:,} iterations is more than the most allowed; {ran:,} will be run.",
        )
    return services.forecast_start(
        by=request.user,
        project=project,
        iterations=ran,
        seed=seed if seed is not None else services.default_seed(),
        distribution=distribution,  # type: ignore[arg-type]
        label=label,
    )


@require_project_permission(Permission.PROJECT_VIEW)
def forecast_run(request: AuthenticatedHttpRequest, project: Project, run_id: int) -> HttpResponse:
    run = get_object_or_404(ForecastRun, project=project, pk=run_id)
    context: dict[str, Any] = {
        "project": project,
        "run": run,
        "finished": run.status == RunStatus.DONE,
    }
    if run.status == RunStatus.DONE and run.result:
        key = f"run-{run.pk}"
        context["charts"] = {
            kind: [
                charts.s_curve_chart(kind, run.result[kind], run.currency, key),
                charts.histogram_chart(kind, run.result[kind], run.currency, key),
                charts.tornado_chart(kind, run.result["tornado"], key),
            ]
            for kind in ("duration", "cost")
        }
        context["percentile_rows"] = [
            (
                f"P{n}",
                charts.value_text("duration", run.result["duration"]["percentiles"][str(n)], ""),
                charts.value_text("cost", run.result["cost"]["percentiles"][str(n)], run.currency),
            )
            for n in PERCENTILES
        ]
        context["others"] = ForecastRun.objects.filter(
            project=project, status=RunStatus.DONE
        ).exclude(pk=run.pk)[:50]
    template = "risks/forecast_run.html"
    if request.htmx and run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        template += "#progress"
    return render(request, template, context)


@require_project_permission(Permission.PROJECT_VIEW)
def forecast_compare(request: AuthenticatedHttpRequest, project: Project) -> HttpResponse:
    runs = ForecastRun.objects.filter(project=project, status=RunStatus.DONE)
    try:
        earlier = runs.get(pk=int(request.GET.get("earlier", "")))
        later = runs.get(pk=int(request.GET.get("later", "")))
    except (ValueError, ForecastRun.DoesNotExist):
        messages.error(request, "Choose two finished runs of this project to compare.")
        return redirect("risks:forecast", project_id=project.pk)
    if earlier.created_at > later.created_at:
        earlier, later = later, earlier
    assert earlier.result is not None and later.result is not None
    comparison = compare(earlier.inputs, earlier.result, later.inputs, later.result)
    return render(
        request,
        "risks/forecast_compare.html",
        {
            "project": project,
            "earlier": earlier,
            "later": later,
            "comparison": comparison,
            "tables": [
                ("Duration (weeks)", _change_rows("duration", comparison.duration, "")),
                (
                    f"Co-production cost ({later.currency})",
                    _change_rows("cost", comparison.cost, later.currency),
                ),
            ],
        },
    )


def _change_rows(
    kind: str, changes: list[PercentileChange], currency: str
) -> list[tuple[str, str, str, str]]:
    def text(value: float) -> str:
        return charts.value_text(kind, value, currency)

    return [
        (
            f"P{c.percentile}",
            text(c.earlier),
            text(c.later),
            ("+" if c.change > 0 else "\N{MINUS SIGN}" if c.change < 0 else "")
            + text(abs(c.change)),
        )
        for c in changes
    ]
