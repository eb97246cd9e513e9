from django.urls import path

from . import pages, views

app_name = "exchange"
urlpatterns = [
    path("inbox", views.inbox, name="inbox"),
]

# The caseworker's pages (under /messages/ and /cases/<id>/send), apart from the nodes' inbox.
page_patterns = [
    path("", pages.message_list, name="message-list"),
    path("<str:message_id>", pages.message_detail, name="message-detail"),
    path("<str:message_id>/accept", pages.message_accept, name="message-accept"),
    path("<str:message_id>/decline", pages.message_decline, name="message-decline"),
    path("<str:message_id>/attach", pages.message_attach, name="message-attach"),
]
