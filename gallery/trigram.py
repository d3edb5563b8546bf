"""Trigram indexes (pg_trgm) for the text fields that search looks inside, on PostgreSQL only:
a GIN index exists there alone, so they are made by migrations' RunPython, not Photo's Meta.
The expression is the one Django's icontains writes; SQLite reads the rows instead."""


def trigram_index_operations(*columns):
    """(create, drop) functions for RunPython, one index per column of gallery_photo."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in columns:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS photo_{column}_trgm_idx ON gallery_photo "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in columns:
            schema_editor.execute(f"DROP INDEX IF EXISTS photo_{column}_trgm_idx")

    return create, drop
