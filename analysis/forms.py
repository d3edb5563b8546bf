import shlex
from datetime import date, datetime, timedelta

from django import forms
from django.utils import timezone

from albums.forms import PhotoIdsField
from gallery.forms import CaptureDateField
from gallery.models import Photo
from pictura.choices import ListedChoiceField, ListedMultipleChoiceField

from . import selectors
from .models import Person
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


def start_of(day: date) -> datetime:
    """Midnight at the start of the day, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


# Words of the header search that name what they look for: author:ana, camera:"eos r6",
# keyword:tram, tag:dog, year:2024.
SEARCH_FIELDS = ("author", "camera", "keyword", "tag", "year")


def search_terms(text: str) -> list[tuple[str, str]]:
    """(field, words) of each term of a search: field "" for plain words. Quotes keep words
    together (author:"Ana Ruiz"); unbalanced quotes count as plain characters."""
    try:
        tokens = shlex.split(text)
    except ValueError:
        tokens = text.split()
    terms = []
    for token in tokens:
        field, colon, words = token.partition(":")
        if colon and field.lower() in SEARCH_FIELDS and words.strip():
            terms.append((field.lower(), words.strip()))
        elif token.strip():
            terms.append(("", token.strip()))
    return terms


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=200, label="Search",
        help_text="Words, or author:, camera:, keyword:, tag:, year: — e.g. author:\"Ana Ruiz\" year:2024",
    )
    tag = TagListField(label="Tags", help_text="All must match, comma-separated.")
    people = ListedMultipleChoiceField(
        queryset=None, required=False, label="People", help_text="Photos with all of them.",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    album = ListedChoiceField(queryset=None, required=False, empty_label="Any album")
    author = forms.CharField(required=False, max_length=200, label="Author")
    camera = forms.CharField(required=False, max_length=100, label="Camera", help_text="Make or model.")
    taken_from = forms.DateField(required=False, label="Taken from", widget=forms.DateInput(attrs={"type": "date"}))
    taken_to = forms.DateField(required=False, label="to", widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(
        required=False,
        label="Tagged by",
        choices=[("", "Anyone"), ("manual", "You"), ("local", "Local model"), ("rekognition", "Rekognition"),
                 ("place", "The place (GPS)"), ("file", "Keywords in the file")],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["album"].queryset = user.albums.to_choose_from()
        self.fields["people"].queryset = (
            Person.objects.of(user).filter(hidden=False).exclude(name="").order_by("name").to_choose_from()
        )
        if not self.fields["people"].queryset:  # read here once: the list the field then shows
            del self.fields["people"]  # nobody named yet: nothing to choose from
        self.user = user

    def clean_q(self):
        terms = search_terms(self.cleaned_data["q"])
        for field, words in terms:
            if field == "year" and not (words.isdigit() and 1826 <= int(words) <= timezone.localdate().year + 1):
                raise forms.ValidationError(f"year: takes a year such as {timezone.localdate().year}, not “{words}”.")
        return terms

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
        for field, words in data["q"]:
            photos = self._matching(photos, field, words)
        if data["author"]:
            photos = selectors.photos_by_author(photos, self.user, data["author"])
        if data["camera"]:
            photos = selectors.photos_by_camera(photos, self.user, data["camera"])
        for name in data["tag"]:
            photos = selectors.photos_tagged(photos, self.user, name, sources=[data["source"]] if data["source"] else ())
        for person in data.get("people", ()):
            photos = selectors.photos_with_person(photos, person)
        if data["source"] and not data["tag"]:
            photos = selectors.photos_with_tags_from(photos, data["source"])
        if data["album"]:
            photos = photos.filter(album_photos__album=data["album"])
        # As instants, not as the date of each photo: the gallery's index then finds the range.
        if data["taken_from"]:
            photos = photos.filter(sort_at__gte=start_of(data["taken_from"]))
        if data["taken_to"]:
            photos = photos.filter(sort_at__lt=start_of(data["taken_to"] + timedelta(days=1)))
        return photos.newest_first()


    def _matching(self, photos, field: str, words: str):
        match field:
            case "author":
                return selectors.photos_by_author(photos, self.user, words)
            case "camera":
                return selectors.photos_by_camera(photos, self.user, words)
            case "keyword":
                return selectors.photos_with_keyword(photos, self.user, words)
            case "tag":
                return selectors.photos_tagged(photos, self.user, words)
            case "year":
                year = int(words)
                return photos.filter(sort_at__gte=start_of(date(year, 1, 1)), sort_at__lt=start_of(date(year + 1, 1, 1)))
        return selectors.photos_matching_term(photos, self.user, words)


class PersonNameForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, label="Name")

    def __init__(self, *args, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = required
        self.fields["name"].error_messages["required"] = "Type the person's name."


class PersonMergeForm(forms.Form):
    into = forms.ModelChoiceField(queryset=None, label="Merge into", empty_label="Choose a person…")

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            Person.objects.of(person.owner).exclude(pk=person.pk).exclude(name="").order_by("name").to_choose_from()
        )


class FaceMoveForm(forms.Form):
    """Who a face is instead: one of the owner's named people, a name typed (new or existing),
    or nobody yet (a new unnamed person)."""

    to = forms.ModelChoiceField(queryset=None, required=False, label="This is", empty_label="Someone new")
    name = forms.CharField(max_length=100, required=False, label="or type a name")

    def __init__(self, *args, owner, exclude=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.of(owner).exclude(name="").order_by("name").to_choose_from()
        self.fields["to"].queryset = people.exclude(pk=exclude.pk) if exclude else people

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())


class PhotosDetailsForm(forms.Form):
    """Details of many photos at once, from a selection: each field kept as it is, set to one
    value on every photo, or cleared; keywords added, replaced or cleared."""

    KEEP, SET, CLEAR, ADD = "keep", "set", "clear", "add"
    TEXT_FIELDS = [("title", "Title"), ("description", "Description"), ("author", "Author"),
                   ("credit", "Credit line"), ("copyright", "Copyright")]

    photos = PhotoIdsField()
    next = forms.CharField(required=False, widget=forms.HiddenInput)
    keywords_change = forms.ChoiceField(
        label="Keywords", initial=KEEP,
        choices=[(KEEP, "Keep as they are"), (ADD, "Add"), (SET, "Replace with"), (CLEAR, "Remove all")],
    )
    keywords = TagListField(label="Keywords", help_text="Comma-separated. Automatic tags are not keywords: they stay.")
    taken_at_change = forms.ChoiceField(
        label="Taken", initial=KEEP,
        choices=[(KEEP, "Keep as it is"), (SET, "Set to"), (CLEAR, "Clear (upload date)")],
    )
    taken_at = CaptureDateField(required=False, label="Taken")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.TEXT_FIELDS:
            model_field = Photo._meta.get_field(name)
            self.fields[f"{name}_change"] = forms.ChoiceField(
                label=label, initial=self.KEEP,
                choices=[(self.KEEP, "Keep as it is"), (self.SET, "Set to"), (self.CLEAR, "Clear")],
            )
            self.fields[name] = forms.CharField(
                label=label, required=False, max_length=model_field.max_length,
                widget=forms.Textarea(attrs={"rows": 2}) if name == "description" else None,
            )

    def clean(self):
        data = super().clean()
        for name in [name for name, _ in self.TEXT_FIELDS] + ["taken_at"]:
            if data.get(f"{name}_change") == self.SET and data.get(name) in ("", None):
                self.add_error(name, "Type the value to set, or choose “Clear”.")
        if data.get("keywords_change") in (self.ADD, self.SET) and not data.get("keywords"):
            self.add_error("keywords", "Type the keywords, comma-separated.")
        return data

    def field_pairs(self):
        """(what to do, the value) bound fields, for the template's rows."""
        names = ["keywords", "taken_at", *(name for name, _ in self.TEXT_FIELDS)]
        return [(self[f"{name}_change"], self[name]) for name in names]

    def details(self) -> dict:
        """The DETAIL_FIELDS of gallery to change, with their new values (None clears)."""
        data = self.cleaned_data
        names = ["taken_at", *(name for name, _ in self.TEXT_FIELDS)]
        return {name: data[name] if data[f"{name}_change"] == self.SET else None
                for name in names if data[f"{name}_change"] != self.KEEP}
