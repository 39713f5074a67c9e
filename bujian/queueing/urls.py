from django.urls import URLPattern, URLResolver, include, path

from bujian.queueing import views_desk, views_public

app_name = "queueing"
urlpatterns: list[URLPattern | URLResolver] = [
    # public, no login: the QR on the printed ticket opens this
    path("status/<uuid:ticket_uuid>/", views_public.status, name="status"),
    # the registration desk
    path("meja/<int:visit_id>/", views_desk.desk, name="desk"),
    path("meja/<int:visit_id>/kode/", views_desk.desk_code, name="desk_code"),
    path("meja/<int:visit_id>/baru/", views_desk.desk_walk_in, name="desk_walk_in"),
    path(
        "meja/<int:visit_id>/warga/<uuid:resident_uuid>/",
        views_desk.desk_resident,
        name="desk_resident",
    ),
    path("tiket/<uuid:ticket_uuid>/", views_desk.desk_ticket, name="desk_ticket"),
    path("tiket/<uuid:ticket_uuid>/cetak/", views_desk.ticket_print, name="ticket_print"),
    path(
        "tiket/<uuid:ticket_uuid>/batal/<int:ticket_id>/",
        views_desk.desk_ticket_cancel,
        name="desk_ticket_cancel",
    ),
    # booth setup (program admins)
    path("loket/<int:visit_id>/", views_desk.booth_setup, name="booth_setup"),
    path("loket/<int:visit_id>/buka/", views_desk.booth_open, name="booth_open"),
    path("loket/<int:visit_id>/buka-semua/", views_desk.booth_open_all, name="booth_open_all"),
    path("loket/<int:visit_id>/ubah/<int:booth_id>/", views_desk.booth_edit, name="booth_edit"),
    # the booth screens, the TV board and the dashboard
    path("", include("bujian.queueing.urls_booth")),
    path("", include("bujian.queueing.urls_board")),
]
