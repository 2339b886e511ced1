"""Read models for the planning pages: the involvement grid and the emphasis appraisal."""

from __future__ import annotations

from dataclasses import dataclass

from coproduce.accounts.models import PartyKind
from coproduce.catalogue.models import EmphasisCriterion, Stage
from coproduce.planning.emphasis import Appraisal, CriterionScore, appraise
from coproduce.planning.models import EmphasisRating, Involvement
from coproduce.projects.models import Membership, Project
from coproduce.projects.queries import project_parties


@dataclass
class GridRow:
    party: str
    label: str
    has_members: bool
    cells: list[tuple[Stage, Involvement | None]]


@dataclass
class Grid:
    stages: list[Stage]
    rows: list[GridRow]
    hidden_parties: int


def involvement_grid(project: Project, *, all_parties: bool = False) -> Grid:
    """The party x stage grid. Rows are the parties among the members, plus any party that
    already has a cell filled; `all_parties` adds every other kind of party."""
    stages = list(Stage.objects.all())
    involvements = {
        (i.party, i.stage_id): i
        for i in Involvement.objects.filter(project=project).select_related("stage")
    }
    members = list(Membership.objects.filter(project=project).select_related("person"))
    member_parties = set(project_parties(members))
    shown = member_parties | {party for party, _ in involvements}
    rows = [
        GridRow(
            party=value,
            label=label,
            has_members=value in member_parties,
            cells=[(stage, involvements.get((value, stage.pk))) for stage in stages],
        )
        for value, label in PartyKind.choices
        if all_parties or value in shown
    ]
    return Grid(stages=stages, rows=rows, hidden_parties=len(PartyKind.values) - len(rows))


def project_appraisal(
    project: Project,
) -> tuple[list[EmphasisCriterion], dict[int, EmphasisRating], Appraisal]:
    criteria = list(EmphasisCriterion.objects.all())
    ratings = {
        r.criterion_id: r
        for r in EmphasisRating.objects.filter(project=project).select_related("updated_by")
    }
    names = {c.pk: c for c in criteria}
    appraisal = appraise(
        [
            CriterionScore(code=names[cid].code, name=names[cid].name, score=r.score)
            for cid, r in ratings.items()
        ],
        total=len(criteria),
    )
    return criteria, ratings, appraisal
