"""Share links now belong to the albums app (albums 0002): the table stays, only Django's
idea of the model leaves the gallery."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0005_shareable_original"),
        ("albums", "0002_sharelink"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ShareLink")],
            database_operations=[],
        ),
    ]
