from __future__ import annotations

import datetime
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

AUDIT_CHAIN = "audit"
# The columns an audit event's hash covers, in the order `audit_content` takes them. Not the
# actor's id: removing a login sets it to null, and the copied email keeps the meaning.
AUDIT_CHAIN_FIELDS = (
    "seq",
    "created_at",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "project_id",
    "organisation_id",
    "changes",
)


def audit_content(
    seq: int,
    created_at: datetime.datetime,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str,
    project_id: int | None,
    organisation_id: int | None,
    changes: Any,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": created_at.astimezone(datetime.UTC).isoformat(),
        "actor": actor_label,
        "action": action,
        "target": [target_type, target_id, target_label],
        "project": project_id,
        "organisation": organisation_id,
        "changes": changes,
    }


class ChainHead(models.Model):
    """The end of one hash chain: how long it is and its last hash. Appending takes this row
    first, so writers queue for it (see audit/chain.py)."""

    name = models.CharField(max_length=40, unique=True)
    length = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.name} chain ({self.length} entries)"


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("Audit events cannot be changed")

    def delete(self) -> NoReturn:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted")

    def for_project(self, project_id: int) -> AuditEventQuerySet:
        return self.filter(project_id=project_id).select_related("actor")

    def for_organisation(self, organisation_id: int) -> AuditEventQuerySet:
        return self.filter(organisation_id=organisation_id).select_related("actor")


class AuditEvent(models.Model):
    """One change made through the application: who, what, when, and the fields it changed.

    Append-only: the model refuses updates and deletes. The actor's email is copied so the
    record keeps its meaning if the login is later removed; the project and organisation are
    plain ids for the same reason.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=300)
    project_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict)
    # Set before the hash is computed, which covers it (auto_now_add would set it too late).
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The hash chain (audit/chain.py): position, the previous entry's hash, and this one's.
    seq = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted")

    def chain_content(self) -> dict[str, Any]:
        return audit_content(
            self.seq,
            self.created_at,
            self.actor_label,
            self.action,
            self.target_type,
            self.target_id,
            self.target_label,
            self.project_id,
            self.organisation_id,
            self.changes,
        )
