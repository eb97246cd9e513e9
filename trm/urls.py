from django.urls import include, path, re_path

from trm.api import api, not_found

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", not_found),
    path("exchange/", include("trm.exchange.urls")),
    path("", include("trm.accounts.urls")),
    path("cases/", include("trm.cases.urls")),
    path("", include("trm.web.urls")),
]
