from typing import Any

from django.http import HttpRequest


def permissions(request: HttpRequest) -> dict[str, Any]:
    """`can`: the permissions the user holds in the project the page is about, set by
    `require_project_permission`; templates test `{% if "project.edit" in can %}`."""
    return {"can": getattr(request, "can", set())}
