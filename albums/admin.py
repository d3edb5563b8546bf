from django.contrib import admin

from .models import Album, AlbumPhoto


class AlbumPhotoInline(admin.TabularInline):
    model = AlbumPhoto
    raw_id_fields = ["photo"]
    extra = 0


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "created_at", "updated_at"]
    search_fields = ["title", "owner__username"]
    raw_id_fields = ["owner", "cover"]
    inlines = [AlbumPhotoInline]
