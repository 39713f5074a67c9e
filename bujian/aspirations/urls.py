from django.urls import path

from bujian.aspirations import views

app_name = "aspirations"
urlpatterns = [
    # public, no login
    path("", views.submit, name="submit"),
    path("terkirim/<str:code>/", views.sent, name="sent"),
    path("lacak/", views.track_lookup, name="track_lookup"),
    path("lacak/<str:code>/", views.track, name="track"),
    path("lacak/<str:code>/buka-kembali/", views.reopen, name="reopen"),
    path("berkas/<int:pk>/", views.attachment, name="attachment"),
    path("kunjungan/<int:visit_id>/", views.visit_public, name="visit_public"),
    path("desa/<int:village_id>/", views.village_public, name="village_public"),
    # staff
    path("staf/", views.staff_list, name="staff_list"),
    path("staf/baru/", views.staff_create, name="staff_create"),
    path("staf/dasbor/", views.dashboard, name="dashboard"),
    path("staf/sebelum-kunjungan/", views.upcoming_visits, name="staff_upcoming"),
    path("staf/ekspor-lapor.csv", views.export_lapor, name="export_lapor"),
    path("staf/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staf/<int:pk>/<slug:step>/", views.staff_step, name="staff_step"),
    path("kunjungan/<int:visit_id>/staf/", views.visit_staff, name="visit_staff"),
    path("kunjungan/<int:visit_id>/kecamatan/", views.district_open, name="district_open"),
]
