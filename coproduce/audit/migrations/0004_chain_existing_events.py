"""Chain the audit events written before the log was chained, oldest first, and create the
chain's head. The hash format is the one `audit/chain.py` defines; it is a contract, so this
migration uses it directly rather than a frozen copy."""

from django.db import migrations

from coproduce.audit.chain import GENESIS, link
from coproduce.audit.models import audit_content


def chain(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    previous, seq, batch = GENESIS, 0, []
    for event in AuditEvent.objects.order_by("created_at", "pk").iterator(chunk_size=2000):
        seq += 1
        event.seq, event.prev_hash = seq, previous
        event.hash = link(
            previous,
            audit_content(
                seq,
                event.created_at,
                event.actor_label,
                event.action,
                event.target_type,
                event.target_id,
                event.target_label,
                event.project_id,
                event.organisation_id,
                event.changes,
            ),
        )
        previous = event.hash
        batch.append(event)
        if len(batch) == 2000:
            AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
    ChainHead.objects.create(name="audit", length=seq, last_hash=previous)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_hash_chain"),
    ]

    operations = [
        migrations.RunPython(chain, migrations.RunPython.noop),
    ]
