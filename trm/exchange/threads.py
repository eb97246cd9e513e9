"""Received messages in a caseworker's hands: read, open a case from, attach, accept, decline.

Each received message belongs to one organisation of this node; only its people see it, through
``inbound_get_for`` (the one door, as ``case_get_for`` is for cases). Opening a case from a
notification, attaching a message to a case and answering are each one transaction.
"""
from __future__ import annotations

import copy
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from trm import reporting
from trm.audit.services import audit_record
from trm.cases import services as cases
from trm.cases.models import Case, CaseEvent, EventKind
from trm.cases.selectors import case_get_for

from .models import Answer, InboundMessage, OutboundMessage
from .answers import ACCEPTED, DECLINED, OPENS_A_CASE
from .sending import SendRefused, message_send, outbound_payload
from .services import inbound_payload


class MessageNotFound(Exception):
    """No such message, or not one this user may see: the two are never told apart."""


def _may_handle(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.handles_cases and user.organisation_id)


def inbox_for(user) -> QuerySet:
    if not _may_handle(user):
        return InboundMessage.objects.none()
    return InboundMessage.objects.filter(organisation_id=user.organisation_id).select_related("case")


def outbox_for(user) -> QuerySet:
    if not _may_handle(user):
        return OutboundMessage.objects.none()
    return OutboundMessage.objects.filter(organisation_id=user.organisation_id).select_related("case")


def message_get_for(*, user, message_id: str) -> InboundMessage | OutboundMessage:
    """A message of the user's organisation, received or sent, by its id."""
    if not isinstance(message_id, str):
        raise MessageNotFound()
    found = inbox_for(user).filter(message_id=message_id).first() or outbox_for(user).filter(message_id=message_id).first()
    if found is None:
        raise MessageNotFound()
    return found


def message_content_for(*, user, message: InboundMessage | OutboundMessage) -> dict:
    """The payload as ``user`` may see it; the read is audited (messages carry identifying data)."""
    payload = inbound_payload(message) if isinstance(message, InboundMessage) else outbound_payload(message)
    audit_record(actor=user, action="exchange.read", object_type="message", object_id=message.message_id,
                 detail={"box": "inbox" if isinstance(message, InboundMessage) else "outbox"})
    name, _, version = message.template.partition("@")
    return reporting.redact(reporting.load_template(name, version), payload, user.hidden_sensitivities)


def thread_of(case: Case) -> list[InboundMessage | OutboundMessage]:
    """Every message of a case, sent and received, oldest first."""
    received = [*InboundMessage.objects.filter(case=case)]
    sent = [*OutboundMessage.objects.filter(case=case)]
    return sorted(received + sent, key=lambda m: (m.received_at if isinstance(m, InboundMessage) else m.created_at))


# Who first identified the person, seen from here: the kind of organisation that referred the case.
SECTOR_OF_ROLE = {"NGO": "NGO", "POLICE": "POLICE", "LABOUR_INSPECTORATE": "LABOUR_INSPECTION",
                  "SOCIAL_SERVICES": "SOCIAL_SERVICES", "CONSULATE": "CONSULATE"}
DECIDED_HERE = ("PRESUMED_REASONABLE_GROUNDS", "IDENTIFIED_FORMAL")


def _case_report(message: InboundMessage, payload: dict, actor) -> dict:
    """A new local case from a received notification: what it carries, in this node's own terms.

    Its first contact is the day the message arrived and its first identifier the referring
    organisation's sector. A reasonable-grounds or formal identification decision belongs to the
    country that made it: the local case starts as a possible victim, and the sender's status stays
    on the received message, for this node's own decision.
    """
    report = copy.deepcopy(payload)
    report.pop("profile", None)
    data = report["data"]
    envelope = data.pop("envelope", {})
    overview = data.setdefault("overview", {})
    overview.setdefault("case_type", "INDIVIDUAL")
    overview["case_status"] = "ACTIVE"
    overview["first_contact_date"] = message.received_at.date().isoformat()
    overview["identified_by_sector"] = _sector(message.sender, message.received_at)
    if overview.get("trafficking_status") in DECIDED_HERE:
        overview["trafficking_status"] = "POSSIBLE"
        for decided in ("reasonable_grounds_date", "formal_identification_date", "status_decision_org_type",
                        "status_decision_date"):
            overview.pop(decided, None)
    # The consents the sender recorded stay on the received message: they cover the sender's
    # sharing, not this node's. This node records its own before it shares anything onward.
    data.pop("consent", None)
    report["language"] = envelope.get("language") or report.get("language") or actor.language
    return report


