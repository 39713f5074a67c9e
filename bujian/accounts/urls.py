from django.contrib.auth import views as auth_views
from django.urls import path

from bujian.accounts import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("dua-langkah/", views.otp_verify, name="otp_verify"),
    path("dua-langkah/pasang/", views.otp_setup, name="otp_setup"),
    path("dua-langkah/matikan/", views.otp_disable, name="otp_disable"),
]
