"""The letterhead is edited on its own page (with the logo upload); the admin lists
letterheads and imported indicator sets for support. Summary tables are derived data
and are not shown: rebuild them (``manage.py rebuild_summaries``) instead of editing."""

from django.contrib import admin

from bujian.evaluation.models import IndicatorSet, ReportLetterhead


@admin.register(ReportLetterhead)
class ReportLetterheadAdmin(admin.ModelAdmin[ReportLetterhead]):
    list_display = ["regency", "government_name", "office_name", "updated_at"]
    exclude = ["logo"]


@admin.register(IndicatorSet)
class IndicatorSetAdmin(admin.ModelAdmin[IndicatorSet]):
    list_display = [
        "program_name",
        "source_regency_name",
        "village_name",
        "start_date",
        "is_demo",
        "imported_for",
    ]
    list_filter = ["source_regency_name", "is_demo", "imported_for"]
    search_fields = ["village_name", "district_name", "visit_key"]
    readonly_fields = ["indicators", "imported_by", "created_at"]
