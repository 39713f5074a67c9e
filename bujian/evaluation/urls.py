from django.urls import URLPattern, URLResolver, path

from bujian.evaluation import views

app_name = "evaluation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("kunjungan/", views.visit_list, name="visits"),
    path("kunjungan/<int:pk>/", views.visit_page, name="visit"),
    path("kunjungan/<int:pk>/laporan.pdf", views.visit_pdf, name="visit_pdf"),
    path("kunjungan/<int:pk>/laporan.xlsx", views.visit_xlsx, name="visit_xlsx"),
    path("kunjungan/<int:pk>/foto/<int:attachment_id>/", views.visit_photo, name="visit_photo"),
    path("periode/", views.period_page, name="period"),
    path("periode/ekspor/", views.export_start, name="export_start"),
    path("ekspor/<str:token>/", views.export_status, name="export_status"),
    path("ekspor/<str:token>/unduh/", views.export_download, name="export_download"),
    path("ringkasan/bangun-ulang/", views.rebuild, name="rebuild"),
    path("kop-surat/", views.letterhead, name="letterhead"),
    path("kop-surat/logo/", views.letterhead_logo, name="letterhead_logo"),
    path("kop-surat/contoh.pdf", views.letterhead_preview, name="letterhead_preview"),
    path("perbandingan/", views.comparison, name="comparison"),
    path("indikator.<str:file_format>", views.indicators_export, name="indicators_export"),
]
