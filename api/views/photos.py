"""Photos: list and search, one photo, upload, edit, trash, downloads."""
from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from analysis.forms import SearchForm
from analysis.models import Face, Person, PhotoTag
from analysis.selectors import photos_with_person
from analysis.services import distinct_tag_names, photos_change_keywords
from gallery import services
from gallery.batch_options import apply_batch_options
from gallery.files import stored_file_response
from gallery.forms import UploadForm
from gallery.models import Photo
from pictura.tasks import queueing_paused

from ..errors import ApiError
from ..pagination import LastTrashedFirst, NewestPhotosFirst
from ..serializers import PhotoDetailSerializer, PhotoSerializer, PhotoUpdateSerializer, UploadSerializer
from .base import ApiViewSet

SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Words, or author:, camera:, keyword:, tag:, year: terms, as in the "
                                           "site's search box."),
    OpenApiParameter("tag", str, description="Comma-separated tags; photos with all of them."),
    OpenApiParameter("source", str, enum=[s.value for s in PhotoTag.Source],
                     description="Only tags from this source (with tag), or photos with any tag from it."),
    OpenApiParameter("people", int, many=True, explode=True, description="Ids of people; photos with all of them."),
    OpenApiParameter("album", int, description="Only photos in this album."),
    OpenApiParameter("author", str), OpenApiParameter("camera", str, description="Make or model."),
    OpenApiParameter("taken_from", OpenApiTypes.DATE), OpenApiParameter("taken_to", OpenApiTypes.DATE),
]
DOWNLOAD_RESPONSES = {
    (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file (local storage)."),
    302: OpenApiResponse(description="A short-lived address of the file in S3 or CloudFront."),
}


def matching_photos(request):
    """The caller's photos outside the trash that match the search parameters (all of them
    without any), or a 400 that names what is wrong."""
    query = request.query_params.copy()
    people_ids = query.pop("people", [])
    form = SearchForm(query, user=request.user)
    form.fields.pop("people", None)  # by id here, any person of the caller's, named or not
    if not form.is_valid():
        raise serializers.ValidationError(form.errors)
    photos = form.results() if any(form.cleaned_data.values()) else Photo.objects.visible_to(request.user)
    for person_id in people_ids:
        if not person_id.isdigit():
            raise serializers.ValidationError({"people": ["Give people by their id."]})
        photos = photos_with_person(photos, get_object_or_404(Person.objects.of(request.user), pk=person_id))
    return photos


class PhotoViewSet(ApiViewSet):
    """The caller's photos outside the trash; the trash is ``/trash/``."""

    pagination_class = NewestPhotosFirst
    serializer_class = PhotoSerializer

    def get_queryset(self):
        photos = Photo.objects.visible_to(self.request.user)
        if self.action == "retrieve":
            photos = photos.select_related("place", "analysis").prefetch_related(
                Prefetch("photo_tags", PhotoTag.objects.select_related("tag")),
                Prefetch("faces", Face.objects.select_related("person").only(
                    "id", "photo_id", "left", "top", "width", "height", "confidence", "person__id", "person__name")),
                "albums",
            )
        return photos

    @extend_schema(parameters=SEARCH_PARAMETERS, summary="List or search photos, newest first")
    def list(self, request):
        page = self.paginate_queryset(matching_photos(request))
        return self.get_paginated_response(PhotoSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(responses=PhotoDetailSerializer, summary="One photo, with tags, faces, place and albums")
    def retrieve(self, request, pk=None):
        return Response(PhotoDetailSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: PhotoDetailSerializer, 409: OpenApiResponse(description="Uploaded before: `photo` is its id."),
                   413: OpenApiResponse(description="Larger than the upload limit."),
                   422: OpenApiResponse(description="Not a photo Pictura can take; the message says why.")},
        summary="Upload a photo",
    )
    def create(self, request):
        incoming = UploadSerializer(data=request.data)
        oversized = getattr(request._request, "oversized_uploads", [])
        if oversized:
            raise ApiError(f"The file is larger than the {settings.PICTURA_MAX_UPLOAD_MB} MB limit.",
                           status_code=413, code="too_large")
        incoming.is_valid(raise_exception=True)
        options = UploadForm(request.data, user=request.user)
        if not options.is_valid():
            raise serializers.ValidationError(options.errors)
        try:
            photo = services.photo_ingest(owner=request.user, upload=incoming.validated_data["file"])
        except services.PhotoRejected as exc:
            raise ApiError(str(exc), status_code=422, code="rejected") from None
        except services.DuplicatePhoto as exc:
            apply_batch_options(owner=request.user, values=options.cleaned_data, uploaded=[], duplicates=[exc.existing])
            raise ApiError(str(exc), status_code=409, code="duplicate", photo=exc.existing.pk,
                           in_trash=exc.existing.in_trash) from None
        apply_batch_options(owner=request.user, values=options.cleaned_data, uploaded=[photo], duplicates=[])
        data = PhotoDetailSerializer(self.get_queryset().get(pk=photo.pk), context={"request": request}).data
        headers = {"Location": request.build_absolute_uri(reverse("api:photo-detail", args=[photo.pk]))}
        if queueing_paused():
            headers["Pictura-Processing"] = "delayed"
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(request=PhotoUpdateSerializer, responses=PhotoDetailSerializer, summary="Correct a photo's details")
    def partial_update(self, request, pk=None):
        photo = self.get_object()
        changes = PhotoUpdateSerializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        details = dict(changes.validated_data)
        keywords = details.pop("keywords", None)
        if details:
            services.photos_update_details(owner=request.user, photo_ids=[photo.pk], details=details)
        if keywords is not None:
            photos_change_keywords(owner=request.user, photo_ids=[photo.pk], change="set" if keywords else "clear",
                                   names=distinct_tag_names(keywords))
        return self.retrieve(request, pk=pk)

    @extend_schema(responses={204: None}, summary="Move a photo to the trash")
    def destroy(self, request, pk=None):
        services.photos_move_to_trash(owner=request.user, photo_ids=[self.get_object().pk])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=DOWNLOAD_RESPONSES, summary="Download the original")
    @action(detail=True, url_path="original")
    def original(self, request, pk=None):
        photo = self.get_object()
        return stored_file_response(photo.original, download_name=photo.original_filename,
                                    content_type=photo.content_type)

    @extend_schema(responses=DOWNLOAD_RESPONSES, summary="Download the preview (JPEG, 2048 px)")
    @action(detail=True, url_path="preview")
    def preview(self, request, pk=None):
        return self._rendition(self.get_object().preview)

    @extend_schema(responses=DOWNLOAD_RESPONSES, summary="Download the thumbnail (JPEG)")
    @action(detail=True, url_path="thumbnail")
    def thumbnail(self, request, pk=None):
        return self._rendition(self.get_object().thumbnail)

    def _rendition(self, stored):
        if not stored:
            raise ApiError("This rendition is not ready yet; try again in a moment.", status_code=404,
                           code="not_ready")
        return stored_file_response(stored, content_type="image/jpeg")


