"""Form fields choosing among a user's albums or people, read as one plain list."""
from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """The choices read once per form, by one ordinary query, and kept on the field's queryset:
    Django's own iterator streams them through a server-side cursor on PostgreSQL (three round
    trips) each time the field renders, for a list of a few dozen names."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator


class ListedMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ListedChoiceIterator
