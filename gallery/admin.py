from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import re_path, reverse
from django.utils.html import format_html

from audit.admin_mixins import RecordsDeletions

from . import services
from .files import stored_file_response
from .models import Photo


@admin.register(Photo)
class PhotoAdmin(RecordsDeletions, admin.ModelAdmin):
    """Photos as files and rows. The analysis app registers its extension of this class, with
    tags, analysis state and the moderation actions, in its place."""

    list_display = ["thumbnail_tag", "__str__", "owner", "uploaded_at", "in_trash"]
    list_display_links = ["thumbnail_tag", "__str__"]
    list_filter = ["renditions_state", "image_format", ("deleted_at", admin.EmptyFieldListFilter), "uploaded_at"]
    search_fields = ["title", "original_filename", "owner__username", "sha256"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["uuid", "sha256", "original", "thumbnail", "preview", "uploaded_at", "preview_tag"]
    date_hierarchy = "sort_at"
    actions = ["remake_renditions", "delete_for_good"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Django's own bulk delete removes rows but leaves the files in storage.
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="")
    def thumbnail_tag(self, photo):
        if not photo.renditions_ready:
            return "…"
        url = reverse("admin:gallery_photo_rendition", args=[photo.pk, "thumbnail"])
        return format_html('<img src="{}" width="64" height="64" alt="" loading="lazy">', url)

    @admin.display(description="preview")
    def preview_tag(self, photo):
        if not photo.renditions_ready:
            return "not ready"
        url = reverse("admin:gallery_photo_rendition", args=[photo.pk, "preview"])
        return format_html('<img src="{}" style="max-width:480px" alt="">', url)

    @admin.display(boolean=True, description="in trash")
    def in_trash(self, photo):
        return photo.in_trash

    def get_urls(self):
        rendition = re_path(
            r"^(?P<pk>\d+)/(?P<kind>thumbnail|preview)\.jpg$",
            self.admin_site.admin_view(self.rendition_view),
            name="gallery_photo_rendition",
        )
        return [rendition, *super().get_urls()]

    def rendition_view(self, request, pk, kind):
        """Moderators see renditions through the admin (staff only), not the owner-only views.
        The permission asked for is the one on photos, whichever admin (the moderation queue
        is another) shows the thumbnail."""
        if not (request.user.has_perm("gallery.view_photo") or request.user.has_perm("gallery.change_photo")):
            raise PermissionDenied
        rendition = getattr(get_object_or_404(Photo, pk=pk), kind)
        if not rendition:
            raise Http404("Not ready.")
        return stored_file_response(rendition, content_type="image/jpeg")

    @admin.action(description="Make thumbnails and previews again", permissions=["change"])
    def remake_renditions(self, request, queryset):
        count = services.photos_remake_renditions(queryset)
        self.message_user(request, f"Queued {count} photo(s): their renditions will be made again.", messages.SUCCESS)

    @admin.action(description="Delete for good, with their files", permissions=["delete"])
    def delete_for_good(self, request, queryset):
        self.log_deletions(request, queryset)
        deleted, _, failures = services.photos_delete_for_good(queryset)
        self.message_user(request, f"Deleted {deleted} photo(s) and their files.", messages.SUCCESS)
        if failures:
            self.message_user(request, f"{failures} photo(s) could not be deleted: storage is unavailable.", messages.ERROR)
