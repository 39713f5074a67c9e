from django.contrib import admin

from bujian.agencies.models import Agency, Requirement, Service


class ServiceInline(admin.TabularInline[Service, Agency]):
    model = Service
    fields = ["code", "name", "completed_on_site", "fee_kind", "fee_amount", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["short_name", "name", "kind", "head_name", "is_active"]
    list_filter = ["kind", "is_active", "regencies"]
    search_fields = ["code", "name", "short_name"]
    filter_horizontal = ["regencies"]
    inlines = [ServiceInline]


class RequirementInline(admin.TabularInline[Requirement, Service]):
    model = Requirement
    extra = 1


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin[Service]):
    list_display = ["code", "name", "agency", "completed_on_site", "fee_kind", "is_active"]
    list_filter = ["agency__kind", "completed_on_site", "fee_kind", "is_active", "agency"]
    search_fields = ["code", "name", "description"]
    list_select_related = ["agency"]
    inlines = [RequirementInline]
