"""Load version 2019.1 of the framework reference data (catalogue/data/framework-2019.1.json)."""

from django.db import migrations

from coproduce.catalogue.loader import load_framework


def load(apps, schema_editor):
    load_framework(apps, "2019.1")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
