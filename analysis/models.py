from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone

from gallery.models import Photo
from pictura.tasks import retry_deadline, run_deadline, wait_deadline


def normalise_tag_name(name: str) -> str:
    """One spelling per tag: lower case, single spaces, at most 64 characters."""
    return " ".join(name.split()).lower()[:64]


class TagQuerySet(models.QuerySet):
    def used_by(self, user) -> list["Tag"]:
        """The user's tags (on photos outside the trash), each with ``photo_count``, most used
        first: from the tallies, not from counting the photos."""
        counts = PhotoTally.objects.of(user).sums(PhotoTally.Kind.TAG)
        tags = self.in_bulk([int(key) for key in counts])
        for tag in tags.values():
            tag.photo_count = counts[str(tag.pk)]
        return sorted(tags.values(), key=lambda tag: (-tag.photo_count, tag.name))


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalise_tag_name(self.name)
        super().save(*args, **kwargs)


class PhotoTag(models.Model):
    class Source(models.TextChoices):
        REKOGNITION = "rekognition", "Amazon Rekognition"
        LOCAL = "local", "Local model"
        MANUAL = "manual", "Added by you"
        PLACE = "place", "Place (from GPS)"
        FILE = "file", "Keyword in the file"

    # Keywords are the tags a person chose (typed here, or written into the file), not a model's.
    KEYWORD_SOURCES = (Source.MANUAL, Source.FILE)

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="photo_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="photo_tags", db_index=False)
    confidence = models.FloatField(default=100.0)
    source = models.CharField(max_length=12, choices=Source.choices)

    class Meta:
        ordering = ["-confidence", "tag__name"]
        indexes = [
            # The photos with a tag, read from the index alone: search's set of a rare tag's
            # photos (and the photo_tags of a tag, in place of the foreign key's own index).
            models.Index(fields=["tag", "photo"], name="phototag_tag_photo_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["photo", "tag", "source"], name="phototag_unique"),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0, confidence__lte=100),
                name="phototag_confidence_range",
            ),
        ]

    def __str__(self):
        return f"{self.tag} ({self.get_source_display()}, {self.confidence:.0f}%)"


class PhotoAnalysisQuerySet(models.QuerySet):
    def failed_since(self, moment):
        """Analyses that failed for good at ``moment`` or later, of photos outside the trash."""
        return self.filter(state=PhotoAnalysis.State.FAILED, finished_at__gte=moment, photo__deleted_at__isnull=True)

    def flagged(self):
        return self.filter(moderation=PhotoAnalysis.Moderation.FLAGGED)

    def unfinished(self):
        return self.filter(state__in=[PhotoAnalysis.State.PENDING, PhotoAnalysis.State.RUNNING])

    def due(self):
        """Analyses waiting or running past their due time: their message was lost or their
        worker was killed, so the sweeper queues them again."""
        return self.unfinished().filter(due_at__lte=timezone.now())

    def claim(self, photo_id: int, tagger_name: str):
        """The photo's analysis, marked as running with this tagger, if it is still to be done
        (waiting, retrying, or running on a worker that was lost); else None."""
        claimed = self.unfinished().filter(photo_id=photo_id).update(
            state=PhotoAnalysis.State.RUNNING,
            tagger=tagger_name,
            attempts=models.F("attempts") + 1,
            started_at=timezone.now(),
            due_at=run_deadline(),
        )
        return self.select_related("photo__owner").filter(photo_id=photo_id).first() if claimed else None


