from django.urls import path

from bujian.sync import views

app_name = "sync"
urlpatterns = [
    path("", views.panel, name="panel"),
    path("perangkat/<uuid:node_uuid>/", views.node_detail, name="node"),
    path("perangkat/<uuid:node_uuid>/paket/", views.package_file, name="package_file"),
    path("perangkat/<uuid:node_uuid>/kode-baru/", views.new_code, name="new_code"),
    path("perangkat/<uuid:node_uuid>/lepas/", views.release, name="release"),
    path("perangkat/<uuid:node_uuid>/berkas/", views.upload_push_file, name="upload"),
    path("konflik/<int:pk>/", views.resolve, name="resolve"),
    path("kirim/", views.push_now, name="push"),
    path("ekspor/", views.export_push_file, name="export"),
    path("api/pull/", views.api_pull, name="api_pull"),
    path("api/push/", views.api_push, name="api_push"),
]
