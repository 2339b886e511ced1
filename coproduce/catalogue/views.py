from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coproduce.catalogue.models import CatalogueVersion, CostKind, EmphasisCriterion, Question
from coproduce.catalogue.queries import framework_by_stage


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalogue/catalogue.html",
        {
            **framework_by_stage(),
            "cost_kinds": CostKind.objects.all(),
            "questions": Question.objects.all(),
            "criteria": EmphasisCriterion.objects.all(),
            "versions": CatalogueVersion.objects.all(),
        },
    )
