"""What the API says about each resource, and what it accepts."""
from functools import cached_property

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from albums.models import Album, ShareLink
from analysis.models import Face, Person, PhotoTag
from gallery.imaging import plausible_capture_date
from gallery.models import Photo


def _absolute(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


class PhotoSerializer(serializers.ModelSerializer):
    """A photo as lists show it."""

    filename = serializers.CharField(source="original_filename", read_only=True)
    format = serializers.CharField(source="image_format", read_only=True)
    size = serializers.IntegerField(source="file_size", read_only=True)
    renditions = serializers.ChoiceField(source="renditions_state", choices=Photo.Renditions.choices, read_only=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "title", "filename", "format", "size", "width", "height", "taken_at", "uploaded_at",
                  "sort_at", "renditions", "files"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "properties": {
        name: {"type": "string", "format": "uri", "nullable": name != "original"}
        for name in ("original", "preview", "thumbnail")}})
    def get_files(self, photo) -> dict:
        """Where to download it: the original, and the renditions once they are made."""
        address = f"{self._photos_address}{photo.pk}/"
        ready = photo.renditions_state == Photo.Renditions.READY
        return {
            "original": f"{address}original/",
            "preview": f"{address}preview/" if ready else None,
            "thumbnail": f"{address}thumbnail/" if ready else None,
        }

    @cached_property
    def _photos_address(self) -> str:
        # Once per list, not three reverse() per photo: a page of 100 spent 40 % of its time there.
        return _absolute(self.context["request"], "api:photo-list")


class PhotoTagSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="tag.name")

    class Meta:
        model = PhotoTag
        fields = ["name", "source", "confidence"]


class PersonRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name"]


class FaceSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer(allow_null=True)
    box = serializers.SerializerMethodField()

    class Meta:
        model = Face
        fields = ["id", "person", "box", "confidence"]

    @extend_schema_field({"type": "object", "description": "Fractions (0–1) of the photo as displayed.",
                          "properties": {k: {"type": "number"} for k in ("left", "top", "width", "height")}})
    def get_box(self, face) -> dict:
        return {"left": face.left, "top": face.top, "width": face.width, "height": face.height}


class PhotoDetailSerializer(PhotoSerializer):
    """One photo with everything known about it."""

    camera = serializers.CharField(read_only=True)
    location = serializers.SerializerMethodField()
    place = serializers.SerializerMethodField()
    analysis = serializers.SerializerMethodField()
    tags = PhotoTagSerializer(source="photo_tags", many=True, read_only=True)
    faces = FaceSerializer(many=True, read_only=True)
    albums = serializers.SerializerMethodField()
    in_trash = serializers.BooleanField(read_only=True)

    class Meta(PhotoSerializer.Meta):
        fields = [*PhotoSerializer.Meta.fields, "description", "author", "credit", "copyright", "camera",
                  "camera_make", "camera_model", "lens", "exposure_time", "f_number", "iso", "focal_length",
                  "location", "place", "analysis", "tags", "faces", "albums", "in_trash"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True,
                          "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}}})
    def get_location(self, photo):
        return {"latitude": photo.latitude, "longitude": photo.longitude} if photo.has_location else None

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        k: {"type": "string"} for k in ("country_code", "country", "region", "city")}})
    def get_place(self, photo):
        place = getattr(photo, "place", None)
        if place is None:
            return None
        return {"country_code": place.country_code, "country": place.country, "region": place.region,
                "city": place.city}

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "state": {"type": "string", "enum": ["pending", "running", "done", "failed"]},
        "people_count": {"type": "integer", "nullable": True}}})
    def get_analysis(self, photo):
        analysis = getattr(photo, "analysis", None)
        if analysis is None:
            return None
        return {"state": analysis.state, "people_count": analysis.people_count}

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}}}})
    def get_albums(self, photo):
        return [{"id": album.pk, "title": album.title} for album in photo.albums.all()]


class PhotoUpdateSerializer(serializers.ModelSerializer):
    """What the owner may correct. ``keywords`` replaces the photo's keywords (the tags the
    owner typed or the file carried); tags the models found stay."""

    keywords = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=200)

    class Meta:
        model = Photo
        fields = ["title", "description", "author", "credit", "copyright", "taken_at", "keywords"]
        extra_kwargs = {name: {"required": False} for name in fields}

    def validate_taken_at(self, value):
        if value is not None and plausible_capture_date(value) is None:
            raise serializers.ValidationError("Photographs exist from 1826 until today: check the date.")
        return value


