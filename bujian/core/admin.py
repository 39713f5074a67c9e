from django.contrib import admin
from django.http import HttpRequest

from bujian.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = ["created_at", "actor", "action", "target_repr", "source_ip"]
    list_filter = ["action"]
    search_fields = ["action", "target_repr", "target_id"]
    date_hierarchy = "created_at"

    # The trail is append-only: nobody edits or deletes it, not even here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