def _sector(sender: str, at: datetime) -> str:
    from trm.directory import services as directory
    trust = directory.usable_trust_list(now=at)
    participant = trust.participant(sender) if trust else None
    roles = participant.roles if participant else ()
    return next((SECTOR_OF_ROLE[r] for r in roles if r in SECTOR_OF_ROLE), "OTHER")


@transaction.atomic
def inbound_accept(*, actor, message_id: str, now: datetime, case_id=None, note: str = "") -> InboundMessage:
    """Accept a notification or referral: open a local case from it (or attach it to ``case_id``)
    and answer the sender with REFERRAL_ACCEPTED. Raises MessageNotFound, SendRefused,
    cases.CaseInvalid."""
    message = _pending(actor, message_id)
    if message.type not in OPENS_A_CASE:
        raise SendRefused("not_a_reply")
    case = _attach(actor, message, case_id)
    message_send(actor=actor, case=case, receiver=message.sender, message_type=ACCEPTED, now=now,
                 in_reply_to=message.message_id, note=note)
    message.refresh_from_db()
    return message


@transaction.atomic
def inbound_decline(*, actor, message_id: str, reason: str, now: datetime) -> InboundMessage:
    """Decline a notification or referral with a reason, which the sender sees (REFERRAL_DECLINED)."""
    message = _pending(actor, message_id)
    if message.type not in OPENS_A_CASE:
        raise SendRefused("not_a_reply")
    if not isinstance(reason, str) or not reason.strip():
        raise SendRefused("no_reason")
    message_send(actor=actor, case=message.case, receiver=message.sender, message_type=DECLINED, now=now,
                 in_reply_to=message.message_id, note=reason)
    message.refresh_from_db()
    return message


@transaction.atomic
def inbound_attach(*, actor, message_id: str, case_id=None) -> InboundMessage:
    """Put a received message on a local case: an existing one (``case_id``), or, for a
    notification or referral, a new one opened from what it carries."""
    message = message_get_for(user=actor, message_id=message_id)
    if not isinstance(message, InboundMessage):
        raise MessageNotFound()
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.case_id is None:
        _attach(actor, message, case_id)
        message.refresh_from_db()
    return message


def _pending(actor, message_id: str) -> InboundMessage:
    message = message_get_for(user=actor, message_id=message_id)
    if not isinstance(message, InboundMessage):
        raise MessageNotFound()
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.answer != Answer.PENDING:
        raise SendRefused("already_answered")
    return message


def _attach(actor, message: InboundMessage, case_id) -> Case:
    if message.case_id is not None:
        return case_get_for(user=actor, case_id=message.case_id)
    if case_id not in (None, ""):
        case = case_get_for(user=actor, case_id=case_id)
    elif message.type in OPENS_A_CASE:
        case = cases.case_create(actor=actor, report=_case_report(message, inbound_payload(message), actor),
                                 today=message.received_at.date())
    else:
        raise SendRefused("no_case")
    InboundMessage.objects.filter(pk=message.pk).update(case=case)
    CaseEvent.objects.create(case=case, actor=actor, kind=EventKind.MESSAGE_RECEIVED, paths=[message.type])
    audit_record(actor=actor, action="exchange.attach", object_type="message", object_id=message.message_id,
                 detail={"case": str(case.pk)})
    return case
