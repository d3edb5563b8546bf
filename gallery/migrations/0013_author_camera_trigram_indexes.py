"""Trigram indexes for `author:` and `camera:` searches (gallery/trigram.py)."""
from django.db import migrations

from gallery.trigram import trigram_index_operations


class Migration(migrations.Migration):

    dependencies = [
        ("gallery", "0012_descriptive_metadata"),
    ]

    operations = [
        migrations.RunPython(*trigram_index_operations("author", "camera_make", "camera_model")),
    ]
