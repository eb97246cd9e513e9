"""Story 5, "Please forget me", on the sending node: a withdrawn consent is told, in the same
transaction, to every node that was sent the case's data, as a follow-up of what it was sent."""
import pytest

from trm.cases.models import CaseEvent
from trm.exchange.models import OutboundMessage

from .test_sending import case_id, leaves, opened, send  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def withdraw(api, people, case_id, index=0):
    return api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/{index}/withdraw", {})


def test_a_node_that_was_sent_the_case_is_told_of_the_withdrawal(api, people, case_id, far_side):
    notified = send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"}).json()
    response = withdraw(api, people, case_id)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["consents"][0]["withdrawn_date"] and body["not_notified"] == []
    [notice] = body["notices"]
    assert notice["receiver"] == "al-tirana"
    message = OutboundMessage.objects.get(message_id=notice["message_id"])
    assert message.type == "CONSENT_WITHDRAWN" and message.in_reply_to == notified["message_id"]
    carried = leaves(opened(far_side, message).payload)
    assert carried and all(p.startswith(("envelope.", "consent.")) for p in carried)
    assert opened(far_side, message).payload["data"]["consent"]["consents"][0]["withdrawn_date"]


def test_the_withdrawal_and_its_notices_are_one_change_of_the_case(api, people, case_id, far_side):
    send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
    withdraw(api, people, case_id)
    kinds = list(CaseEvent.objects.filter(case_id=case_id).values_list("kind", flat=True))
    assert kinds[-2:] == ["CONSENT_WITHDRAWN", "MESSAGE_SENT"]


def test_a_case_never_sent_anywhere_tells_no_one(api, people, case_id):
    body = withdraw(api, people, case_id).json()
    assert body["notices"] == [] and not OutboundMessage.objects.exists()


def test_each_node_is_told_once_and_notices_are_not_told_again(api, people, case_id, far_side):
    send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
    send(api, people, case_id, {"type": "IDENTITY_VERIFICATION_REQUEST", "receiver": "al-tirana"})
    assert len(withdraw(api, people, case_id).json()["notices"]) == 1
    api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents",
        {"scope": "ASSISTANCE", "given_by": "PERSON", "date": "2026-11-24"})
    second = withdraw(api, people, case_id, index=1).json()["notices"]
    assert len(second) == 1  # the node still holds the case's data: told again, once
    assert OutboundMessage.objects.filter(type="CONSENT_WITHDRAWN").count() == 2
