"""Background work for the forecast, on Django's task framework (the database backend from
django-tasks-db; `coproduce db_worker` runs the tasks)."""

from __future__ import annotations

from django.tasks import task

from coproduce.risks.models import ForecastRun, RunStatus
from coproduce.risks.services import forecast_execute


@task
def run_forecast(run_id: int) -> str:
    """Simulate a queued run. Returns its final status; a run already finished (a task
    delivered twice) is left as it is."""
    run = ForecastRun.objects.filter(pk=run_id).first()
    if run is None:
        return "missing"
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        return str(run.status)
    return str(forecast_execute(run).status)
