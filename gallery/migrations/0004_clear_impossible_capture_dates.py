"""Capture dates outside 1826 .. now + 1 day came from broken EXIF (9999-12-31 at -01:00 was
stored as year 10000, which psycopg cannot read back). Clear them, as ingest now does; the
photo then sorts by its upload time. Only an UPDATE: such rows cannot be read into Python."""
from datetime import UTC, datetime, timedelta

from django.db import migrations
from django.db.models import F, Q


def clear_impossible_capture_dates(apps, schema_editor):
    Photo = apps.get_model("gallery", "Photo")
    earliest = datetime(1826, 1, 1, tzinfo=UTC)
    latest = datetime.now(UTC) + timedelta(days=1)
    impossible = Q(taken_at__lt=earliest) | Q(taken_at__gt=latest)
    Photo.objects.filter(impossible).update(taken_at=None, sort_at=F("uploaded_at"))


class Migration(migrations.Migration):
    dependencies = [("gallery", "0003_share_links")]
    operations = [migrations.RunPython(clear_impossible_capture_dates, migrations.RunPython.noop)]
