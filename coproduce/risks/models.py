"""The risk register, stage gates, and the forecast of a study's time and co-production cost.

A **risk** is a challenge or cost from the catalogue (or the team's own) adopted into a
project's register. Likelihood and impact are on 1-5 scales whose meanings are written in
`LIKELIHOOD_HELP` and `IMPACT_HELP` and on the register page. A risk's forecast inputs (the
probability it occurs, and the delay and extra cost it brings when it does) default from its
likelihood and impact (`forecast.py`) until the team writes its own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from coproduce.catalogue.models import CatalogueItem, Stage
from coproduce.core.concurrency import Versioned
from coproduce.projects.models import Membership, Project


def ordered(prefix: str) -> Q:
    """The three-point estimate rule (risks.estimates) as a database condition over
    `<prefix>_low`, `_mode` and `_high`: not negative, optimistic ≤ most likely ≤ pessimistic."""
    return Q(
        **{
            f"{prefix}_low__gte": 0,
            f"{prefix}_mode__gte": models.F(f"{prefix}_low"),
            f"{prefix}_high__gte": models.F(f"{prefix}_mode"),
        }
    )


class Likelihood(models.IntegerChoices):
    RARE = 1, "1 · Rare"
    UNLIKELY = 2, "2 · Unlikely"
    POSSIBLE = 3, "3 · Possible"
    LIKELY = 4, "4 · Likely"
    ALMOST_CERTAIN = 5, "5 · Almost certain"


class Impact(models.IntegerChoices):
    NEGLIGIBLE = 1, "1 · Negligible"
    MINOR = 2, "2 · Minor"
    MODERATE = 3, "3 · Moderate"
    MAJOR = 4, "4 · Major"
    SEVERE = 5, "5 · Severe"


LIKELIHOOD_HELP = {
    1: "Would be surprising in a study like this: under 1 chance in 10.",
    2: "Could happen, but is not expected: about 1 in 10 to 3 in 10.",
    3: "As likely as not to happen in some form: about 3 in 10 to 5 in 10.",
    4: "Expected to happen unless something is done: about 5 in 10 to 8 in 10.",
    5: "Happens in most studies like this: over 8 in 10.",
}
IMPACT_HELP = {
    1: "Absorbed without anyone noticing: hours, not days, and no lasting harm.",
    2: "A few days' delay or a small unplanned cost; easily put right.",
    3: "Weeks of delay or a cost that needs a budget change; strains relationships.",
    4: "Months of delay, a serious overspend, or harm to people or the findings.",
    5: "The study, its findings or someone's wellbeing or career is put at serious risk.",
}


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Mitigating"
    OCCURRED = "occurred", "Occurred"
    CLOSED = "closed", "Closed"


ACTIVE_STATUSES = (RiskStatus.OPEN, RiskStatus.MITIGATING)
SCALE = [MinValueValidator(1), MaxValueValidator(5)]


def _weeks(label: str) -> Any:
    return models.DecimalField(label, max_digits=6, decimal_places=1, null=True, blank=True)


def _money(label: str) -> Any:
    return models.DecimalField(label, max_digits=15, decimal_places=2, null=True, blank=True)


class RiskQuerySet(models.QuerySet["Risk"]):
    def active(self) -> RiskQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)


class Risk(Versioned):
    """A challenge or cost the team expects might happen, with what it would do and who
    watches it. The forecast fields are empty until the team overrides the defaults."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="risks")
    catalogue_item = models.ForeignKey(
        CatalogueItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the team's own risks.",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    likelihood = models.PositiveSmallIntegerField(
        choices=Likelihood.choices, default=Likelihood.POSSIBLE, validators=SCALE
    )
    impact = models.PositiveSmallIntegerField(
        choices=Impact.choices, default=Impact.MODERATE, validators=SCALE
    )
    owner = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risks_owned",
        help_text="The member who watches this risk and leads its mitigation.",
    )
    mitigation = models.TextField(
        blank=True, help_text="What the team will do to make it less likely or less harmful."
    )
    status = models.CharField(max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    probability = models.DecimalField(
        "probability of occurring",
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Between 0 and 1. Leave empty to use the default for its likelihood.",
    )
    delay_low = _weeks("delay, optimistic (weeks)")
    delay_mode = _weeks("delay, most likely (weeks)")
    delay_high = _weeks("delay, pessimistic (weeks)")
    cost_low = _money("extra cost, optimistic")
    cost_mode = _money("extra cost, most likely")
    cost_high = _money("extra cost, pessimistic")
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["stage__number", "-likelihood", "-impact", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "catalogue_item"],
                condition=Q(catalogue_item__isnull=False),
                name="risk_adopted_once",
            ),
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__gte=0, probability__lte=1),
                name="risk_probability_0_to_1",
            ),
            models.CheckConstraint(
                condition=Q(delay_low__isnull=True) | ordered("delay"),
                name="risk_delay_ordered",
            ),
            models.CheckConstraint(
                condition=Q(cost_low__isnull=True) | ordered("cost"),
                name="risk_cost_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class StageGate(models.Model):
    """The record of a project moving on from a stage, with the review of its open risks."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_gates")
    from_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project}: stage {self.from_stage.number} to {self.to_stage.number}"


class RiskReview(models.Model):
    """One look at a risk: its scores and status as they stood afterwards, and why."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="reviews")
    gate = models.ForeignKey(
        StageGate, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices, validators=SCALE)
    impact = models.PositiveSmallIntegerField(choices=Impact.choices, validators=SCALE)
    status = models.CharField(max_length=20, choices=RiskStatus.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.risk}"


class StageEstimate(models.Model):
    """Three-point estimates of one stage's duration and co-production cost, for the forecast.
    Costs are in the project's budget currency."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_estimates")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    duration_low = models.DecimalField("weeks, optimistic", max_digits=6, decimal_places=1)
    duration_mode = models.DecimalField("weeks, most likely", max_digits=6, decimal_places=1)
    duration_high = models.DecimalField("weeks, pessimistic", max_digits=6, decimal_places=1)
    cost_low = models.DecimalField("cost, optimistic", max_digits=15, decimal_places=2)
    cost_mode = models.DecimalField("cost, most likely", max_digits=15, decimal_places=2)
    cost_high = models.DecimalField("cost, pessimistic", max_digits=15, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["stage__number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="stage_estimate_unique"),
            models.CheckConstraint(
                condition=ordered("duration"),
                name="stage_estimate_duration_ordered",
            ),
            models.CheckConstraint(
                condition=ordered("cost"),
                name="stage_estimate_cost_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Estimates for stage {self.stage.number} of {self.project}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ForecastRun(models.Model):
    """One Monte Carlo forecast, saved with the exact inputs it used so that later runs can be
    compared with it. `inputs` and `result` are JSON written by `forecast.py`."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="forecast_runs")
    label = models.CharField(max_length=200, blank=True)
    iterations = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    distribution = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    inputs = models.JSONField()
    result = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.FloatField(default=0)
    error = models.TextField(blank=True)
    in_background = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=1), name="forecast_progress_0_to_1"
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"Forecast {self.pk}"
