"""Trigram indexes for the words search looks for in titles, file names and descriptions
(gallery/trigram.py)."""
from django.db import migrations

from gallery.trigram import trigram_index_operations


class Migration(migrations.Migration):

    dependencies = [
        ("gallery", "0009_photo_owner_located_index"),
    ]

    operations = [
        migrations.RunPython(*trigram_index_operations("title", "original_filename", "description")),
    ]
