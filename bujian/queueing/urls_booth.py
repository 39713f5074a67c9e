"""The booth operator screen and the live visit dashboard; included by
``queueing/urls.py`` under ``/antrian/`` (names in the ``queueing`` namespace)."""

from django.urls import URLPattern, URLResolver, path

from bujian.queueing import views_booth

urlpatterns: list[URLPattern | URLResolver] = [
    path("loket/<int:booth_id>/layani/", views_booth.booth, name="booth"),
    path("loket/<int:booth_id>/layani/antrean/", views_booth.booth_queue, name="booth_queue"),
    path(
        "loket/<int:booth_id>/layani/<slug:step>/",
        views_booth.booth_action,
        name="booth_action",
    ),
    path("dasbor/<int:visit_id>/", views_booth.dashboard, name="dashboard"),
    path("dasbor/<int:visit_id>/angka/", views_booth.dashboard_stats, name="dashboard_stats"),
    path("dasbor/<int:visit_id>/bawa-antrean/", views_booth.carry_over, name="carry_over"),
]
