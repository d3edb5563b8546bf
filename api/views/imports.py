"""Imports of whole libraries from S3: started by staff, followed by staff and by the person whose
library they fill."""
from botocore.exceptions import BotoCoreError, ClientError
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from analysis.services import parse_tag_list
from imports.models import ImportRun
from imports.services import EDITED_CHOICES, import_in_background, refusals_by_reason
from imports.sources import SourceError

from ..errors import ApiError
from .base import ApiViewSet


class ImportRunSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username")
    files = serializers.SerializerMethodField()
    refusals = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        fields = ["id", "owner", "source", "state", "message", "created_at", "finished_at", "files", "refusals"]

    def get_files(self, run) -> dict[str, int]:
        """How many files wait, were imported, were already there, refused, left out; and bytes imported."""
        return run.counts()

    def get_refusals(self, run) -> list[dict]:
        return [{"reason": reason, "count": count} for reason, count in refusals_by_reason(run)]


class ImportStartSerializer(serializers.Serializer):
    user = serializers.CharField(help_text="The username whose library the photos join.")
    source = serializers.RegexField(r"^s3://", help_text="s3://bucket/prefix/",
                                    error_messages={"invalid": "Give an S3 prefix, s3://bucket/prefix/."})
    album = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    tags = serializers.CharField(required=False, default="", allow_blank=True)
    edited = serializers.ChoiceField(choices=list(EDITED_CHOICES), default="both")


class ImportRunViewSet(ApiViewSet):
    """Staff see every import; anyone else the imports into their own library."""

    serializer_class = ImportRunSerializer

    def get_queryset(self):
        runs = ImportRun.objects.select_related("owner")
        return runs if self.request.user.is_staff else runs.filter(owner=self.request.user)

    @extend_schema(summary="Imports, newest first")
    def list(self, request):
        return self.get_paginated_response(self.get_serializer(self.paginate_queryset(self.get_queryset()), many=True).data)

    @extend_schema(summary="One import: where it stands, and why files were refused")
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=ImportStartSerializer, responses={201: ImportRunSerializer},
                   summary="Staff: import an S3 prefix into a user's library (a task does it)")
    def create(self, request):
        if not request.user.is_staff:
            raise exceptions.PermissionDenied("Only staff start imports.")
        wish = ImportStartSerializer(data=request.data)
        wish.is_valid(raise_exception=True)
        data = wish.validated_data
        owner = get_user_model().objects.filter(username=data["user"]).first()
        if owner is None:
            raise serializers.ValidationError({"user": [f"No user named {data['user']!r}."]})
        try:
            run = import_in_background(owner=owner, source=data["source"], started_by=request.user, album=data["album"],
                                       tags=parse_tag_list(data["tags"]), edited=data["edited"])
        except SourceError as exc:
            raise ApiError(str(exc), code="invalid") from None
        except (BotoCoreError, ClientError) as exc:
            raise ApiError(f"S3 refused to list {data['source']}: {exc}", code="invalid") from None
        return Response(self.get_serializer(run).data, status=status.HTTP_201_CREATED)
