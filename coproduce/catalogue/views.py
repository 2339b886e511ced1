from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coproduce.catalogue.models import (
    CatalogueItem,
    CatalogueVersion,
    CostKind,
    EmphasisCriterion,
    ItemType,
    Question,
    Stage,
)


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    items = list(CatalogueItem.objects.framework().select_related("cost_kind"))
    stages = [
        {
            "stage": stage,
            "challenges": [
                i for i in items if i.stage_id == stage.pk and i.type == ItemType.CHALLENGE
            ],
            "costs": [i for i in items if i.stage_id == stage.pk and i.type == ItemType.COST],
        }
        for stage in Stage.objects.all()
    ]
    return render(
        request,
        "catalogue/catalogue.html",
        {
            "stages": stages,
            "cross_cutting": [i for i in items if i.type == ItemType.CROSS_CUTTING],
            "cost_kinds": CostKind.objects.all(),
            "questions": Question.objects.all(),
            "criteria": EmphasisCriterion.objects.all(),
            "versions": CatalogueVersion.objects.all(),
        },
    )
