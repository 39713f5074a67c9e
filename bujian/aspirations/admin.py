"""Aspirations in the Django admin: read-only. Every change goes through the pages or
the API, so the history, deadlines and messages stay right."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from bujian.aspirations.models import Aspiration, Attachment, Event

EVENT_FIELDS: tuple[str, ...] = (
    "created_at",
    "actor",
    "action",
    "from_status",
    "to_status",
    "public_note",
)
ATTACHMENT_FIELDS: tuple[str, ...] = ("kind", "content_type", "size", "is_public", "created_at")


class EventInline(admin.TabularInline[Event, Aspiration]):
    model = Event
    extra = 0
    can_delete = False
    fields = readonly_fields = EVENT_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Aspiration | None = None) -> bool:
        return False


class AttachmentInline(admin.TabularInline[Attachment, Aspiration]):
    model = Attachment
    extra = 0
    can_delete = False
    fields = readonly_fields = ATTACHMENT_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Aspiration | None = None) -> bool:
        return False


@admin.register(Aspiration)
class AspirationAdmin(admin.ModelAdmin[Aspiration]):
    list_display = ["code", "title", "category", "status", "lead_agency", "due_date", "received_at"]
    list_filter = ["status", "category", "channel", "term", "regency"]
    search_fields = ["code", "title"]
    date_hierarchy = "received_at"
    inlines = [EventInline, AttachmentInline]
    exclude = ["reporter_national_id"]  # never shown in full

    def get_readonly_fields(self, request: HttpRequest, obj: Aspiration | None = None) -> list[str]:
        return [f.name for f in Aspiration._meta.fields if f.name != "reporter_national_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Aspiration | None = None) -> bool:
        return False if request.method == "POST" else super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Aspiration | None = None) -> bool:
        return False
