from botocore.exceptions import BotoCoreError, ClientError
from django import forms
from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html_join

from analysis.services import parse_tag_list

from .models import ImportItem, ImportRun
from .services import EDITED_CHOICES, import_in_background, refusals_by_reason
from .sources import SourceError, open_source


class ImportRunForm(forms.ModelForm):
    """Staff start an import of an S3 prefix into a user's library; a task does the work."""

    album = forms.CharField(required=False, max_length=200, help_text="Also put every photo in this album.")
    tags = forms.CharField(required=False, help_text="Comma-separated tags for every new photo.")
    edited = forms.ChoiceField(choices=EDITED_CHOICES.items(), initial="both",
                               help_text="Google Takeout's edited copies beside their originals.")

    class Meta:
        model = ImportRun
        fields = ["owner", "source"]
        help_texts = {"source": "s3://bucket/prefix/ — any bucket Pictura's credentials can read."}

    def clean_source(self):
        source = self.cleaned_data["source"].strip()
        if not source.startswith("s3://"):
            raise forms.ValidationError("Give an S3 prefix, s3://bucket/prefix/ (folders: manage.py import_photos).")
        try:
            next(iter(open_source(source).entries()), None)
        except SourceError as exc:
            raise forms.ValidationError(str(exc)) from None
        except (BotoCoreError, ClientError) as exc:
            raise forms.ValidationError(f"S3 refused to list {source}: {exc}") from None
        return source


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["source", "owner", "state", "progress", "created_at", "finished_at"]
    list_filter = ["state"]
    search_fields = ["source", "owner__username"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["owner", "source", "state", "message", "started_by", "created_at", "finished_at", "progress",
                       "outcome", "refusals"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ImportRunForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["owner", "source", "album", "tags", "edited"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def has_change_permission(self, request, obj=None):
        return False  # a run is started (added) and then only followed: its files decide its figures

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        run = import_in_background(owner=data["owner"], source=data["source"], started_by=request.user,
                                   album=data["album"], tags=parse_tag_list(data["tags"]), edited=data["edited"])
        obj.pk, obj._state.adding = run.pk, False  # the admin goes on to the run's page

    @admin.display(description="progress")
    def progress(self, run):
        counts = run.counts()
        done = counts["total"] - counts[ImportItem.State.PENDING]
        share = f" ({done / counts['total']:.0%})" if counts["total"] else ""
        return f"{done:,} of {counts['total']:,} files{share}"

    @admin.display(description="outcome")
    def outcome(self, run):
        counts = run.counts()
        return (f"{counts['imported']:,} imported ({filesizeformat(counts['bytes'])}), {counts['duplicate']:,} already "
                f"in the library, {counts['refused']:,} refused, {counts['skipped']:,} left out")

    @admin.display(description="why files were refused")
    def refusals(self, run):
        return format_html_join("", "<p>{} × {}</p>", ((count, reason) for reason, count in refusals_by_reason(run))) or "—"
