from django.urls import path

from bujian.core import views
from bujian.visits import views as visit_views

app_name = "core"
urlpatterns = [
    path("", visit_views.public_schedule, name="home"),
    path("tentang/", views.about, name="about"),
    path("privasi/", views.privacy, name="privacy"),
    path("staf/", views.staff_home, name="staff_home"),
]
