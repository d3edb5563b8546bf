import secrets

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
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

    def with_counts_and_covers(self):
        """Each album's photo count and the id of the photo to show as its cover — the chosen
        cover, else the newest photo — in the same query, whatever the number of albums.
        Photos in the trash count for neither."""
        newest = (
            AlbumPhoto.objects.filter(album=OuterRef("pk"), photo__deleted_at__isnull=True)
            .order_by("-photo__sort_at", "-photo__id")
            .values("photo_id")[:1]
        )
        return self.annotate(
            photo_count=Count("album_photos", filter=Q(album_photos__photo__deleted_at__isnull=True)),
            newest_photo_id=Subquery(newest),
        )


class Album(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cover = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    photos = models.ManyToManyField(Photo, through="AlbumPhoto", related_name="albums")
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


class AlbumPhoto(models.Model):
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="album_photos")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="album_photos")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["album", "photo"], name="album_photo_unique")]

    def __str__(self):
        return f"{self.photo} in {self.album}"


def attach_cover_photos(albums) -> list:
    """Set ``album.cover_photo`` on albums from with_counts_and_covers(), in one query."""
    albums = list(albums)
    wanted = {pk for album in albums for pk in (album.cover_id, album.newest_photo_id) if pk}
    photos = Photo.objects.in_bulk(wanted)
    for album in albums:
        chosen = photos.get(album.cover_id)
        album.cover_photo = chosen if chosen and not chosen.in_trash else photos.get(album.newest_photo_id)
    return albums


def new_share_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: not guessable, not enumerable


class ShareLinkQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

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
