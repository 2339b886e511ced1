"""Read models that span apps: the project overview."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.template.defaultfilters import pluralize
from django.urls import reverse

from coproduce.accounts.models import PartyKind
from coproduce.catalogue.models import EmphasisCriterion, Question, QuestionAudience, Stage
from coproduce.costs.models import CostItem, CostStatus, MemberTerms, TimeEntry
from coproduce.planning.models import Contribution, EmphasisRating, Involvement
from coproduce.projects.models import Membership, Project


@dataclass
class QuestionProgress:
    number: int
    title: str
    prompt: str
    done: int
    total: int
    missing: list[str] = field(default_factory=list)
    url: str | None = None
    available: bool = True
    unit: str = "parties"  # what `done` and `total` count

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def status(self) -> str:
        if not self.available:
            return "Not recorded in coproduce yet"
        if self.total and self.done >= self.total and not self.missing:
            return "Answered"
        return "Started" if self.done else "Not started"


@dataclass
class Overview:
    project: Project
    members: list[Membership]
    parties: list[str]
    questions: list[QuestionProgress]
    emphasis: QuestionProgress
    risks: QuestionProgress
    chains: Any  # the last check of the audit and ledger chains (integrity.ChainCheck) or None

    @property
    def party_labels(self) -> list[str]:
        labels = dict(PartyKind.choices)
        return [labels[party] for party in self.parties]


def project_parties(members: list[Membership]) -> list[str]:
    """The kinds of party present among the members, in the standard order."""
    present = {m.person.party for m in members}
    return [value for value in PartyKind.values if value in present]


def _costs_progress(
    project: Project, members: list[Membership], question: Callable[..., QuestionProgress]
) -> QuestionProgress:
    """Question 3 is under way when there is a planned budget, every member's time has terms,
    and the team logs what happens."""
    planned = CostItem.objects.filter(project=project, status=CostStatus.PLANNED).exists()
    with_terms = MemberTerms.objects.filter(membership__project=project).count()
    logged = TimeEntry.objects.filter(project=project).exists()
    without_terms = len(members) - with_terms
    missing = [
        *([] if planned else ["No planned budget yet"]),
        *(
            [f"{without_terms} member{pluralize(without_terms)} without costing terms"]
            if without_terms
            else []
        ),
        *([] if logged else ["No activities or time logged yet"]),
    ]
    return question(
        "costs",
        done=sum((planned, without_terms == 0, logged)),
        total=3,
        missing=missing,
        url=reverse("costs:budget", args=[project.pk]),
        unit="steps",
    )


def _governance_progress(
    project: Project, members: list[Membership], question: Callable[..., QuestionProgress]
) -> QuestionProgress:
    """Question 4 is answered when the team has agreed a charter, every member has acknowledged
    its current version, and decisions are being recorded."""
    from coproduce.governance.models import CharterAcknowledgement, CharterVersion, Decision

    version = CharterVersion.objects.filter(charter__project=project).order_by("-number").first()
    acknowledged = (
        set(
            CharterAcknowledgement.objects.filter(version=version).values_list(
                "person_id", flat=True
            )
        )
        if version
        else set()
    )
    waiting = [m for m in members if m.person_id not in acknowledged]
    recorded = Decision.objects.filter(project=project).exists()
    missing = [
        *([] if version else ["No charter yet"]),
        *(
            [f"{len(waiting)} member{pluralize(len(waiting))} yet to acknowledge the charter"]
            if version and waiting
            else []
        ),
        *([] if recorded else ["No decisions recorded yet"]),
    ]
    return question(
        "governance",
        done=sum((version is not None, version is not None and not waiting, recorded)),
        total=3,
        missing=missing,
        url=reverse("governance:charter", args=[project.pk]),
        unit="steps",
    )


def project_overview(project: Project) -> Overview:
    # These apps build on projects, so they are imported here rather than at the top.
    from coproduce.integrity.models import ChainCheck
    from coproduce.risks.queries import progress as risk_progress

    members = list(
        Membership.objects.filter(project=project).select_related("person__organisation")
    )
    parties = project_parties(members)
    labels = dict(PartyKind.choices)
    stages = list(Stage.objects.all())
    questions = {q.code: q for q in Question.objects.filter(audience=QuestionAudience.PROJECT)}

    contributing = set(Contribution.objects.filter(project=project).values_list("party", flat=True))
    involved = set(Involvement.objects.filter(project=project).values_list("party", "stage_id"))
    involved_parties = {party for party, _ in involved}
    involved_stages = {stage_id for _, stage_id in involved}

    def question(code: str, **kwargs: object) -> QuestionProgress:
        q = questions[code]
        return QuestionProgress(number=q.number, title=q.title, prompt=q.prompt, **kwargs)  # type: ignore[arg-type]

    pk = project.pk
    contributions = question(
        "contributions",
        done=sum(1 for p in parties if p in contributing),
        total=len(parties),
        missing=[f"{labels[p]}: what they bring" for p in parties if p not in contributing],
        url=reverse("planning:contributions", args=[pk]),
    )
    involvement = question(
        "involvement",
        done=sum(1 for p in parties if p in involved_parties),
        total=len(parties),
        missing=[
            f"{labels[p]}: when they are involved" for p in parties if p not in involved_parties
        ]
        + [
            f"Nobody is involved at stage {s.number}, {s.name.lower()}"
            for s in stages
            if s.pk not in involved_stages
        ],
        url=reverse("planning:involvement", args=[pk]),
    )
    costs = _costs_progress(project, members, question)
    governance = _governance_progress(project, members, question)

    criteria = EmphasisCriterion.objects.count()
    rated = EmphasisRating.objects.filter(project=project).count()
    emphasis = QuestionProgress(
        number=0,
        title="How much emphasis co-production deserves",
        prompt="Score the seven circumstances that argue for less or more co-production.",
        done=rated,
        total=criteria,
        missing=[f"{criteria - rated} of {criteria} criteria not scored"]
        if rated < criteria
        else [],
        url=reverse("planning:emphasis", args=[pk]),
    )
    return Overview(
        project=project,
        members=members,
        parties=parties,
        questions=[contributions, involvement, costs, governance],
        emphasis=emphasis,
        risks=risk_progress(project),
        chains=ChainCheck.objects.first(),
    )
