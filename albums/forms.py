from django import forms
from django.utils import timezone

from .models import Album, Watermark


class AlbumForm(forms.ModelForm):
    class Meta:
        model = Album
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AlbumDeleteForm(forms.Form):
    photos = forms.ChoiceField(
        choices=[
            ("keep", "Keep the photos in my library"),
            ("delete", "Move the photos to the trash too"),
        ],
        initial="keep",
        widget=forms.RadioSelect,
        label="What happens to the photos in this album?",
    )


class PhotoIdsField(forms.Field):
    """The ids of the ticked photos (checkboxes named ``photos``). Ownership is checked by the
    services, which ignore ids that are not the user's."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return [int(pk) for pk in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError("The selection is not valid.") from None

    def validate(self, value):
        if not value:
            raise forms.ValidationError("Select at least one photo.")


class PhotoSelectionForm(forms.Form):
    """What the selection toolbar posts: an action on some photos, maybe between albums."""

    ACTIONS = [
        ("add", "Add to album"),
        ("move", "Move to album"),
        ("remove", "Remove from this album"),
        ("cover", "Use as album cover"),
        ("trash", "Move to trash"),
    ]

    action = forms.ChoiceField(choices=ACTIONS)
    photos = PhotoIdsField()
    target = forms.ModelChoiceField(queryset=Album.objects.none(), required=False)
    source = forms.ModelChoiceField(queryset=Album.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        albums = Album.objects.owned_by(user)
        self.fields["target"].queryset = albums
        self.fields["source"].queryset = albums

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in ("add", "move") and not data.get("target"):
            self.add_error("target", "Choose the album.")
        if action in ("move", "remove", "cover") and not data.get("source"):
            self.add_error("source", "This works from an album's page.")
        if action == "move" and data.get("source") and data.get("source") == data.get("target"):
            self.add_error("target", "Choose another album to move the photos to.")
        return data


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
    watermark = forms.BooleanField(
        required=False, label="Watermark previews and downloads",
        help_text="Downloaded originals are then full-size JPEGs with your watermark (and no location).",
    )

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day and day < timezone.localdate():
            raise forms.ValidationError("Choose today or a day in the future.")
        return day


def batch_album_field(user) -> forms.ModelChoiceField:
    """The upload page's "Add to album" choice, among the user's own albums."""
    return forms.ModelChoiceField(
        queryset=user.albums.to_choose_from(), required=False, empty_label="No album", label="Add to album"
    )


class WatermarkForm(forms.ModelForm):
    logo_file = forms.FileField(  # checked like a photo (bounded) by watermark_save
        required=False, label="Logo",
        help_text="Optional: a small PNG with a transparent background looks best (at most 2 MB).",
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")

    class Meta:
        model = Watermark
        fields = ["text", "position", "size", "opacity"]
        widgets = {"size": forms.NumberInput(attrs={"min": 5, "max": 60}),
                   "opacity": forms.NumberInput(attrs={"min": 10, "max": 100, "step": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.logo:
            del self.fields["remove_logo"]

    def clean(self):
        data = super().clean()
        keeps_logo = self.instance.logo and not data.get("remove_logo")
        if not data.get("text") and not data.get("logo_file") and not keeps_logo:
            raise forms.ValidationError("Type a text, add a logo, or both.")
        return data
