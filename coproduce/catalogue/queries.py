"""The catalogue as plain data, shared by the browse page and the JSON export."""

from __future__ import annotations

from typing import Any

from coproduce.catalogue.models import (
    CatalogueItem,
    CatalogueVersion,
    CostKind,
    EmphasisCriterion,
    ItemType,
    Question,
    QuestionAudience,
    Stage,
)


def catalogue_export() -> dict[str, Any]:
    """Everything in the catalogue, framework and organisations' own items alike."""
    items = CatalogueItem.objects.select_related("stage", "cost_kind", "organisation")
    questions = list(Question.objects.all())
    return {
        "versions": [
            {"version": v.version, "title": v.title, "citation": v.citation, "doi": v.doi}
            for v in CatalogueVersion.objects.order_by("version")
        ],
        "cost_kinds": [
            {"code": k.code, "name": k.name, "description": k.description}
            for k in CostKind.objects.all()
        ],
        "stages": [
            {"number": s.number, "code": s.code, "name": s.name, "description": s.description}
            for s in Stage.objects.all()
        ],
        "items": [
            {
                "code": i.code,
                "type": i.type,
                "stage": i.stage.number if i.stage else None,
                "cost_kind": i.cost_kind.code,
                "title": i.title,
                "description": i.description,
                "prompt": i.prompt,
                "organisation": i.organisation.name if i.organisation else None,
            }
            for i in items
        ],
        "project_questions": _questions(questions, QuestionAudience.PROJECT),
        "organisation_questions": _questions(questions, QuestionAudience.ORGANISATION),
        "emphasis_criteria": [
            {
                "number": c.number,
                "code": c.code,
                "name": c.name,
                "less_when": c.less_when,
                "more_when": c.more_when,
                "help": c.help,
            }
            for c in EmphasisCriterion.objects.all()
        ],
    }


def _questions(questions: list[Question], audience: str) -> list[dict[str, Any]]:
    return [
        {"number": q.number, "code": q.code, "title": q.title, "prompt": q.prompt, "help": q.help}
        for q in questions
        if q.audience == audience
    ]


def framework_by_stage() -> dict[str, Any]:
    """The framework's own items grouped for reading: each stage with its challenges and
    costs, then the cross-cutting costs."""
    items = list(CatalogueItem.objects.framework().select_related("cost_kind"))

    def of(stage: Stage, kind: str) -> list[CatalogueItem]:
        return [i for i in items if i.stage_id == stage.pk and i.type == kind]

    return {
        "stages": [
            {
                "stage": stage,
                "challenges": of(stage, ItemType.CHALLENGE),
                "costs": of(stage, ItemType.COST),
            }
            for stage in Stage.objects.all()
        ],
        "cross_cutting": [i for i in items if i.type == ItemType.CROSS_CUTTING],
    }
