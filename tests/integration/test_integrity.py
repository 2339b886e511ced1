"""Findings, outputs and the integrity ledger through their pages, services, the background
worker and `coproduce ledger verify`: what the ledger records, what is refused, who may see an
embargoed output, the provenance statement, and tampering with the database behind the
application's back."""

from __future__ import annotations

import datetime
import hashlib
import html
import itertools
import json
from functools import partial
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from coproduce.audit.chain import GENESIS, link
from coproduce.audit.models import AUDIT_CHAIN, AuditEvent, AuditLogIsAppendOnly, ChainHead
from coproduce.catalogue.models import Stage
from coproduce.core.concurrency import STALE
from coproduce.governance.services import charter_revise, charter_start
from coproduce.integrity import queries, services
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
)
from tests.conftest import Team, client_for

pytestmark = pytest.mark.django_db

STATEMENT = "Crisis teams reach carers later than patients."
PDF = b"%PDF-1.7 the interim report\n" + bytes(range(256))


def prefixed(prefix: str, data: dict[str, str]) -> dict[str, str]:
    """Form data as a page with several forms sends it: each form's fields under its prefix."""
    return {f"{prefix}-{name}": value for name, value in data.items()}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def url(name: str, team: Team, **kwargs: int) -> str:
    return reverse(f"integrity:{name}", kwargs={"project_id": team.project.pk, **kwargs})


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def stage(number: int) -> Stage:
    return Stage.objects.get(number=number)


def upload(content: bytes = PDF, name: str = "interim-report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def later(days: int = 30) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def a_finding(team: Team, title: str = "Carers are reached late", **fields: Any) -> Finding:
    return services.finding_register(
        by=team.alice,
        project=team.project,
        title=title,
        statement=fields.pop("statement", STATEMENT),
        stage=fields.pop("stage", stage(4)),
    )


def an_output(
    team: Team, content: bytes = PDF, release_date: datetime.date | None = None, **fields: Any
) -> Output:
    return services.output_register(
        by=team.alice,
        project=team.project,
        title=fields.pop("title", "Interim report"),
        kind=fields.pop("kind", "report"),
        audience=fields.pop("audience", "funder"),
        release_date=release_date or later(),
        file=upload(content),
        **fields,
    )


def entries(subject: Finding | Output) -> list[tuple[str, dict[str, Any]]]:
    return [(e.event, e.payload) for e in queries.entries_for(subject)]


def head(name: str) -> ChainHead:
    return ChainHead.objects.get(name=name)


def assert_chains_intact() -> None:
    audit, ledger = queries.verify_audit_and_ledger()
    assert audit.intact, audit.summary()
    assert ledger.intact, ledger.summary()
    assert audit.entries == AuditEvent.objects.count() == head(AUDIT_CHAIN).length
    assert ledger.entries == LedgerEntry.objects.count() == head(LEDGER_CHAIN).length


# Findings -------------------------------------------------------------------------------------


def test_registering_a_finding_appends_it_to_the_ledger(team: Team) -> None:
    before = head(LEDGER_CHAIN)
    client = client_for(team.bob)

    form = client.get(url("finding_add", team))
    response = client.post(
        url("finding_add", team),
        {"title": "  Carers are reached late ", "statement": STATEMENT, "stage": stage(4).pk},
    )

    finding = Finding.objects.get(project=team.project)
    assert form.context["form"]["stage"].value() == team.project.current_stage.pk
    assert response.status_code == 302
    assert response["Location"] == url("finding", team, finding_id=finding.pk)
    assert (finding.reference, finding.title, finding.statement) == (
        "F1",
        "Carers are reached late",
        STATEMENT,
    )
    entry = LedgerEntry.objects.get()
    assert (entry.subject, entry.subject_id, entry.event) == (
        Subject.FINDING,
        finding.pk,
        "registered",
    )
    assert entry.payload == {
        "reference": "F1",
        "title": "Carers are reached late",
        "statement": STATEMENT,
        "stage": 4,
    }
    assert entry.actor_label == "bob@example.org"
    assert entry.project_id == team.project.pk
    assert (entry.seq, entry.prev_hash) == (before.length + 1, before.last_hash)
    assert entry.hash == link(before.last_hash, entry.chain_content())
    assert head(LEDGER_CHAIN).last_hash == entry.hash
    assert AuditEvent.objects.filter(action="finding.register", target_id=str(finding.pk)).exists()
    page = text(client.get(response["Location"]))
    assert "F1 registered in the ledger." in page
    assert STATEMENT in page
    assert_chains_intact()


def test_findings_are_numbered_per_project(team: Team) -> None:
    first, second = a_finding(team), a_finding(team, "Second")

    assert (first.reference, second.reference) == ("F1", "F2")


def test_revising_a_finding_records_the_change_and_the_reason(team: Team) -> None:
    finding = a_finding(team)
    client = client_for(team.bob)
    revised = STATEMENT.replace("later than", "on average nine days after")

    response = client.post(
        url("finding_revise", team, finding_id=finding.pk),
        {
            "title": "Carers are reached nine days late",
            "statement": revised,
            "reason": "Checked against the case notes.",
            "version": "1",
        },
    )

    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.title, finding.statement, finding.version) == (
        "Carers are reached nine days late",
        revised,
        2,
    )
    event, payload = entries(finding)[-1]
    assert event == "revised"
    assert payload["reason"] == "Checked against the case notes."
    assert payload["title_before"] == "Carers are reached late"
    assert payload["statement"] == revised
    assert "-" + STATEMENT in payload["diff"] and "+" + revised in payload["diff"]
    page = text(client.get(url("finding", team, finding_id=finding.pk)))
    assert "<del>later than</del>" in page
    assert "<ins>on average nine days after</ins>" in page
    assert "Reason: Checked against the case notes." in page


