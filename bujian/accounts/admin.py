from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bujian.accounts.models import ApiToken, User
from bujian.accounts.tokens import revoke_api_token


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are made with `manage.py create_api_token` (shown once) and revoked here."""

    list_display = ["name", "prefix", "user", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ["user", "name", "prefix", "digest", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for api_token in queryset.filter(revoked_at__isnull=True):
            actor = request.user if isinstance(request.user, User) else None
            revoke_api_token(api_token=api_token, actor=actor)