class UploadSerializer(serializers.Serializer):
    """One file; ``album`` and ``tags`` are the upload page's batch options."""

    file = serializers.FileField(help_text=f"A JPEG, PNG, GIF, WebP, BMP or HEIC file, up to "
                                           f"{settings.PICTURA_MAX_UPLOAD_MB} MB.")
    album = serializers.IntegerField(required=False, help_text="Add the photo to this album of yours.")
    tags = serializers.CharField(required=False, help_text="Comma-separated tags to add.")


class PhotoIdsSerializer(serializers.Serializer):
    photos = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000)


class MovePhotosSerializer(PhotoIdsSerializer):
    target = serializers.IntegerField(help_text="The album to move them to.")


class AlbumSerializer(serializers.ModelSerializer):
    cover = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Album
        fields = ["id", "title", "description", "photo_count", "cover", "created_at", "updated_at", "photos"]
        read_only_fields = ["id", "photo_count", "created_at", "updated_at"]

    @extend_schema_field({"type": "integer", "nullable": True,
                          "description": "The cover photo's id: the chosen one, else the newest."})
    def get_cover(self, album):
        cover = album.cover_photo
        return cover.pk if cover else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_photos(self, album) -> str:
        return _absolute(self.context["request"], "api:album-photos", album.pk)


class AlbumWriteSerializer(serializers.ModelSerializer):
    cover = serializers.IntegerField(required=False, help_text="One of the album's photos.")

    class Meta:
        model = Album
        fields = ["title", "description", "cover"]


class TagCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField(source="photo_count", help_text="Photos outside the trash with this tag.")


class PersonSerializer(serializers.ModelSerializer):
    photo_count = serializers.IntegerField(read_only=True)
    photos = serializers.SerializerMethodField()
    face = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "name", "hidden", "photo_count", "photos", "face"]
        read_only_fields = ["id", "photo_count"]
        extra_kwargs = {"name": {"required": False}, "hidden": {"required": False}}

    @extend_schema_field(OpenApiTypes.URI)
    def get_photos(self, person) -> str:
        return f"{_absolute(self.context['request'], 'api:photo-list')}?people={person.pk}"

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_face(self, person):
        """A picture of their sharpest face."""
        if getattr(person, "cover_face_id", None) is None:
            return None
        return _absolute(self.context["request"], "api:person-face", person.pk)


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()
    cover = serializers.IntegerField(source="cover.pk", allow_null=True, help_text="The newest photo's id.")
    tag = serializers.CharField(help_text="Search for this tag to list the photos.")


class CountrySerializer(PlaceSerializer):
    cities = PlaceSerializer(many=True)


class ShareLinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True)
    expires_on = serializers.DateField(source="last_day", read_only=True, allow_null=True)

    class Meta:
        model = ShareLink
        fields = ["id", "url", "photo", "album", "status", "expires_on", "include_location", "watermark",
                  "view_count", "last_viewed_at", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, link) -> str:
        return self.context["request"].build_absolute_uri(link.get_absolute_url())


class ShareLinkCreateSerializer(serializers.Serializer):
    photo = serializers.IntegerField(required=False, help_text="Share one photo …")
    album = serializers.IntegerField(required=False, help_text="… or one album.")
    expires_on = serializers.DateField(required=False, allow_null=True, help_text="The last day the link works.")
    include_location = serializers.BooleanField(default=False, help_text="Leave GPS data in downloaded originals.")
    watermark = serializers.BooleanField(default=False, help_text="Mark its pictures with your watermark.")

    def validate_expires_on(self, day):
        if day and day < timezone.localdate():
            raise serializers.ValidationError("Choose today or a day in the future.")
        return day

    def validate(self, data):
        if ("photo" in data) == ("album" in data):
            raise serializers.ValidationError("Give either a photo or an album.")
        return data


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField()
    tier = serializers.CharField()
    face_recognition = serializers.BooleanField()
    photos = serializers.IntegerField(help_text="Outside the trash.")
    in_trash = serializers.IntegerField()
    storage_used = serializers.IntegerField(help_text="Bytes of originals, the trash included.")
    storage_quota = serializers.IntegerField(allow_null=True, help_text="Bytes; null for no limit.")


class DirectUploadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    state = serializers.CharField()
    message = serializers.CharField()
    photo = serializers.IntegerField(source="photo_id", allow_null=True)
