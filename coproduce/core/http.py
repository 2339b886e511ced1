"""Request types for views behind sign-in, so the type checker knows `request.user` is a User."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, QueryDict

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from coproduce.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def form_data(request: HttpRequest) -> QueryDict | None:
    """The submitted data on POST (even an empty body, so it is validated), None on GET."""
    return request.POST if request.method == "POST" else None
