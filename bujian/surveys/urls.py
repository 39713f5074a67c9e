from django.urls import URLPattern, URLResolver, path

from bujian.surveys import views

app_name = "surveys"
urlpatterns: list[URLPattern | URLResolver] = [
    # public, no login: the QR on the ticket (its status page links here)
    path("t/<uuid:ticket_uuid>/", views.public_choose, name="public_choose"),
    path("t/<uuid:ticket_uuid>/<int:ticket_id>/", views.public_form, name="public_form"),
    path("t/<uuid:ticket_uuid>/terima-kasih/", views.public_thanks, name="public_thanks"),
    # the kiosk tablet at the exit, opened by staff for one visit
    path("kios/<str:token>/", views.kiosk, name="kiosk"),
    path("kios/<str:token>/isi/<int:ticket_id>/", views.kiosk_form, name="kiosk_form"),
    path("kios/<str:token>/selesai/", views.kiosk_thanks, name="kiosk_thanks"),
    # staff
    path("", views.results, name="results"),
    path("kunjungan/<int:visit_id>/", views.visit_results, name="visit_results"),
    path("kunjungan/<int:visit_id>/kios/", views.kiosk_open, name="kiosk_open"),
    path("kunjungan/<int:visit_id>/kertas/", views.paper_entry, name="paper_entry"),
    path("kunjungan/<int:visit_id>/kuesioner/", views.paper_form, name="paper_form"),
    path("instansi/<int:agency_id>/", views.agency_results, name="agency_results"),
    path("saran/", views.suggestions, name="suggestions"),
]
