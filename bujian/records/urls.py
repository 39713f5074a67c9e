from django.urls import path

from bujian.records import views

app_name = "records"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("baru/", views.document_create, name="create"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/siap/", views.mark_ready, name="mark_ready"),
    path("<int:pk>/serahkan/", views.handover, name="handover"),
    path("kunjungan/<int:visit_pk>/", views.visit_documents, name="visit_documents"),
    path(
        "kunjungan/<int:visit_pk>/serahkan/<int:pk>/",
        views.visit_handover,
        name="visit_handover",
    ),
    path("desa/<int:village_pk>/", views.village_office_list, name="village_office_list"),
]
