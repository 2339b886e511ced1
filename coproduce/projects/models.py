from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from coproduce.accounts.models import Organisation, Person
from coproduce.catalogue.models import Stage
from coproduce.costs.money import validate_currency

if TYPE_CHECKING:
    from coproduce.accounts.models import User


class Approach(models.TextChoices):
    CO_PRODUCTION = "co_production", "Co-production"
    CO_DESIGN = "co_design", "Co-design"
    CO_CREATION = "co_creation", "Co-creation"
    ENGAGEMENT = "engagement", "Stakeholder and public engagement"
    INVOLVEMENT = "involvement", "Participation or involvement"
    IKT = "ikt", "Integrated knowledge translation"
    OTHER = "other", "Other"


class ProjectRole(models.TextChoices):
    LEAD = "lead", "Lead"
    RESEARCHER = "researcher", "Researcher"
    COORDINATOR = "coordinator", "Coordinator"
    PARTNER = "partner", "Partner"
    PUBLIC_CONTRIBUTOR = "public_contributor", "Public contributor"
    OBSERVER = "observer", "Observer"


class ProjectQuerySet(models.QuerySet["Project"]):
    def visible_to(self, user: User) -> ProjectQuerySet:
        """Projects the user is a member of (superusers see all)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__person__user=user).distinct()


class Project(models.Model):
    """A co-produced study."""

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="projects",
        help_text="The organisation that hosts the study.",
    )
    funder = models.CharField(max_length=200, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    current_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    approach = models.CharField(
        max_length=20, choices=Approach.choices, default=Approach.CO_PRODUCTION
    )
    why_coproduce = models.TextField(
        "why co-produce",
        blank=True,
        help_text="What does working together bring that the team could not get otherwise?",
    )
    intended_outcomes = models.TextField(
        "which outcomes, for whom",
        blank=True,
        help_text="The changes you hope for, and who should benefit from them.",
    )
    currency = models.CharField(
        "budget currency",
        max_length=3,
        default="GBP",
        validators=[validate_currency],
        help_text="ISO 4217 code. New cost items start in this currency.",
    )
    overspend_margin = models.PositiveSmallIntegerField(
        "overspend warning margin (%)",
        default=10,
        validators=[MaxValueValidator(500)],
        help_text="Warn when actual spending in a stage runs past plan by more than this.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Membership(models.Model):
    """A person's part in a project; the role grants permissions."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=ProjectRole.choices)
    is_data_custodian = models.BooleanField(
        "data custodian",
        default=False,
        help_text="May see identifying details of study participants.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["person__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "person"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()}) in {self.project}"
