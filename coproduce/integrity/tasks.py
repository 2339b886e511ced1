"""Background work for the integrity ledger."""

from __future__ import annotations

from django.tasks import task

from coproduce.integrity.services import chains_verify


@task
def verify_chains() -> bool:
    """Recompute the audit and ledger chains and record the result; True when intact."""
    return chains_verify().intact
