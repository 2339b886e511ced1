"""The demo's findings, outputs and integrity ledger.

`load_integrity` is called by `coproduce.core.demo` for each demo project once its charter and
decisions are written; only "Shaping crisis care together", in its data collection stage, has
findings and outputs so far. Everything goes through `coproduce.integrity.services`, in the
order the team would have done it, so each registration, comment, framing request, answer,
revision and release is a ledger entry. The ledger is a hash chain over each entry's time, so
nothing here is backdated: the ledger says, truthfully, when the demo wrote each entry.

The story: four early findings from the first round of interviews are registered before
anyone outside the team sees them. Staff and contributors comment. One finding is revised to
give the count its claim rests on. The trust's communications team asks for a finding about
police attendance to be softened, and the team declines, citing the charter; the crisis team's
manager asks for context on a finding about the triage script, and the team partly accepts.
The revised finding is released with the interim report to the funder. A briefing for the
crisis team and a plain-language summary are embargoed until a date two months after the demo
is loaded, so they stay embargoed however late it is loaded; the funder asked to release the
briefing early for its board and the lead refused.

Output files are small PDFs written here, the same bytes every time, and stored in
`settings.MEDIA_ROOT` like any upload. `load_chain_check` (called once the whole portfolio is
written) records a check of both chains, so the integrity pages say when they were last
checked.
"""

from __future__ import annotations

import datetime
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coproduce.accounts.models import User
from coproduce.catalogue.models import Stage
from coproduce.integrity import services
from coproduce.integrity.models import (
    Audience,
    ChainCheck,
    Finding,
    FramingOutcome,
    Output,
    OutputKind,
    ReleaseDecision,
)
from coproduce.projects.models import Membership, Project

MAIN_PROJECT = "Shaping crisis care together"
EMBARGO_DAYS = 60
"""The embargoed outputs' release date, in days after the demo is loaded."""
INTERIM_RELEASED_ON = datetime.date(2026, 10, 15)


@dataclass(frozen=True)
class Registered:
    title: str
    statement: str


FINDINGS = (
    Registered(
        "Waiting for a call back is the hardest part of a night-time crisis",
        "Most people interviewed said the wait for a call back from the crisis line, often "
        "over two hours at night, was the hardest part of their crisis. Several went to A&E "
        "because nobody had called.",
    ),
    Registered(
        "Seeing the same worker twice matters more than being seen fast",
        "People valued continuity over speed: being seen again by someone who already knew "
        "their story was what made them willing to use the service a second time.",
    ),
    Registered(
        "Fear of police attendance stops people calling",
        "Half of the people interviewed (11 of 22) had been in a crisis where the police "
        "came. Most of them said they would not call the crisis line again for fear of it "
        "happening again.",
    ),
    Registered(
        "Staff say the triage script stops them listening",
        "Crisis line staff described the triage script as a checklist that they have to "
        "finish before they can respond to what the caller is telling them.",
    ),
)

F1_REVISED = (
    "Fourteen of the 22 people interviewed said the wait for a call back from the crisis line, "
    "often over two hours at night, was the hardest part of their crisis. Five of them went to "
    "A&E because nobody had called."
)

# (finding number, commenter, party, comment)
COMMENTS = (
    (
        1,
        "Nadia Hussain, Riverside NHS Foundation Trust",
        "practitioner",
        "This matches what we hear at handover. It would help to say how many people said it: "
        "'most' will be read as an estimate.",
    ),
    (
        1,
        "Maureen Kelly, lived experience panel",
        "public",
        "The wait is when people give up. Please keep the part about going to A&E in.",
    ),
    (
        2,
        "Jamal Osei, lived experience panel",
        "public",
        "Yes. Telling your story again to a stranger at 3am is part of what makes a crisis worse.",
    ),
    (
        4,
        "Robert Ainsley, Riverside NHS Foundation Trust",
        "practitioner",
        "Fair, and the clinical team has said the same. The script was written for the old "
        "single-point-of-access line.",
    ),
)

DECLINED = (
    3,
    "Communications team, Riverside NHS Foundation Trust",
    "practitioner",
    "Asked that the finding say that some people perceived a risk of police involvement, and "
    "that it mention the trust's 2025 policy on when the police are called.",
    "The finding stands as worded. The trust's policy is described in the report's section on "
    "the service's context.",
    "People described police attending, which is what happened to them, not a perception. "
    "The charter lets partners comment on findings but not reframe them.",
)
PARTLY = (
    4,
    "Bernard Oyelaran, Service Manager, Crisis Team",
    "practitioner",
    "Asked that the finding say the triage script is already being reviewed.",
    "The date of the trust's review of the script is added to the report's context section; "
    "the finding itself is unchanged.",
    "The review is relevant to readers, so the report gives it; but it began after the "
    "interviews, so it is not part of what staff told us.",
)


@dataclass(frozen=True)
class Document:
    title: str
    kind: str
    audience: str
    description: str
    filename: str
    findings: Sequence[int]
    lines: Sequence[str]