def test_a_revision_needs_a_reason(team: Team) -> None:
    finding = a_finding(team)

    response = client_for(team.alice).post(
        url("finding_revise", team, finding_id=finding.pk),
        {"title": finding.title, "statement": "Changed.", "reason": "", "version": "1"},
    )
    with pytest.raises(ValidationError) as refused:
        services.finding_revise(
            by=team.alice, finding=finding, title=finding.title, statement="Changed.", reason=" "
        )

    assert response.status_code == 200
    assert response.context["form"].has_error("reason")
    assert "Say why the finding changed" in refused.value.message_dict["reason"][0]
    assert [e for e, _ in entries(finding)] == ["registered"]


def test_a_revision_that_changes_nothing_is_refused(team: Team) -> None:
    finding = a_finding(team)

    response = client_for(team.alice).post(
        url("finding_revise", team, finding_id=finding.pk),
        {
            "title": finding.title,
            "statement": f"  {STATEMENT}  ",
            "reason": "Tidying.",
            "version": "1",
        },
    )

    assert response.status_code == 200
    assert "Nothing changed: the title and statement are as registered." in text(response)
    assert [e for e, _ in entries(finding)] == ["registered"]
    finding.refresh_from_db()
    assert finding.version == 1


def test_a_stale_revision_is_refused_and_keeps_the_input(team: Team) -> None:
    finding = a_finding(team)
    bob = client_for(team.bob)
    revise = url("finding_revise", team, finding_id=finding.pk)
    opened = bob.get(revise).context["form"]["version"].value()
    services.finding_revise(
        by=team.alice,
        finding=finding,
        title=finding.title,
        statement="Alice's wording.",
        reason="Alice's reason.",
        version=opened,
    )

    response = bob.post(
        revise,
        {
            "title": finding.title,
            "statement": "Bob's wording.",
            "reason": "Bob's reason.",
            "version": opened,
        },
    )

    assert response.status_code == 200
    assert STALE in text(response)
    assert response.context["form"]["statement"].value() == "Bob's wording."
    assert response.context["form"]["version"].value() == "2"
    finding.refresh_from_db()
    assert finding.statement == "Alice's wording."
    assert [e for e, _ in entries(finding)] == ["registered", "revised"]


def test_a_stakeholder_comment_is_recorded(team: Team) -> None:
    finding = a_finding(team)
    client = client_for(team.bob)

    response = client.post(
        url("finding_comment", team, subject_id=finding.pk),
        prefixed(
            "comment",
            {"commenter": "Carers' forum", "party": "public", "comment": "Matches what we hear."},
        ),
    )
    empty = client.post(
        url("finding_comment", team, subject_id=finding.pk),
        prefixed("comment", {"commenter": "Someone", "party": "", "comment": ""}),
    )

    assert response.status_code == 302
    assert entries(finding)[-1] == (
        "comment",
        {"by": "Carers' forum", "party": "public", "comment": "Matches what we hear."},
    )
    assert empty.status_code == 200
    assert empty.context["comment_form"].has_error("comment")
    assert [e for e, _ in entries(finding)] == ["registered", "comment"]
    assert "Carers' forum (public): “Matches what we hear.”" in text(
        client.get(url("finding", team, finding_id=finding.pk))
    )


def framing_answer(framing: FramingRequest, **overrides: str) -> dict[str, str]:
    data = {"outcome": "declined", "response": "Kept the wording.", "reason": "The data show it."}
    data.update(overrides)
    return {f"framing-{framing.pk}-{k}": v for k, v in data.items()}


