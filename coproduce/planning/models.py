"""The plan's first two questions and the emphasis appraisal.

Question 1: what each party brings (Contribution). Question 2: when each party is involved,
how and why (Involvement, one cell of the party x stage grid). The emphasis appraisal scores
the paper's seven criteria (EmphasisScore).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from coproduce.accounts.models import PartyKind
from coproduce.catalogue.models import EmphasisCriterion, Stage
from coproduce.projects.models import Project


class ContributionKind(models.TextChoices):
    MONEY = "money", "Money"
    POLITICAL_CONTEXT = "political_context", "Knowledge of the political context"
    TOPIC_EXPERTISE = "topic_expertise", "Topic expertise"
    METHODS_EXPERTISE = "methods_expertise", "Methodological expertise"
    LIVED_EXPERIENCE = "lived_experience", "Lived experience"
    ACCESS = "access", "Access to sites or data"
    NETWORKS = "networks", "Networks"
    TIME = "time", "Time"


class Contribution(models.Model):
    """What a party brings to the table, and the stages it is needed at (question 1)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contributions")
    party = models.CharField(max_length=20, choices=PartyKind.choices)
    kind = models.CharField(max_length=20, choices=ContributionKind.choices)
    description = models.TextField()
    stages = models.ManyToManyField(Stage, related_name="+", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["party", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "party", "kind"], name="contribution_unique_per_party_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()}: {self.get_kind_display()}"


class InvolvementLevel(models.TextChoices):
    """The IAP2 spectrum of public participation, from least to most shared power."""

    INFORM = "inform", "Inform"
    CONSULT = "consult", "Consult"
    INVOLVE = "involve", "Involve"
    COLLABORATE = "collaborate", "Collaborate"
    EMPOWER = "empower", "Empower"


LEVEL_HINTS: dict[str, str] = {
    InvolvementLevel.INFORM: "We keep them informed of what we do and why.",
    InvolvementLevel.CONSULT: "We ask for their views and say how they shaped the decision.",
    InvolvementLevel.INVOLVE: "We work with them throughout so their concerns are reflected.",
    InvolvementLevel.COLLABORATE: "We decide together, as partners, on each part of the work.",
    InvolvementLevel.EMPOWER: "They make the final decision; we carry it out.",
}


class Involvement(models.Model):
    """A planned engagement of a party at a stage: one cell of the involvement grid."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="involvements")
    party = models.CharField(max_length=20, choices=PartyKind.choices)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    level = models.CharField("level of involvement", max_length=20, choices=InvolvementLevel)
    purpose = models.TextField(help_text="What is this party's involvement at this stage for?")
    alternative = models.TextField(
        "alternative considered",
        blank=True,
        help_text="For example, a review of published patient experience instead of a panel.",
    )
    alternative_rejected_because = models.TextField(
        "why the alternative was not chosen", blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["party", "stage__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "party", "stage"], name="involvement_one_per_cell"
            ),
            models.CheckConstraint(
                condition=Q(alternative="") | ~Q(alternative_rejected_because=""),
                name="involvement_alternative_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} at stage {self.stage.number}: {self.level}"


class EmphasisScore(models.IntegerChoices):
    STRONGLY_LESS = -2, "Strongly favours less co-production"
    LESS = -1, "Favours less co-production"
    NEUTRAL = 0, "Neither"
    MORE = 1, "Favours more co-production"
    STRONGLY_MORE = 2, "Strongly favours more co-production"


class EmphasisRating(models.Model):
    """The team's score of one emphasis criterion for its project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="emphasis_ratings")
    criterion = models.ForeignKey(EmphasisCriterion, on_delete=models.PROTECT, related_name="+")
    score = models.SmallIntegerField(choices=EmphasisScore)
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["criterion__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "criterion"], name="emphasis_rating_one_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=-2) & Q(score__lte=2), name="emphasis_score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score:+d}"
