"""Share links: make, list, revoke."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from albums import services
from albums.models import Album, ShareLink
from gallery.models import Photo

from ..errors import ApiError
from ..serializers import ShareLinkCreateSerializer, ShareLinkSerializer
from .base import ApiViewSet


class ShareLinkViewSet(ApiViewSet):
    serializer_class = ShareLinkSerializer

    def get_queryset(self):
        return ShareLink.objects.owned_by(self.request.user).select_related("owner")

    @extend_schema(summary="Your share links, newest first (revoked and expired ones too)")
    def list(self, request):
        return self.get_paginated_response(self.get_serializer(self.paginate_queryset(self.get_queryset()), many=True).data)

    @extend_schema(summary="One share link")
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=ShareLinkCreateSerializer, responses={201: ShareLinkSerializer},
                   summary="Make a link to one of your photos or albums")
    def create(self, request):
        wish = ShareLinkCreateSerializer(data=request.data)
        wish.is_valid(raise_exception=True)
        options = dict(wish.validated_data)
        if "album" in options:
            options["album"] = get_object_or_404(Album.objects.owned_by(request.user), pk=options["album"])
        else:
            options["photo"] = get_object_or_404(Photo.objects.visible_to(request.user), pk=options["photo"])
        try:
            link = services.share_link_create(owner=request.user, **options)
        except services.NoWatermarkYet:
            raise ApiError("Set up your watermark first (Shared → Watermark on the site), then make the link.",
                           status_code=409, code="no_watermark") from None
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="Revoke a share link: it shows nothing any more")
    def destroy(self, request, pk=None):
        link = self.get_object()
        if link.revoked_at is None:
            services.share_link_revoke(link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)