class TrashViewSet(ApiViewSet):
    """Photos in the caller's trash, deleted for good PICTURA_TRASH_DAYS after they went in."""

    serializer_class = PhotoSerializer
    pagination_class = LastTrashedFirst

    def get_queryset(self):
        return Photo.objects.in_trash_of(self.request.user)

    @extend_schema(summary="List the trash, last trashed first")
    def list(self, request):
        return self.get_paginated_response(self.get_serializer(self.paginate_queryset(self.get_queryset()), many=True).data)

    @extend_schema(request=None, responses=PhotoSerializer, summary="Restore a photo from the trash")
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        photo = self.get_object()
        photo.restore()
        return Response(self.get_serializer(photo).data)

    @extend_schema(responses={204: None, 503: OpenApiResponse(description="Storage unavailable; nothing deleted.")},
                   summary="Delete a photo in the trash for good")
    def destroy(self, request, pk=None):
        try:
            services.photo_delete(photo=self.get_object())
        except services.StorageUnavailable:
            raise ApiError("Storage is unavailable, so nothing was deleted. Try again.", status_code=503,
                           code="storage_unavailable") from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, summary="Empty the trash",
                   responses=inline_serializer("EmptiedTrash", {"deleted": serializers.IntegerField(),
                                                                "failed": serializers.IntegerField()}))
    @action(detail=False, methods=["post"])
    def empty(self, request):
        deleted, _, failures = services.photos_delete_for_good(self.get_queryset())
        return Response({"deleted": deleted, "failed": failures})
