"""Receiving messages from other nodes: open, check, store once, audit, and sign a receipt.

``envelope_receive`` is the one path for every way an envelope arrives (``POST /exchange/inbox``,
``trm exchange import FILE``). It refuses with ``EnvelopeRejected`` (a stable reason code, never
message content) and then stores nothing.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, time, timedelta, timezone as dt_timezone

from django.db import IntegrityError, transaction

from trm import reporting
from trm.accounts.models import Organisation
from trm.audit.services import audit_record
from trm.cases.models import CaseEvent, EventKind
from trm.cases.services import case_request_answered
from trm.cases.vault import keyring
from trm.directory import services as directory
from trm.exchange.envelope import (
    REASONS, EnvelopeRejected, NodeKeys, OpenedMessage, as_utc, open_envelope, receipt, recipient_kid,
)
from trm.exchange.trustlist import TrustList
from trm.lib import vault
from trm.workflow.deadlines import response_due
from trm.workflow.rules import load_rules

from .answers import answer_of, is_answer
from .models import Answer, InboundMessage, OutboundMessage

MAX_ENVELOPE_BYTES = 1_000_000
MAX_AGE = timedelta(days=2)
MAX_SKEW = timedelta(minutes=10)

# Refusals of the inbox that are not about the envelope's bytes (envelope.REASONS does not hold them).
INBOX_REASONS = ("no_trust_list", "no_node_keys", "invalid_payload")


class InboxRejected(EnvelopeRejected):
    """An envelope refused by this node's inbox: any reason of ``REASONS`` or ``INBOX_REASONS``."""

    def __init__(self, reason: str):
        if reason not in REASONS and reason not in INBOX_REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        Exception.__init__(self, reason)
        self.reason = reason


def payload_aad(message_id: str) -> bytes:
    return f"trm:inbound:{message_id}".encode()


def inbound_payload(message: InboundMessage) -> dict:
    """The payload of a stored message, decrypted."""
    return json.loads(vault.decrypt(keyring(), bytes(message.payload_blob), aad=payload_aad(message.message_id)))


def envelope_receive(*, envelope: bytes, now: datetime) -> tuple[InboundMessage, bytes, bool]:
    """Open, check and store one envelope addressed to this node; ``(message, receipt, is_new)``.

    A second delivery of a stored envelope returns the stored message and receipt with is_new
    False; another envelope with the id of a stored message is refused as ``replayed``.
    """
    envelope, now = bytes(envelope), as_utc(now)
    if len(envelope) > MAX_ENVELOPE_BYTES:
        raise InboxRejected("too_large")
    keys, trust = _node_keys(envelope, now), _trust_list(now)
    opened = _open(envelope, keys, trust, now)
    stored = _stored(opened)
    if stored is not None:
        return stored, stored.receipt.encode("ascii"), False
    _validate_payload(opened)
    signed = receipt(opened=opened, receiver=directory.signing_keys_now(trust, now=now), now=now)
    section = opened.payload["data"]["envelope"]
    in_reply_to = section.get("in_reply_to") or ""
    try:
        with transaction.atomic():
            answered = _answered_here(in_reply_to, opened)
            thread = answered or _followed_here(in_reply_to, opened)
            message = InboundMessage.objects.create(
                message_id=opened.message_id, type=opened.type, sender=opened.sender, received_at=now,
                created_at=opened.created_at, template=opened.template, envelope=envelope, digest=opened.digest,
                payload_blob=vault.encrypt(keyring(), _payload_bytes(opened.payload), aad=payload_aad(opened.message_id)),
                receipt=signed.decode("ascii"), in_reply_to=in_reply_to,
                organisation=thread.organisation if thread else _addressee(section),
                case=thread.case if thread else None, due_at=due_at_for(opened.type, now))
            if answered is not None:
                _record_answer(answered, opened.type, now)
            audit_record(action="exchange.receive", object_type="inbound_message", object_id=opened.message_id,
                         detail={"type": opened.type, "sender": opened.sender}, at=now)
    except IntegrityError:
        # Delivered twice at once: the other delivery stored it first.
        stored = _stored(opened)
        if stored is None:
            raise
        return stored, stored.receipt.encode("ascii"), False
    return message, signed, True


def _answered_here(in_reply_to: str, opened: OpenedMessage) -> OutboundMessage | None:
    """The message of this node that ``opened`` answers: sent by this node to its sender."""
    if not in_reply_to:
        return None
    return OutboundMessage.objects.filter(message_id=in_reply_to, receiver=opened.sender).first()


def _followed_here(in_reply_to: str, opened: OpenedMessage) -> InboundMessage | None:
    """The message of the sender's own thread that ``opened`` follows (a notice after a
    notification): it joins that message's case here, if it has one."""
    if not in_reply_to:
        return None
    return InboundMessage.objects.filter(message_id=in_reply_to, sender=opened.sender).first()


