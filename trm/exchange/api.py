"""Message endpoints: send from a case (or preview first), the inbox and outbox, one message, answers.

Each parses input, calls one service or selector, and shapes the answer. Refusals are 422 with a
stable code and a message in the reader's language; nothing is queued when a send is refused.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils import timezone, translation
from ninja import Field, Query, Router, Schema, Status

from trm.cases import services as cases
from trm.cases.api import Errors, _errors, _not_found, _not_in_group
from trm.cases.selectors import CaseNotFound, case_get_for
from trm.web.views import engine_language

from . import threads
from .models import InboundMessage, OutboundMessage
from .sending import REFUSALS, LegalBasis, SendRefused, message_draft, message_preview, message_send, recipients

case_router = Router(tags=["messages"])
router = Router(tags=["messages"])


class LegalBasisIn(Schema):
    regime: str = Field("", max_length=40)
    art6: str = Field("", max_length=40)
    art9: str = Field("", max_length=40)
    transfer_basis: str = Field("", max_length=40)


class SendRequest(Schema):
    """What to send, to whom. With ``preview`` true nothing is sent: the answer shows what would leave."""

    type: str = Field(..., max_length=64)
    receiver: str = Field(..., max_length=100)
    in_reply_to: str = Field("", max_length=36)
    note: str = Field("", max_length=4000)
    legal_basis: LegalBasisIn | None = None
    preview: bool = False


class MessageSummary(Schema):
    message_id: str
    box: Literal["inbox", "outbox"]
    type: str
    sender: str
    receiver: str
    case_id: int | None
    in_reply_to: str
    at: datetime
    delivery: str
    last_error: str
    answer: str
    due_at: datetime | None
    overdue: bool


class MessageDetail(MessageSummary):
    payload: dict[str, Any]


class Preview(Schema):
    receiver: str
    type: str
    sections: list[dict[str, Any]]


class AcceptRequest(Schema):
    case_id: int | None = None
    note: str = Field("", max_length=4000)


class DeclineRequest(Schema):
    reason: str = Field(..., max_length=4000)


class AttachRequest(Schema):
    case_id: int | None = None


class Recipient(Schema):
    node_id: str
    country: str
    organisations: list[str]
    roles: list[str]
    languages: list[str]


def summary(message: InboundMessage | OutboundMessage, *, now: datetime) -> dict:
    inbound = isinstance(message, InboundMessage)
    waiting = message.answer == "PENDING"
    return {
        "message_id": message.message_id, "box": "inbox" if inbound else "outbox", "type": message.type,
        "sender": message.sender if inbound else "", "receiver": "" if inbound else message.receiver,
        "case_id": message.case_id, "in_reply_to": message.in_reply_to,
        "at": message.received_at if inbound else message.created_at,
        "delivery": "DELIVERED" if inbound else message.state, "last_error": "" if inbound else message.last_error,
        "answer": message.answer, "due_at": message.due_at,
        "overdue": bool(waiting and message.due_at and message.due_at < now),
    }


def refused(request, refusal: SendRefused):
    if refusal.errors:
        return Status(422, {"errors": _errors(request, refusal.errors)})
    return Status(422, {"errors": [{"path": "", "code": refusal.code, "message": refusal.message}]})


def _message_not_found():
    return Status(404, {"errors": [{"path": "", "code": "not_found", "message": translation.gettext("No such message.")}]})


@case_router.post("/{case_id}/messages", response={200: Preview, 201: MessageSummary, 404: Errors, 422: Errors},
                  summary="Send a message from a case to another node (or preview exactly what would leave)")
def send(request, case_id: int, body: SendRequest):
    now = timezone.now()
    basis = LegalBasis(**body.legal_basis.model_dump()) if body.legal_basis else None
    try:
        case = case_get_for(user=request.user, case_id=case_id)
        if body.preview:
            draft = message_draft(actor=request.user, case=case, receiver=body.receiver, message_type=body.type,
                                  now=now, in_reply_to=body.in_reply_to, note=body.note, legal_basis=basis)
            rendered = message_preview(draft, engine_language(request))
            return Status(200, {"receiver": draft.receiver.node_id, "type": draft.message_type,
                                "sections": rendered["sections"]})
        message = message_send(actor=request.user, case=case, receiver=body.receiver, message_type=body.type, now=now,
                               in_reply_to=body.in_reply_to, note=body.note, legal_basis=basis)
    except CaseNotFound:
        return _not_found(request)
    except SendRefused as refusal:
        return refused(request, refusal)
    except cases.CaseInvalid as invalid:
        return Status(422, {"errors": _errors(request, invalid.errors)})
    return Status(201, summary(message, now=now))


class GroupRequest(Schema):
    legal_basis: LegalBasisIn | None = None


@case_router.post("/{case_id}/group/identity-requests", response={200: dict[str, Any], 404: Errors},
                  summary="Ask each worker of the case's group to be verified by their own country's contact point")
def group_identity_requests(request, case_id: int, body: GroupRequest):
    from trm.cases.groups import group_members

    from .group_requests import group_identity_requests as ask
    now = timezone.now()
    try:
        case = case_get_for(user=request.user, case_id=case_id)
    except CaseNotFound:
        return _not_found(request)
    if not group_members(user=request.user, case=case):
        return _not_in_group(request)
    basis = LegalBasis(**body.legal_basis.model_dump()) if body.legal_basis else None
    results = ask(actor=request.user, case=case, now=now, legal_basis=basis)
    return Status(200, {
        "sent": [{"case_id": r.case.pk, "receiver": r.receiver, "message_id": r.message.message_id}
                 for r in results if r.message],
        "not_sent": [{"case_id": r.case.pk, "receiver": r.receiver, "code": r.code, "message": str(REFUSALS[r.code])}
                     for r in results if not r.message]})


@router.get("/messages", response=list[MessageSummary], summary="Your organisation's inbox or outbox, newest first")
def list_messages(request, box: Literal["inbox", "outbox"] = "inbox", limit: int = Query(50, ge=1, le=200),
                  offset: int = Query(0, ge=0, le=10_000_000)):
    now = timezone.now()
    messages = threads.inbox_for(request.user) if box == "inbox" else threads.outbox_for(request.user)
    return [summary(m, now=now) for m in messages[offset: offset + limit]]


@router.get("/messages/{message_id}", response={200: MessageDetail, 404: Errors},
            summary="One message, with what it carries as you may see it")
def get_message(request, message_id: str):
    try:
        message = threads.message_get_for(user=request.user, message_id=message_id)
    except threads.MessageNotFound:
        return _message_not_found()
    payload = threads.message_content_for(user=request.user, message=message)
    return Status(200, {**summary(message, now=timezone.now()), "payload": payload})


def _answer(request, message_id: str, act):
    try:
        message = act()
    except (threads.MessageNotFound, CaseNotFound):
        return _message_not_found()
    except SendRefused as refusal:
        return refused(request, refusal)
    except cases.CaseInvalid as invalid:
        return Status(422, {"errors": _errors(request, invalid.errors)})
    return Status(200, summary(message, now=timezone.now()))


@router.post("/messages/{message_id}/accept", response={200: MessageSummary, 404: Errors, 422: Errors},
             summary="Accept a notification or referral: open a case from it (or attach it to yours) and tell the sender")
def accept(request, message_id: str, body: AcceptRequest):
    return _answer(request, message_id, lambda: threads.inbound_accept(
        actor=request.user, message_id=message_id, case_id=body.case_id, note=body.note, now=timezone.now()))


@router.post("/messages/{message_id}/decline", response={200: MessageSummary, 404: Errors, 422: Errors},
             summary="Decline a notification or referral with a reason the sender sees")
def decline(request, message_id: str, body: DeclineRequest):
    return _answer(request, message_id, lambda: threads.inbound_decline(
        actor=request.user, message_id=message_id, reason=body.reason, now=timezone.now()))


@router.post("/messages/{message_id}/attach", response={200: MessageSummary, 404: Errors, 422: Errors},
             summary="Put a received message on one of your cases (or a new case opened from it)")
def attach(request, message_id: str, body: AttachRequest):
    return _answer(request, message_id, lambda: threads.inbound_attach(
        actor=request.user, message_id=message_id, case_id=body.case_id))


@router.get("/recipients", response=list[Recipient], summary="The nodes of the trust list you can send to")
def list_recipients(request):
    return [{"node_id": p.node_id, "country": p.country, "organisations": list(p.organisations),
             "roles": list(p.roles), "languages": list(p.languages)} for p in recipients(now=timezone.now())]
