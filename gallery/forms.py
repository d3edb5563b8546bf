from django import forms

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
