from django.contrib import admin

from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "image_format", "width", "height", "renditions_state", "uploaded_at"]
    list_filter = ["renditions_state", "image_format", "uploaded_at"]
    search_fields = ["title", "original_filename", "owner__username", "sha256"]
    raw_id_fields = ["owner"]
    readonly_fields = ["uuid", "sha256", "original", "thumbnail", "preview", "uploaded_at"]
    date_hierarchy = "sort_at"
