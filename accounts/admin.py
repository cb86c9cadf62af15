from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Account, User


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "account", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "account"]
    list_select_related = ["account"]
    autocomplete_fields = ["account"]
    fieldsets = BaseUserAdmin.fieldsets + (("Team", {"fields": ("account",)}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Team", {"fields": ("account",)}),)
