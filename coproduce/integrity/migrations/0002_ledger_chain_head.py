"""The integrity ledger's chain starts empty, after the 64 zeros of audit/chain.py."""

from django.db import migrations

GENESIS = "0" * 64


def create_head(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    ChainHead.objects.get_or_create(name="ledger", defaults={"length": 0, "last_hash": GENESIS})


def remove_head(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.filter(name="ledger").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrity", "0001_initial"),
        ("audit", "0005_seq_required"),
    ]

    operations = [
        migrations.RunPython(create_head, remove_head),
    ]