def test_a_framing_request_and_the_teams_answer_are_recorded_once(team: Team) -> None:
    finding = a_finding(team)
    client = client_for(team.bob)

    asked = client.post(
        url("finding_framing_request", team, subject_id=finding.pk),
        prefixed(
            "framing",
            {
                "asked_by": "Director of the trust",
                "party": "practitioner",
                "request": "Say 'some carers' rather than 'carers'.",
            },
        ),
    )
    framing = FramingRequest.objects.get()
    pending = text(client.get(url("finding", team, finding_id=finding.pk)))
    answered = client.post(
        url("framing_respond", team, framing_id=framing.pk), framing_answer(framing)
    )
    again = client.post(
        url("framing_respond", team, framing_id=framing.pk),
        framing_answer(framing, outcome="accepted", reason="Changed our minds."),
    )

    assert asked.status_code == 302
    assert (framing.finding, framing.asked_by, framing.party) == (
        finding,
        "Director of the trust",
        "practitioner",
    )
    assert "Framing requests to answer" in pending
    assert answered.status_code == 302
    assert again.status_code == 404  # only pending requests can be answered
    framing.refresh_from_db()
    assert (framing.outcome, framing.reason) == ("declined", "The data show it.")
    assert framing.responded_at is not None
    assert entries(finding)[1:] == [
        (
            "framing_request",
            {
                "request_id": framing.pk,
                "asked_by": "Director of the trust",
                "party": "practitioner",
                "request": "Say 'some carers' rather than 'carers'.",
            },
        ),
        (
            "framing_response",
            {
                "request_id": framing.pk,
                "outcome": "declined",
                "response": "Kept the wording.",
                "reason": "The data show it.",
            },
        ),
    ]
    with pytest.raises(ValidationError, match="already been answered"):
        services.framing_respond(
            by=team.alice, framing=framing, outcome="accepted", response="", reason="Why not."
        )
    assert "Framing requests to answer" not in text(
        client.get(url("finding", team, finding_id=finding.pk))
    )


def test_an_answer_to_a_framing_request_needs_a_reason(team: Team) -> None:
    finding = a_finding(team)
    framing = services.framing_request_add(
        by=team.alice, subject=finding, asked_by="The funder", party="funder", request="Soften it."
    )

    response = client_for(team.alice).post(
        url("framing_respond", team, framing_id=framing.pk), framing_answer(framing, reason="")
    )
    with pytest.raises(ValidationError) as refused:
        services.framing_respond(
            by=team.alice, framing=framing, outcome="accepted", response="", reason="  "
        )
    with pytest.raises(ValidationError):
        services.framing_respond(
            by=team.alice, framing=framing, outcome=FramingOutcome.PENDING, response="", reason="x"
        )

    assert response.status_code == 200
    assert response.context["pending"][0][1].has_error("reason")
    assert "Give the reason" in refused.value.message_dict["reason"][0]
    framing.refresh_from_db()
    assert framing.outcome == FramingOutcome.PENDING
    assert [e for e, _ in entries(finding)] == ["registered", "framing_request"]


def test_releasing_a_finding_is_for_the_lead(team: Team) -> None:
    finding = a_finding(team)
    release = url("finding_release", team, finding_id=finding.pk)

    refused = client_for(team.bob).post(release)
    done = client_for(team.alice).post(release)
    twice = client_for(team.alice).post(release, follow=True)

    assert refused.status_code == 403
    assert done.status_code == 302
    finding.refresh_from_db()
    assert finding.released_at is not None
    assert "This finding was already released." in text(twice)
    assert [e for e, _ in entries(finding)] == ["registered", "released"]


# Outputs --------------------------------------------------------------------------------------


