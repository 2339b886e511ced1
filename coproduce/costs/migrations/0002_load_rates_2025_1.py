"""Load the shipped default rate cards and payment thresholds (costs/data/rates-2025.json).

The loader is written out here, not imported, so this migration does the same thing forever.
It upserts by code, so running it again changes nothing.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "rates-2025.json"


def load(apps, schema_editor):
    data = json.loads(DATA.read_text(encoding="utf-8"))
    Rate = apps.get_model("costs", "Rate")
    Threshold = apps.get_model("costs", "PaymentThreshold")
    for row in data["rates"]:
        code = row.pop("code")
        Rate.objects.update_or_create(organisation=None, code=code, defaults=row)
    for row in data["thresholds"]:
        code = row.pop("code")
        Threshold.objects.update_or_create(organisation=None, code=code, defaults=row)


class Migration(migrations.Migration):
    dependencies = [("costs", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
