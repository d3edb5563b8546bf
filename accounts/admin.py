from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from audit.admin_mixins import RecordsDeletions

from .models import User


@admin.register(User)
class UserAdmin(RecordsDeletions, DjangoUserAdmin):
    @staticmethod
    def owner_of(user):
        return user

    list_display = [*DjangoUserAdmin.list_display, "email_verified", "tier"]
    list_filter = [*DjangoUserAdmin.list_filter, "email_verified", "tier"]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("Pictura", {"fields": ["tier", "email_verified"]})]
