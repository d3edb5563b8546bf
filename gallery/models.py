import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from pictura.tasks import retry_deadline, run_deadline, wait_deadline

from .imaging import CONTENT_TYPES
from .signals import changing_photos


def camera_name(make: str, model: str) -> str:
    """"Canon EOS 40D", not "Canon Canon EOS 40D": many makers repeat the make in the model."""
    if model.lower().startswith(make.lower()):
        return model
    return f"{make} {model}".strip()


class PhotoQuerySet(models.QuerySet):
    def owned_by(self, user):
        """Everything the user owns, the trash included (duplicates, storage totals)."""
        return self.filter(owner=user)

    def live(self):
        """Photos that are not in the trash."""
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user):
        """What the user browses: their own photos that are not in the trash."""
        return self.owned_by(user).live()

    def located(self):
        """Photos with a GPS position."""
        return self.filter(latitude__isnull=False, longitude__isnull=False)

    def in_trash_of(self, user):
        return self.owned_by(user).filter(deleted_at__isnull=False)

    def trash_expired(self, *, now=None):
        cutoff = (now or timezone.now()) - timedelta(days=settings.PICTURA_TRASH_DAYS)
        return self.filter(deleted_at__lt=cutoff)

    def renditions_due(self):
        """Photos whose renditions are waiting or running past their due time: their message
        was lost or their worker was killed, so the sweeper queues them again."""
        return self.filter(
            renditions_state__in=[Photo.Renditions.PENDING, Photo.Renditions.RUNNING],
            renditions_due_at__lte=timezone.now(),
        )

    def claim_renditions(self, pk):
        """The photo, marked as being prepared by the caller, if its renditions are still to be
        made (waiting, retrying, or running on a worker that was lost); else None."""
        claimed = self.filter(
            pk=pk, renditions_state__in=[Photo.Renditions.PENDING, Photo.Renditions.RUNNING]
        ).update(
            renditions_state=Photo.Renditions.RUNNING,
            renditions_attempts=F("renditions_attempts") + 1,
            renditions_due_at=run_deadline(),
        )
        return self.filter(pk=pk).first() if claimed else None

    def older_than(self, sort_at, pk):
        """Photos after this place in gallery order (newest first). The plain bound on sort_at
        lets the index start the scan there; with the OR alone PostgreSQL filters every row of
        the library (EXPLAIN: 99,970 rows to find the one next to a photo)."""
        return self.filter(Q(sort_at__lt=sort_at) | Q(sort_at=sort_at, pk__lt=pk), sort_at__lte=sort_at)

    def newer_than(self, sort_at, pk):
        """Photos before this place in gallery order."""
        return self.filter(Q(sort_at__gt=sort_at) | Q(sort_at=sort_at, pk__gt=pk), sort_at__gte=sort_at)

    def newest_first(self):
        # sort_at is the capture date, or the upload time when the photo has none; id breaks ties
        # so that pagination and previous/next agree on one total order.
        return self.order_by("-sort_at", "-id")

    def totals(self) -> dict:
        """Photos outside the trash, photos in it, and the bytes of all originals stored."""
        return self.aggregate(
            count=Count("id", filter=Q(deleted_at__isnull=True)),
            in_trash=Count("id", filter=Q(deleted_at__isnull=False)),
            bytes=Coalesce(Sum("file_size"), 0),
        )


