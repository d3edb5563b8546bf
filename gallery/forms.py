from django import forms
from django.utils import timezone

from analysis.services import parse_tag_list

from .imaging import ACCEPTED_FORMATS_TEXT
from .models import Photo


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadForm(forms.Form):
    """The batch's options. The files themselves are read from request.FILES one by one so that
    each gets its own result instead of one failing the whole form."""

    files = forms.Field(
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,image/bmp,image/heic,image/heif,.heic,.heif"}
        ),
        help_text=ACCEPTED_FORMATS_TEXT,
    )
    tags = forms.CharField(
        required=False,
        max_length=500,
        help_text="Optional, comma-separated: they are added to every photo in this batch.",
        widget=forms.TextInput(attrs={"placeholder": "holiday, beach, family"}),
    )

    album = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No album", label="Add to album"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["album"].queryset = user.albums.only("id", "title")

    def clean_tags(self):
        return parse_tag_list(self.cleaned_data["tags"])


class PhotoEditForm(forms.ModelForm):
    class Meta:
        model = Photo
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ShareLinkForm(forms.Form):
    expires_on = forms.DateField(
        required=False,
        label="Expires after",
        help_text="Optional: the link stops working after this day.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    include_location = forms.BooleanField(
        required=False, label="Include location (GPS) in downloaded originals"
    )

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day and day < timezone.localdate():
            raise forms.ValidationError("Choose today or a day in the future.")
        return day


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    tag = forms.CharField(required=False, max_length=500, label="Tags", help_text="All must match, comma-separated.")
    album = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any album")
    taken_from = forms.DateField(required=False, label="Taken from", widget=forms.DateInput(attrs={"type": "date"}))
    taken_to = forms.DateField(required=False, label="to", widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(
        required=False,
        label="Tagged by",
        choices=[("", "Anyone"), ("manual", "You"), ("local", "Local model"), ("rekognition", "Rekognition")],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["album"].queryset = user.albums.only("id", "title")
        self.user = user

    def clean_tag(self):
        return parse_tag_list(self.cleaned_data["tag"])

    def clean(self):
        data = super().clean()
        if data.get("taken_from") and data.get("taken_to") and data["taken_from"] > data["taken_to"]:
            self.add_error("taken_to", "The end of the range is before its start.")
        return data

    def has_criteria(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())

    def results(self):
        """The user's photos outside the trash that match every criterion given."""
        data = self.cleaned_data
        photos = Photo.objects.visible_to(self.user)
        for term in data["q"].split():
            photos = photos.matching_term(term)
        for name in data["tag"]:
            photos = photos.tagged(name, source=data["source"])
        if data["source"] and not data["tag"]:
            photos = photos.with_tags_from(data["source"])
        if data["album"]:
            photos = photos.filter(album_photos__album=data["album"])
        if data["taken_from"]:
            photos = photos.filter(sort_at__date__gte=data["taken_from"])
        if data["taken_to"]:
            photos = photos.filter(sort_at__date__lte=data["taken_to"])
        return photos.newest_first()
