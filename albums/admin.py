from django.contrib import admin

from audit.admin_mixins import RecordsDeletions

from .models import Album, AlbumPhoto, ShareLink


class AlbumPhotoInline(admin.TabularInline):
    model = AlbumPhoto
    raw_id_fields = ["photo"]
    extra = 0


@admin.register(Album)
class AlbumAdmin(RecordsDeletions, admin.ModelAdmin):
    list_display = ["title", "owner", "created_at", "updated_at"]
    search_fields = ["title", "owner__username"]
    raw_id_fields = ["owner", "cover"]
    inlines = [AlbumPhotoInline]


@admin.register(ShareLink)
class ShareLinkAdmin(RecordsDeletions, admin.ModelAdmin):
    list_display = ["__str__", "owner", "created_at", "expires_at", "revoked_at", "view_count"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "include_location"]
    search_fields = ["owner__username", "token"]
    raw_id_fields = ["owner", "photo", "album"]
    readonly_fields = ["token", "view_count", "last_viewed_at"]
