"""Question 4: how the project is governed. The **charter** is the team's agreement, versioned
and acknowledged; **decisions** record what was decided, how, by whom and against whose
dissent. Whose voice counts is worked out from activities (`voice.py`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from coproduce.accounts.models import PartyKind, Person
from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import Versioned
from coproduce.costs.models import Activity
from coproduce.projects.models import Membership, Project


class DecisionKind(models.TextChoices):
    QUESTIONS = "questions", "Research questions and aims"
    DESIGN = "design", "Design and methods"
    DATA_ACCESS = "data_access", "Data access and confidentiality"
    INTERPRETATION = "interpretation", "Analysis and interpretation"
    PUBLICATION = "publication", "Publication and authorship"
    DISSEMINATION = "dissemination", "Dissemination and timing"
    RESOURCES = "resources", "Budget and resources"
    TEAM = "team", "Team membership and roles"
    OTHER = "other", "Other"


class DecisionMethod(models.TextChoices):
    CONSENSUS = "consensus", "Consensus"
    VOTE = "vote", "Vote"
    LEAD = "lead", "Lead's authority"
    FUNDER = "funder", "Funder's authority"
    STEERING_GROUP = "steering_group", "Steering group"
    DELEGATED = "delegated", "Delegated to a working group"
    OTHER = "other", "Other"


class Charter(Versioned):
    """The project's governance agreement. Its text lives in versions; `version` here is the
    optimistic-concurrency counter, so two people editing it at once cannot overwrite each
    other."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="charter")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Charter of {self.project}"


class CharterVersion(models.Model):
    """One agreed text of the charter. `sections` maps section codes (`charter.SECTIONS`) to
    text; `methods` maps each kind of decision to the methods the team allows for it;
    `early_access` lists the project roles that may see outputs before their release."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    sections = models.JSONField()
    methods = models.JSONField()
    early_access = models.JSONField()
    change_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["charter", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "number"], name="charter_version_number"),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of the charter of {self.charter.project}"


class CharterAcknowledgement(models.Model):
    """A member's statement that they have read and accept one version of the charter."""

    version = models.ForeignKey(
        CharterVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "person"], name="charter_ack_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} acknowledged {self.version}"


class Decision(Versioned):
    """What was decided, at which stage, how, who was there (by party), who dissented and why,
    and who is accountable for carrying it out."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="decisions")
    title = models.CharField("what was decided", max_length=300)
    detail = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    method = models.CharField(max_length=20, choices=DecisionMethod.choices)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField()
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
        help_text="The meeting or workshop where it was decided.",
    )
    present = models.ManyToManyField(
        Membership, blank=True, related_name="decisions_present", help_text="Members present."
    )
    other_parties = models.JSONField(
        default=list,
        blank=True,
        help_text="Parties present through people who are not project members.",
    )
    accountable = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions_accountable",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Dissent(models.Model):
    """Someone who disagreed with a decision, and why, on the record."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="dissents")
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200, help_text="As recorded, if not a member.")
    party = models.CharField(max_length=20, choices=PartyKind.choices)
    reason = models.TextField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} dissented from {self.decision}"
