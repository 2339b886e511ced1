"""Middleware that protects the server before any other code runs."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

MB = 1024 * 1024


class RequestSizeLimitMiddleware:
    """Refuse a request whose body would be larger than COPRODUCE_MAX_REQUEST_BYTES, with 413,
    before anything reads it.

    First in MIDDLEWARE, it answers from the Content-Length header alone: the CSRF check, the
    session and the view never run, so an anonymous 150 MB upload is neither read nor written
    to a temporary file. A Content-Length that is not a whole number is refused the same way,
    since the size cannot be known. (A body sent without a Content-Length is never read by
    Django at all.) The answer touches no database: the page is rendered without a request.

    What happens to the unread body is the server's business: a production server such as
    gunicorn's sync worker closes the connection; Django's development server reads the rest
    after answering, to keep the connection usable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit: int = settings.COPRODUCE_MAX_REQUEST_BYTES
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if 0 <= length <= limit:
            return self.get_response(request)
        return HttpResponse(
            render_to_string(
                "413.html",
                {"limit_mb": limit // MB, "size_mb": length / MB if length > 0 else None},
            ),
            status=413,
        )
