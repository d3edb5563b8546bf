"""Share links move from the gallery app to albums, which owns sharing. Only Django's idea of
the model moves: the table keeps its name (gallery_sharelink) and its rows."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import albums.models


class Migration(migrations.Migration):
    dependencies = [
        ("albums", "0001_initial"),
        ("gallery", "0005_shareable_original"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ShareLink",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("token", models.CharField(default=albums.models.new_share_token, editable=False, max_length=64, unique=True)),
                        ("expires_at", models.DateTimeField(blank=True, null=True)),
                        ("include_location", models.BooleanField(default=False, help_text="Leave GPS data in downloaded originals.")),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("view_count", models.PositiveIntegerField(default=0)),
                        ("last_viewed_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("album", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="share_links", to="albums.album")),
                        ("owner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="share_links", to=settings.AUTH_USER_MODEL)),
                        ("photo", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="share_links", to="gallery.photo")),
                    ],
                    options={
                        "db_table": "gallery_sharelink",
                        "ordering": ["-created_at", "-id"],
                        "constraints": [models.CheckConstraint(condition=models.Q(models.Q(("album__isnull", True), ("photo__isnull", False)), models.Q(("album__isnull", False), ("photo__isnull", True)), _connector="OR"), name="sharelink_one_target")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
