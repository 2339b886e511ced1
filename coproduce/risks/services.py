"""Writes for the risk register, stage gates, estimates and forecast runs."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coproduce.accounts.models import User
from coproduce.audit.services import audit_record, audited_save, snapshot, stored
from coproduce.catalogue.models import CatalogueItem, ItemType, Stage
from coproduce.core.concurrency import check_version, next_version
from coproduce.projects.models import Project
from coproduce.projects.services import lock_project
from coproduce.risks import queries
from coproduce.risks.estimates import order_problem
from coproduce.risks.forecast import inputs_from_record, plan_inputs, result_record
from coproduce.risks.models import (
    ForecastRun,
    Risk,
    RiskReview,
    RunStatus,
    StageEstimate,
    StageGate,
)
from coproduce.risks.simulation import (
    MAX_ITERATIONS,
    Distribution,
    InvalidInput,
    check_inputs,
    simulate,
)

RISK_FIELDS = (
    "title",
    "description",
    "stage",
    "likelihood",
    "impact",
    "owner",
    "mitigation",
    "status",
    "probability",
    "delay_low",
    "delay_mode",
    "delay_high",
    "cost_low",
    "cost_mode",
    "cost_high",
)
ESTIMATE_FIELDS = (
    "duration_low",
    "duration_mode",
    "duration_high",
    "cost_low",
    "cost_mode",
    "cost_high",
)
# Runs above this many iterations go to the background worker; smaller ones take well under a
# second and run while the page waits.
BACKGROUND_ABOVE = 100_000
MIN_ITERATIONS = 100


@transaction.atomic
def risk_adopt(*, by: User, project: Project, items: Iterable[CatalogueItem]) -> list[Risk]:
    """Adopt catalogue challenges and costs into the register; ones already there are skipped.
    A cross-cutting cost belongs to the project's current stage."""
    lock_project(project.pk)
    adopted = set(
        Risk.objects.filter(project=project, catalogue_item__isnull=False).values_list(
            "catalogue_item_id", flat=True
        )
    )
    risks = []
    for item in items:
        if item.pk in adopted:
            continue
        if item.organisation_id not in (None, project.organisation_id):
            raise ValidationError("That catalogue item belongs to another organisation.")
        stage = item.stage if item.type != ItemType.CROSS_CUTTING else project.current_stage
        risk = Risk(
            project=project,
            catalogue_item=item,
            title=item.title,
            description=item.description,
            stage=stage,
            created_by=by,
        )
        audited_save(risk, by=by, action="risk.adopt")
        risks.append(risk)
        adopted.add(item.pk)
    return risks


@transaction.atomic
def risk_create(*, by: User, project: Project, **fields: Any) -> Risk:
    _check_fields(fields)
    risk = Risk(project=project, created_by=by, **fields)
    _check_owner(risk)
    audited_save(risk, by=by, action="risk.create")
    return risk


@transaction.atomic
def risk_update(*, by: User, risk: Risk, version: int | None = None, **fields: Any) -> Risk:
    """Edit a risk. `version` is the one the editor opened; a stale edit raises StaleEdit."""
    _check_fields(fields)
    current = stored(risk)
    check_version(current, version)
    before = snapshot(current)
    next_version(risk, current)
    for name, value in fields.items():
        setattr(risk, name, value)
    _check_owner(risk)
    audited_save(risk, by=by, action="risk.update", before=before)
    return risk


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise TypeError(f"Unknown risk fields: {', '.join(sorted(unknown))}")
    for prefix, label in (("delay", "delay"), ("cost", "extra cost")):
        given = [fields.get(f"{prefix}_{part}") for part in ("low", "mode", "high")]
        if any(v is not None for v in given) and any(v is None for v in given):
            raise ValidationError(
                {f"{prefix}_low": f"Give all three {label} estimates, or none to use the defaults."}
            )
        problem = order_problem(*given, what=f"{label} estimates")
        if problem is not None:
            raise ValidationError({f"{prefix}_high": problem})


