"""Every costed time entry keeps the rate as written (0007 filled the existing ones)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('costs', '0007_fill_time_entry_rate_as_written'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='timeentry',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('rate__isnull', True), ('rate_amount__isnull', True), ('rate_hours__isnull', True)), models.Q(('rate__isnull', False), ('rate_amount__isnull', False), ('rate_hours__gt', 0)), _connector='OR'), name='time_entry_rate_as_written'),
        ),
    ]
