from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from coproduce.accounts.models import User
from coproduce.audit.services import (
    audit_record,
    audited_delete,
    audited_save,
    changed_fields,
    snapshot,
    stored,
)
from coproduce.catalogue.models import EmphasisCriterion, Stage
from coproduce.planning.models import Contribution, EmphasisRating, Involvement
from coproduce.projects.models import Project
from coproduce.projects.services import lock_project


@transaction.atomic
def contribution_create(
    *,
    by: User,
    project: Project,
    party: str,
    kind: str,
    description: str,
    stages: Iterable[Stage],
) -> Contribution:
    lock_project(project.pk)
    if Contribution.objects.filter(project=project, party=party, kind=kind).exists():
        raise ValidationError(
            {"kind": "This party already has a contribution of this kind. Edit that one instead."}
        )
    contribution = Contribution(
        project=project, party=party, kind=kind, description=description.strip(), created_by=by
    )
    contribution.full_clean()
    contribution.save()
    stages = list(stages)
    contribution.stages.set(stages)
    changes = changed_fields({}, {**snapshot(contribution), "stages": _numbers(stages)})
    audit_record(by=by, action="contribution.create", target=contribution, changes=changes)
    return contribution


@transaction.atomic
def contribution_update(
    *,
    by: User,
    contribution: Contribution,
    party: str,
    kind: str,
    description: str,
    stages: Iterable[Stage],
) -> Contribution:
    lock_project(contribution.project_id)
    clash = Contribution.objects.filter(
        project_id=contribution.project_id, party=party, kind=kind
    ).exclude(pk=contribution.pk)
    if clash.exists():
        raise ValidationError(
            {"kind": "This party already has a contribution of this kind. Edit that one instead."}
        )
    before = snapshot(stored(contribution))
    before["stages"] = _numbers(contribution.stages.all())
    contribution.party = party
    contribution.kind = kind
    contribution.description = description.strip()
    contribution.full_clean()
    contribution.save()
    stages = list(stages)
    contribution.stages.set(stages)
    after = snapshot(contribution)
    after["stages"] = _numbers(stages)
    audit_record(
        by=by,
        action="contribution.update",
        target=contribution,
        changes=changed_fields(before, after),
        project_id=contribution.project_id,
    )
    return contribution


@transaction.atomic
def contribution_delete(*, by: User, contribution: Contribution) -> None:
    audited_delete(contribution, by=by, action="contribution.delete")


@transaction.atomic
def involvement_save(
    *,
    by: User,
    project: Project,
    party: str,
    stage: Stage,
    level: str,
    purpose: str,
    alternative: str = "",
    alternative_rejected_because: str = "",
) -> Involvement:
    """Fill in or change one cell of the involvement grid."""
    lock_project(project.pk)
    involvement = (
        Involvement.objects.select_for_update()
        .filter(project=project, party=party, stage=stage)
        .first()
    ) or Involvement(project=project, party=party, stage=stage)
    before = snapshot(involvement) if involvement.pk else None
    involvement.level = level
    involvement.purpose = purpose.strip()
    involvement.alternative = alternative.strip()
    involvement.alternative_rejected_because = alternative_rejected_because.strip()
    involvement.updated_by = by
    action = "involvement.update" if before else "involvement.create"
    audited_save(involvement, by=by, action=action, before=before, project_id=project.pk)
    return involvement


@transaction.atomic
def involvement_clear(*, by: User, involvement: Involvement) -> None:
    audited_delete(involvement, by=by, action="involvement.clear")


@transaction.atomic
def emphasis_rate(
    *, by: User, project: Project, criterion: EmphasisCriterion, score: int, note: str = ""
) -> EmphasisRating:
    lock_project(project.pk)
    rating = (
        EmphasisRating.objects.select_for_update()
        .filter(project=project, criterion=criterion)
        .first()
    ) or EmphasisRating(project=project, criterion=criterion)
    before = snapshot(rating) if rating.pk else None
    if before and before["score"] == score and before["note"] == note.strip():
        return rating
    rating.score = score
    rating.note = note.strip()
    rating.updated_by = by
    audited_save(rating, by=by, action="emphasis.rate", before=before, project_id=project.pk)
    return rating


@transaction.atomic
def emphasis_rate_all(
    *, by: User, project: Project, scores: Iterable[tuple[EmphasisCriterion, int | None, str]]
) -> list[EmphasisRating]:
    """Save a whole appraisal form at once: every score is saved, or none is. A score of None
    withdraws the criterion's earlier score, if it had one."""
    saved = []
    for criterion, score, note in scores:
        if score is not None:
            saved.append(
                emphasis_rate(by=by, project=project, criterion=criterion, score=score, note=note)
            )
            continue
        withdrawn = EmphasisRating.objects.filter(project=project, criterion=criterion).first()
        if withdrawn is not None:
            audited_delete(withdrawn, by=by, action="emphasis.withdraw")
    return saved


def _numbers(stages: Iterable[Stage]) -> list[int]:
    return sorted(stage.number for stage in stages)