def _check_owner(risk: Risk) -> None:
    if risk.owner is not None and risk.owner.project_id != risk.project_id:
        raise ValidationError({"owner": "The owner must be a member of this project."})


@transaction.atomic
def risk_review(
    *,
    by: User,
    risk: Risk,
    likelihood: int,
    impact: int,
    status: str,
    note: str = "",
    gate: StageGate | None = None,
) -> RiskReview:
    """Record a review and bring the risk's scores and status up to date with it."""
    current = stored(risk)
    before = snapshot(current)
    next_version(risk, current)
    review = RiskReview(
        risk=risk,
        gate=gate,
        likelihood=likelihood,
        impact=impact,
        status=status,
        note=note.strip(),
        created_by=by,
    )
    review.full_clean()
    review.save()
    risk.likelihood, risk.impact, risk.status = likelihood, impact, status
    risk.last_reviewed_at = review.created_at
    audited_save(risk, by=by, action="risk.review", before=before)
    return review


@dataclass(frozen=True)
class ReviewAnswer:
    risk: Risk
    likelihood: int
    impact: int
    status: str
    note: str


@transaction.atomic
def stage_gate_pass(
    *, by: User, project: Project, answers: Sequence[ReviewAnswer], note: str = ""
) -> StageGate:
    """Move the project to its next stage, recording a review of every open risk of the stage
    it leaves. Refused if any of those risks is missing from `answers`."""
    lock_project(project.pk)
    project.refresh_from_db(fields=["current_stage"])
    current = project.current_stage
    following = Stage.objects.filter(number=current.number + 1).first()
    if following is None:
        raise ValidationError("This project is at the last stage; there is no stage to move to.")
    due = set(queries.gate_risks(project).values_list("pk", flat=True))
    answered = {a.risk.pk for a in answers}
    if due - answered:
        raise ValidationError(
            "Review every open risk of this stage before moving on "
            f"({len(due - answered)} not reviewed). The list may have changed since you "
            "opened the page."
        )
    if answered - due:
        raise ValidationError("Only this stage's open risks are reviewed at its gate.")
    gate = StageGate(
        project=project, from_stage=current, to_stage=following, note=note.strip(), created_by=by
    )
    audited_save(gate, by=by, action="stage.gate")
    for answer in answers:
        risk_review(
            by=by,
            risk=answer.risk,
            likelihood=answer.likelihood,
            impact=answer.impact,
            status=answer.status,
            note=answer.note,
            gate=gate,
        )
    before = snapshot(stored(project))
    project.current_stage = following
    audited_save(project, by=by, action="project.update", before=before)
    return gate


@transaction.atomic
def stage_estimates_save(
    *, by: User, project: Project, values: dict[Stage, dict[str, Decimal | None]]
) -> list[StageEstimate]:
    """Save every stage's estimates at once, or none: errors come back keyed
    "<stage number>:<field>", all of them, not just the first stage's."""
    saved, errors = [], {}
    for stage, fields in values.items():
        try:
            estimate = stage_estimate_save(by=by, project=project, stage=stage, **fields)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"{stage.number}:{field}"] = messages
        else:
            if estimate is not None:
                saved.append(estimate)
    if errors:
        raise ValidationError(errors)
    return saved


@transaction.atomic
def stage_estimate_save(
    *, by: User, project: Project, stage: Stage, **values: Decimal | None
) -> StageEstimate | None:
    """Save one stage's estimates; all six empty removes them (the stage is then left out of
    the forecast)."""
    if set(values) != set(ESTIMATE_FIELDS):
        raise TypeError("A stage estimate needs exactly its six values.")
    existing = (
        StageEstimate.objects.select_for_update().filter(project=project, stage=stage).first()
    )
    if all(v is None for v in values.values()):
        if existing is not None:
            removed = snapshot(existing)
            existing.delete()
            audit_record(
                by=by,
                action="stage_estimate.delete",
                target=existing,
                changes={k: {"from": v, "to": None} for k, v in removed.items()},
                project_id=project.pk,
            )
        return None
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise ValidationError(
            {missing[0]: "Give all six estimates for the stage, or clear them all."}
        )
    for prefix, what in (("duration", "weeks"), ("cost", "costs")):
        problem = order_problem(
            *(values[f"{prefix}_{part}"] for part in ("low", "mode", "high")), what=what
        )
        if problem is not None:
            raise ValidationError({f"{prefix}_high": problem})
    estimate = existing or StageEstimate(project=project, stage=stage)
    before = snapshot(existing) if existing is not None else None
    for name, value in values.items():
        setattr(estimate, name, value)
    estimate.updated_by = by
    audited_save(estimate, by=by, action="stage_estimate.save", before=before)
    return estimate


