from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse

from gallery.models import Photo


class AlbumQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

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
        return self.photos.filter(deleted_at__isnull=True).newest_first()


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
