from django.contrib import admin
from django.db.models import Count

from gallery.admin import PhotoAdmin

from .models import HiddenContent, PhotoAnalysis, PhotoTag, PhotoToReview, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "photo_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photo_count=Count("photo_tags__photo", distinct=True))

    @admin.display(ordering="photo_count", description="photos")
    def photo_count(self, tag):
        return tag.photo_count


@admin.register(PhotoTag)
class PhotoTagAdmin(admin.ModelAdmin):
    list_display = ["photo", "tag", "source", "confidence"]
    list_filter = ["source"]
    search_fields = ["tag__name"]
    raw_id_fields = ["photo", "tag"]


@admin.register(PhotoAnalysis)
class PhotoAnalysisAdmin(admin.ModelAdmin):
    list_display = ["photo", "state", "tagger", "attempts", "moderation", "finished_at"]
    list_filter = ["state", "tagger", "moderation"]
    search_fields = ["photo__original_filename", "photo__title", "last_error"]
    raw_id_fields = ["photo"]
    readonly_fields = ["started_at", "finished_at"]


@admin.register(PhotoToReview)
class ModerationQueueAdmin(PhotoAdmin):
    """Flagged photos, oldest first; approving or hiding takes them out of the queue."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(analysis__moderation=PhotoAnalysis.Moderation.FLAGGED).order_by("uploaded_at")

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        # The rendition URL belongs to PhotoAdmin alone; the queue only links to it.
        return admin.ModelAdmin.get_urls(self)


@admin.register(HiddenContent)
class HiddenContentAdmin(admin.ModelAdmin):
    """Content hashes of hidden photos; deleting one lets that content be shared again."""

    list_display = ["sha256", "hidden_at"]
    search_fields = ["sha256"]
    readonly_fields = ["sha256", "hidden_at"]

    def has_add_permission(self, request):
        return False
