from django.urls import path

from bujian.calendars import views

app_name = "calendars"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("<int:pk>/hapus/", views.remove, name="remove"),
]
