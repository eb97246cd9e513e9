from django.db import migrations, models


class Migration(migrations.Migration):
    """The group link of GROUP cases. Cases saved before it get theirs at their next change or at
    the next ``trm keys rotate`` (the index is keyed: a migration cannot compute it)."""

    dependencies = [
        ("cases", "0005_stage_transitions"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="group_key",
            field=models.CharField(blank=True, db_index=True, max_length=64,
                                   help_text="keyed blind index of a GROUP case's group reference: its workers share it"),
        ),
    ]
