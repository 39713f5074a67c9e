from django.urls import URLPattern, URLResolver

app_name = "aspirations"
urlpatterns: list[URLPattern | URLResolver] = []
