"""A warning at start-up when participants' identifying details are locked, so whoever runs the
site learns it from the console, not from a custodian's phone call."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning

from coproduce.participants import crypto


def participant_key(**kwargs: Any) -> list[CheckMessage]:
    problem = crypto.key_problem()
    if problem is None:
        return []
    return [
        Warning(
            problem,
            hint=f"Run `{crypto.NEW_KEY_COMMAND}` and set {crypto.ENV} to what it prints.",
            id="participants.W001",
        )
    ]
