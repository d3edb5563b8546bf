"""Imports of whole libraries (a folder, an S3 prefix, a Google Takeout archive): each run and
every file in it, so that an interrupted run continues where it stopped and ends with a report."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportRun(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_runs")
    source = models.CharField(max_length=1024, help_text="A folder, s3://bucket/prefix, or a Takeout .zip/.tgz.")
    # The batch options (album title, tags) and how Takeout's edited copies are treated.
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    message = models.CharField(max_length=500, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A run in a worker that is not finished by then is taken up again by the sweeper.
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["due_at"], condition=models.Q(state="running"), name="import_run_due_idx")]

    def __str__(self):
        return f"Import of {self.source} for {self.owner}"

    def counts(self) -> dict[str, int]:
        """Files by state, with how many bytes the imported ones had."""
        by_state = dict(self.items.values_list("state").annotate(n=models.Count("id")))
        imported_bytes = self.items.filter(state=ImportItem.State.IMPORTED).aggregate(b=models.Sum("size"))["b"]
        return {**{state: by_state.get(state, 0) for state in ImportItem.State.values},
                "total": sum(by_state.values()), "bytes": imported_bytes or 0}


class ImportItem(models.Model):
    """One file of a run: waiting, or what became of it."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        IMPORTED = "imported", "Imported"
        DUPLICATE = "duplicate", "Already in the library"
        REFUSED = "refused", "Refused"
        SKIPPED = "skipped", "Left out"

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="items")
    path = models.CharField(max_length=1024)
    size = models.PositiveBigIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    message = models.CharField(max_length=500, blank=True)
    photo = models.ForeignKey("gallery.Photo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The name its photo is stored under, remembered before anything is stored: a run killed
    # between storing and recording finds the photo, or removes what it stored, by this name.
    photo_uuid = models.UUIDField(null=True, blank=True, editable=False)
    # What the source says besides the file (a Takeout sidecar, its album): photo fields to
    # fill where the file says nothing, and the album to put it in.
    known = models.JSONField(default=dict, blank=True)
    album = models.ForeignKey("albums.Album", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "path"], name="import_item_once_per_run")]
        indexes = [models.Index(fields=["run", "state"], name="import_item_state_idx")]

    def __str__(self):
        return self.path
