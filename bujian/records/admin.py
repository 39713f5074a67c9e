"""Read-only admin for official records: they change only through the actions (which
write the audit trail), and a correction is a new record, never an edit."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.residents.nik import mask_nik

M = TypeVar("M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[M], Generic[M]):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin[ServiceRecord]):
    list_display = ["service", "outcome", "document_number", "promised_date", "created_at"]
    list_filter = ["outcome"]
    search_fields = ["document_number", "service__code"]
    list_select_related = ["service"]
    date_hierarchy = "created_at"


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin[Document]):
    list_display = ["kind", "number", "resident", "agency", "status", "promised_date", "ready_at"]
    list_filter = ["status", "kind", "agency"]
    search_fields = ["number", "resident__full_name"]
    list_select_related = ["resident", "agency"]
    fields = [
        "kind",
        "number",
        "resident",
        "agency",
        "service_record",
        "status",
        "promised_date",
        "ready_at",
    ]
    date_hierarchy = "created_at"


@admin.register(DocumentHandover)
class DocumentHandoverAdmin(ReadOnlyAdmin[DocumentHandover]):
    list_display = ["document", "recipient", "place", "visit", "on_stage", "handed_over_at"]
    list_filter = ["recipient", "place", "on_stage"]
    list_select_related = ["document", "visit__village"]
    # The proxy's full NIK stays out of the admin: only its masked form is shown.
    fields = readonly_fields = (
        "document",
        "recipient",
        "proxy_name",
        "masked_proxy_national_id",
        "proxy_relationship",
        "place",
        "visit",
        "on_stage",
        "handed_over_at",
        "handed_over_by",
    )
    date_hierarchy = "handed_over_at"

    @admin.display(description=_("proxy's NIK"))
    def masked_proxy_national_id(self, obj: DocumentHandover) -> str:
        return mask_nik(obj.proxy_national_id)
