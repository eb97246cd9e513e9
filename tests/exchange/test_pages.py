"""The message pages on the Italian NGO's node: send with a preview, the outbox, a received
notification accepted or declined, a refusal shown in the reader's language."""
import uuid

import pytest

from trm.cases.models import Case
from trm.exchange.envelope import seal, utc_text
from trm.exchange.models import InboundMessage, OutboundMessage
from trm.exchange.services import envelope_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_id(api, people, elira, far_side):
    elira["data"]["identity"]["contact"] = {"address": "Via dei Campi 4", "locality": "Foggia", "country": "IT"}
    return api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]


@pytest.fixture
def giulia(client, people):
    client.force_login(people["giulia"].user)
    return client


def digest_of(page) -> str:
    import re
    return re.search(r'name="_digest" value="([0-9a-f]{64})"', page.content.decode()).group(1)


def preview_then_send(client, case_id, choice):
    preview = client.post(f"/cases/{case_id}/send", {**choice, "_preview": "1"})
    return client.post(f"/cases/{case_id}/send", {**choice, "_send": "1", "_digest": digest_of(preview)})


def test_the_send_page_previews_exactly_what_leaves_before_anything_is_sent(giulia, case_id):
    page = giulia.get(f"/cases/{case_id}/send")
    assert page.status_code == 200 and b"al-tirana" in page.content
    preview = giulia.post(f"/cases/{case_id}/send", {"receiver": "al-tirana", "type": "CASE_NOTIFICATION", "_preview": "1"},
                          HTTP_ACCEPT_LANGUAGE="it")
    text = preview.content.decode()
    assert preview.status_code == 200 and "Elira" in text and 'name="_send"' in text
    assert "Via dei Campi" not in text
    assert OutboundMessage.objects.count() == 0
    sent = giulia.post(f"/cases/{case_id}/send", {"receiver": "al-tirana", "type": "CASE_NOTIFICATION", "_send": "1",
                                                 "_digest": digest_of(preview)})
    assert sent.status_code == 302 and OutboundMessage.objects.count() == 1
    case_page = giulia.get(f"/cases/{case_id}/").content.decode()
    assert "al-tirana" in case_page and "QUEUED" not in case_page  # states are shown as words, not codes


