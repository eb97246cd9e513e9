from django.urls import include, path, re_path

from trm.api import api, not_found
from trm.exchange.pages import case_send, group_identity_requests_page
from trm.exchange.urls import page_patterns as message_pages

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", not_found),
    path("exchange/", include("trm.exchange.urls")),
    path("", include("trm.accounts.urls")),
    path("cases/", include("trm.cases.urls")),
    path("cases/<int:case_id>/send", case_send, name="case-send"),
    path("cases/<int:case_id>/group/identity-requests", group_identity_requests_page, name="group-identity-requests"),
    path("messages/", include(message_pages)),
    path("", include("trm.web.urls")),
]
