"""Reminders in the application: what is due soon or overdue, for the organisation and for oneself."""
from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def eliras_case(api, people, elira):
    # Her guardian was asked for weeks ago and is not appointed: the countdown is overdue.
    elira["data"]["child"]["guardian"]["requested_on"] = (date.today() - timedelta(days=40)).isoformat()
    response = api(people["giulia"], "post", "/api/v1/cases", elira)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_an_overdue_case_deadline_is_listed_for_the_organisation_and_its_author(api, people, eliras_case):
    due = api(people["marco"], "get", "/api/v1/due").json()
    overdue = [d for d in due if d["case_id"] == eliras_case and d["status"] == "OVERDUE"]
    assert overdue and all(d["kind"] == "case" for d in overdue)
    assert any(d["case_id"] == eliras_case for d in api(people["giulia"], "get", "/api/v1/due?mine=true").json())
    assert api(people["marco"], "get", "/api/v1/due?mine=true").json() == []  # marco opened no case


def test_reading_the_deadlines_is_audited(api, people, eliras_case):
    from trm.audit.models import AuditEntry
    api(people["marco"], "get", "/api/v1/due")
    read = AuditEntry.objects.filter(action="case.read_identity", detail__purpose="due").get()
    assert read.actor_label == "marco" and read.detail["cases"] == [eliras_case]


def test_another_organisation_sees_none_of_it(api, people, eliras_case):
    assert api(people["arben"], "get", "/api/v1/due").json() == []


def test_a_message_awaiting_an_answer_is_listed_as_its_deadline_nears(api, people, eliras_case, far_side):
    sent = api(people["giulia"], "post", f"/api/v1/cases/{eliras_case}/messages",
               {"type": "URGENT_DANGER_ALERT", "receiver": "al-tirana", "legal_basis": {"art6": "ART6_1_D",
                                                                                      "art9": "ART9_2_C",
                                                                                      "transfer_basis": "ART49_1F_VITAL_INTEREST"}})
    assert sent.status_code == 201, sent.content
    due = api(people["giulia"], "get", "/api/v1/due").json()
    assert any(d["message_id"] == sent.json()["message_id"] and d["box"] == "outbox" for d in due)


def test_the_due_page_lists_them_in_the_readers_language(client, people, eliras_case):
    client.force_login(people["giulia"].user)
    page = client.get("/cases/due", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert f"/cases/{eliras_case}/" in page and 'class="overdue"' in page
