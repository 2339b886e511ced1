"""Writes for findings, outputs and the ledger. Every event on a finding or an output is a
ledger entry, appended in the same transaction as the change it records."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from coproduce.accounts.models import User
from coproduce.audit.services import audited_save, chain_append, snapshot, stored
from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import check_version, next_version
from coproduce.integrity import queries
from coproduce.integrity.models import (
    LEDGER_CHAIN,
    ChainCheck,
    EarlyReleaseRequest,
    Finding,
    FramingOutcome,
    FramingRequest,
    LedgerEntry,
    LedgerEvent,
    Output,
    ReleaseDecision,
    Subject,
    output_path,
)
from coproduce.projects.models import Project
from coproduce.projects.services import lock_project

type Registered = Finding | Output


def ledger_append(
    *, by: User, subject: Registered, event: LedgerEvent, payload: dict[str, Any]
) -> LedgerEntry:
    entry = LedgerEntry(
        project_id=subject.project_id,
        subject=Subject.FINDING if isinstance(subject, Finding) else Subject.OUTPUT,
        subject_id=subject.pk,
        event=event,
        actor_label=by.email,
        # Through JSON and back, so the hash covers exactly what the database will return.
        payload=json.loads(json.dumps(payload)),
    )
    return chain_append(LEDGER_CHAIN, entry, LedgerEntry.chain_content)


def _next_reference(project: Project, prefix: str, model: type[Finding] | type[Output]) -> str:
    return f"{prefix}{model.objects.filter(project=project).count() + 1}"


@transaction.atomic
def finding_register(
    *, by: User, project: Project, title: str, statement: str, stage: Stage
) -> Finding:
    lock_project(project.pk)
    finding = Finding(
        project=project,
        reference=_next_reference(project, "F", Finding),
        title=title.strip(),
        statement=statement.strip(),
        stage=stage,
        created_by=by,
    )
    audited_save(finding, by=by, action="finding.register")
    ledger_append(
        by=by,
        subject=finding,
        event=LedgerEvent.REGISTERED,
        payload={
            "reference": finding.reference,
            "title": finding.title,
            "statement": finding.statement,
            "stage": stage.number,
        },
    )
    return finding


def statement_diff(before: str, after: str) -> str:
    """A readable line diff of two texts, as the ledger and the provenance page show it."""
    return "\n".join(
        difflib.unified_diff(
            before.splitlines(), after.splitlines(), "before", "after", lineterm="", n=1
        )
    )


@transaction.atomic
def finding_revise(
    *,
    by: User,
    finding: Finding,
    title: str,
    statement: str,
    reason: str,
    version: int | None = None,
) -> Finding:
    current = stored(finding)
    check_version(current, version)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the finding changed: the ledger keeps it."})
    title, statement = title.strip(), statement.strip()
    if (title, statement) == (current.title, current.statement):
        raise ValidationError("Nothing changed: the title and statement are as registered.")
    before = snapshot(current)
    next_version(finding, current)
    finding.title, finding.statement = title, statement
    audited_save(finding, by=by, action="finding.revise", before=before)
    ledger_append(
        by=by,
        subject=finding,
        event=LedgerEvent.REVISED,
        payload={
            "title": title,
            "statement": statement,
            "diff": statement_diff(current.statement, statement),
            "title_before": current.title,
            "reason": reason.strip(),
        },
    )
    return finding


@transaction.atomic
def comment_add(
    *, by: User, subject: Registered, commenter: str, party: str, comment: str
) -> LedgerEntry:
    """A stakeholder's comment, recorded in the ledger as it was made."""
    if not comment.strip() or not commenter.strip():
        raise ValidationError("Give the comment and who made it.")
    return ledger_append(
        by=by,
        subject=subject,
        event=LedgerEvent.COMMENT,
        payload={"by": commenter.strip(), "party": party, "comment": comment.strip()},
    )


