"""Findings and outputs, and the integrity ledger that records everything done to them.

A **finding** is a statement of what the study found; an **output** is a document (paper,
report, summary, data) stored with its SHA-256. Registering either, revising it, a stakeholder
comment on it, a request to frame it differently and the team's answer, and its release are
each an entry in the **ledger**: append-only and hash-chained like the audit log
(`audit/chain.py`), so the independence of the findings can be shown to a journal or a funder.
"""

from __future__ import annotations

import datetime
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from coproduce.audit.models import AuditLogIsAppendOnly
from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import Versioned
from coproduce.projects.models import Project

LEDGER_CHAIN = "ledger"
LEDGER_CHAIN_FIELDS = (
    "seq",
    "created_at",
    "project_id",
    "subject",
    "subject_id",
    "event",
    "actor_label",
    "payload",
)


def ledger_content(
    seq: int,
    created_at: datetime.datetime,
    project_id: int,
    subject: str,
    subject_id: int,
    event: str,
    actor_label: str,
    payload: Any,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": created_at.astimezone(datetime.UTC).isoformat(),
        "project": project_id,
        "subject": [subject, subject_id],
        "event": event,
        "actor": actor_label,
        "payload": payload,
    }


class Audience(models.TextChoices):
    TEAM = "team", "The project team"
    PARTNERS = "partners", "Partners and stakeholders"
    FUNDER = "funder", "The funder"
    PUBLIC = "public", "The public"


class OutputKind(models.TextChoices):
    PAPER = "paper", "Journal paper"
    REPORT = "report", "Report"
    SUMMARY = "summary", "Plain-language summary"
    BRIEFING = "briefing", "Policy or practice briefing"
    SLIDES = "slides", "Presentation"
    DATA = "data", "Data set"
    OTHER = "other", "Other"


class Finding(Versioned):
    """A statement of what the study found, registered before stakeholders review it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="findings")
    reference = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    statement = models.TextField()
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "reference"], name="finding_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


def output_path(instance: Output, filename: str) -> str:
    # Stored under its hash, so a file is never overwritten and the name reveals nothing.
    return f"outputs/{instance.project_id}/{instance.sha256}"


class Output(Versioned):
    """A document the study produced, with who it is for and when it may be released. Its file
    is stored with its SHA-256; a revision stores a new file and records the new hash."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="outputs")
    reference = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OutputKind.choices, default=OutputKind.REPORT)
    description = models.TextField(blank=True)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    release_date = models.DateField(
        help_text="Before this date only the roles the charter names may see or download it."
    )
    released_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=output_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    findings = models.ManyToManyField(Finding, blank=True, related_name="outputs")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "reference"], name="output_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def is_released(self, today: datetime.date | None = None) -> bool:
        return self.released_at is not None or self.release_date <= (today or timezone.localdate())


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("Ledger entries cannot be changed")

    def delete(self) -> NoReturn:
        raise AuditLogIsAppendOnly("Ledger entries cannot be deleted")


class LedgerEvent(models.TextChoices):
    REGISTERED = "registered", "Registered"
    REVISED = "revised", "Revised"
    COMMENT = "comment", "Stakeholder comment"
    FRAMING_REQUEST = "framing_request", "Framing request"
    FRAMING_RESPONSE = "framing_response", "Response to a framing request"
    EARLY_RELEASE_REQUEST = "early_release_request", "Request for early release"
    EARLY_RELEASE_DECISION = "early_release_decision", "Decision on early release"
    RELEASED = "released", "Released"


class Subject(models.TextChoices):
    FINDING = "finding", "Finding"
    OUTPUT = "output", "Output"


class LedgerEntry(models.Model):
    """One event on a finding or an output, chained by hash. Plain ids, copied labels: an
    entry keeps its meaning (and its hash) whatever happens to the rows it names."""

    seq = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    project_id = models.BigIntegerField(db_index=True)
    subject = models.CharField(max_length=20, choices=Subject.choices)
    subject_id = models.BigIntegerField()
    event = models.CharField(max_length=40, choices=LedgerEvent.choices)
    actor_label = models.CharField(max_length=254)
    payload = models.JSONField(default=dict)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject", "subject_id", "seq"], name="ledger_subject")]

    def __str__(self) -> str:
        return f"Ledger entry {self.seq}: {self.event} {self.subject} {self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Ledger entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("Ledger entries cannot be deleted")

    def chain_content(self) -> dict[str, Any]:
        return ledger_content(
            self.seq,
            self.created_at,
            self.project_id,
            self.subject,
            self.subject_id,
            self.event,
            self.actor_label,
            self.payload,
        )


class FramingOutcome(models.TextChoices):
    PENDING = "pending", "Not answered yet"
    ACCEPTED = "accepted", "Accepted"
    PARTLY = "partly", "Partly accepted"
    DECLINED = "declined", "Declined"


class FramingRequest(models.Model):
    """Someone asked for a finding or output to be put a certain way; the team's answer."""

    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.CASCADE, related_name="framing_requests"
    )
    output = models.ForeignKey(
        Output, null=True, blank=True, on_delete=models.CASCADE, related_name="framing_requests"
    )
    asked_by = models.CharField(
        max_length=200, help_text="Who asked, and for whom they spoke (a person or body)."
    )
    party = models.CharField(max_length=30, blank=True)
    request = models.TextField("what they asked")
    outcome = models.CharField(
        max_length=20, choices=FramingOutcome.choices, default=FramingOutcome.PENDING
    )
    response = models.TextField("the team's response", blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(finding__isnull=False, output__isnull=True)
                | models.Q(finding__isnull=True, output__isnull=False),
                name="framing_request_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"Framing request from {self.asked_by}"


class ReleaseDecision(models.TextChoices):
    PENDING = "pending", "Not decided yet"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class EarlyReleaseRequest(models.Model):
    """A request to release an output before its date, and what was decided."""

    output = models.ForeignKey(
        Output, on_delete=models.CASCADE, related_name="early_release_requests"
    )
    requested_by = models.CharField(max_length=200)
    reason = models.TextField()
    decision = models.CharField(
        max_length=20, choices=ReleaseDecision.choices, default=ReleaseDecision.PENDING
    )
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Early release of {self.output} requested by {self.requested_by}"


class ChainCheck(models.Model):
    """One run of `coproduce ledger verify` (or the page's check) over both chains."""

    checked_at = models.DateTimeField(default=timezone.now)
    audit_entries = models.BigIntegerField()
    ledger_entries = models.BigIntegerField()
    intact = models.BooleanField()
    report = models.TextField()

    class Meta:
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        state = "intact" if self.intact else "broken"
        return f"Chains checked {self.checked_at:%Y-%m-%d %H:%M}: {state}"
