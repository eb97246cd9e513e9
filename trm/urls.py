from django.urls import include, path

urlpatterns = [
    path("", include("trm.web.urls")),
]
