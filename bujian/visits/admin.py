from django.contrib import admin

from bujian.visits.models import Booth, CheckIn, Excuse, Participation, ParticipationStaff, Visit


class ParticipationInline(admin.TabularInline[Participation, Visit]):
    model = Participation
    fields = ["agency", "mandatory", "status", "attendance", "late"]
    extra = 0
    show_change_link = True
    raw_id_fields = ["agency"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin[Visit]):
    list_display = ["village", "start_date", "end_date", "status", "regency"]
    list_filter = ["status", "regency"]
    search_fields = ["village__name", "venue"]
    date_hierarchy = "start_date"
    raw_id_fields = ["village"]
    list_select_related = ["village", "regency"]
    inlines = [ParticipationInline]


class StaffInline(admin.TabularInline[ParticipationStaff, Participation]):
    model = ParticipationStaff
    extra = 0


class ExcuseInline(admin.TabularInline[Excuse, Participation]):
    model = Excuse
    extra = 0
    fields = ["reason", "decision", "decision_note", "decided_by", "decided_at"]
    readonly_fields = ["decided_by", "decided_at"]


class CheckInInline(admin.TabularInline[CheckIn, Participation]):
    model = CheckIn
    extra = 0
    fields = ["day", "checked_in_at", "late", "checked_out_at"]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin[Participation]):
    list_display = ["agency", "visit", "mandatory", "status", "attendance", "late"]
    list_filter = ["status", "attendance", "mandatory", "agency__kind"]
    raw_id_fields = ["visit", "agency"]
    filter_horizontal = ["services"]
    list_select_related = ["agency", "visit__village"]
    inlines = [StaffInline, ExcuseInline, CheckInInline]


@admin.register(Booth)
class BoothAdmin(admin.ModelAdmin[Booth]):
    """Name, zone (for the per-zone TV board) and open/closed of each booth."""

    list_display = ["prefix", "name", "visit", "zone", "is_open"]
    list_filter = ["is_open", "visit__regency"]
    list_editable = ["zone", "is_open"]
    search_fields = ["name", "prefix", "visit__village__name"]
    list_select_related = ["visit__village"]
    raw_id_fields = ["visit", "participation"]
    readonly_fields = ["counter_day", "last_number"]
