from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [*DjangoUserAdmin.list_display, "tier"]
    list_filter = [*DjangoUserAdmin.list_filter, "tier"]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("Pictura", {"fields": ["tier"]})]
