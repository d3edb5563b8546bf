from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from audit.admin_mixins import RecordsDeletions

from .deletion import account_request_deletion
from .models import ApiToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [*DjangoUserAdmin.list_display, "email_verified", "tier", "deletion_requested_at"]
    list_filter = [*DjangoUserAdmin.list_filter, "email_verified", "tier", ("deletion_requested_at", admin.EmptyFieldListFilter)]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("Pictura", {"fields": ["tier", "email_verified", "deletion_requested_at"]})]
    readonly_fields = ["deletion_requested_at"]
    actions = ["delete_accounts"]

    def has_delete_permission(self, request, obj=None):
        # Django's own deletion removes rows but leaves every file in storage: the action does it all.
        return False

    def has_delete_account_permission(self, request):
        return request.user.has_perm("accounts.delete_user")

    @admin.action(description="Delete accounts with every photo and file in them", permissions=["delete_account"])
    def delete_accounts(self, request, queryset):
        accounts = [user for user in queryset if user != request.user]
        for user in accounts:
            account_request_deletion(user=user, by=request.user)
        self.message_user(request, f"Deleting {len(accounts)} account(s) in the background; they can no longer "
                                   "sign in.", messages.SUCCESS)
        if len(accounts) < len(queryset):
            self.message_user(request, "Your own account was left alone: delete it from your profile.", messages.WARNING)


@admin.register(ApiToken)
class ApiTokenAdmin(RecordsDeletions, admin.ModelAdmin):
    """Staff see who has which token and revoke one (delete): never its secret, which nobody has."""

    list_display = ["name", "prefix", "owner", "scope", "created_at", "expires_at", "last_used_at"]
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "owner__username"]
    readonly_fields = ["owner", "name", "scope", "prefix", "created_at", "expires_at", "last_used_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # a token is made by its owner, who alone sees the secret