INTERIM = Document(
    "Interim report to the Northern Health Research Fund",
    OutputKind.REPORT,
    Audience.FUNDER,
    "Progress, spending and early findings at the end of the first round of interviews.",
    "interim-report.pdf",
    (1, 2),
    (
        "Progress: 22 peer-led interviews in the first round; the second round starts in January.",
        "Spending is within the budget for the data collection stage.",
        "Early findings: " + F1_REVISED + " " + FINDINGS[1].statement,
    ),
)
BRIEFING = Document(
    "What people told us about nights: a briefing for the crisis team",
    OutputKind.BRIEFING,
    Audience.PARTNERS,
    "For the crisis team's managers and staff, before the second round of interviews.",
    "crisis-team-briefing.pdf",
    (1, 2, 3, 4),
    (
        "This briefing shares what people who have used the crisis service told peer "
        "interviewers, and what crisis line staff told us, in the first round.",
        *(finding.statement for finding in FINDINGS[1:]),
        F1_REVISED,
    ),
)
SUMMARY = Document(
    "Crisis care at night: what people told us (plain-language summary)",
    OutputKind.SUMMARY,
    Audience.PUBLIC,
    "Written with the lived experience panel.",
    "plain-language-summary.pdf",
    (1, 2, 3),
    (
        "We talked to 22 people who have been in a mental health crisis, or cared for "
        "someone who was.",
        "Waiting for someone to call back was the hardest part. Seeing the same person "
        "again helped. Some people will not call again because the police came.",
    ),
)
SUMMARY_EASY_READ = (
    *SUMMARY.lines,
    "This version has shorter sentences and a list of words we use, as the lived "
    "experience panel asked.",
)
EARLY_REQUEST = (
    "Patrick Doyle, Northern Health Research Fund",
    "To show the board the briefing at its December meeting, where the fund decides on the "
    "next round of crisis care grants.",
    "The crisis team and the lived experience panel have not yet seen the briefing; the "
    "charter says they see outputs before anyone outside the project. The board will have the "
    "interim report, which gives the same findings.",
)


def load_integrity(project: Project) -> None:
    """Write the project's findings, outputs and their ledger entries, if it has any."""
    if project.title == MAIN_PROJECT:
        _crisis_care(project)


def load_chain_check() -> ChainCheck:
    """Check both chains once the demo is written, as `coproduce ledger verify` would."""
    return services.chains_verify()


def _user(project: Project, name: str) -> User:
    membership = Membership.objects.select_related("person__user").get(
        project=project, person__name=name
    )
    user = membership.person.user
    assert user is not None, f"{name} has no login, so cannot act in the demo."
    return user


def _crisis_care(project: Project) -> None:
    lead, coordinator = _user(project, "Amira Okafor"), _user(project, "Tom Heywood")
    stage = Stage.objects.get(number=3)
    findings = [
        services.finding_register(
            by=coordinator,
            project=project,
            title=registered.title,
            statement=registered.statement,
            stage=stage,
        )
        for registered in FINDINGS
    ]
    for number, commenter, party, comment in COMMENTS:
        services.comment_add(
            by=coordinator,
            subject=findings[number - 1],
            commenter=commenter,
            party=party,
            comment=comment,
        )
    for number, asked_by, party, request, response, reason, outcome in (
        (*DECLINED, FramingOutcome.DECLINED),
        (*PARTLY, FramingOutcome.PARTLY),
    ):
        framing = services.framing_request_add(
            by=coordinator,
            subject=findings[number - 1],
            asked_by=asked_by,
            party=party,
            request=request,
        )
        services.framing_respond(
            by=lead, framing=framing, outcome=outcome, response=response, reason=reason
        )
    first = findings[0]
    services.finding_revise(
        by=coordinator,
        finding=first,
        title=first.title,
        statement=F1_REVISED,
        reason="After comments from the crisis team and the panel: the statement said 'most' "
        "without the count it rests on.",
    )
    services.finding_release(by=lead, finding=first)

    interim = _register(project, coordinator, INTERIM, INTERIM_RELEASED_ON, findings)
    services.output_release(by=lead, output=interim)
    embargo = timezone.localdate() + datetime.timedelta(days=EMBARGO_DAYS)
    briefing = _register(project, coordinator, BRIEFING, embargo, findings)
    requested_by, why, refusal = EARLY_REQUEST
    early = services.early_release_request(
        by=coordinator, output=briefing, requested_by=requested_by, reason=why
    )
    services.early_release_decide(
        by=lead, request=early, decision=ReleaseDecision.REFUSED, reason=refusal
    )
    summary = _register(project, coordinator, SUMMARY, embargo, findings)
    services.comment_add(
        by=coordinator,
        subject=summary,
        commenter="Lived experience panel",
        party="public",
        comment="Shorter sentences, please, and explain 'crisis line' and 'triage'.",
    )
    services.output_revise(
        by=coordinator,
        output=summary,
        file=_upload(SUMMARY.filename, SUMMARY.title, SUMMARY_EASY_READ),
        reason="Easy-read changes the lived experience panel asked for.",
    )


def _register(
    project: Project,
    by: User,
    document: Document,
    release_date: datetime.date,
    findings: Sequence[Finding],
) -> Output:
    return services.output_register(
        by=by,
        project=project,
        title=document.title,
        kind=document.kind,
        audience=document.audience,
        release_date=release_date,
        file=_upload(document.filename, document.title, document.lines),
        description=document.description,
        findings=[findings[number - 1] for number in document.findings],
    )


def _upload(filename: str, title: str, paragraphs: Sequence[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(filename, pdf(title, paragraphs), content_type="application/pdf")


def pdf(title: str, paragraphs: Sequence[str]) -> bytes:
    """A one-page PDF of a title and paragraphs in Helvetica: the same bytes for the same text
    (no dates, no ids). Latin-1 text only; long paragraphs are wrapped, and text beyond the
    page is cut."""

    def text(value: str) -> str:
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 15 Tf", "56 780 Td", f"({text(title)}) Tj", "/F1 10.5 Tf", "0 -30 Td"]
    lines = [line for p in paragraphs for line in [*textwrap.wrap(p, 92), ""]]
    for line in lines[:48]:
        ops += [f"({text(line)}) Tj", "0 -14 Td"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
