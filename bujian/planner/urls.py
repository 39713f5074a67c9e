from django.urls import URLPattern, URLResolver, path

from bujian.planner import views

app_name = "planner"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.plan_list, name="list"),
    path("baru/", views.plan_create, name="create"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/kecamatan/", views.plan_detail, {"tab": "districts"}, name="districts"),
    path("<int:pk>/cakupan/", views.plan_detail, {"tab": "coverage"}, name="coverage"),
    path("<int:pk>/status/", views.plan_status, name="status"),
    path("<int:pk>/terima/", views.plan_accept, name="accept"),
    path("<int:pk>/rencana-ulang/", views.plan_replan, name="replan"),
    path("<int:pk>/rencana.xlsx", views.plan_xlsx, name="xlsx"),
    path("<int:pk>/rencana.ics", views.plan_ics, name="ics"),
    path("slot/<int:pk>/kunci/", views.slot_lock, name="slot_lock"),
    path("desa/", views.villages, name="villages"),
    path("desa/<int:pk>/", views.village_edit, name="village_edit"),
]
