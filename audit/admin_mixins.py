from .services import Action, audit_record_each


class RecordsDeletions:
    """For a ModelAdmin: every deletion made through it goes into the audit trail, with the
    account of what was deleted (``owner_of``)."""

    @staticmethod
    def owner_of(obj):
        return getattr(obj, "owner", None)

    def log_deletions(self, request, queryset):
        # Django 5.1+ calls this for one object and for "delete selected" alike, before deleting.
        objects = list(queryset)
        audit_record_each(
            Action.ADMIN_DELETED,
            [(self.owner_of(obj), f"{obj._meta.verbose_name} {obj.pk}: {obj}", {"model": obj._meta.label})
             for obj in objects],
            request=request,
        )
        return super().log_deletions(request, objects)
