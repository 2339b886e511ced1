"""Reads for findings, outputs, the ledger and its verification."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from coproduce.accounts.models import User
from coproduce.audit.chain import (
    Row,
    Verification,
    canonical_text,
    canonical_text_acyclic,
    json_string,
)
from coproduce.audit.queries import (
    CHUNK,
    chain_queryset,
    chain_rows,
    unchanged,
    utc_text_reader,
    verify_audit_log,
    verify_chain_rows,
)
from coproduce.core.diff import WordDiff, word_diff
from coproduce.core.permissions import project_role
from coproduce.governance.queries import early_access_roles
from coproduce.integrity.models import (
    LEDGER_CHAIN,
    LEDGER_CHAIN_FIELDS,
    ChainCheck,
    Finding,
    LedgerEntry,
    LedgerEvent,
    Output,
    Subject,
    ledger_content,
)
from coproduce.projects.models import Project


def ledger_rows() -> Iterator[Row]:
    """Every ledger entry in chain order, streamed in constant memory, as `chain.verify` takes
    them (`verify_ledger` reads the same rows more directly)."""
    for row in chain_queryset(LedgerEntry, LEDGER_CHAIN_FIELDS).iterator(chunk_size=CHUNK):
        yield Row(row[2], row[0], row[1], ledger_content(*row[2:]))


def verify_ledger() -> Verification:
    """The ledger's chain, checked by `chain.verify_rows` over its rows as the database's driver
    returns them; `verify_chain(LEDGER_CHAIN, ledger_rows())` gives the same verdict, slower."""
    rows, read = chain_rows(LedgerEntry, LEDGER_CHAIN_FIELDS)
    readers = dict(zip(LEDGER_CHAIN_FIELDS, read, strict=True))
    moment, payload = readers.pop("created_at"), readers.pop("payload")
    at: Callable[[Any], str] | None = utc_text_reader(LedgerEntry, "created_at")
    if any(convert is not unchanged for convert in readers.values()):
        # A backend that converts other columns too: let the ORM convert every value.
        rows = chain_queryset(LedgerEntry, LEDGER_CHAIN_FIELDS).iterator(chunk_size=CHUNK)
        moment = payload = unchanged
        at = None
    return verify_chain_rows(LEDGER_CHAIN, rows, ledger_text(moment, payload, at))


def ledger_text(
    moment: Callable[[Any], Any] = unchanged,
    payload: Callable[[Any], Any] = unchanged,
    at: Callable[[Any], str] | None = None,
) -> Callable[[Sequence[Any]], str]:
    """For a ledger row (prev_hash, hash, *LEDGER_CHAIN_FIELDS), whose created_at and payload
    are read by `moment` and `payload` (and created_at straight into the text of its UTC time
    by `at`, if given), the canonical JSON of the entry's content, as a str:
    `canonical_text(ledger_content(...))`, written out directly (the keys in their sorted order,
    no dict to build and sort) when the values have the types the columns hold. It must stay
    the same characters: tests/unit/test_chain_fast_path.py compares the two."""
    if at is None:

        def at(value: Any) -> str:
            return str(moment(value).astimezone(datetime.UTC).isoformat())

    def text(row: Sequence[Any]) -> str:
        _, _, seq, created_at, project_id, subject, subject_id, event, actor, data = row
        if (
            type(seq) is int
            and type(project_id) is int
            and type(subject_id) is int
            and type(subject) is str
            and type(event) is str
            and type(actor) is str
        ):
            return (
                f'{{"actor":{json_string(actor)},"at":{json_string(at(created_at))},'
                f'"event":{json_string(event)},"payload":{canonical_text_acyclic(payload(data))},'
                f'"project":{project_id},"seq":{seq},'
                f'"subject":[{json_string(subject)},{subject_id}]}}'
            )
        content = ledger_content(
            seq, moment(created_at), project_id, subject, subject_id, event, actor, payload(data)
        )
        return canonical_text(content)

    return text


def verify_audit_and_ledger() -> tuple[Verification, Verification]:
    return verify_audit_log(), verify_ledger()


def last_check() -> ChainCheck | None:
    return ChainCheck.objects.first()


def entries_for(subject: Finding | Output) -> QuerySet[LedgerEntry]:
    kind = Subject.FINDING if isinstance(subject, Finding) else Subject.OUTPUT
    return LedgerEntry.objects.filter(subject=kind, subject_id=subject.pk).order_by("seq")


def may_see_before_release(user: User, project: Project) -> bool:
    """Whether the user's role is one the charter lets see outputs before their release."""
    role = project_role(user, project)
    return role is not None and role in early_access_roles(project)


