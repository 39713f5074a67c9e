from django.contrib import admin

from bujian.regions.models import District, Province, Regency, Village


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin[Province]):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Regency)
class RegencyAdmin(admin.ModelAdmin[Regency]):
    list_display = ["code", "name", "kind", "time_zone", "program_name"]
    list_filter = ["kind", "time_zone", "province"]
    search_fields = ["code", "name"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin[District]):
    list_display = ["code", "name", "regency"]
    list_filter = ["regency"]
    search_fields = ["code", "name"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin[Village]):
    list_display = ["code", "name", "kind", "district", "postal_code"]
    list_filter = ["kind", "district__regency", "district"]
    search_fields = ["code", "name"]
    list_select_related = ["district"]
