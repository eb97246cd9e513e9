from django.urls import include, path

from trm.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("trm.accounts.urls")),
    path("cases/", include("trm.cases.urls")),
    path("", include("trm.web.urls")),
]
