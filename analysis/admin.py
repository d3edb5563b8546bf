from django.contrib import admin, messages
from django.db.models import Count

from gallery.admin import PhotoAdmin
from gallery.models import Photo

from . import tallies
from .models import HiddenContent, PhotoAnalysis, PhotoTag, PhotoToReview, Tag
from .services import photos_queue_analysis, photos_set_moderation


class KeepsTallies:
    """Edits in the admin change photos' tags, state or dates like the services do: the tallies
    follow them (analysis/tallies.py)."""

    @staticmethod
    def photo_id_of(obj) -> int | None:
        return obj.photo_id

    def save_model(self, request, obj, form, change):
        photo_id = self.photo_id_of(obj)  # None for a new photo: counted as it is created
        with tallies.tracking([photo_id] if photo_id else []):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with tallies.tracking([self.photo_id_of(obj)]):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with tallies.tracking([self.photo_id_of(obj) for obj in queryset]):
            super().delete_queryset(request, queryset)


class AnalysisInline(admin.StackedInline):
    """What analysis found, read-only: moderation changes go through the actions (approve,
    hide), whose service also remembers hidden content."""

    model = PhotoAnalysis
    can_delete = False
    fields = readonly_fields = [
        "state", "moderation", "tagger", "attempts", "last_error", "started_at", "finished_at", "people_count",
        "moderation_labels",
    ]

    def has_add_permission(self, request, obj=None):
        return False


class AnalysedPhotoAdmin(KeepsTallies, PhotoAdmin):
    """The photo admin with what analysis knows: state, moderation, tags, and the actions."""

    @staticmethod
    def photo_id_of(photo) -> int | None:
        return photo.pk

    list_display = [*PhotoAdmin.list_display[:3], "analysis_state", "moderation_state", *PhotoAdmin.list_display[3:]]
    list_filter = ["analysis__moderation", "analysis__state", *PhotoAdmin.list_filter]
    search_fields = [*PhotoAdmin.search_fields, "photo_tags__tag__name"]
    list_select_related = [*PhotoAdmin.list_select_related, "analysis"]
    inlines = [AnalysisInline]
    actions = ["approve", "hide", "reanalyse", *PhotoAdmin.actions]

    @admin.display(description="analysis", ordering="analysis__state")
    def analysis_state(self, photo):
        analysis = getattr(photo, "analysis", None)
        return analysis.get_state_display() if analysis else "—"

    @admin.display(description="moderation", ordering="analysis__moderation")
    def moderation_state(self, photo):
        analysis = getattr(photo, "analysis", None)
        return analysis.get_moderation_display() if analysis else "—"

    @admin.action(description="Approve: shareable again, out of the queue", permissions=["change"])
    def approve(self, request, queryset):
        count = photos_set_moderation(queryset, PhotoAnalysis.Moderation.APPROVED)
        self.message_user(request, f"Approved {count} photo(s).", messages.SUCCESS)

    @admin.action(description="Hide: never shared, out of the queue", permissions=["change"])
    def hide(self, request, queryset):
        count = photos_set_moderation(queryset, PhotoAnalysis.Moderation.HIDDEN)
        self.message_user(request, f"Hid {count} photo(s).", messages.SUCCESS)

    @admin.action(description="Analyse again", permissions=["change"])
    def reanalyse(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        photos_queue_analysis(ids)
        self.message_user(request, f"Queued {len(ids)} photo(s) for analysis.", messages.SUCCESS)


admin.site.unregister(Photo)
admin.site.register(Photo, AnalysedPhotoAdmin)


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
class PhotoTagAdmin(KeepsTallies, admin.ModelAdmin):
    list_display = ["photo", "tag", "source", "confidence"]
    list_filter = ["source"]
    search_fields = ["tag__name"]
    raw_id_fields = ["photo", "tag"]


@admin.register(PhotoAnalysis)
class PhotoAnalysisAdmin(KeepsTallies, admin.ModelAdmin):
    list_display = ["photo", "state", "tagger", "attempts", "moderation", "finished_at"]
    list_filter = ["state", "tagger", "moderation"]
    search_fields = ["photo__original_filename", "photo__title", "last_error"]
    raw_id_fields = ["photo"]
    readonly_fields = ["started_at", "finished_at"]


@admin.register(PhotoToReview)
class ModerationQueueAdmin(AnalysedPhotoAdmin):
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