def visible_outputs(user: User, project: Project) -> QuerySet[Output]:
    """The outputs the user may see: all of them for the roles the charter names, released
    ones for everyone else."""
    outputs = Output.objects.filter(project=project).prefetch_related("findings")
    if may_see_before_release(user, project):
        return outputs
    return outputs.filter(Q(released_at__isnull=False) | Q(release_date__lte=timezone.localdate()))


@dataclass
class Provenance:
    """The history of a finding or output, as a page and as text to paste into a paper."""

    subject: Finding | Output
    entries: list[LedgerEntry]
    registered: LedgerEntry
    first_review: LedgerEntry | None
    revisions: list[LedgerEntry] = field(default_factory=list)
    framing: list[tuple[LedgerEntry, LedgerEntry | None]] = field(default_factory=list)
    comments: list[LedgerEntry] = field(default_factory=list)
    released: LedgerEntry | None = None

    def revision_diffs(self) -> dict[int, WordDiff]:
        """For each revision (by ledger seq), the words changed from the wording before it."""
        diffs = {}
        wording = str(self.registered.payload.get("statement", ""))
        for entry in self.revisions:
            if "statement" in entry.payload:
                new = str(entry.payload["statement"])
                diffs[entry.seq] = word_diff(wording, new)
                wording = new
        return diffs

    @property
    def registered_before_review(self) -> bool:
        return self.first_review is None or self.registered.seq < self.first_review.seq

    def text(self) -> str:
        subject = self.subject
        kind = "finding" if isinstance(subject, Finding) else "output"
        day = _day(self.registered.created_at)
        parts = [
            f"The {kind} {subject.reference} (“{_title_at_registration(self.registered)}”) was "
            f"registered in the project's integrity ledger on {day} "
            f"(entry {self.registered.seq}, SHA-256 {self.registered.hash[:16]}…)"
        ]
        if self.first_review is not None:
            when = _day(self.first_review.created_at)
            order = "before" if self.registered_before_review else "after"
            parts[0] += f", {order} stakeholder review began on {when}."
        else:
            parts[0] += "; no stakeholder has reviewed it yet."
        if self.revisions:
            reasons = "; ".join(
                f"{_day(r.created_at)}, “{r.payload.get('reason', '')}”" for r in self.revisions
            )
            times = "once" if len(self.revisions) == 1 else f"{len(self.revisions)} times"
            parts.append(f"It has been revised {times} since, for these reasons: {reasons}.")
        else:
            parts.append("It has not been revised since.")
        if self.framing:
            described = []
            for request, response in self.framing:
                asked = f"{request.payload.get('asked_by')} asked on {_day(request.created_at)}"
                if response is None:
                    described.append(f"{asked}; the team has not answered yet")
                else:
                    outcome = str(response.payload.get("outcome", ""))
                    described.append(
                        f"{asked}; the team {_OUTCOME_VERBS.get(outcome, outcome)}, giving "
                        f"this reason: “{response.payload.get('reason', '')}”"
                    )
            count = len(self.framing)
            noun = "request" if count == 1 else "requests"
            parts.append(
                f"{count} framing {noun} about how to present it: " + "; ".join(described) + "."
            )
        else:
            parts.append("Nobody has asked for it to be framed differently.")
        if self.released is not None:
            parts.append(f"It was released on {_day(self.released.created_at)}.")
        return " ".join(parts)


_OUTCOME_VERBS = {
    "accepted": "accepted it",
    "partly": "partly accepted it",
    "declined": "declined it",
}


def _day(value: Any) -> str:
    # The day in the project's time zone, as the ledger page shows it (entries are stored in UTC).
    value = timezone.localtime(value)
    return f"{value.day} {value:%B %Y}"


def _title_at_registration(entry: LedgerEntry) -> str:
    return str(entry.payload.get("title", ""))


def provenance(subject: Finding | Output) -> Provenance:
    entries = list(entries_for(subject))
    registered = next(e for e in entries if e.event == LedgerEvent.REGISTERED)
    reviews = [e for e in entries if e.event in (LedgerEvent.COMMENT, LedgerEvent.FRAMING_REQUEST)]
    responses = {
        e.payload.get("request_id"): e for e in entries if e.event == LedgerEvent.FRAMING_RESPONSE
    }
    return Provenance(
        subject=subject,
        entries=entries,
        registered=registered,
        first_review=reviews[0] if reviews else None,
        revisions=[e for e in entries if e.event == LedgerEvent.REVISED],
        framing=[
            (e, responses.get(e.payload.get("request_id")))
            for e in entries
            if e.event == LedgerEvent.FRAMING_REQUEST
        ],
        comments=[e for e in entries if e.event == LedgerEvent.COMMENT],
        released=next((e for e in entries if e.event == LedgerEvent.RELEASED), None),
    )
