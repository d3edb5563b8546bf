"""Albums: make, change, delete; add, remove and move photos; download as ZIP."""
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from albums import services
from albums.models import Album

from ..errors import ApiError
from ..pagination import NewestPhotosFirst
from ..serializers import AlbumSerializer, AlbumWriteSerializer, MovePhotosSerializer, PhotoIdsSerializer, PhotoSerializer
from .base import ApiViewSet


def _counted(name: str, help_text: str):
    return inline_serializer(f"{name.title()}Photos", {name: serializers.IntegerField(help_text=help_text)})


class AlbumViewSet(ApiViewSet):
    serializer_class = AlbumSerializer

    def get_queryset(self):
        return Album.objects.owned_by(self.request.user).select_related("cover", "newest_photo")

    @extend_schema(summary="List albums, newest first")
    def list(self, request):
        return self.get_paginated_response(self.get_serializer(self.paginate_queryset(self.get_queryset()), many=True).data)

    @extend_schema(summary="One album")
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=AlbumWriteSerializer, responses={201: AlbumSerializer}, summary="Make an album")
    def create(self, request):
        data = self._valid(AlbumWriteSerializer(data=request.data))
        album = services.album_create(owner=request.user, title=data["title"], description=data.get("description", ""))
        return Response(self.get_serializer(album).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AlbumWriteSerializer, responses=AlbumSerializer,
                   summary="Change an album's title, description or cover")
    def partial_update(self, request, pk=None):
        album = self.get_object()
        data = self._valid(AlbumWriteSerializer(album, data=request.data, partial=True))
        if "title" in data or "description" in data:
            services.album_update(album=album, title=data.get("title", album.title),
                                  description=data.get("description", album.description))
        if "cover" in data and not services.album_set_cover(album=album, photo_id=data["cover"]):
            raise serializers.ValidationError({"cover": ["The cover must be one of the album's photos."]})
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        parameters=[OpenApiParameter("photos", str, enum=["keep", "trash"], default="keep",
                                     description="“trash” also moves the album's photos to the trash.")],
        responses={204: None}, summary="Delete an album",
    )
    def destroy(self, request, pk=None):
        choice = request.query_params.get("photos", "keep")
        if choice not in ("keep", "trash"):
            raise serializers.ValidationError({"photos": ["Say “keep” or “trash”."]})
        services.album_delete(album=self.get_object(), delete_photos=choice == "trash")
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["get"], responses=PhotoSerializer(many=True), summary="The album's photos, newest first")
    @extend_schema(methods=["post"], request=PhotoIdsSerializer, summary="Add photos to an album",
                   responses=_counted("added", "How many were not in the album before."))
    @action(detail=True, methods=["get", "post"], pagination_class=NewestPhotosFirst)
    def photos(self, request, pk=None):
        album = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(album.visible_photos())
            return self.get_paginated_response(PhotoSerializer(page, many=True, context={"request": request}).data)
        ids = self._valid(PhotoIdsSerializer(data=request.data))["photos"]
        return Response({"added": services.album_add_photos(album=album, photo_ids=ids)})

    @extend_schema(request=PhotoIdsSerializer, responses=_counted("removed", "How many were in the album."),
                   summary="Remove photos from an album (they stay in the library)")
    @action(detail=True, methods=["post"], url_path="photos/remove")
    def remove_photos(self, request, pk=None):
        album = self.get_object()
        ids = self._valid(PhotoIdsSerializer(data=request.data))["photos"]
        return Response({"removed": services.album_remove_photos(album=album, photo_ids=ids)})

    @extend_schema(request=MovePhotosSerializer, responses=_counted("moved", "How many were in this album."),
                   summary="Move photos from this album to another")
    @action(detail=True, methods=["post"], url_path="photos/move")
    def move_photos(self, request, pk=None):
        album = self.get_object()
        data = self._valid(MovePhotosSerializer(data=request.data))
        target = self.get_queryset().filter(pk=data["target"]).first()
        if target is None:
            raise ApiError("No such album to move the photos to.", status_code=404, code="not_found")
        return Response({"moved": services.album_move_photos(source=album, target=target, photo_ids=data["photos"])})

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)},
                   summary="Download the album's originals as a ZIP archive")
    @action(detail=True, url_path="zip")
    def download(self, request, pk=None):
        album = self.get_object()
        response = StreamingHttpResponse(
            services.zip_chunks(services.archive_entries(album.visible_photos())), content_type="application/zip"
        )
        response["Content-Disposition"] = content_disposition_header(True, f"{album.title}.zip")
        return response

    @staticmethod
    def _valid(serializer) -> dict:
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
