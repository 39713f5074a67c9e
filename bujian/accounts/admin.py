from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from bujian.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "first_name", "last_name", "role", "regency", "is_active"]
    list_filter = ["role", "regency", "is_active", "is_superuser"]
    filter_horizontal = ["agencies", "groups", "user_permissions"]
    raw_id_fields = ["village"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            _("Role and scope"),
            {"fields": ("role", "regency", "agencies", "village", "job_title", "nip", "phone")},
        ),
    )