def test_an_uploaded_output_is_stored_with_its_sha256(team: Team, media: Path) -> None:
    finding = a_finding(team)
    client = client_for(team.bob)

    response = client.post(
        url("output_add", team),
        {
            "title": "Interim report",
            "kind": "report",
            "description": "For the funder.",
            "audience": "funder",
            "release_date": later().isoformat(),
            "file": upload(),
            "findings": [finding.pk],
        },
    )

    output = Output.objects.get()
    digest = hashlib.sha256(PDF).hexdigest()
    assert response.status_code == 302
    assert response["Location"] == url("output", team, output_id=output.pk)
    assert (output.sha256, output.size, output.filename) == (digest, len(PDF), "interim-report.pdf")
    assert output.content_type == "application/pdf"
    assert output.file.name == f"outputs/{team.project.pk}/{digest}"
    assert (media / output.file.name).read_bytes() == PDF
    assert list(output.findings.all()) == [finding]
    assert entries(output) == [
        (
            "registered",
            {
                "reference": "O1",
                "title": "Interim report",
                "filename": "interim-report.pdf",
                "size": len(PDF),
                "sha256": digest,
                "audience": "funder",
                "release_date": later().isoformat(),
                "findings": ["F1"],
            },
        )
    ]
    page = text(client.get(response["Location"]))
    assert digest in page
    download = client.get(url("output_download", team, output_id=output.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert 'filename="interim-report.pdf"' in download["Content-Disposition"]


def test_an_empty_file_is_refused(team: Team) -> None:
    response = client_for(team.alice).post(
        url("output_add", team),
        {
            "title": "Empty",
            "kind": "report",
            "audience": "public",
            "release_date": later().isoformat(),
            "file": upload(b""),
        },
    )
    with pytest.raises(ValidationError) as refused:
        an_output(team, content=b"")

    assert response.status_code == 200
    assert response.context["form"].has_error("file")
    assert refused.value.message_dict["file"] == ["The file is empty."]
    assert not Output.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_an_over_size_file_is_refused(team: Team, settings: Any, media: Path) -> None:
    settings.MAX_OUTPUT_BYTES = 100

    response = client_for(team.alice).post(
        url("output_add", team),
        {
            "title": "Too big",
            "kind": "data",
            "audience": "team",
            "release_date": later().isoformat(),
            "file": upload(b"x" * 101),
        },
    )
    exactly = an_output(team, content=b"y" * 100)

    assert response.status_code == 200
    assert "The file is larger than" in text(response)
    assert list(Output.objects.all()) == [exactly]
    assert [e.subject_id for e in LedgerEntry.objects.all()] == [exactly.pk]
    assert sorted(p.name for p in media.rglob("*") if p.is_file()) == [exactly.sha256]


def test_revising_an_output_records_both_hashes(team: Team, media: Path) -> None:
    output = an_output(team)
    new = PDF + b"\nwith the appendix"
    client = client_for(team.bob)

    same = client.post(
        url("output_revise", team, output_id=output.pk),
        {"file": upload(PDF), "reason": "Again.", "version": "1"},
    )
    changed = client.post(
        url("output_revise", team, output_id=output.pk),
        {"file": upload(new, "final.pdf"), "reason": "Added the appendix.", "version": "1"},
    )

    assert same.status_code == 200
    assert "This file is the same as the registered one." in text(same)
    assert changed.status_code == 302
    output.refresh_from_db()
    assert output.sha256 == hashlib.sha256(new).hexdigest()
    assert (output.filename, output.size, output.version) == ("final.pdf", len(new), 2)
    assert entries(output)[-1] == (
        "revised",
        {
            "filename": "final.pdf",
            "size": len(new),
            "sha256": hashlib.sha256(new).hexdigest(),
            "sha256_before": hashlib.sha256(PDF).hexdigest(),
            "reason": "Added the appendix.",
        },
    )
    assert len(entries(output)) == 2
    download = client.get(url("output_download", team, output_id=output.pk))
    assert b"".join(download.streaming_content) == new  # type: ignore[attr-defined]
    assert (
        media / f"outputs/{team.project.pk}/{hashlib.sha256(PDF).hexdigest()}"
    ).read_bytes() == PDF


def test_a_stale_output_revision_is_refused(team: Team) -> None:
    output = an_output(team)
    services.output_revise(by=team.alice, output=output, file=upload(b"second"), reason="One.")

    response = client_for(team.bob).post(
        url("output_revise", team, output_id=output.pk),
        {"file": upload(b"third"), "reason": "Two.", "version": "1"},
    )

    assert STALE in text(response)
    output.refresh_from_db()
    assert output.sha256 == hashlib.sha256(b"second").hexdigest()


# Embargo --------------------------------------------------------------------------------------


def embargo_view(client: Any, team: Team, output: Output) -> tuple[bool, int, int]:
    """(listed in the register, detail status, download status)."""
    register = text(client.get(url("register", team)))
    return (
        output.title in register,
        client.get(url("output", team, output_id=output.pk)).status_code,
        client.get(url("output_download", team, output_id=output.pk)).status_code,
    )


def test_before_its_release_date_only_the_charters_roles_see_an_output(team: Team) -> None:
    output = an_output(team, title="Embargoed interim report")

    seen = {
        who: embargo_view(client_for(getattr(team, who)), team, output)
        for who in ("alice", "bob", "paula", "carol", "olive")
    }

    assert seen == {
        "alice": (True, 200, 200),
        "bob": (True, 200, 200),
        "paula": (False, 404, 404),
        "carol": (False, 404, 404),
        "olive": (False, 404, 404),
    }
    assert "Outputs appear here from their release date." in text(
        client_for(team.olive).get(url("register", team))
    )


def test_the_charter_can_let_partners_see_outputs_early(team: Team) -> None:
    output = an_output(team, title="Embargoed interim report")
    charter = charter_start(by=team.alice, project=team.project)
    current = charter.versions.get()
    charter_revise(
        by=team.alice,
        charter=charter,
        sections=current.sections,
        methods=current.methods,
        early_access=["lead", "researcher", "partner"],
        change_note="Partners see drafts.",
    )

    assert embargo_view(client_for(team.paula), team, output) == (True, 200, 200)
    assert embargo_view(client_for(team.carol), team, output) == (False, 404, 404)
    assert embargo_view(client_for(team.olive), team, output) == (False, 404, 404)


def test_a_charter_can_narrow_early_access_to_the_lead(team: Team) -> None:
    output = an_output(team, title="Embargoed interim report")
    charter = charter_start(by=team.alice, project=team.project)
    current = charter.versions.get()
    charter_revise(
        by=team.alice,
        charter=charter,
        sections=current.sections,
        methods=current.methods,
        early_access=["lead"],
        change_note="Only the lead.",
    )

    assert embargo_view(client_for(team.bob), team, output) == (False, 404, 404)
    assert embargo_view(client_for(team.alice), team, output) == (True, 200, 200)


def test_from_its_release_date_every_member_sees_an_output(team: Team) -> None:
    output = an_output(team, title="Public summary", release_date=timezone.localdate())

    assert embargo_view(client_for(team.olive), team, output) == (True, 200, 200)
    assert embargo_view(client_for(team.carol), team, output) == (True, 200, 200)
    assert embargo_view(client_for(team.oscar), team, output) == (False, 404, 404)


def test_an_embargoed_output_cannot_be_commented_on_by_a_role_that_cannot_see_it(
    team: Team,
) -> None:
    from tests.factories import add_member, make_user

    coordinator = make_user("cora@example.org", name="Cora Coordinator")
    add_member(team.project, coordinator, "coordinator", by=team.alice)
    output = an_output(team)

    response = client_for(coordinator).post(
        url("output_comment", team, subject_id=output.pk),
        prefixed("comment", {"commenter": "Cora", "party": "", "comment": "Peeking."}),
    )

    assert response.status_code == 404
    assert [e for e, _ in entries(output)] == ["registered"]


# Early release --------------------------------------------------------------------------------


def test_early_release_is_requested_then_approved_by_the_lead(team: Team) -> None:
    output = an_output(team)
    bob, alice = client_for(team.bob), client_for(team.alice)

    asked = bob.post(
        url("early_release_request", team, output_id=output.pk),
        prefixed("early", {"requested_by": "The funder", "reason": "Board meeting next week."}),
    )
    request = EarlyReleaseRequest.objects.get()
    decide = url("early_release_decide", team, output_id=output.pk, request_id=request.pk)
    answer = partial(prefixed, f"decide-{request.pk}")
    refused = bob.post(decide, answer({"decision": "approved", "reason": "Bob approves."}))
    approved = alice.post(decide, answer({"decision": "approved", "reason": "The board needs it."}))
    twice = alice.post(decide, answer({"decision": "refused", "reason": "Changed my mind."}))

    assert asked.status_code == 302
    assert (request.requested_by, request.decision) == ("The funder", ReleaseDecision.PENDING)
    assert refused.status_code == 403
    assert approved.status_code == 302
    assert twice.status_code == 404
    request.refresh_from_db()
    output.refresh_from_db()
    assert (request.decision, request.decision_reason, request.decided_by) == (
        ReleaseDecision.APPROVED,
        "The board needs it.",
        team.alice,
    )
    assert output.released_at is not None and output.is_released()
    assert entries(output)[1:] == [
        (
            "early_release_request",
            {
                "request_id": request.pk,
                "requested_by": "The funder",
                "reason": "Board meeting next week.",
            },
        ),
        (
            "early_release_decision",
            {"request_id": request.pk, "decision": "approved", "reason": "The board needs it."},
        ),
        ("released", {"early": True, "release_date": output.release_date.isoformat()}),
    ]
    assert embargo_view(client_for(team.olive), team, output) == (True, 200, 200)
    page = text(alice.get(url("output", team, output_id=output.pk)))
    assert "Decision: Approved, because The board needs it." in page
    assert "It was released on" in page
    with pytest.raises(ValidationError, match="already been decided"):
        services.early_release_decide(
            by=team.alice, request=request, decision="refused", reason="No."
        )


def test_a_refused_early_release_keeps_the_embargo(team: Team) -> None:
    output = an_output(team)
    request = services.early_release_request(
        by=team.bob, output=output, requested_by="A partner", reason="Conference."
    )

    blank = client_for(team.alice).post(
        url("early_release_decide", team, output_id=output.pk, request_id=request.pk),
        prefixed(f"decide-{request.pk}", {"decision": "refused", "reason": ""}),
    )
    services.early_release_decide(
        by=team.alice, request=request, decision="refused", reason="Too soon."
    )

    assert blank.status_code == 200
    assert blank.context["early_requests"][0][1].has_error("reason")
    output.refresh_from_db()
    assert output.released_at is None and not output.is_released()
    assert [e for e, _ in entries(output)] == [
        "registered",
        "early_release_request",
        "early_release_decision",
    ]
    assert embargo_view(client_for(team.olive), team, output) == (False, 404, 404)


def test_the_ledger_keeps_an_early_release_request_as_the_record_does(team: Team) -> None:
    output = an_output(team)

    request = services.early_release_request(
        by=team.bob, output=output, requested_by="  A partner ", reason="  Conference.\n"
    )

    assert (request.requested_by, request.reason) == ("A partner", "Conference.")
    assert entries(output)[-1] == (
        "early_release_request",
        {"request_id": request.pk, "requested_by": "A partner", "reason": "Conference."},
    )


def test_early_release_of_a_released_output_is_refused(team: Team) -> None:
    output = an_output(team, release_date=timezone.localdate())

    with pytest.raises(ValidationError, match="already released"):
        services.early_release_request(by=team.bob, output=output, requested_by="X", reason="Y")
    response = client_for(team.alice).post(
        url("output_release", team, output_id=output.pk), follow=True
    )

    assert "released; the ledger records it" in text(response)
    assert [e for e, _ in entries(output)] == ["registered", "released"]


def test_an_output_before_its_date_is_released_only_through_a_request(team: Team) -> None:
    output = an_output(team)

    response = client_for(team.alice).post(
        url("output_release", team, output_id=output.pk), follow=True
    )

    assert "Before its date, an output is released by approving a request." in text(response)
    output.refresh_from_db()
    assert output.released_at is None


# Provenance -----------------------------------------------------------------------------------


def test_the_provenance_statement_tells_the_story_from_the_ledger(team: Team) -> None:
    finding = a_finding(team, title="Carers are reached late")
    services.comment_add(
        by=team.bob, subject=finding, commenter="Carers' forum", party="public", comment="Yes."
    )
    services.finding_revise(
        by=team.bob,
        finding=finding,
        title="Carers are reached nine days late",
        statement="Crisis teams reach carers nine days after patients.",
        reason="Checked against the case notes",
    )
    declined = services.framing_request_add(
        by=team.bob,
        subject=finding,
        asked_by="Director of the trust",
        party="practitioner",
        request="Say 'some carers'.",
    )
    services.framing_respond(
        by=team.alice,
        framing=declined,
        outcome="declined",
        response="Kept it.",
        reason="The case notes show it for all carers",
    )
    services.framing_request_add(
        by=team.bob, subject=finding, asked_by="The funder", party="funder", request="Wait."
    )
    registered = queries.entries_for(finding).first()
    assert registered is not None
    today = timezone.localdate()
    day = f"{today.day} {today:%B %Y}"

    statement = queries.provenance(finding).text()

    assert statement.startswith(
        f"The finding F1 (“Carers are reached late”) was registered in the project's integrity "
        f"ledger on {day} (entry {registered.seq}, SHA-256 {registered.hash[:16]}…), before "
        f"stakeholder review began on {day}."
    )
    assert (
        f"It has been revised once since, for these reasons: {day}, “Checked against the case "
        "notes”." in statement
    )
    assert (
        f"2 framing requests about how to present it: Director of the trust asked on {day}; "
        "the team declined it, giving this reason: “The case notes show it for all carers”; "
        f"The funder asked on {day}; the team has not answered yet." in statement
    )
    assert "released" not in statement
    page = text(client_for(team.olive).get(url("finding", team, finding_id=finding.pk)))
    assert statement in page


def test_the_provenance_of_an_untouched_output(team: Team) -> None:
    output = an_output(team)

    statement = queries.provenance(output).text()

    assert statement.startswith("The output O1 (“Interim report”) was registered")
    assert "; no stakeholder has reviewed it yet." in statement
    assert "It has not been revised since." in statement
    assert "Nobody has asked for it to be framed differently." in statement


def test_the_provenance_gives_the_day_in_the_projects_time_zone(team: Team, settings: Any) -> None:
    settings.TIME_ZONE = "Europe/London"
    finding = a_finding(team)
    # 23:30 UTC on 30 June is 00:30 on 1 July in London, the day the ledger page shows.
    late = datetime.datetime(2025, 6, 30, 23, 30, tzinfo=datetime.UTC)
    registered = LedgerEntry(
        seq=1,
        created_at=late,
        project_id=team.project.pk,
        subject=Subject.FINDING,
        subject_id=finding.pk,
        event=LedgerEvent.REGISTERED,
        actor_label="alice@example.org",
        payload={"title": "Carers are reached late"},
        hash="a" * 64,
    )

    statement = queries.Provenance(finding, [registered], registered, None).text()

    assert "integrity ledger on 1 July 2025" in statement


# The chains -----------------------------------------------------------------------------------


def busy_project(team: Team) -> tuple[Finding, Output]:
    """A bit of everything: findings, revisions, comments, framing, outputs, early release."""
    finding = a_finding(team)
    services.comment_add(by=team.bob, subject=finding, commenter="Forum", party="", comment="Ok")
    services.finding_revise(
        by=team.bob, finding=finding, title="Revised", statement="New words.", reason="Because."
    )
    framing = services.framing_request_add(
        by=team.bob, subject=finding, asked_by="Trust", party="practitioner", request="Soften."
    )
    services.framing_respond(
        by=team.alice, framing=framing, outcome="partly", response="Some.", reason="Fair point."
    )
    output = an_output(team, findings=[finding])
    services.output_revise(by=team.bob, output=output, file=upload(b"v2"), reason="Typos.")
    request = services.early_release_request(
        by=team.bob, output=output, requested_by="Funder", reason="Board."
    )
    services.early_release_decide(by=team.alice, request=request, decision="approved", reason="Ok.")
    services.finding_release(by=team.alice, finding=finding)
    return finding, output


BUSY_ENTRIES = 11  # five on the finding, five on the output, then the finding's release


def test_the_audit_log_and_the_ledger_are_intact_after_everything(team: Team) -> None:
    busy_project(team)

    assert LedgerEntry.objects.count() == BUSY_ENTRIES
    assert_chains_intact()
    ledger = list(LedgerEntry.objects.order_by("seq"))
    assert [e.seq for e in ledger] == list(range(1, BUSY_ENTRIES + 1))
    assert ledger[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(ledger))


def test_two_appends_in_sequence_take_consecutive_places(team: Team) -> None:
    finding = a_finding(team)
    audit_before = head(AUDIT_CHAIN).length

    first = services.comment_add(
        by=team.bob, subject=finding, commenter="A", party="", comment="First."
    )
    second = services.comment_add(
        by=team.paula, subject=finding, commenter="B", party="", comment="Second."
    )

    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert head(LEDGER_CHAIN).length == LedgerEntry.objects.count() == second.seq
    assert head(LEDGER_CHAIN).last_hash == second.hash
    assert head(AUDIT_CHAIN).length == AuditEvent.objects.count() == audit_before
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_ledger_and_audit_rows_cannot_be_changed_through_the_orm(team: Team) -> None:
    finding = a_finding(team)
    entry = LedgerEntry.objects.get()
    event = AuditEvent.objects.filter(action="finding.register").get()

    for attempt in (
        lambda: LedgerEntry.objects.update(payload={}),
        lambda: LedgerEntry.objects.filter(pk=entry.pk).delete(),
        entry.save,
        entry.delete,
        lambda: AuditEvent.objects.update(action="x"),
        event.save,
        event.delete,
    ):
        with pytest.raises(AuditLogIsAppendOnly):
            attempt()
    assert entries(finding)[0][0] == "registered"


def test_an_append_without_the_chains_head_is_refused(team: Team) -> None:
    finding = a_finding(team)
    ChainHead.objects.filter(name=LEDGER_CHAIN).delete()

    with pytest.raises(RuntimeError, match="no head row"):
        services.comment_add(by=team.bob, subject=finding, commenter="A", party="", comment="B")


def verify_command() -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("ledger", "verify", stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def raw(sql: str, *params: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def test_a_clean_verify_prints_both_chains_intact_and_records_the_check(team: Team) -> None:
    busy_project(team)
    audit_count = AuditEvent.objects.count()

    output, error = verify_command()

    assert error is None
    assert f"audit: {audit_count:,} entries, intact." in output
    assert "ledger: 11 entries, intact." in output
    assert f"Checked {audit_count + BUSY_ENTRIES:,} entries in" in output
    check = ChainCheck.objects.get()
    assert check.intact
    assert (check.audit_entries, check.ledger_entries) == (audit_count, BUSY_ENTRIES)
    page = text(client_for(team.olive).get(url("register", team)))
    assert "Intact" in page
    assert "both chains were last checked on" in page
    assert f"({audit_count} change-log entries and 11 ledger entries)" in page


def test_the_integrity_page_says_when_the_chains_were_never_checked(team: Team) -> None:
    page = text(client_for(team.alice).get(url("register", team)))

    assert "The chains have not been checked yet." in page


def test_an_audit_row_changed_in_the_database_is_detected(team: Team) -> None:
    busy_project(team)
    target = AuditEvent.objects.filter(action="finding.revise").get()
    table = AuditEvent._meta.db_table

    changed = raw(
        f"UPDATE {table} SET actor_label = %s WHERE id = %s", "mallory@example.org", target.pk
    )
    output, error = verify_command()

    assert changed == 1
    assert error is not None
    assert "A chain is broken" in str(error)
    assert (
        f"audit: broken at entry {target.seq}: its content no longer matches its hash "
        "(changed after it was written)" in output
    )
    assert "ledger: 11 entries, intact." in output
    check = ChainCheck.objects.get()
    assert not check.intact
    assert f"broken at entry {target.seq}" in check.report
    page = text(client_for(team.alice).get(url("register", team)))
    assert "Broken" in page
    assert f"audit: broken at entry {target.seq}" in page


def test_a_ledger_row_changed_in_the_database_is_detected(team: Team) -> None:
    busy_project(team)
    target = LedgerEntry.objects.get(subject=Subject.FINDING, event=LedgerEvent.REVISED)
    forged = {**target.payload, "reason": "A reason nobody gave."}
    table = LedgerEntry._meta.db_table

    changed = raw(f"UPDATE {table} SET payload = %s WHERE seq = %s", json.dumps(forged), target.seq)
    output, error = verify_command()

    assert changed == 1
    assert LedgerEntry.objects.get(seq=target.seq).payload["reason"] == "A reason nobody gave."
    assert error is not None
    assert f"ledger: broken at entry {target.seq}: its content no longer matches its hash" in output
    assert "audit: " in output and "entries, intact." in output.splitlines()[0]
    assert not ChainCheck.objects.get().intact


def test_a_ledger_row_rewritten_with_a_fresh_hash_is_detected_at_the_next_entry(
    team: Team,
) -> None:
    busy_project(team)
    target = LedgerEntry.objects.get(seq=3)
    forged = {**target.payload, "reason": "Forged."}
    content = {**target.chain_content(), "payload": forged}
    table = LedgerEntry._meta.db_table

    raw(
        f"UPDATE {table} SET payload = %s, hash = %s WHERE seq = 3",
        json.dumps(forged),
        link(target.prev_hash, content),
    )
    output, error = verify_command()

    assert error is not None
    assert "ledger: broken at entry 4: it does not follow the entry before it" in output


def test_the_last_ledger_row_deleted_in_the_database_is_detected(team: Team) -> None:
    busy_project(team)
    table = LedgerEntry._meta.db_table

    deleted = raw(f"DELETE FROM {table} WHERE seq = %s", BUSY_ENTRIES)
    output, error = verify_command()

    assert deleted == 1
    assert error is not None
    assert (
        "ledger: broken at entry 11: the chain holds 10 entries but its head records 11" in output
    )


def test_an_audit_row_deleted_in_the_middle_is_detected(team: Team) -> None:
    busy_project(team)
    target = AuditEvent.objects.filter(action="output.register").get()

    raw(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", target.pk)
    output, error = verify_command()

    assert error is not None
    assert (
        f"audit: broken at entry {target.seq}: entry {target.seq} is missing "
        f"(the next one is {target.seq + 1})" in output
    )


def test_the_check_button_queues_a_check_that_the_worker_runs(
    team: Team, keep_signal_handlers: None
) -> None:
    busy_project(team)
    client = client_for(team.bob)

    refused = client_for(team.olive).post(url("check", team))
    response = client.post(url("check", team), follow=True)

    assert refused.status_code == 403
    assert "The check is queued" in text(response)
    task = DBTaskResult.objects.get()
    assert task.task_path == "coproduce.integrity.tasks.verify_chains"
    assert not ChainCheck.objects.exists()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.return_value is True
    check = ChainCheck.objects.get()
    assert check.intact and check.ledger_entries == BUSY_ENTRIES
    page = text(client.get(url("register", team)))
    assert "Intact" in page and "both chains were last checked on" in page


# Permissions ----------------------------------------------------------------------------------


def test_an_observer_may_read_but_not_change_the_record(team: Team) -> None:
    finding = a_finding(team)
    output = an_output(team, release_date=timezone.localdate())
    framing = services.framing_request_add(
        by=team.alice, subject=finding, asked_by="X", party="", request="Y"
    )
    client = client_for(team.olive)
    before = LedgerEntry.objects.count()
    posts = [
        (url("finding_add", team), {"title": "T", "statement": "S", "stage": stage(1).pk}),
        (
            url("finding_revise", team, finding_id=finding.pk),
            {"title": "T", "statement": "S", "reason": "R", "version": "1"},
        ),
        (url("finding_release", team, finding_id=finding.pk), {}),
        (
            url("finding_comment", team, subject_id=finding.pk),
            prefixed("comment", {"commenter": "O", "comment": "C"}),
        ),
        (
            url("finding_framing_request", team, subject_id=finding.pk),
            prefixed("framing", {"asked_by": "O", "request": "R"}),
        ),
        (url("framing_respond", team, framing_id=framing.pk), framing_answer(framing)),
        (url("output_revise", team, output_id=output.pk), {"reason": "R", "version": "1"}),
        (url("output_release", team, output_id=output.pk), {}),
        (
            url("early_release_request", team, output_id=output.pk),
            prefixed("early", {"requested_by": "O", "reason": "R"}),
        ),
        (url("check", team), {}),
    ]

    statuses = [client.post(target, data).status_code for target, data in posts]
    reads = [
        client.get(url("register", team)).status_code,
        client.get(url("finding", team, finding_id=finding.pk)).status_code,
        client.get(url("output", team, output_id=output.pk)).status_code,
    ]

    assert statuses == [403] * len(posts)
    assert reads == [200, 200, 200]
    assert LedgerEntry.objects.count() == before
    assert client.get(url("output_add", team)).status_code == 403


def test_an_outsider_gets_not_found_everywhere(team: Team) -> None:
    finding = a_finding(team)
    output = an_output(team, release_date=timezone.localdate())
    client = client_for(team.oscar)
    pages = [
        url("register", team),
        url("finding", team, finding_id=finding.pk),
        url("output", team, output_id=output.pk),
        url("output_download", team, output_id=output.pk),
        url("finding_add", team),
    ]
    posts = [
        url("check", team),
        url("finding_comment", team, subject_id=finding.pk),
        url("finding_release", team, finding_id=finding.pk),
        url("early_release_request", team, output_id=output.pk),
    ]

    assert [client.get(page).status_code for page in pages] == [404] * len(pages)
    assert [client.post(target, {}).status_code for target in posts] == [404] * len(posts)


def test_a_finding_of_another_project_is_not_found(team: Team) -> None:
    from coproduce.projects.models import Project

    theirs = services.finding_register(
        by=team.oscar,
        project=Project.objects.get(title="Oscar's own study"),
        title="Oscar's",
        statement="Elsewhere.",
        stage=stage(1),
    )

    assert client_for(team.alice).get(url("finding", team, finding_id=theirs.pk)).status_code == 404
