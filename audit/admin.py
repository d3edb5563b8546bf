from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read, filtered and searched; never added, changed or deleted here."""

    list_display = ["at", "action", "actor_name", "account_name", "target", "address"]
    list_filter = ["action", "at"]
    search_fields = ["actor_name", "account_name", "target", "address"]
    date_hierarchy = "at"
    readonly_fields = ["at", "action", "actor_name", "account_name", "target", "address", "details"]
    fields = readonly_fields
    show_full_result_count = False  # the trail may be long: no COUNT(*) of it per page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
