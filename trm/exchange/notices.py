"""Telling every recipient (GDPR Arts. 7(3) and 19, rule R-GDPR-PROPAGATE): when a consent is
withdrawn on a case, a CONSENT_WITHDRAWN notice is queued, in the same transaction, to each node
that was sent data of the case, as a follow-up in that node's thread so that it lands on its own
case there. The receiver restricts what it holds and confirms with an ACK, which the sender sees
as the notice answered.

A notice goes under the grounds of the message that carried the data there (the transfer ground
that made that lawful) with Art. 6(1)(c), the legal obligation to notify. One that cannot leave is
returned with its reason, for the caseworker to see: the withdrawal itself is recorded whatever
happens to its notices.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from trm.cases.services import consent_withdraw

from .models import Delivery, OutboundMessage
from .sending import GDPR_NOTICES, LegalBasis, SendRefused, message_send, outbound_payload

NOTICE = "CONSENT_WITHDRAWN"


@dataclass(frozen=True)
class NoticeRefused:
    receiver: str
    code: str


def data_recipients(case) -> dict[str, OutboundMessage]:
    """Each node that was sent data of ``case``, with the latest such message sent to it."""
    sent = OutboundMessage.objects.filter(case=case).exclude(type__in=GDPR_NOTICES).exclude(
        state=Delivery.FAILED).order_by("created_at", "pk")
    return {message.receiver: message for message in sent}


def withdrawal_notices(*, actor, case, now: datetime) -> tuple[list[OutboundMessage], list[NoticeRefused]]:
    """Queue a CONSENT_WITHDRAWN notice to every node that holds data of ``case``."""
    queued, refused = [], []
    for receiver, carried in data_recipients(case).items():
        grounds = (outbound_payload(carried)["data"]["envelope"].get("legal_basis") or {})
        basis = LegalBasis(art6="ART6_1_C", transfer_basis=grounds.get("transfer_basis", ""))
        try:
            queued.append(message_send(actor=actor, case=case, receiver=receiver, message_type=NOTICE, now=now,
                                       in_reply_to=carried.message_id, legal_basis=basis))
        except SendRefused as refusal:
            refused.append(NoticeRefused(receiver, refusal.code))
    return queued, refused


@transaction.atomic
def consent_withdraw_and_notify(*, actor, case, index: int, on: date | None, now: datetime):
    """Record the withdrawal of consent number ``index`` and queue its notices, in one transaction:
    ``(case, notices queued, notices refused)``. Raises CaseInvalid for a consent that is not there."""
    case = consent_withdraw(actor=actor, case=case, index=index, on=on)
    queued, refused = withdrawal_notices(actor=actor, case=case, now=now)
    return case, queued, refused
