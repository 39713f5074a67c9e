"""Plans are made and accepted on the planner's pages (the actions keep the visits in
step); the admin shows them read-only. Village profiles may be corrected here too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from bujian.planner.models import Plan, PlanSlot, VillageProfile


@admin.register(VillageProfile)
class VillageProfileAdmin(admin.ModelAdmin[VillageProfile]):
    list_display = ["village", "population", "travel_minutes", "priority", "excluded"]
    list_filter = ["priority", "excluded", "village__district__regency"]
    search_fields = ["village__name", "village__code"]
    raw_id_fields = ["village"]
    readonly_fields = ["updated_by"]
    list_select_related = ["village"]


class PlanSlotInline(admin.TabularInline[PlanSlot, Plan]):
    model = PlanSlot
    fields = ("start_date", "end_date", "village", "kept", "locked", "weight", "reason", "visit")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin[Plan]):
    list_display = ["regency", "period_start", "period_end", "status", "objective", "created_at"]
    list_filter = ["status", "regency"]
    inlines = [PlanSlotInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
