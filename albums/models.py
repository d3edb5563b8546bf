import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from gallery.imaging import WATERMARK_POSITIONS, WatermarkStyle
from gallery.models import Photo


class AlbumQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def to_choose_from(self):
        """Just what a list of albums to pick from shows. The owner's id comes too: through
        ``user.albums`` Django sets each album's owner, and a deferred owner_id would cost a
        query per album."""
        return self.only("id", "title", "owner_id")

    def with_covers(self):
        return self.select_related("cover", "newest_photo")

    def refresh_figures(self) -> None:
        """Count each album's photos and find its newest again (after its photos changed)."""
        for album in self.only("pk"):
            album.refresh_figures()


class Album(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cover = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    photos = models.ManyToManyField(Photo, through="AlbumPhoto", related_name="albums")
    # Kept by every change to the album's photos (refresh_figures), so that the albums page reads
    # them instead of counting and sorting each album: photos outside the trash, and the newest
    # of them, shown as the cover unless one was chosen.
    photo_count = models.PositiveIntegerField(default=0, editable=False)
    newest_photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlbumQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("albums:detail", args=[self.pk])

    def visible_photos(self):
        return self.photos.live().newest_first()

    @property
    def cover_photo(self):
        """The chosen cover while it is outside the trash, else the newest photo."""
        if self.cover and not self.cover.in_trash:
            return self.cover
        return self.newest_photo

    def counted_figures(self) -> dict:
        photos = self.visible_photos()
        return {"photo_count": photos.count(), "newest_photo_id": photos.values_list("pk", flat=True).first()}

    def refresh_figures(self) -> None:
        figures = self.counted_figures()
        Album.objects.filter(pk=self.pk).update(**figures)
        for field, value in figures.items():
            setattr(self, field, value)


class AlbumPhoto(models.Model):
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="album_photos")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="album_photos")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["album", "photo"], name="album_photo_unique")]

    def __str__(self):
        return f"{self.photo} in {self.album}"


def new_share_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: not guessable, not enumerable


class ShareLinkQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def expiring_within(self, period):
        """Links still working that stop within ``period`` from now."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, expires_at__lte=now + period)

    def not_revoked(self):
        return self.filter(revoked_at__isnull=True)


class ShareLink(models.Model):
    """A link that shows one photo or one album to anyone who has it, without signing in."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        OWNER_INACTIVE = "owner_inactive", "Owner's account deactivated"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links")
    album = models.ForeignKey(Album, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links")
    expires_at = models.DateTimeField(null=True, blank=True)
    include_location = models.BooleanField(
        default=False, help_text="Leave GPS data in downloaded originals."
    )
    # Previews and downloads through the link carry the owner's watermark (WatermarkedCopy).
    watermark = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        db_table = "gallery_sharelink"  # made by the gallery app, where share links began
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(photo__isnull=False, album__isnull=True) | Q(photo__isnull=True, album__isnull=False),
                name="sharelink_one_target",
            ),
        ]

    def __str__(self):
        return f"Link to {self.target}"

    def get_absolute_url(self):
        return reverse("sharing:shared", args=[self.token])

    @property
    def target(self):
        return self.photo or self.album

    @property
    def last_day(self):
        """The last day the link works (it expires at the midnight that ends it)."""
        return timezone.localtime(self.expires_at - timedelta(microseconds=1)).date() if self.expires_at else None

    @property
    def status(self) -> str:
        if self.revoked_at:
            return self.Status.REVOKED
        if not self.owner.is_active:
            return self.Status.OWNER_INACTIVE
        if self.expires_at and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def record_view(self):
        ShareLink.objects.filter(pk=self.pk).update(
            view_count=models.F("view_count") + 1, last_viewed_at=timezone.now()
        )

    def target_photos(self):
        """The photos this link is about, outside the trash, whatever moderation said."""
        if self.photo_id:
            return Photo.objects.live().filter(pk=self.photo_id)
        return self.album.visible_photos()

    def shared_photos(self):
        """The photos this link shows. Moderation fails closed: only a photo that analysis
        found clear, or that a moderator approved; never one waiting for analysis, one whose
        analysis failed, nor everything when analysis is off. (The states are the analysis
        app's, spelled out here because that app builds on this one.)"""
        return self.target_photos().filter(
            Q(analysis__moderation="approved") | Q(analysis__state="done", analysis__moderation="clear")
        )


class Watermark(models.Model):
    """What an owner's share links marked "watermark" draw over every picture they serve."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watermark")
    text = models.CharField(max_length=100, blank=True, help_text="For example “© 2026 Ana Ruiz”.")
    logo = models.FileField(max_length=255, blank=True)
    position = models.CharField(
        max_length=12, default="bottom-right",
        choices=[(name, name.replace("-", " ").capitalize()) for name in WATERMARK_POSITIONS],
    )
    size = models.PositiveSmallIntegerField(
        default=25, validators=[MinValueValidator(5), MaxValueValidator(60)],
        help_text="How much of the picture's width it spans, in percent.",
    )
    opacity = models.PositiveSmallIntegerField(
        default=70, validators=[MinValueValidator(10), MaxValueValidator(100)], help_text="In percent."
    )
    # Counts the changes: copies made for an older version are made again.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Watermark of {self.owner_id}: {self.text or 'logo'}"

    def style(self) -> WatermarkStyle:
        logo = None
        if self.logo:
            with self.logo.open("rb") as file:
                logo = file.read()
        return WatermarkStyle(text=self.text, logo=logo, position=self.position, size=self.size, opacity=self.opacity)


class WatermarkedCopy(models.Model):
    """A photo's thumbnail, preview and full-size picture with its owner's watermark, made once
    by a task (albums.watermarks) for the watermark's ``version``, served by marked links."""

    photo = models.OneToOneField(Photo, on_delete=models.CASCADE, primary_key=True, related_name="watermarked")
    version = models.PositiveIntegerField()
    thumbnail = models.FileField(max_length=255)
    preview = models.FileField(max_length=255)
    full = models.FileField(max_length=255)

    class Meta:
        verbose_name_plural = "watermarked copies"

    def __str__(self):
        return f"Watermarked copy of {self.photo_id} (version {self.version})"

    def stored_files(self):
        return [file for file in (self.thumbnail, self.preview, self.full) if file]