class Photo(models.Model):
    class Renditions(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    # Who made it and who may use it: read from the file at upload (XMP, IPTC, EXIF), editable.
    author = models.CharField(max_length=200, blank=True)
    credit = models.CharField("credit line", max_length=200, blank=True)
    copyright = models.CharField(max_length=300, blank=True)
    # The keywords the file carried when uploaded; analysis makes them tags (source "file").
    file_keywords = models.JSONField(default=list, blank=True, editable=False)

    # The original as uploaded, under a generated key; the client's name is kept for downloads.
    original = models.FileField(max_length=255)
    original_filename = models.CharField(max_length=255)
    image_format = models.CharField(max_length=10)
    file_size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    # The original with its location removed, made once for share links that leave it out.
    shareable_original = models.FileField(max_length=255, blank=True)
    thumbnail = models.FileField(max_length=255, blank=True)
    preview = models.FileField(max_length=255, blank=True)
    renditions_state = models.CharField(
        max_length=10, choices=Renditions.choices, default=Renditions.PENDING
    )
    renditions_attempts = models.PositiveSmallIntegerField(default=0)
    # Why the last attempt failed: shown to the owner while retrying and once failed.
    renditions_error = models.CharField(max_length=500, blank=True)
    # Waiting or running renditions still unfinished at this time are queued again.
    renditions_due_at = models.DateTimeField(null=True, blank=True, default=wait_deadline)

    # Pixel size as displayed, i.e. after the EXIF orientation is applied.
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    orientation = models.PositiveSmallIntegerField(default=1)
    taken_at = models.DateTimeField(null=True, blank=True)
    camera_make = models.CharField(max_length=100, blank=True)
    camera_model = models.CharField(max_length=100, blank=True)
    lens = models.CharField(max_length=150, blank=True)
    exposure_time = models.CharField("exposure", max_length=20, blank=True)
    f_number = models.FloatField(null=True, blank=True)
    iso = models.PositiveIntegerField("ISO", null=True, blank=True)
    focal_length = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    sort_at = models.DateTimeField()
    # Set when the photo is moved to the trash; it is deleted for good PICTURA_TRASH_DAYS later.
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-sort_at", "-id"]
        indexes = [
            models.Index(
                fields=["owner", "-sort_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="photo_owner_visible_sort_idx",
            ),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="photo_trash_idx"),
            models.Index(
                fields=["owner", "-deleted_at", "-id"], condition=Q(deleted_at__isnull=False), name="photo_owner_trash_idx"
            ),
            # Everything the map needs, in the index: it reads no row of the table.
            models.Index(
                fields=["owner", "id", "latitude", "longitude"],
                condition=Q(deleted_at__isnull=True, latitude__isnull=False, longitude__isnull=False),
                name="photo_owner_located_idx",
            ),
            models.Index(
                fields=["renditions_due_at"],
                condition=Q(renditions_state__in=["pending", "running"]),
                name="photo_renditions_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "sha256"], name="photo_unique_content_per_owner"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="photo_latitude_range",
            ),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("gallery:photo", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.title or self.original_filename

    @property
    def camera(self) -> str:
        return camera_name(self.camera_make, self.camera_model)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None

    @property
    def purge_at(self):
        """When the trash deletes this photo for good."""
        return self.deleted_at + timedelta(days=settings.PICTURA_TRASH_DAYS)

    @property
    def renditions_ready(self) -> bool:
        return self.renditions_state == self.Renditions.READY

    @property
    def renditions_retrying(self) -> bool:
        """Waiting for another try after a failed one (storage unavailable, say)."""
        return self.renditions_state == self.Renditions.PENDING and bool(self.renditions_error)

    @property
    def renditions_active(self) -> bool:
        """Queued or being prepared, with no failure to wait out: done in moments."""
        return self.renditions_state == self.Renditions.RUNNING or (
            self.renditions_state == self.Renditions.PENDING and not self.renditions_error
        )

    @property
    def content_type(self) -> str:
        """The type Pictura found in the content; never what the uploading client claimed."""
        return CONTENT_TYPES.get(self.image_format, "application/octet-stream")

    def stored_files(self):
        """The original and every copy or rendition of it that exists in storage."""
        return [f for f in (self.original, self.shareable_original, self.thumbnail, self.preview) if f]

    def neighbours(self):
        """(newer, older) photo of the same owner in gallery order, either may be None."""
        same_owner = Photo.objects.visible_to(self.owner_id)
        newer = (
            same_owner.newer_than(self.sort_at, self.pk)
            .order_by("sort_at", "id")
            .only("id")
            .first()
        )
        older = (
            same_owner.older_than(self.sort_at, self.pk)
            .newest_first()
            .only("id")
            .first()
        )
        return newer, older

    def move_to_trash(self):
        self._set_deleted_at(timezone.now())

    def restore(self):
        self._set_deleted_at(None)

    def _set_deleted_at(self, deleted_at):
        """Into the trash or out of it, the owner's totals with it. The row is changed only if it
        is not there already, so two requests at once move (and count) it once."""
        to_trash = deleted_at is not None
        with changing_photos([self.pk]):
            Library.of(self.owner_id)
            moved = Photo.objects.filter(pk=self.pk, deleted_at__isnull=to_trash).update(deleted_at=deleted_at)
            Library.change(self.owner_id, photos=-moved if to_trash else moved, trashed=moved if to_trash else -moved)
        self.deleted_at = deleted_at

    def renditions_done(self, *, thumbnail: str, preview: str):
        self.thumbnail, self.preview = thumbnail, preview
        self._set_renditions(self.Renditions.READY, error="", due_at=None, also=["thumbnail", "preview"])

    def renditions_failed(self, error: str):
        self._set_renditions(self.Renditions.FAILED, error=error, due_at=None)

    def renditions_retry_later(self, error: str):
        """After a failed attempt worth repeating: wait for the next try, or give up for good
        once every attempt is used."""
        next_try = retry_deadline(self.renditions_attempts)
        if next_try is None:
            self.renditions_failed(f"Gave up after {self.renditions_attempts} attempts: {error}")
        else:
            self._set_renditions(self.Renditions.PENDING, error=error, due_at=next_try)

    def _set_renditions(self, state, *, error, due_at, also=()):
        # Renditions made earlier (before a remake) stay named until new ones replace them:
        # their files are deleted with the photo, never left behind.
        self.renditions_state = state
        self.renditions_error = error[:500]
        self.renditions_due_at = due_at
        self.save(update_fields=["renditions_state", "renditions_error", "renditions_due_at", "renditions_attempts", *also])


class Library(models.Model):
    """A user's totals, kept by every change to their photos so that no page and no upload has
    to count a library of 100,000: photos outside the trash, photos in it, bytes of every
    original stored (the trash counts until emptied). ``manage.py recount`` checks them
    against the photos and mends any drift (an admin's edit, a bug)."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    # Plain integers, not positive ones: drift must never make a delete fail a constraint.
    photos = models.BigIntegerField(default=0)
    trashed = models.BigIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "libraries"

    def __str__(self):
        return f"Library of user {self.owner_id}"

    @classmethod
    def counted(cls, owner_id) -> "Library":
        """The totals counted from the photos themselves."""
        totals = Photo.objects.filter(owner_id=owner_id).totals()
        return cls(owner_id=owner_id, photos=totals["count"], trashed=totals["in_trash"], bytes=totals["bytes"])

    @classmethod
    def of(cls, owner_id) -> "Library":
        """The owner's totals; counted and kept the first time they are asked for."""
        found = cls.objects.filter(owner_id=owner_id).first()
        if found is None:
            cls.objects.bulk_create([cls.counted(owner_id)], ignore_conflicts=True)  # a racing first use wins
            found = cls.objects.get(owner_id=owner_id)
        return found

    @classmethod
    def change(cls, owner_id, *, photos=0, trashed=0, bytes=0) -> None:
        """Add to the owner's totals, in the caller's transaction. Call ``of`` before the change
        itself, so that totals counted then do not include it twice."""
        cls.objects.filter(owner_id=owner_id).update(
            photos=F("photos") + photos, trashed=F("trashed") + trashed, bytes=F("bytes") + bytes
        )


class DirectUpload(models.Model):
    """A file a browser uploads straight to S3, in parts (S3 multipart upload, presigned URL per
    part), under ``uploads/<owner>/``; once complete it is checked and ingested by a task like
    any upload, and the object under uploads/ is deleted either way."""

    class State(models.TextChoices):
        UPLOADING = "uploading", "Uploading"
        INGESTING = "ingesting", "Being checked"
        DONE = "done", "Uploaded"
        DUPLICATE = "duplicate", "Already in the library"
        REJECTED = "rejected", "Refused"
        ABORTED = "aborted", "Abandoned"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="direct_uploads")
    key = models.CharField(max_length=255, unique=True)
    upload_id = models.CharField(max_length=1024)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    # The upload page's batch options (tags, album) as posted, applied once the photo is in.
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.UPLOADING)
    message = models.CharField(max_length=500, blank=True)
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Uploading: abandoned (aborted by the sweeper) after this; ingesting: queued again after it.
    due_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["due_at"], condition=models.Q(state__in=["uploading", "ingesting"]),
                                name="direct_upload_due_idx")]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display()})"
