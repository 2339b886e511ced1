"""The framework from Oliver, Kothari and Mays (2019), stored as versioned reference data.

The rows come from JSON files in `catalogue/data/`, loaded by data migrations, never from
templates or code. An organisation may add items of its own (`CatalogueItem.organisation`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class CatalogueVersion(models.Model):
    """One loaded release of the reference data, with the source it paraphrases."""

    version = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=300)
    citation = models.TextField()
    doi = models.CharField(max_length=100, blank=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class CostKind(models.Model):
    """One of the paper's five kinds of cost (to the research, the process, ...)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField()
    version = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One of the seven stages of a study, from building the team to implementing change."""

    number = models.PositiveSmallIntegerField(unique=True)
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField()
    version = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=7), name="stage_number_1_to_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class ItemType(models.TextChoices):
    CHALLENGE = "challenge", "Challenge"
    COST = "cost", "Cost"
    CROSS_CUTTING = "cross_cutting", "Cross-cutting cost"


class CatalogueItemQuerySet(models.QuerySet["CatalogueItem"]):
    def framework(self) -> CatalogueItemQuerySet:
        return self.filter(organisation__isnull=True)


class CatalogueItem(models.Model):
    """A challenge (what goes wrong) or a cost (what it does to people and the research).

    Stage-specific items belong to a stage; cross-cutting costs have none.
    """

    code = models.SlugField(max_length=80, unique=True)
    type = models.CharField(max_length=20, choices=ItemType.choices)
    stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    cost_kind = models.ForeignKey(CostKind, on_delete=models.PROTECT, related_name="items")
    title = models.CharField(max_length=200)
    description = models.TextField()
    prompt = models.CharField(max_length=300, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="catalogue_items",
        help_text="Empty for the framework's own items.",
    )
    version = models.ForeignKey(
        CatalogueVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CatalogueItemQuerySet.as_manager()

    class Meta:
        ordering = ["stage__number", "type", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type="cross_cutting", stage__isnull=True)
                | (~Q(type="cross_cutting") & Q(stage__isnull=False)),
                name="catalogue_item_stage_unless_cross_cutting",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class QuestionAudience(models.TextChoices):
    PROJECT = "project", "Project teams"
    ORGANISATION = "organisation", "Organisations and funders"


class Question(models.Model):
    """One of the four questions for project teams or the five for organisations and funders."""

    audience = models.CharField(max_length=20, choices=QuestionAudience.choices)
    number = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=40)
    title = models.CharField(max_length=200)
    prompt = models.TextField()
    help = models.TextField(blank=True)
    version = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["audience", "number"]
        constraints = [
            models.UniqueConstraint(fields=["audience", "number"], name="question_number_unique"),
            models.UniqueConstraint(fields=["audience", "code"], name="question_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class EmphasisCriterion(models.Model):
    """A circumstance that argues for less or more emphasis on co-production."""

    number = models.PositiveSmallIntegerField(unique=True)
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    less_when = models.TextField()
    more_when = models.TextField()
    help = models.TextField(blank=True)
    version = models.ForeignKey(CatalogueVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["number"]
        verbose_name_plural = "emphasis criteria"

    def __str__(self) -> str:
        return self.name
