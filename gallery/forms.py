from django import forms

from .batch_options import batch_options
from .imaging import ACCEPTED_FORMATS_TEXT, plausible_capture_date
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for option in batch_options.values():  # tags, an album: see gallery/batch_options.py
            self.fields[option.name] = option.field(user)


class CaptureDateField(forms.DateTimeField):
    """When the photo was taken, to the minute, as a browser's date-and-time picker sends it."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def clean(self, value):
        moment = super().clean(value)
        if moment is not None and plausible_capture_date(moment) is None:
            raise forms.ValidationError("Photographs exist from 1826 until today: check the date.")
        return moment


class PhotoEditForm(forms.ModelForm):
    taken_at = CaptureDateField(
        required=False, label="Taken", help_text="Correct it for scans and cameras with a wrong clock; "
        "empty puts the photo at its upload date.",
    )

    class Meta:
        model = Photo
        fields = ["title", "description", "taken_at", "author", "credit", "copyright"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"author": "Who took it.", "credit": "How to credit it when it is published.",
                      "copyright": "For example “© 2026 Ana Ruiz” or “CC BY 4.0”."}