@transaction.atomic
def framing_request_add(
    *, by: User, subject: Registered, asked_by: str, party: str, request: str
) -> FramingRequest:
    framing = FramingRequest(
        finding=subject if isinstance(subject, Finding) else None,
        output=subject if isinstance(subject, Output) else None,
        asked_by=asked_by.strip(),
        party=party,
        request=request.strip(),
        created_by=by,
    )
    audited_save(framing, by=by, action="framing.request", project_id=subject.project_id)
    ledger_append(
        by=by,
        subject=subject,
        event=LedgerEvent.FRAMING_REQUEST,
        payload={
            "request_id": framing.pk,
            "asked_by": framing.asked_by,
            "party": party,
            "request": framing.request,
        },
    )
    return framing


@transaction.atomic
def framing_respond(
    *, by: User, framing: FramingRequest, outcome: str, response: str, reason: str
) -> FramingRequest:
    current = stored(framing)
    if current.outcome != FramingOutcome.PENDING:
        raise ValidationError("This request has already been answered; the ledger keeps it.")
    if outcome == FramingOutcome.PENDING:
        raise ValidationError({"outcome": "Choose whether the team accepted the request."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the team's answer."})
    before = snapshot(current)
    framing.outcome, framing.response, framing.reason = outcome, response.strip(), reason.strip()
    framing.responded_at = timezone.now()
    subject: Registered = framing.finding or framing.output  # type: ignore[assignment]
    audited_save(
        framing, by=by, action="framing.respond", before=before, project_id=subject.project_id
    )
    ledger_append(
        by=by,
        subject=subject,
        event=LedgerEvent.FRAMING_RESPONSE,
        payload={
            "request_id": framing.pk,
            "outcome": outcome,
            "response": framing.response,
            "reason": framing.reason,
        },
    )
    return framing


@transaction.atomic
def finding_release(*, by: User, finding: Finding) -> Finding:
    current = stored(finding)
    if current.released_at is not None:
        raise ValidationError("This finding was already released.")
    before = snapshot(current)
    next_version(finding, current)
    finding.released_at = timezone.now()
    audited_save(finding, by=by, action="finding.release", before=before)
    ledger_append(by=by, subject=finding, event=LedgerEvent.RELEASED, payload={})
    return finding


def _hash_upload(upload: UploadedFile[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size


def _store(output: Output, upload: UploadedFile[bytes]) -> None:
    """Store the file under its hash (set on the output first). The same bytes have the same
    name, so a file already stored (an earlier upload, or one left by a failed save) is reused
    rather than copied under a new name."""
    name = output_path(output, upload.name or "")
    if output.file.storage.exists(name):
        output.file.name = name
    else:
        output.file.save(output.sha256, upload, save=False)


def _check_upload(upload: UploadedFile[bytes]) -> None:
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    if upload.size > settings.MAX_OUTPUT_BYTES:
        raise ValidationError(
            {"file": f"The file is larger than {settings.MAX_OUTPUT_BYTES // 2**20} MB."}
        )


@transaction.atomic
def output_register(
    *,
    by: User,
    project: Project,
    title: str,
    kind: str,
    audience: str,
    release_date: Any,
    file: UploadedFile[bytes],
    description: str = "",
    findings: Iterable[Finding] = (),
) -> Output:
    lock_project(project.pk)
    _check_upload(file)
    sha256, size = _hash_upload(file)
    output = Output(
        project=project,
        reference=_next_reference(project, "O", Output),
        title=title.strip(),
        kind=kind,
        description=description.strip(),
        audience=audience,
        release_date=release_date,
        filename=(file.name or "output")[-255:],
        content_type=(file.content_type or "application/octet-stream")[:100],
        size=size,
        sha256=sha256,
        created_by=by,
    )
    _store(output, file)
    try:
        audited_save(output, by=by, action="output.register")
    except ValidationError:
        output.file.delete(save=False)
        raise
    linked = [f for f in findings if f.project_id == project.pk]
    output.findings.set(linked)
    ledger_append(
        by=by,
        subject=output,
        event=LedgerEvent.REGISTERED,
        payload={
            "reference": output.reference,
            "title": output.title,
            "filename": output.filename,
            "size": size,
            "sha256": sha256,
            "audience": audience,
            "release_date": output.release_date.isoformat(),
            "findings": [f.reference for f in linked],
        },
    )
    return output


@transaction.atomic
def output_revise(
    *, by: User, output: Output, file: UploadedFile[bytes], reason: str, version: int | None = None
) -> Output:
    current = stored(output)
    check_version(current, version)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the output changed: the ledger keeps it."})
    _check_upload(file)
    sha256, size = _hash_upload(file)
    if sha256 == current.sha256:
        raise ValidationError({"file": "This file is the same as the registered one."})
    before = snapshot(current)
    next_version(output, current)
    output.size, output.sha256 = size, sha256
    _store(output, file)
    output.filename = (file.name or output.filename)[-255:]
    output.content_type = (file.content_type or output.content_type)[:100]
    audited_save(output, by=by, action="output.revise", before=before)
    ledger_append(
        by=by,
        subject=output,
        event=LedgerEvent.REVISED,
        payload={
            "filename": output.filename,
            "size": size,
            "sha256": sha256,
            "sha256_before": current.sha256,
            "reason": reason.strip(),
        },
    )
    return output


@transaction.atomic
def output_release(*, by: User, output: Output, early: EarlyReleaseRequest | None = None) -> Output:
    current = stored(output)
    if current.released_at is not None:
        raise ValidationError("This output was already released.")
    before = snapshot(current)
    next_version(output, current)
    output.released_at = timezone.now()
    audited_save(output, by=by, action="output.release", before=before)
    ledger_append(
        by=by,
        subject=output,
        event=LedgerEvent.RELEASED,
        payload={"early": early is not None, "release_date": output.release_date.isoformat()},
    )
    return output


@transaction.atomic
def early_release_request(
    *, by: User, output: Output, requested_by: str, reason: str
) -> EarlyReleaseRequest:
    if output.is_released():
        raise ValidationError("This output is already released.")
    request = EarlyReleaseRequest(
        output=output, requested_by=requested_by.strip(), reason=reason.strip(), created_by=by
    )
    audited_save(request, by=by, action="early_release.request", project_id=output.project_id)
    ledger_append(
        by=by,
        subject=output,
        event=LedgerEvent.EARLY_RELEASE_REQUEST,
        payload={
            "request_id": request.pk,
            "requested_by": request.requested_by,
            "reason": request.reason,
        },
    )
    return request


@transaction.atomic
def early_release_decide(
    *, by: User, request: EarlyReleaseRequest, decision: str, reason: str
) -> EarlyReleaseRequest:
    current = stored(request)
    if current.decision != ReleaseDecision.PENDING:
        raise ValidationError("This request has already been decided.")
    if decision not in (ReleaseDecision.APPROVED, ReleaseDecision.REFUSED):
        raise ValidationError({"decision": "Approve or refuse the request."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the decision."})
    before = snapshot(current)
    request.decision, request.decision_reason = decision, reason.strip()
    request.decided_at, request.decided_by = timezone.now(), by
    audited_save(
        request,
        by=by,
        action="early_release.decide",
        before=before,
        project_id=request.output.project_id,
    )
    ledger_append(
        by=by,
        subject=request.output,
        event=LedgerEvent.EARLY_RELEASE_DECISION,
        payload={"request_id": request.pk, "decision": decision, "reason": request.decision_reason},
    )
    if decision == ReleaseDecision.APPROVED and not request.output.is_released():
        output_release(by=by, output=request.output, early=request)
    return request


def chains_verify() -> ChainCheck:
    """Recompute both chains and record the result (shown on every project's integrity page)."""
    audit, ledger = queries.verify_audit_and_ledger()
    return ChainCheck.objects.create(
        audit_entries=audit.entries,
        ledger_entries=ledger.entries,
        intact=audit.intact and ledger.intact,
        report="\n".join([audit.summary(), ledger.summary()]),
    )
