"""Trigram indexes for the words search looks for in titles, file names and descriptions, on
PostgreSQL only (pg_trgm; SQLite reads the rows as before). They are not in Photo's Meta: a GIN
index exists on PostgreSQL alone. The expressions are the ones Django's icontains writes."""
from django.db import migrations

COLUMNS = ("title", "original_filename", "description")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS photo_{column}_trgm_idx ON gallery_photo USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS photo_{column}_trgm_idx")


class Migration(migrations.Migration):

    dependencies = [
        ("gallery", "0009_photo_owner_located_index"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
