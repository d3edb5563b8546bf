"""Uploads straight to S3, in parts, for large files and unsteady connections: the same flow as
the upload page's (gallery/direct_uploads.py). Only where files are stored in S3."""
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from gallery.batch_options import batch_options
from gallery.direct_uploads import (
    PART_SIZE,
    DirectUploadRefused,
    direct_upload_abort,
    direct_upload_complete,
    direct_upload_part_url,
    direct_upload_parts,
    direct_upload_start,
    direct_uploads_enabled,
)
from gallery.models import DirectUpload

from ..errors import ApiError
from ..serializers import DirectUploadSerializer
from .base import ApiViewSet

PART_SCHEMA = {"PartNumber": serializers.IntegerField(), "ETag": serializers.CharField()}


class DirectUploadViewSet(ApiViewSet):
    """1. POST /uploads/ with the file's name and size; 2. for each part of PART_SIZE bytes, POST
    /uploads/{id}/parts/{n}/ for an address and PUT the bytes there, keeping the ETag S3 answers;
    3. POST /uploads/{id}/complete/ with the parts; 4. GET /uploads/{id}/ until its state is
    "done" (``photo`` is then its id) or "rejected" (``message`` says why)."""

    serializer_class = DirectUploadSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not direct_uploads_enabled():
            raise Http404("Files are not stored in S3 here: upload with POST /api/v1/photos/.")

    def get_queryset(self):
        return DirectUpload.objects.filter(owner=self.request.user)

    def handle_exception(self, exc):
        if isinstance(exc, DirectUploadRefused):
            exc = ApiError(str(exc), code="refused")
        return super().handle_exception(exc)

    @extend_schema(
        request=inline_serializer("DirectUploadStart", {
            "filename": serializers.CharField(), "size": serializers.IntegerField(help_text="Bytes."),
            **{name: serializers.CharField(required=False) for name in ("album", "tags")}}),
        responses={201: inline_serializer("DirectUploadStarted", {
            "id": serializers.IntegerField(), "state": serializers.CharField(),
            "part_size": serializers.IntegerField(), "parts": serializers.IntegerField()})},
        summary="Start an upload to S3",
    )
    def create(self, request):
        try:
            size = int(request.data.get("size"))
        except (TypeError, ValueError):
            raise ApiError("Say the file's size in bytes.", code="invalid") from None
        options = {name: str(request.data.get(name, ""))[:500] for name in batch_options if request.data.get(name)}
        upload = direct_upload_start(owner=request.user, filename=str(request.data.get("filename", ""))[:1000],
                                     size=size, options=options)
        return Response({**self.get_serializer(upload).data, "part_size": PART_SIZE,
                         "parts": -(-size // PART_SIZE)}, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Where an upload stands")
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=None, summary="The address to PUT one part to (valid 10 minutes)",
                   responses=inline_serializer("PartAddress", {"url": serializers.URLField()}))
    @action(detail=True, methods=["post"], url_path="parts/<int:number>")
    def part(self, request, pk=None, number=None):
        return Response({"url": direct_upload_part_url(self.get_object(), int(number))})

    @extend_schema(summary="The parts S3 has (to resume after an interruption)",
                   responses=inline_serializer("UploadedParts", {"parts": inline_serializer("UploadedPart", {
                       **PART_SCHEMA, "Size": serializers.IntegerField()}, many=True)}))
    @action(detail=True, url_path="parts")
    def parts(self, request, pk=None):
        return Response({"parts": direct_upload_parts(self.get_object())})

    @extend_schema(request=inline_serializer("DirectUploadParts", {
                       "parts": inline_serializer("DonePart", PART_SCHEMA, many=True)}),
                   summary="Join the parts; the photo is checked and stored in the background")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        parts_done = request.data.get("parts")
        if not isinstance(parts_done, list) or not parts_done:
            raise ApiError("List the parts uploaded, each with its PartNumber and ETag.", code="invalid")
        return Response(self.get_serializer(direct_upload_complete(self.get_object(), parts_done)).data)

    @extend_schema(responses={204: None}, summary="Give up an upload; its parts are deleted")
    def destroy(self, request, pk=None):
        direct_upload_abort(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
