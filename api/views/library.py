"""What the library adds up to: tags, people, places, statistics, and the caller's account."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from analysis import stats
from analysis.models import Face, Person, Tag
from analysis.people import person_rename, person_set_hidden
from analysis.selectors import places_of
from gallery.files import stored_file_response
from gallery.models import Library

from ..errors import ApiError
from ..serializers import CountrySerializer, MeSerializer, PersonSerializer, TagCountSerializer
from .base import ApiView, ApiViewSet
from .photos import DOWNLOAD_RESPONSES


class TagList(ApiView):
    @extend_schema(responses=TagCountSerializer(many=True), summary="Every tag on your photos, most used first")
    def get(self, request):
        return Response(TagCountSerializer(Tag.objects.used_by(request.user), many=True).data)


class PersonViewSet(ApiViewSet):
    """People found in the caller's photos (none while face recognition is off)."""

    serializer_class = PersonSerializer

    def get_queryset(self):
        people = Person.objects.of(self.request.user).with_photos()
        if self.action == "list" and self.request.query_params.get("hidden") != "1":
            people = people.filter(hidden=False)
        return people.defer("centroid")

    @extend_schema(parameters=[OpenApiParameter("hidden", int, enum=[0, 1], description="1 lists hidden people too.")],
                   summary="People in your photos")
    def list(self, request):
        return self.get_paginated_response(self.get_serializer(self.paginate_queryset(self.get_queryset()), many=True).data)

    @extend_schema(summary="One person")
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=PersonSerializer, responses=PersonSerializer,
                   summary="Name or hide a person (a name someone else has merges the two)")
    def partial_update(self, request, pk=None):
        person = self.get_object()
        changes = self.get_serializer(person, data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        if "hidden" in changes.validated_data:
            person_set_hidden(person=person, hidden=changes.validated_data["hidden"])
        if "name" in changes.validated_data:
            person = person_rename(person=person, name=changes.validated_data["name"])
        return Response(self.get_serializer(self.get_queryset().get(pk=person.pk)).data)


    @extend_schema(responses=DOWNLOAD_RESPONSES, summary="The person's sharpest face, a small JPEG")
    @action(detail=True)
    def face(self, request, pk=None):
        face = Face.objects.filter(pk=self.get_object().cover_face_id).exclude(crop="").first()
        if face is None:
            raise ApiError("This person has no face picture.", status_code=404, code="not_found")
        return stored_file_response(face.crop, content_type="image/jpeg")


class PlaceList(ApiView):
    @extend_schema(responses=CountrySerializer(many=True),
                   summary="Countries and cities of your photos, most photographed first")
    def get(self, request):
        return Response(CountrySerializer(places_of(request.user), many=True).data)


class Statistics(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("range", str, enum=list(stats.RANGES), default=stats.DEFAULT_RANGE)],
        responses={200: {"type": "object", "additionalProperties": {
            "type": "object", "properties": {"labels": {"type": "array", "items": {"type": "string"}},
                                             "values": {"type": "array", "items": {"type": "number"}},
                                             "unit": {"type": "string"}}}}},
        summary="The statistics page's figures, chart by chart",
    )
    def get(self, request):
        range_key = request.query_params.get("range", stats.DEFAULT_RANGE)
        if range_key not in stats.RANGES:
            raise serializers.ValidationError({"range": [f"One of: {', '.join(stats.RANGES)}."]})
        return Response(stats.user_statistics(request.user, range_key))


class Me(ApiView):
    @extend_schema(responses=MeSerializer, summary="Your account, storage used and quota")
    def get(self, request):
        user, library = request.user, Library.of(request.user.pk)
        return Response(MeSerializer({
            "username": user.username, "email": user.email, "tier": user.tier,
            "face_recognition": user.face_recognition, "photos": library.photos, "in_trash": library.trashed,
            "storage_used": library.bytes, "storage_quota": user.quota_bytes,
        }).data)
