from django.contrib import admin
from django.urls import include, path

from bujian.api import api

urlpatterns = [
    path("", include("bujian.core.urls")),
    path("akun/", include("bujian.accounts.urls")),
    path("wilayah/", include("bujian.regions.urls")),
    path("layanan/", include("bujian.agencies.urls")),
    path("kunjungan/", include("bujian.visits.urls")),
    path("warga/", include("bujian.residents.urls")),
    path("antrian/", include("bujian.queueing.urls")),
    path("dokumen/", include("bujian.records.urls")),
    path("kalender/", include("bujian.calendars.urls")),
    path("aspirasi/", include("bujian.aspirations.urls")),
    path("survei/", include("bujian.surveys.urls")),
    path("evaluasi/", include("bujian.evaluation.urls")),
    path("rencana/", include("bujian.planner.urls")),
    path("sinkron/", include("bujian.sync.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
