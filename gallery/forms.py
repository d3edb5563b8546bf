from django import forms

from .batch_options import batch_options
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for option in batch_options.values():  # tags, an album: see gallery/batch_options.py
            self.fields[option.name] = option.field(user)


class PhotoEditForm(forms.ModelForm):
    class Meta:
        model = Photo
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
