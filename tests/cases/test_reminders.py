"""Reminders by e-mail (``trm remind``): a real SMTP server on loopback receives, once a day, each
person's list of what is due, in their language, with case references and no names."""
from datetime import date, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import socket

import pytest
from aiosmtpd.controller import Controller

from trm.audit.models import AuditEntry
from trm.cli import main

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.BASE_URL = "https://trm.example.org"
    yield inbox
    controller.stop()


@pytest.fixture
def overdue_case(api, people, elira):
    elira["data"]["child"]["guardian"]["requested_on"] = (date.today() - timedelta(days=40)).isoformat()
    response = api(people["giulia"], "post", "/api/v1/cases", elira)
    assert response.status_code == 201, response.content
    return response.json()


def text_of(message):
    return message.get_payload(decode=True).decode(message.get_content_charset())


def test_each_person_gets_their_list_once_a_day_in_their_language(smtp, people, overdue_case, capsys):
    giulia, marco = people["giulia"].user, people["marco"].user
    giulia.email, giulia.language = "giulia@ontheroad.example", "it"
    marco.email = "marco@ontheroad.example"
    giulia.save(), marco.save()
    assert main(["remind"]) == 0
    assert "2 reminder(s) sent" in capsys.readouterr().out
    mail = {to[0]: message for to, message in smtp.messages}
    italian = text_of(mail["giulia@ontheroad.example"])
    assert overdue_case["reference"] in italian and "Scaduto" in italian
    assert "https://trm.example.org/cases/due" in italian
    assert "trm:" in str(make_header(decode_header(mail["giulia@ontheroad.example"]["Subject"])))
    assert overdue_case["reference"] in text_of(mail["marco@ontheroad.example"])  # the supervisor: the organisation's
    assert AuditEntry.objects.filter(action="reminder.sent").count() == 2

    assert main(["remind"]) == 0
    assert "0 reminder(s) sent, 2 already sent today" in capsys.readouterr().out and len(smtp.messages) == 2


def test_a_reminder_names_no_one_and_not_what_is_due(smtp, people, overdue_case, elira):
    giulia = people["giulia"].user
    giulia.email = "giulia@ontheroad.example"
    giulia.save()
    main(["remind"])
    body = text_of(smtp.messages[0][1])
    names = [n["value_original"] for n in elira["data"]["identity"]["names"]]
    assert names and not any(name in body for name in names)
    assert overdue_case["reference"] in body and "guardian" not in body.lower()  # that would say: a child
    read = AuditEntry.objects.get(action="case.read_identity", detail__purpose="reminder")
    assert read.actor_id is None and read.detail["cases"] == [overdue_case["id"]]


def test_people_with_nothing_due_or_no_address_get_nothing(smtp, people, overdue_case):
    arben = people["arben"].user  # another organisation: nothing of Giulia's is his
    arben.email = "arben@tirana.example"
    arben.save()
    main(["remind"])
    assert smtp.messages == []


def test_without_smtp_nothing_is_sent_and_the_command_says_so(settings, people, overdue_case, capsys):
    settings.EMAIL_HOST = ""
    giulia = people["giulia"].user
    giulia.email = "giulia@ontheroad.example"
    giulia.save()
    assert main(["remind"]) == 0
    assert "TRM_SMTP_HOST is not set" in capsys.readouterr().out
    assert not AuditEntry.objects.filter(action="reminder.sent").exists()