def capped_iterations(requested: int) -> tuple[int, bool]:
    """The iterations that will run, and whether the request was cut down to the cap."""
    if requested < MIN_ITERATIONS:
        raise ValidationError(
            {"iterations": f"Run at least {MIN_ITERATIONS:,} iterations for stable percentiles."}
        )
    return min(requested, MAX_ITERATIONS), requested > MAX_ITERATIONS


@transaction.atomic
def forecast_start(
    *,
    by: User,
    project: Project,
    iterations: int,
    seed: int,
    distribution: Distribution = "pert",
    label: str = "",
) -> ForecastRun:
    """Check the inputs and save a run with them. Up to `BACKGROUND_ABOVE` iterations it runs
    now; beyond that it is queued for the worker (see `tasks.py`), in this same transaction,
    so a run is never saved without its task or queued without its row."""
    iterations, _ = capped_iterations(iterations)
    if distribution not in ("pert", "triangular"):
        raise ValidationError({"distribution": "Choose PERT or triangular."})
    stages, risks, record = plan_inputs(*queries.forecast_plan(project))
    try:
        check_inputs(stages, risks, iterations)
    except InvalidInput as error:
        raise ValidationError(str(error)) from error
    run = ForecastRun(
        project=project,
        label=label.strip(),
        iterations=iterations,
        seed=seed,
        distribution=distribution,
        currency=project.currency,
        inputs=record,
        in_background=iterations > BACKGROUND_ABOVE,
        created_by=by,
    )
    audited_save(run, by=by, action="forecast.start")
    if run.in_background:
        from coproduce.risks.tasks import run_forecast

        run_forecast.enqueue(run.pk)
    else:
        forecast_execute(run)
    return run


def forecast_execute(run: ForecastRun) -> ForecastRun:
    """Simulate a saved run from its saved inputs, reporting progress on the row as it goes.

    Runs outside any transaction when called by the worker, so each progress update is seen
    by the page polling it at once."""
    stages, risks = inputs_from_record(run.inputs)
    ForecastRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    last = [time.monotonic()]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.25:  # a write every quarter second is plenty for a progress bar
            last[0] = now
            ForecastRun.objects.filter(pk=run.pk).update(progress=done / total)

    try:
        result = simulate(
            stages,
            risks,
            iterations=run.iterations,
            seed=run.seed,
            distribution=run.distribution,  # type: ignore[arg-type]
            progress=report,
        )
    except (InvalidInput, MemoryError) as error:
        return _failed(run, str(error) or "The forecast ran out of memory.")
    except Exception:
        # Anything else is a fault, not the inputs: the page stops waiting and says so, and
        # the task fails with the details for whoever runs the worker.
        _failed(run, "The forecast stopped because of an error on the server. Try again.")
        raise
    run.result = result_record(result)
    run.status, run.progress, run.finished_at = RunStatus.DONE, 1.0, timezone.now()
    run.save(update_fields=["result", "status", "progress", "finished_at"])
    return run


def _failed(run: ForecastRun, message: str) -> ForecastRun:
    run.status, run.error, run.finished_at = RunStatus.FAILED, message, timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


def default_seed() -> int:
    """A fresh seed for a run that does not name one; saved with the run, so it repeats."""
    return int(time.time_ns() % 2**31)