def test_a_refused_send_says_why_in_the_readers_language_and_queues_nothing(giulia, api, people, case_id):
    api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/0/withdraw", {})
    response = giulia.post(f"/cases/{case_id}/send", {"receiver": "al-tirana", "type": "CASE_NOTIFICATION",
                                                      "_send": "1"}, HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 422 and "consenso" in response.content.decode()
    assert OutboundMessage.objects.count() == 0


def test_a_case_changed_after_the_preview_is_not_sent_unseen(giulia, api, people, case_id):
    choice = {"receiver": "al-tirana", "type": "CASE_NOTIFICATION"}
    preview = giulia.post(f"/cases/{case_id}/send", {**choice, "_preview": "1"})
    api(people["marco"], "patch", f"/api/v1/cases/{case_id}", {"data": {"identity": {"sex_gender": "Masculine"}}})
    response = giulia.post(f"/cases/{case_id}/send", {**choice, "_send": "1", "_digest": digest_of(preview)})
    assert response.status_code == 422 and OutboundMessage.objects.count() == 0
    assert response.content.decode().count('name="_digest"') == 0  # shown the refusal, to preview again


def test_without_consent_the_page_offers_a_lawful_ground_and_sends_under_it(giulia, api, people, case_id, far_side):
    api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/0/withdraw", {})
    choice = {"receiver": "al-tirana", "type": "IDENTITY_VERIFICATION_REQUEST", "art6": "ART6_1_E",
              "transfer_basis": "ART49_1D_PUBLIC_INTEREST"}
    assert preview_then_send(giulia, case_id, choice).status_code == 302
    from trm.exchange.sending import outbound_payload
    basis = outbound_payload(OutboundMessage.objects.get())["data"]["envelope"]["legal_basis"]
    assert basis == {"regime": "GDPR", "art6": "ART6_1_E", "transfer_basis": "ART49_1D_PUBLIC_INTEREST"}


def test_the_outbox_lists_what_was_sent(giulia, case_id):
    preview_then_send(giulia, case_id, {"receiver": "al-tirana", "type": "CASE_NOTIFICATION"})
    outbox = giulia.get("/messages/?box=outbox").content.decode()
    assert "al-tirana" in outbox and Case.objects.get(pk=case_id).reference in outbox


def received_notification(far_side, template, elira, message_type="CASE_NOTIFICATION") -> InboundMessage:
    """Tirana notifies Bari of a case (the far side seals; this node receives it as its inbox would)."""
    from trm import reporting
    message_id = str(uuid.uuid4())
    payload = reporting.project(template, {**elira, "language": "sq"}, message_type, today=far_side.now.date())
    payload["data"]["envelope"] = {
        "message_id": message_id, "message_type": message_type,
        "sender": {"country": "AL", "organisation": "National contact point of Albania"},
        "recipients": [{"country": "IT", "organisation": "On the Road, Apulia"}],
        "sent_at": utc_text(far_side.now), "language": "sq", "note": "Ju lutem kontaktoni familjen",
        "schema_version": "trm-case-report@1.0",
    }
    envelope = seal(payload=payload, message_type=message_type, sender=far_side.tirana, receiver_id="it-bari",
                    receiver_encryption_jwk=far_side.bari.public_jwks()["encryption"], template="trm-case-report@1.0",
                    now=far_side.now, message_id=message_id)
    message, _, _ = envelope_receive(envelope=envelope, now=far_side.now)
    return message


def test_a_received_notification_is_read_in_the_readers_language_and_accepted_into_a_new_case(
        giulia, people, far_side, template, elira):
    message = received_notification(far_side, template, elira)
    inbox = giulia.get("/messages/").content.decode()
    assert message.message_id in inbox
    page = giulia.get(f"/messages/{message.message_id}", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Elira" in page and 'lang="sq"' in page  # her free text stays marked as Albanian
    cases_before = Case.objects.count()
    accepted = giulia.post(f"/messages/{message.message_id}/accept", {"case_id": ""})
    assert accepted.status_code == 302
    message.refresh_from_db()
    assert message.answer == "ACCEPTED" and message.case_id and Case.objects.count() == cases_before + 1
    answer = OutboundMessage.objects.get(in_reply_to=message.message_id)
    assert (answer.type, answer.receiver) == ("REFERRAL_ACCEPTED", "al-tirana")


def test_declining_needs_a_reason_and_then_sends_it(giulia, far_side, template, elira):
    message = received_notification(far_side, template, elira)
    refused = giulia.post(f"/messages/{message.message_id}/decline", {"reason": "  "})
    assert refused.status_code == 422 and OutboundMessage.objects.count() == 0
    giulia.post(f"/messages/{message.message_id}/decline", {"reason": "Not in our region"})
    message.refresh_from_db()
    assert message.answer == "DECLINED"
    assert OutboundMessage.objects.get().type == "REFERRAL_DECLINED"


def test_another_organisation_sees_neither_the_message_nor_its_page(client, people, far_side, template, elira):
    message = received_notification(far_side, template, elira)
    client.force_login(people["arben"].user)
    assert message.message_id not in client.get("/messages/").content.decode()
    assert client.get(f"/messages/{message.message_id}").status_code == 404
    assert client.post(f"/messages/{message.message_id}/accept", {}).status_code == 404
    message.refresh_from_db()
    assert message.answer == "PENDING"


def test_a_declined_notification_cannot_be_accepted_afterwards_from_a_case(giulia, api, people, far_side, template,
                                                                            elira, case_id):
    message = received_notification(far_side, template, elira)
    giulia.post(f"/messages/{message.message_id}/decline", {"reason": "Not in our region"})
    giulia.post(f"/messages/{message.message_id}/attach", {"case_id": str(case_id)})
    response = api(people["giulia"], "post", f"/api/v1/cases/{case_id}/messages",
                   {"type": "REFERRAL_ACCEPTED", "receiver": "al-tirana", "in_reply_to": message.message_id})
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "already_answered"
    assert OutboundMessage.objects.filter(type="REFERRAL_ACCEPTED").count() == 0


def test_a_follow_up_question_does_not_count_as_the_answer(giulia, api, people, far_side, template, elira, case_id):
    message = received_notification(far_side, template, elira)
    giulia.post(f"/messages/{message.message_id}/attach", {"case_id": str(case_id)})
    asked = api(people["giulia"], "post", f"/api/v1/cases/{case_id}/messages",
                {"type": "INFORMATION_REQUEST", "receiver": "al-tirana", "in_reply_to": message.message_id})
    assert asked.status_code == 201, asked.content
    message.refresh_from_db()
    assert message.answer == "PENDING"


def test_a_referral_made_after_reasonable_grounds_opens_a_case_that_is_this_nodes_own(giulia, far_side, template, elira):
    from trm.cases.selectors import stored_report
    message = received_notification(far_side, template, elira, "REFERRAL_REQUEST")
    assert giulia.post(f"/messages/{message.message_id}/accept", {"case_id": ""}).status_code == 302
    message.refresh_from_db()
    overview = stored_report(message.case)["data"]["overview"]
    assert overview["trafficking_status"] == "POSSIBLE" and "reasonable_grounds_date" not in overview
    assert "consent" not in stored_report(message.case)["data"]  # the sender's consents cover the sender's sharing
