from django.urls import path

from bujian.visits import views

app_name = "visits"
urlpatterns = [
    # public, no login
    path("lalu/", views.public_past, name="public_past"),
    path("jadwal.ics", views.public_calendar, name="public_calendar"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
    # staff
    path("staf/", views.staff_list, name="staff_list"),
    path("staf/baru/", views.staff_create, name="staff_create"),
    path("staf/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staf/<int:pk>/ubah/", views.staff_edit, name="staff_edit"),
    path("staf/<int:pk>/status/<slug:step>/", views.staff_transition, name="staff_transition"),
    path("staf/<int:pk>/undang/", views.staff_invite, name="staff_invite"),
    path("staf/<int:pk>/kehadiran/", views.staff_checkin, name="staff_checkin"),
    path("staf/<int:pk>/daftar-hadir/", views.attendance_sheet, name="attendance_sheet"),
    path("staf/partisipasi/<int:pk>/", views.participation, name="participation"),
    path("staf/partisipasi/<int:pk>/tarik/", views.staff_uninvite, name="staff_uninvite"),
    path("staf/partisipasi/<int:pk>/izin/", views.request_excuse, name="request_excuse"),
    path("staf/izin/<int:pk>/putusan/", views.decide_excuse, name="decide_excuse"),
    path("kepatuhan/", views.ledger, name="ledger"),
]
