from django.urls import path

from bujian.agencies import views

app_name = "agencies"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("staf/", views.staff_list, name="staff_list"),
    path("staf/instansi/<slug:code>/", views.agency_edit, name="agency_edit"),
    path(
        "staf/instansi/<slug:agency_code>/layanan-baru/",
        views.service_create,
        name="service_create",
    ),
    path("staf/layanan/<str:code>/", views.service_edit, name="service_edit"),
    path("<str:code>/", views.service_detail, name="service_detail"),
]