class PhotoAnalysis(models.Model):
    """Where a photo's automatic tagging stands, and what it found besides tags."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Analysing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Moderation(models.TextChoices):
        CLEAR = "clear", "Nothing found"
        FLAGGED = "flagged", "Flagged for review"
        APPROVED = "approved", "Approved by a moderator"
        HIDDEN = "hidden", "Hidden by a moderator"

    photo = models.OneToOneField("gallery.Photo", on_delete=models.CASCADE, primary_key=True, related_name="analysis")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    tagger = models.CharField(max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Waiting or running analyses still unfinished at this time are queued again.
    due_at = models.DateTimeField(null=True, blank=True, default=wait_deadline)
    finished_at = models.DateTimeField(null=True, blank=True)
    people_count = models.PositiveSmallIntegerField(null=True, blank=True)
    moderation = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.CLEAR, db_index=True)
    moderation_labels = models.JSONField(default=list, blank=True)

    objects = PhotoAnalysisQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "photo analyses"
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(state__in=["pending", "running"]), name="analysis_due_idx"),
            models.Index(fields=["finished_at"], condition=models.Q(state="failed"), name="analysis_failed_idx"),
        ]

    def __str__(self):
        return f"Analysis of {self.photo_id}: {self.get_state_display()}"

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.PENDING, self.State.RUNNING)

    @property
    def active(self) -> bool:
        """Queued or running, with no failure to wait out: done in moments."""
        return self.in_progress and not self.retrying

    @property
    def retrying(self) -> bool:
        """Waiting for another try after a failed one (the tagger throttled or out of reach)."""
        return self.state == self.State.PENDING and bool(self.last_error)

    def failed(self, error: str):
        self._finish(self.State.FAILED, error=error)

    def retry_later(self, error: str):
        """After a failed attempt worth repeating: wait for the next try, or give up for good
        once every attempt is used. The photo itself is never touched."""
        next_try = retry_deadline(self.attempts)
        if next_try is None:
            self.failed(f"Gave up after {self.attempts} attempts: {error}")
            return
        self.state, self.last_error, self.due_at = self.State.PENDING, error[:2000], next_try
        self.save(update_fields=["state", "last_error", "due_at"])

    def _finish(self, state, *, error=""):
        self.state, self.last_error, self.due_at, self.finished_at = state, error[:2000], None, timezone.now()
        self.save(update_fields=["state", "last_error", "due_at", "finished_at"])


class PhotoTallyQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(owner=user)

    def monthly(self):
        return self.filter(month__gt=PhotoTally.ALL_TIME)

    def since(self, month):
        """Rows of photos uploaded in that month or later; all time's for None. (Sum them by
        key: one row per key for all time, one per month for a range.)"""
        return self.filter(month__gte=month) if month else self.filter(month=PhotoTally.ALL_TIME)

    def sums_of(self, kind: str, keys) -> dict[str, int]:
        """{key: photos} of all time for these keys of one kind."""
        return self.filter(key__in=[str(key) for key in keys]).sums(kind)

    def sums(self, kind: str) -> dict[str, int]:
        """{key: photos} of all time for one kind, biggest first."""
        return self.since(None).filter(kind=kind).sums_by_kind().get(kind, {})

    def sums_by_kind(self) -> dict[str, dict[str, int]]:
        """{kind: {key: photos}} over every month of the queryset, biggest first."""
        rows = self.values("kind", "key").annotate(total=models.Sum("photos")).order_by("kind", "-total", "key")
        sums: dict[str, dict[str, int]] = {}
        for row in rows:
            if row["total"] > 0:
                sums.setdefault(row["kind"], {})[row["key"]] = row["total"]
        return sums


class PhotoTally(models.Model):
    """How many of a user's photos outside the trash, uploaded in one month, have one property:
    a tag, a camera, an album, a person, a place, an analysis state (and how many were
    uploaded, with their bytes). Kept by every change to photos (analysis/tallies.py), so that
    the tags, stats, people and places pages add up a few thousand rows instead of going
    through a library of 100,000 photos."""

    class Kind(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"  # key ""; bytes too
        TAG = "tag", "Tag"  # key: the tag's id; any source
        AUTOMATIC_TAG = "auto_tag", "Tag from a tagger"  # key: the tag's id
        SOURCE = "source", "Tags by source"  # key: the source; counts tags, not photos
        CAMERA = "camera", "Camera"  # key: make and model, tab-separated
        ANALYSIS = "analysis", "Analysis"  # key: "waiting", "done", "failed", or "" (never asked)
        ALBUM = "album", "Album"  # key: the album's id
        PERSON = "person", "Person"  # key: the person's id
        PLACE = "place", "Place"  # key: country and city, tab-separated (no city: "")

    # The month of a row that counts photos of every month: pages over all time read one row
    # per key instead of adding up years of months.
    ALL_TIME = date(1, 1, 1)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month the photos were uploaded in (1-1-1: all time).")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=300, blank=True)
    # Plain integers: drift must never make a change fail a constraint.
    photos = models.BigIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)

    objects = PhotoTallyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "kind", "key", "month"], name="phototally_unique")]
        indexes = [models.Index(fields=["kind", "key"], name="phototally_kind_key_idx")]

    def __str__(self):
        return f"{self.kind} {self.key!r} of user {self.owner_id}, {self.month:%Y-%m}: {self.photos}"


class PhotoPlaceQuerySet(models.QuerySet):
    def of(self, user):
        """The places of the user's photos outside the trash."""
        return self.filter(photo__owner=user, photo__deleted_at__isnull=True)


class PhotoPlace(models.Model):
    """Where a photo was taken, found from its GPS position (analysis/places.py)."""

    photo = models.OneToOneField("gallery.Photo", on_delete=models.CASCADE, primary_key=True, related_name="place")
    country_code = models.CharField(max_length=2)
    country = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=200, blank=True)

    objects = PhotoPlaceQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["country", "city"], name="photoplace_country_city_idx")]

    def __str__(self):
        return ", ".join(name for name in (self.city, self.region, self.country) if name)


class PersonQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(owner=user)

    def to_choose_from(self):
        """Just what a list of people to pick from shows: not the faces' mean description."""
        return self.only("id", "name", "owner_id")

    def with_photos(self):
        """People shown on photos outside the trash, with ``photo_count`` (from the tallies) and
        ``cover_face_id`` (their sharpest face), biggest first, the named before the unnamed."""
        live_faces = Face.objects.filter(person=OuterRef("pk"), photo__deleted_at__isnull=True)
        tallied = (
            PhotoTally.objects.since(None)
            .filter(owner=OuterRef("owner_id"), kind=PhotoTally.Kind.PERSON, key=Cast(OuterRef("pk"), models.CharField()))
            .values("photos")
        )
        return (
            self.annotate(
                photo_count=Coalesce(Subquery(tallied), 0),
                cover_face_id=Subquery(live_faces.order_by("-sharpness", "pk").values("pk")[:1]),
            )
            .filter(photo_count__gt=0)
            .order_by(models.Case(models.When(name="", then=1), default=0), "-photo_count", "name", "pk")
        )


class Person(models.Model):
    """Someone whose faces were grouped together, in one user's photos only; named by that
    user or not yet."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=100, blank=True)
    # Hidden people leave the people page and search's people filter; their faces stay theirs.
    hidden = models.BooleanField(default=False)
    # The mean description of the person's faces found by the local tagger, as float32 bytes,
    # and how many faces it averages: a new face joins the person whose mean is nearest.
    centroid = models.BinaryField(null=True, blank=True, editable=False)
    centroid_faces = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["owner", "name"], name="person_owner_name_idx")]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("analysis:person", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.name or "Unnamed"

    @property
    def decided_by_owner(self) -> bool:
        """Named or hidden: regrouping never merges, splits or empties this person."""
        return bool(self.name) or self.hidden


class FaceQuerySet(models.QuerySet):
    def of(self, user):
        return self.filter(photo__owner=user)

    def live(self):
        return self.filter(photo__deleted_at__isnull=True)

    def waiting_for_a_person(self):
        """Faces clear enough to group that have no person yet."""
        return self.filter(person__isnull=True, groupable=True)

    def regroupable(self):
        """Faces Pictura placed in an unnamed, unhidden person: regrouping may move them."""
        return self.filter(placed_by_owner=False, person__name="", person__hidden=False)


class Face(models.Model):
    """One face found in a photo by a tagger."""

    photo = models.ForeignKey("gallery.Photo", on_delete=models.CASCADE, related_name="faces")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="faces")
    # Put in its person by the owner ("this is…", "not this person"): regrouping leaves it there.
    placed_by_owner = models.BooleanField(default=False)
    source = models.CharField(max_length=12, choices=PhotoTag.Source.choices[:2])
    # Where the face is, as fractions of the photo as displayed (EXIF orientation applied).
    left = models.FloatField()
    top = models.FloatField()
    width = models.FloatField()
    height = models.FloatField()
    confidence = models.FloatField()  # 0-100: how sure the detector is that it is a face
    size = models.PositiveIntegerField(help_text="Pixels on the long side, in the preview.")
    sharpness = models.FloatField(help_text="0-100")
    # Large and sharp enough to recognise; the others are shown but never grouped.
    groupable = models.BooleanField(default=True)
    # The local tagger's description (128 float32) or Rekognition's id in the collection.
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    rekognition_face_id = models.CharField(max_length=64, blank=True, db_index=True)
    crop = models.FileField(max_length=255, blank=True)

    objects = FaceQuerySet.as_manager()

    class Meta:
        ordering = ["left", "top"]
        indexes = [
            # Each person's sharpest face first: the people page's covers read one row each.
            models.Index(
                fields=["person", "-sharpness", "id"], condition=models.Q(person__isnull=False), name="face_person_sharpest_idx"
            ),
        ]

    def __str__(self):
        return f"Face {self.pk} in photo {self.photo_id}"

    @property
    def box_percent(self) -> dict[str, str]:
        """The face's box as percentages of the photo, for drawing it over the preview."""
        return {
            "left": f"{self.left * 100:.2f}", "top": f"{self.top * 100:.2f}",
            "width": f"{self.width * 100:.2f}", "height": f"{self.height * 100:.2f}",
            "bottom": f"{(self.top + self.height) * 100:.2f}",
        }


class HiddenContent(models.Model):
    """The content hash of a photo a moderator hid: the same bytes uploaded again, by anyone,
    are hidden as soon as they are analysed, instead of coming back through a share link."""

    sha256 = models.CharField(max_length=64, unique=True)
    hidden_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "hidden content"

    def __str__(self):
        return self.sha256


class PhotoToReview(Photo):
    """The moderation queue in the admin: photos that analysis flagged as possibly unsafe."""

    class Meta:
        proxy = True
        verbose_name = "photo to review"
        verbose_name_plural = "moderation queue"
