"""Story 2: one request per worker of a group case to the national contact point of the worker's
own country, asking it to verify the worker's identity. Each message is the worker's own case
projected for IDENTITY_VERIFICATION_REQUEST, so each contact point sees only its own nationals.
Each worker's request stands alone: one refused (no consent, say) does not hold back the others,
and the caseworker sees why it was refused."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from trm.cases.groups import group_members
from trm.cases.models import Case
from trm.cases.selectors import case_report_for

from .models import Answer, Delivery, OutboundMessage
from .sending import LegalBasis, SendRefused, message_send, recipients

REQUEST = "IDENTITY_VERIFICATION_REQUEST"
CONTACT_POINT = "NATIONAL_CONTACT_POINT"


@dataclass(frozen=True)
class WorkerRequest:
    case: Case
    receiver: str  # "" when no contact point of the worker's country is in the trust list
    message: OutboundMessage | None
    code: str = ""  # why nothing was sent: a SendRefused code, no_contact_point or already_asked


def group_identity_requests(*, actor, case: Case, now: datetime,
                            legal_basis: LegalBasis | None = None) -> list[WorkerRequest]:
    """Ask each worker's country of citizenship to verify the worker's identity."""
    contact_points = [p for p in recipients(now=now) if CONTACT_POINT in p.roles]
    results = []
    for member in group_members(user=actor, case=case):
        identity = case_report_for(user=actor, case=member, purpose="group")["data"].get("identity") or {}
        countries = [c for c in identity.get("citizenships") or [] if isinstance(c, str)]
        receivers = [p.node_id for p in contact_points if p.country in countries]
        if not receivers:
            results.append(WorkerRequest(member, "", None, "no_contact_point"))
        for receiver in receivers:
            results.append(_ask(actor, member, receiver, now, legal_basis))
    return results


def _ask(actor, case: Case, receiver: str, now: datetime, legal_basis: LegalBasis | None) -> WorkerRequest:
    waiting = OutboundMessage.objects.filter(case=case, receiver=receiver, type=REQUEST, answer=Answer.PENDING).exclude(
        state=Delivery.FAILED)
    if waiting.exists():
        return WorkerRequest(case, receiver, None, "already_asked")
    try:
        message = message_send(actor=actor, case=case, receiver=receiver, message_type=REQUEST, now=now,
                               legal_basis=legal_basis)
    except SendRefused as refusal:
        return WorkerRequest(case, receiver, None, refusal.code)
    return WorkerRequest(case, receiver, message)
