from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import PiiAccess, User


@admin.register(User)
class DoorstepUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, (None, {"fields": ("display_name",)}))


@admin.register(PiiAccess)
class PiiAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "subject_label", "field", "reason")
    list_filter = ("field",)
    search_fields = ("subject_label", "reason", "user__username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
