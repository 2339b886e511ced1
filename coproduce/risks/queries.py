"""Reads for the risk register, stage gates and the forecast."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from coproduce.catalogue.models import CatalogueItem, Stage
from coproduce.costs.models import CostItem, CostStatus
from coproduce.projects.models import Project
from coproduce.projects.queries import QuestionProgress
from coproduce.risks.forecast import RiskPlan, StagePlan
from coproduce.risks.models import (
    ACTIVE_STATUSES,
    ForecastRun,
    Risk,
    RiskQuerySet,
    RunStatus,
    StageEstimate,
)

# An open or mitigating risk not looked at for this long is overdue for review.
REVIEW_EVERY = datetime.timedelta(days=90)


def register(project: Project) -> RiskQuerySet:
    return Risk.objects.filter(project=project).select_related(
        "stage", "owner__person", "catalogue_item"
    )


def gate_risks(project: Project) -> RiskQuerySet:
    """The risks reviewed at the gate out of the project's current stage: its open ones."""
    return register(project).active().filter(stage_id=project.current_stage_id)


@dataclass(frozen=True)
class Overdue:
    risk: Risk
    reason: str


def overdue(project: Project, *, now: datetime.datetime | None = None) -> list[Overdue]:
    """Open and mitigating risks due for review: not reviewed for `REVIEW_EVERY`, or belonging
    to a stage the project has already left (the gate review left them open)."""
    now = now or timezone.now()
    due = []
    for risk in register(project).active():
        last = risk.last_reviewed_at or risk.created_at
        if risk.stage.number < project.current_stage.number and risk.last_reviewed_at is None:
            due.append(Overdue(risk, "its stage has passed and it has never been reviewed"))
        elif now - last > REVIEW_EVERY:
            days = (now - last).days
            what = "last reviewed" if risk.last_reviewed_at else "added"
            due.append(Overdue(risk, f"{what} {days} days ago"))
    return due


def heat_map(project: Project) -> dict[tuple[int, int], int]:
    """How many open and mitigating risks sit in each (likelihood, impact) cell."""
    rows = (
        Risk.objects.filter(project=project)
        .active()
        .values("likelihood", "impact")
        .annotate(n=Count("pk"))
    )
    return {(r["likelihood"], r["impact"]): r["n"] for r in rows}


def adoptable(project: Project, stage: Stage | None) -> list[tuple[CatalogueItem, bool]]:
    """The catalogue items a team may adopt at a stage (None: the cross-cutting costs), each
    with whether the register already holds it."""
    items = CatalogueItem.objects.filter(organisation__isnull=True) | CatalogueItem.objects.filter(
        organisation_id=project.organisation_id
    )
    items = items.filter(stage=stage) if stage is not None else items.filter(stage__isnull=True)
    adopted = set(
        Risk.objects.filter(project=project, catalogue_item__isnull=False).values_list(
            "catalogue_item_id", flat=True
        )
    )
    return [(item, item.pk in adopted) for item in items.select_related("cost_kind")]


def forecast_plan(project: Project) -> tuple[list[StagePlan], list[RiskPlan]]:
    """The estimated stages and the open risks, as plain data for `forecast.plan_inputs`."""
    stages = [
        StagePlan(
            e.stage.number,
            e.stage.name,
            (e.duration_low, e.duration_mode, e.duration_high),
            (e.cost_low, e.cost_mode, e.cost_high),
        )
        for e in StageEstimate.objects.filter(project=project).select_related("stage")
    ]
    risks = [
        RiskPlan(
            id=r.pk,
            title=r.title,
            stage_number=r.stage.number,
            stage_name=r.stage.name,
            likelihood=r.likelihood,
            impact=r.impact,
            probability=r.probability,
            delay=(r.delay_low, r.delay_mode, r.delay_high) if r.delay_low is not None else None,
            cost=(r.cost_low, r.cost_mode, r.cost_high) if r.cost_low is not None else None,
        )
        for r in Risk.objects.filter(project=project).active().select_related("stage")
    ]
    return stages, risks


def planned_stage_costs(project: Project) -> dict[int, Decimal]:
    """The planned co-production budget of each stage in the project's currency, by stage
    number: the starting point offered for a stage's cost estimates."""
    rows = (
        CostItem.objects.filter(
            project=project, status=CostStatus.PLANNED, currency=project.currency
        )
        .values("stage__number")
        .annotate(total=Sum("amount"))
    )
    return {r["stage__number"]: r["total"] for r in rows}


def progress(project: Project) -> QuestionProgress:
    """How far the team has got with its risks, for the project overview: a register, an owner
    for every open risk, nothing overdue for review, and a forecast. Two queries."""
    now = timezone.now()
    active = Q(status__in=ACTIVE_STATUSES)
    counts = Risk.objects.filter(project=project).aggregate(
        risks=Count("pk"),
        unowned=Count("pk", filter=active & Q(owner__isnull=True)),
        late=Count(
            "pk",
            filter=active
            & (
                Q(last_reviewed_at__isnull=True, stage__number__lt=project.current_stage.number)
                | Q(last_reviewed_at__lt=now - REVIEW_EVERY)
                | Q(last_reviewed_at__isnull=True, created_at__lt=now - REVIEW_EVERY)
            ),
        ),
    )
    has_register = counts["risks"] > 0
    unowned, late = counts["unowned"], counts["late"]
    forecast = ForecastRun.objects.filter(project=project, status=RunStatus.DONE).exists()
    missing = [
        *([] if has_register else ["No risks adopted or written yet"]),
        *([f"{unowned} open risk{pluralize(unowned)} without an owner"] if unowned else []),
        *([f"{late} risk{pluralize(late)} overdue for review"] if late else []),
        *([] if forecast else ["No forecast of time and cost yet"]),
    ]
    return QuestionProgress(
        number=0,
        title="Risks and the forecast",
        prompt="Adopt the challenges and costs that apply, give each an owner, review them at "
        "every stage gate, and forecast how long and how much.",
        done=sum((has_register, has_register and not unowned, has_register and not late, forecast)),
        total=4,
        missing=missing,
        url=reverse("risks:register", args=[project.pk]),
        unit="steps",
    )
