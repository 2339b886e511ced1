"""Removing a record takes two steps: a Remove link opens a page that says what will go,
and only its POST removes. It works without JavaScript, and a stray GET (a prefetch, a
crawler, a reloaded link) never removes anything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coproduce.projects.models import Project

TEMPLATE = "components/confirm_removal.html"


@dataclass(frozen=True)
class Removal:
    """What the confirmation page says."""

    what: str  # "the cost “Train fares”", as in "Remove the cost “Train fares”?"
    consequence: str  # what happens to it and to what hangs on it
    button: str  # the confirming button's words
    cancel_url: str  # back to where the person came from, leaving everything as it was


def confirm_removal(
    request: HttpRequest,
    project: Project,
    removal: Removal,
    remove: Callable[[], HttpResponse],
) -> HttpResponse:
    """On POST, `remove()` and its answer; on GET, the page asking to confirm."""
    if request.method == "POST":
        return remove()
    return render(request, TEMPLATE, {"project": project, "removal": removal})
