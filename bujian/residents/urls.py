from django.urls import path

from bujian.residents import views

app_name = "residents"
urlpatterns = [
    path("", views.search, name="search"),
    path("baru/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ubah/", views.edit, name="edit"),
    path("<int:pk>/nik/", views.reveal_nik, name="reveal_nik"),
    path("<int:pk>/data-pribadi/", views.personal_data, name="personal_data"),
    # pre-registration for a visit
    path("pendaftaran/", views.visits, name="visits"),
    path("pendaftaran/<int:visit_pk>/", views.visit_registrations, name="visit"),
    path("pendaftaran/<int:visit_pk>/warga/<int:resident_pk>/", views.register, name="register"),
    path("pendaftaran/hapus/<int:pk>/", views.unregister, name="unregister"),
    path("pendaftaran/<int:visit_pk>/cetak/", views.print_list, name="print"),
    path("pendaftaran/<int:visit_pk>/slip/", views.print_slips, name="print_slips"),
    path("pendaftaran/<int:visit_pk>/impor/", views.import_upload, name="import"),
    path(
        "pendaftaran/<int:visit_pk>/impor/templat.xlsx",
        views.import_template,
        name="import_template",
    ),
    path("impor/<str:token>/", views.import_status, name="import_status"),
    path("impor/<str:token>/impor-baris-baik/", views.import_confirm, name="import_confirm"),
    path("impor/<str:token>/batal/", views.import_cancel, name="import_cancel"),
]
