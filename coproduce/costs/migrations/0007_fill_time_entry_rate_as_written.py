"""Fill the rate as written on time entries costed before it was kept.

An entry whose hourly rate is the hourly figure of its member's current rate card line takes
that line's amount and hours (£75 per 3.5 hours), so a later change re-costs it from the rate
as written, like a new entry. Any other costed entry keeps its hourly rate, per 1 hour, so a
later change costs it as it was costed before. No stored cost changes.
"""

from decimal import Decimal

from django.db import migrations
from django.db.models import F


def fill(apps, schema_editor):
    TimeEntry = apps.get_model("costs", "TimeEntry")
    MemberTerms = apps.get_model("costs", "MemberTerms")
    for terms in MemberTerms.objects.filter(rate__isnull=False).select_related(
        "rate", "membership"
    ):
        rate = terms.rate
        hourly = (rate.amount / rate.hours_in_unit).quantize(Decimal("0.0001"))
        TimeEntry.objects.filter(
            project_id=terms.membership.project_id,
            person_id=terms.membership.person_id,
            rate=hourly,
            currency=rate.currency,
            rate_amount__isnull=True,
        ).update(rate_amount=rate.amount, rate_hours=rate.hours_in_unit)
    TimeEntry.objects.filter(rate__isnull=False, rate_amount__isnull=True).update(
        rate_amount=F("rate"), rate_hours=Decimal(1)
    )


def empty(apps, schema_editor):
    TimeEntry = apps.get_model("costs", "TimeEntry")
    TimeEntry.objects.update(rate_amount=None, rate_hours=None)


class Migration(migrations.Migration):

    dependencies = [
        ('costs', '0006_time_entry_rate_as_written'),
    ]

    operations = [migrations.RunPython(fill, empty)]