def _record_answer(answered: OutboundMessage, answer_type: str, now: datetime) -> None:
    """A reply arrived for ``answered``: on its case's timeline, and, when it is the answer, the
    message is marked answered and its request in the case's log too."""
    if answered.case_id:
        CaseEvent.objects.create(case_id=answered.case_id, kind=EventKind.MESSAGE_RECEIVED, paths=[answer_type])
    if not is_answer(answered.type, answer_type) or answered.answer != Answer.PENDING:
        return
    OutboundMessage.objects.filter(pk=answered.pk).update(answer=answer_of(answer_type))
    if answered.case_id and answered.due_at is not None:
        case_request_answered(case_id=answered.case_id, message_type=answered.type, to=answered.receiver,
                              sent=answered.created_at.date(), on=now.date())


def _addressee(section: dict) -> Organisation | None:
    """The organisation of this node a new message is for: the one its envelope names, else the
    national contact point, else the first organisation (a node of one organisation)."""
    names = [r.get("organisation") for r in section.get("recipients") or [] if isinstance(r, dict)]
    organisations = Organisation.objects.order_by("pk")
    return organisations.filter(name__in=[n for n in names if isinstance(n, str)]).first() \
        or organisations.filter(kind="NATIONAL_CONTACT_POINT").first() or organisations.first()


def due_at_for(message_type: str, now: datetime) -> datetime | None:
    """When an answer to a message of ``message_type`` sent at ``now`` is due (None: no deadline);
    a limit in days ends at 23:59 UTC of its last day."""
    due = response_due(load_rules(), message_type, now)
    if due is None or isinstance(due, datetime):
        return due
    return datetime.combine(due, time(23, 59), dt_timezone.utc)


def _node_keys(envelope: bytes, now: datetime) -> NodeKeys:
    """The keys the envelope was sealed to: the current ones, or ones replaced by a rotation that
    are still in their overlap. Any other kid is refused as not for this node."""
    try:
        current = directory.node_keys()
    except directory.DirectoryError:
        raise InboxRejected("no_node_keys") from None
    try:
        kid = recipient_kid(envelope, max_bytes=MAX_ENVELOPE_BYTES)
    except EnvelopeRejected:
        return current  # malformed: open_envelope says so, with its reason
    return directory.node_keys_for(encryption_kid=kid, now=now) or current


def _trust_list(now: datetime) -> TrustList:
    trust = directory.usable_trust_list(now=now)
    if trust is None:
        raise InboxRejected("no_trust_list")
    return trust


def _open(envelope: bytes, keys: NodeKeys, trust: TrustList, now: datetime) -> OpenedMessage:
    """Open with the sender's keys valid when the message was created.

    The creation time is inside the signed message, so it is known only once opened: the first
    pass accepts any key of the sender valid during the window a message accepted now can come
    from, the second checks the signature again with only the keys valid at its creation time.
    """
    def keys_in_window(sender: str) -> list[dict]:
        participant = trust.participant(sender)
        if participant is None:
            return []
        start, end = now - MAX_AGE, now + MAX_SKEW
        return [entry.jwk for entry in participant.signing_keys if entry.not_before < end and entry.not_after > start]

    options = {"envelope": envelope, "receiver": keys, "now": now, "max_bytes": MAX_ENVELOPE_BYTES,
               "max_age": MAX_AGE, "max_skew": MAX_SKEW}
    first = open_envelope(sender_signing_jwks=keys_in_window, **options)
    opened = open_envelope(sender_signing_jwks=lambda sender: trust.signing_jwks(sender, at=first.created_at),
                           **options)
    if trust.participant(opened.sender) is None:
        raise InboxRejected("unknown_sender")
    if opened.receiver != keys.node_id:
        raise InboxRejected("wrong_recipient")
    return opened


def _stored(opened: OpenedMessage) -> InboundMessage | None:
    stored = InboundMessage.objects.filter(message_id=opened.message_id).first()
    if stored is not None and stored.digest != opened.digest:
        raise InboxRejected("replayed")
    return stored


def _validate_payload(opened: OpenedMessage) -> None:
    """The payload must be a valid message of its type against the template the envelope names,
    and its own envelope section must carry the same message id and type as the signed envelope."""
    name, _, version = opened.template.partition("@")
    try:
        template = reporting.load_template(name, version)
        errors = reporting.validate(template, opened.payload, today=opened.created_at.date(), profile=opened.type)
    except Exception:  # an unknown template or profile, or a payload the engine cannot read
        raise InboxRejected("invalid_payload") from None
    section = opened.payload.get("data", {}).get("envelope") if isinstance(opened.payload.get("data"), dict) else None
    if errors or not isinstance(section, dict) \
            or (section.get("message_id"), section.get("message_type")) != (opened.message_id, opened.type) \
            or (opened.payload.get("template"), opened.payload.get("version")) != (name, version):
        raise InboxRejected("invalid_payload")


def _payload_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def envelope_digest(envelope: bytes) -> str:
    return hashlib.sha256(bytes(envelope)).hexdigest()
