from django.contrib import admin

from bujian.calendars.models import DayOff


@admin.register(DayOff)
class DayOffAdmin(admin.ModelAdmin[DayOff]):
    list_display = ["date", "kind", "name", "regency"]
    list_filter = ["kind", "regency"]
    search_fields = ["name"]
    date_hierarchy = "date"
    raw_id_fields = ["created_by"]
