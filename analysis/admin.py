from django.contrib import admin

from .models import PhotoTag, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(PhotoTag)
class PhotoTagAdmin(admin.ModelAdmin):
    list_display = ["photo", "tag", "source", "confidence"]
    list_filter = ["source"]
    search_fields = ["tag__name"]
    raw_id_fields = ["photo", "tag"]
