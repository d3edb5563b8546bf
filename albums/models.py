import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

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
