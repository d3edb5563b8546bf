from django import forms

from gallery.models import Photo

from . import selectors
from .services import parse_tag_list


class TagListField(forms.CharField):
    """Comma-separated tags as a person types them; cleaned to distinct normalised names."""

    def __init__(self, **kwargs):
        super().__init__(**{"required": False, "max_length": 500, **kwargs})

    def clean(self, value):
        return parse_tag_list(super().clean(value))


def batch_tags_field(user) -> TagListField:
    return TagListField(
        help_text="Optional, comma-separated: they are added to every photo in this batch.",
        widget=forms.TextInput(attrs={"placeholder": "holiday, beach, family"}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    tag = TagListField(label="Tags", help_text="All must match, comma-separated.")
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
            photos = selectors.photos_matching_term(photos, term)
        for name in data["tag"]:
            photos = selectors.photos_tagged(photos, name, source=data["source"])
        if data["source"] and not data["tag"]:
            photos = selectors.photos_with_tags_from(photos, data["source"])
        if data["album"]:
            photos = photos.filter(album_photos__album=data["album"])
        if data["taken_from"]:
            photos = photos.filter(sort_at__date__gte=data["taken_from"])
        if data["taken_to"]:
            photos = photos.filter(sort_at__date__lte=data["taken_to"])
        return photos.newest_first()
