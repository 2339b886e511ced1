"""Writes for the participant register and its access log.

Identifying details go in as plain text and are encrypted here, before anything is saved;
without a usable key the crypto module raises and nothing is written. The change log records
the register's ordinary fields (code, site, stage, status) with their values, and for the
identifying details only *which* of them changed, never a value and never the ciphertext.
Only the project's data custodians may write to the register: the views check first, and the
services check again, so no other caller can slip past the firewall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from coproduce.accounts.models import User
from coproduce.audit.services import audit_record, changed_fields, snapshot, stored
from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import check_version, next_version
from coproduce.core.permissions import Permission, has_permission
from coproduce.participants import crypto
from coproduce.participants.models import (
    CODE_PREFIX,
    CONTACT_MAX,
    NAME_MAX,
    NOTES_MAX,
    AccessAction,
    Participant,
    ParticipantAccess,
    ParticipantStatus,
)
from coproduce.projects.models import Project
from coproduce.projects.services import lock_project

# Plain-text field, its encrypted column, and the most characters it may hold.
IDENTIFYING = (
    ("name", "name_ciphertext", NAME_MAX),
    ("contact", "contact_ciphertext", CONTACT_MAX),
    ("notes", "notes_ciphertext", NOTES_MAX),
)


@dataclass(frozen=True)
class Details:
    """A participant's identifying details, decrypted for a data custodian's page."""

    name: str
    contact: str
    notes: str


def details(participant: Participant) -> Details:
    """Decrypt the identifying details. Call only for a data custodian, and record the access
    (`access_record`) in the same request."""
    return Details(
        name=crypto.decrypt(participant.name_ciphertext),
        contact=crypto.decrypt(participant.contact_ciphertext),
        notes=crypto.decrypt(participant.notes_ciphertext),
    )


@transaction.atomic
def participant_add(
    *,
    by: User,
    project: Project,
    site: str,
    stage: Stage,
    name: str,
    contact: str = "",
    notes: str = "",
    status: str = ParticipantStatus.RECRUITED,
    code: str = "",
) -> Participant:
    """Register a participant. Without a code the next free one (P-001, P-002...) is given."""
    _ensure_custodian(by, project)
    crypto.check_key()
    lock_project(project.pk)
    plain = _clean_details(name=name, contact=contact, notes=notes)
    code = _normalise_code(code) or _next_code(project)
    _check_code_free(project, code)
    participant = Participant(
        project=project,
        code=code,
        site=site.strip(),
        stage=stage,
        status=status,
        withdrawn_at=timezone.now() if status == ParticipantStatus.WITHDRAWN else None,
        created_by=by,
        **{column: crypto.encrypt(plain[field]) for field, column, _ in IDENTIFYING},
    )
    participant.full_clean()
    participant.save()
    audit_record(
        by=by,
        action="participant.add",
        target=participant,
        changes={
            **changed_fields({}, snapshot(participant)),
            **{field: {"changed": True} for field, _, _ in IDENTIFYING if plain[field]},
        },
    )
    access_record(by=by, project=project, action=AccessAction.ADD, participant=participant)
    return participant


@transaction.atomic
def participant_update(
    *,
    by: User,
    participant: Participant,
    site: str,
    stage: Stage,
    status: str,
    name: str,
    contact: str,
    notes: str,
    code: str = "",
    version: int | None = None,
) -> Participant:
    """Edit a participant. `version` is the one the editor opened; a stale edit raises
    StaleEdit. An identifying detail that did not change keeps its ciphertext."""
    _ensure_custodian(by, participant.project)
    crypto.check_key()
    lock_project(participant.project_id)  # so two custodians cannot take the same code at once
    current = stored(participant)
    check_version(current, version)
    plain = _clean_details(name=name, contact=contact, notes=notes)
    old = details(current)
    code = _normalise_code(code) or current.code
    if code != current.code:
        _check_code_free(participant.project, code, exclude=participant.pk)
    before = snapshot(current)
    next_version(participant, current)
    participant.code = code
    participant.site = site.strip()
    participant.stage = stage
    participant.status = status
    participant.withdrawn_at = _withdrawn_at(current, status)
    changed = [field for field, _, _ in IDENTIFYING if getattr(old, field) != plain[field]]
    for field, column, _ in IDENTIFYING:
        token = crypto.encrypt(plain[field]) if field in changed else getattr(current, column)
        setattr(participant, column, token)
    participant.full_clean()
    participant.save()
    changes: dict[str, Any] = {
        **changed_fields(before, snapshot(participant, before.keys())),
        **{field: {"changed": True} for field in changed},
    }
    if changes:
        audit_record(by=by, action="participant.update", target=participant, changes=changes)
    access_record(
        by=by, project=participant.project, action=AccessAction.EDIT, participant=participant
    )
    return participant


@transaction.atomic
def participant_withdraw(
    *, by: User, participant: Participant, erase_details: bool = False
) -> Participant:
    """Record that a participant has left the study. With `erase_details` their name, contact
    details and notes are erased too (replaced by encrypted empty text), for a participant who
    asks for that; their code, site and stage stay, so the counts stay right."""
    _ensure_custodian(by, participant.project)
    if erase_details:
        crypto.check_key()
    # Changed on the stored row, so whatever else the caller's copy holds is not written back.
    withdrawn = stored(participant)
    if withdrawn.status == ParticipantStatus.WITHDRAWN and not erase_details:
        raise ValidationError({"status": f"{withdrawn.code} has already withdrawn."})
    before = snapshot(withdrawn)
    next_version(withdrawn, withdrawn)
    withdrawn.status = ParticipantStatus.WITHDRAWN
    withdrawn.withdrawn_at = withdrawn.withdrawn_at or timezone.now()
    changes: dict[str, Any] = {}
    if erase_details:
        for field, column, _ in IDENTIFYING:
            setattr(withdrawn, column, crypto.encrypt(""))
            changes[field] = {"erased": True}
    withdrawn.full_clean()
    withdrawn.save()
    changes = {**changed_fields(before, snapshot(withdrawn, before.keys())), **changes}
    audit_record(by=by, action="participant.withdraw", target=withdrawn, changes=changes)
    access_record(
        by=by, project=withdrawn.project, action=AccessAction.WITHDRAW, participant=withdrawn
    )
    return withdrawn


def access_record(
    *, by: User, project: Project, action: str, participant: Participant | None = None
) -> ParticipantAccess:
    """Record that `by` saw or changed identifying details. Called by every custodian view
    before it shows anything."""
    access = ParticipantAccess(
        project=project,
        participant=participant,
        participant_code=participant.code if participant is not None else "",
        user=by,
        user_email=by.email,
        action=action,
    )
    access.full_clean()
    access.save()
    return access


def reencrypt_all() -> int:
    """Encrypt every identifying detail again under the newest key, one participant at a time
    (each in its own transaction). Returns how many participants were re-encrypted. Their
    values do not change, so the change log records nothing."""
    crypto.check_key()
    done = 0
    for pk in list(Participant.objects.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            participant = Participant.objects.select_for_update().get(pk=pk)
            tokens = {
                column: crypto.reencrypt(getattr(participant, column))
                for _, column, _ in IDENTIFYING
            }
            # update(): the row's values and its version stay as they were.
            Participant.objects.filter(pk=pk).update(**tokens)
        done += 1
    return done


def _ensure_custodian(by: User, project: Project) -> None:
    if not has_permission(by, Permission.PARTICIPANTS_IDENTIFY, project=project):
        raise PermissionDenied("Only the project's data custodians may change participants.")


def _clean_details(*, name: str, contact: str, notes: str) -> dict[str, str]:
    plain = {"name": name.strip(), "contact": contact.strip(), "notes": notes.strip()}
    errors: dict[str, str] = {}
    if not plain["name"]:
        errors["name"] = "Enter the participant's name."
    for field, _, limit in IDENTIFYING:
        if len(plain[field]) > limit:
            errors[field] = f"Use {limit:,} characters or fewer (it has {len(plain[field]):,})."
        elif "\x00" in plain[field]:
            errors[field] = "Remove the null character."
    if errors:
        raise ValidationError(errors)
    return plain


def _normalise_code(code: str) -> str:
    return code.strip().upper()


def _next_code(project: Project) -> str:
    """The next free P-number: one more than the highest given so far, three digits at least."""
    pattern = re.compile(rf"^{CODE_PREFIX}-(\d+)$")
    numbers = [
        int(match.group(1))
        for code in Participant.objects.filter(project=project, code__startswith=f"{CODE_PREFIX}-")
        .values_list("code", flat=True)
        .iterator()
        if (match := pattern.match(code))
    ]
    return f"{CODE_PREFIX}-{max(numbers, default=0) + 1:03d}"


def _check_code_free(project: Project, code: str, exclude: int | None = None) -> None:
    taken = Participant.objects.filter(project=project, code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError(
            {"code": f"{code} is already used in this project. Choose another, or leave it empty."}
        )


def _withdrawn_at(current: Participant, status: str) -> Any:
    if status != ParticipantStatus.WITHDRAWN:
        return None
    return current.withdrawn_at or timezone.now()
