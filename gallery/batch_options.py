"""Options for a whole upload batch that the apps built on the gallery offer: tags, an album.

The upload form shows each registered option's field, and once the batch is stored each option
is applied to its photos. An app registers its options in its ``AppConfig.ready()``; the gallery
never imports the apps above it.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django import forms


@dataclass(frozen=True)
class BatchOption:
    name: str  # the form field's name, also what the upload page and upload.js post
    field: Callable[..., forms.Field]  # field(user) -> the form field for that user
    # apply(owner=, value=, uploaded=[new photos], duplicates=[photos uploaded before]),
    # called only when the person gave a value.
    apply: Callable[..., None]


batch_options: dict[str, BatchOption] = {}


def register_batch_option(option: BatchOption) -> None:
    batch_options[option.name] = option


def apply_batch_options(*, owner, values: dict, uploaded, duplicates) -> None:
    for name, option in batch_options.items():
        if values.get(name):
            option.apply(owner=owner, value=values[name], uploaded=uploaded, duplicates=duplicates)
