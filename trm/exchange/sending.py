"""Sending a message from a case: draft, check, preview, then write it to the outbox.

The path is short on purpose: ``message_draft`` projects the case for the message type (only what
the type's profile carries and what applies), fills the §A envelope and checks consent and legal
basis; ``message_preview`` renders exactly that draft in the caseworker's language; ``message_send``
makes the same draft again under the case's lock and writes the sealed envelope to the outbox in
the same transaction as the case change. Nothing is sealed that was not checked.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from trm import reporting
from trm.audit.services import audit_record
from trm.cases import services as cases
from trm.cases.models import Case, EventKind
from trm.cases.selectors import case_get_for, case_report_for
from trm.cases.vault import keyring
from trm.directory import services as directory
from trm.exchange.envelope import NodeKeys, as_utc, seal, utc_text
from trm.exchange.trustlist import Participant, TrustList
from trm.lib import vault
from trm.workflow.rules import load_rules

from .models import Answer, InboundMessage, OutboundMessage
from .services import answer_of, due_at_for

TEMPLATE_SENSITIVE = frozenset({"PERSONAL", "SPECIAL_CATEGORY", "CHILD_SECRET", "CRIMINAL"})
NEEDS_ART9 = frozenset({"SPECIAL_CATEGORY", "CHILD_SECRET"})
# Lawful grounds other than consent under which a node may send identifying data (GDPR Art. 6(1)).
NOT_CONSENT_ART6 = frozenset({"ART6_1_C", "ART6_1_D", "ART6_1_E"})

# What answers what: accepting or declining a notification or a referral, and each request's response.
ANSWER_TYPES = {
    "IDENTITY_VERIFICATION_REQUEST": "IDENTITY_VERIFICATION_RESPONSE",
    "TRAVEL_DOCUMENT_REQUEST": "TRAVEL_DOCUMENT_RESPONSE",
    "INFORMATION_REQUEST": "INFORMATION_RESPONSE",
    "RISK_ASSESSMENT_REQUEST": "RISK_ASSESSMENT_REPORT",
    "FAMILY_TRACING_REQUEST": "FAMILY_TRACING_RESPONSE",
    "FAMILY_ASSESSMENT_REQUEST": "FAMILY_ASSESSMENT_REPORT",
    "RETURN_PLAN_PROPOSAL": "RETURN_PLAN_CONFIRMATION",
    "PROCEEDINGS_INFO_REQUEST": "PROCEEDINGS_UPDATE",
    "URGENT_DANGER_ALERT": "ACK",
    "MISSING_CHILD_ALERT": "ACK",
}
ACCEPTED, DECLINED = "REFERRAL_ACCEPTED", "REFERRAL_DECLINED"

REFUSALS = {
    "no_node_keys": _("This node has no keys yet: the administrator runs trm directory keys."),
    "no_trust_list": _("This node has no current trust list: the administrator imports one."),
    "unknown_receiver": _("The recipient is not in this node's trust list."),
    "same_node": _("A message cannot be sent to this node itself."),
    "unknown_type": _("This message type is not known."),
    "receiver_template": _("The recipient does not accept this version of the template."),
    "restricted": _("The case says not to share its data with other countries."),
    "no_consent": _("No recorded consent covers sharing this person's data with the recipient. Record the "
                    "consent first, or name a lawful ground other than consent."),
    "no_legal_basis": _("This message carries special-category or child data: name the ground for processing it "
                        "(GDPR Article 9) or the law that applies."),
    "not_a_reply": _("The message answered is not one of this case's messages."),
    "invalid_message": _("The message is not complete for its type."),
    "no_reason": _("Say why the message is declined: the sender sees the reason."),
    "already_answered": _("This message has already been answered."),
    "no_case": _("Choose the case this message belongs to."),
}


class SendRefused(Exception):
    """A message that may not leave; ``code`` is a key of REFUSALS, ``errors`` the engine's."""

    def __init__(self, code: str, errors: list | None = None):
        super().__init__(code)
        self.code, self.errors = code, errors or []

    @property
    def message(self) -> str:
        return str(REFUSALS[self.code])


@dataclass(frozen=True)
class LegalBasis:
    regime: str = ""
    art6: str = ""
    art9: str = ""
    transfer_basis: str = ""

    def as_data(self) -> dict:
        data = {"regime": self.regime, "art6": self.art6, "art9": self.art9, "transfer_basis": self.transfer_basis}
        if self.regime != "GDPR":
            data.pop("art6"), data.pop("art9")
        return {key: value for key, value in data.items() if value}


@dataclass(frozen=True)
class Draft:
    """A message as it will leave: the receiver, the projected payload and why it may leave."""

    case: Case | None  # None for an answer that needs no case of its own (declining a notification)
    receiver: Participant
    message_type: str
    message_id: str
    payload: dict = field(repr=False)
    template: reporting.Template = field(repr=False)
    in_reply_to: str
    due_at: datetime | None
    carries: frozenset[str]  # the sensitivities of the fields it carries


def _trust(now: datetime) -> tuple[NodeKeys, TrustList]:
    try:
        keys = directory.node_keys()
    except directory.DirectoryError:
        raise SendRefused("no_node_keys") from None
    trust = directory.usable_trust_list(now=now)
    if trust is None:
        raise SendRefused("no_trust_list")
    return keys, trust


def recipients(*, now: datetime) -> list[Participant]:
    """The nodes this node can send to: every participant of the current trust list but itself."""
    try:
        keys, trust = _trust(now)
    except SendRefused:
        return []
    return [p for p in trust.participants if p.node_id != keys.node_id and trust.encryption_jwk(p.node_id, at=now)]


def message_draft(*, actor, case: Case | None, receiver: str, message_type: str, now: datetime, in_reply_to: str = "",
                  note: str = "", legal_basis: LegalBasis | None = None, report: dict | None = None) -> Draft:
    """The message ``actor`` would send: checked, projected, with its envelope. Raises SendRefused.

    Without ``report`` the case is read as ``actor`` may see it (an audited read): what the actor
    may not see never leaves. Without a case, only the envelope is sent (an answer such as a decline).
    """
    now = as_utc(now)
    if case is not None:
        case = case_get_for(user=actor, case_id=case.pk)
    keys, trust = _trust(now)
    participant = trust.participant(receiver) if isinstance(receiver, str) else None
    if participant is None or trust.encryption_jwk(participant.node_id, at=now) is None:
        raise SendRefused("unknown_receiver")
    if participant.node_id == keys.node_id:
        raise SendRefused("same_node")
    template = reporting.load_template(case.template, case.template_version) if case else reporting.load_template()
    if message_type not in template.profiles:
        raise SendRefused("unknown_type")
    if participant.templates and template.id not in participant.templates:
        raise SendRefused("receiver_template")
    if in_reply_to and not _in_thread(actor, case, in_reply_to):
        raise SendRefused("not_a_reply")
    if report is None:
        report = case_report_for(user=actor, case=case, purpose="message") if case else \
            {"template": template.name, "version": template.version, "language": actor.language, "data": {}}
    payload = reporting.project(template, report, message_type, today=now.date())
    carries = _sensitivities(template, payload["data"])
    sender_country = actor.organisation.country
    basis = _lawful(report["data"], participant, carries, legal_basis or LegalBasis(), sender_country)
    message_id = str(uuid.uuid4())
    due_at = due_at_for(message_type, now)
    payload["data"]["envelope"] = _envelope(
        message_id=message_id, message_type=message_type, actor=actor, case=case, participant=participant, now=now,
        in_reply_to=in_reply_to, note=note, basis=basis, due_at=due_at, report=report)
    errors = reporting.validate(template, payload, today=now.date(), profile=message_type)
    if errors:
        raise SendRefused("invalid_message", errors)
    return Draft(case, participant, message_type, message_id, payload, template, in_reply_to, due_at, carries)


def _in_thread(actor, case: Case | None, message_id: str) -> bool:
    """Whether ``message_id`` is a message of ``case``'s thread (or, without a case, one received
    by the actor's organisation and not yet attached to a case)."""
    if case is None:
        return InboundMessage.objects.filter(organisation_id=actor.organisation_id, case=None,
                                             message_id=message_id).exists()
    return InboundMessage.objects.filter(case=case, message_id=message_id).exists() \
        or OutboundMessage.objects.filter(case=case, message_id=message_id).exists()


def _sensitivities(template: reporting.Template, data: dict) -> frozenset[str]:
    found = set()
    for place in reporting.walk(template, {"template": template.name, "version": template.version, "data": data},
                                derived=True):
        if not place.field.is_group and place.value not in (None, "", [], {}):
            found.add(place.field.sensitivity)
    return frozenset(found)


def _lawful(data: dict, participant: Participant, carries: frozenset[str], basis: LegalBasis,
            sender_country: str) -> tuple[LegalBasis, str]:
    """The legal basis the message goes on, and the consent reference that covers it; or a refusal.

    Identifying data leaves only under a recorded, unwithdrawn consent to share with the
    receiver's country or organisation, or under a lawful ground other than consent that the sender
    names; special-category and child data also need their Article 9 ground (or another regime's law).
    """
    consent = data.get("consent") or {}
    cross_border = participant.country != sender_country
    if cross_border and "NO_CROSS_BORDER" in (consent.get("restrictions") or []):
        raise SendRefused("restricted")
    identifying = bool(carries & TEMPLATE_SENSITIVE)
    covering = _covering_consent(consent, participant) if identifying else None
    regime = basis.regime or ("GDPR" if sender_country in load_rules().eu_member_states else "NATIONAL_NON_EU")
    art6, art9, transfer = basis.art6, basis.art9, basis.transfer_basis
    if identifying and covering is None and not (regime != "GDPR" and basis.regime) and art6 not in NOT_CONSENT_ART6:
        raise SendRefused("no_consent")
    if covering is not None:
        art6 = art6 or "ART6_1_A"
    if regime == "GDPR" and carries & NEEDS_ART9 and not (art9 or covering is not None):
        raise SendRefused("no_legal_basis")
    if regime == "GDPR" and carries & NEEDS_ART9 and not art9:
        art9 = "ART9_2_A"
    eu = load_rules().eu_member_states
    if not transfer and cross_border:
        transfer = "INTRA_EU" if sender_country in eu and participant.country in eu else \
            ("ART49_1A_CONSENT" if covering is not None else "")
    consent_ref = "" if covering is None else covering
    return LegalBasis(regime, art6 if regime == "GDPR" else "", art9 if regime == "GDPR" else "", transfer), consent_ref


def _covering_consent(consent: dict, participant: Participant) -> str | None:
    """The reference of a consent to share with ``participant`` that was not withdrawn, else None."""
    names = {participant.country.upper(), participant.node_id.upper(), *(o.upper() for o in participant.organisations)}
    for index, item in enumerate(consent.get("consents") or []):
        if not isinstance(item, dict) or item.get("withdrawn_date"):
            continue
        if item.get("scope") in ("SHARE_WITH_COUNTRY", "SHARE_WITH_ORG") \
                and str(item.get("recipient") or "").strip().upper() in names:
            return str(item.get("document_ref") or f"consent.consents[{index}]")
    return None


def _envelope(*, message_id, message_type, actor, case, participant, now, in_reply_to, note, basis, due_at,
              report) -> dict:
    legal_basis, consent_ref = basis
    envelope = {
        "message_id": message_id, "message_type": message_type,
        "local_case_refs": [{"country": actor.organisation.country, "org": actor.organisation.name,
                             "ref": case.reference}] if case else None,
        "sender": {"country": actor.organisation.country, "organisation": actor.organisation.name},
        "recipients": [{"country": participant.country,
                        "organisation": participant.organisations[0] if participant.organisations else participant.node_id}],
        "sent_at": utc_text(now), "language": report.get("language") or actor.language,
        "schema_version": f"{report['template']}@{report['version']}",
        "priority": "URGENT" if message_type in ("URGENT_DANGER_ALERT", "MISSING_CHILD_ALERT") else None,
        "in_reply_to": in_reply_to or None, "note": note.strip() or None,
        "response_due": due_at.date().isoformat() if due_at else None,
        "legal_basis": legal_basis.as_data() or None, "consent_ref": consent_ref or None,
        "classification": "CONFIDENTIAL",
    }
    return {key: value for key, value in envelope.items() if value is not None}


def message_preview(draft: Draft, language: str) -> dict:
    """Exactly the fields that will leave, rendered in ``language`` (free text marked with its own)."""
    return reporting.render(draft.template, draft.payload, language, include_message_sections=True,
                            answered_only=True)


def _payload_aad(message_id: str) -> bytes:
    return f"trm:outbound:{message_id}".encode()


def outbound_payload(message: OutboundMessage) -> dict:
    return json.loads(vault.decrypt(keyring(), bytes(message.payload_blob), aad=_payload_aad(message.message_id)))


def message_send(*, actor, case: Case | None, receiver: str, message_type: str, now: datetime, in_reply_to: str = "",
                 note: str = "", legal_basis: LegalBasis | None = None) -> OutboundMessage:
    """Check, seal and queue one message, in the transaction of its case change (a request is
    recorded in the case's log of requests, with its due date). Raises SendRefused, queuing nothing."""
    now = as_utc(now)
    drafted: list[Draft] = []

    def record(report: dict) -> None:
        draft = message_draft(actor=actor, case=case, receiver=receiver, message_type=message_type, now=now,
                              in_reply_to=in_reply_to, note=note, legal_basis=legal_basis, report=report)
        drafted.append(draft)
        if draft.due_at is not None and message_type.endswith("_REQUEST"):
            report["data"].setdefault("log", {}).setdefault("requests", []).append({
                "type": message_type, "to": draft.receiver.node_id, "sent": now.date().isoformat(),
                "due": draft.due_at.date().isoformat(), "status": "OPEN"})

    with transaction.atomic():
        if case is not None:
            case = cases.case_change(actor=actor, case=case, change=record, kind=EventKind.MESSAGE_SENT,
                                     today=now.date())
            draft = drafted[-1]
        else:
            cases.require_case_role(actor)
            draft = message_draft(actor=actor, case=None, receiver=receiver, message_type=message_type, now=now,
                                  in_reply_to=in_reply_to, note=note, legal_basis=legal_basis)
        _, trust = _trust(now)
        envelope = seal(payload=draft.payload, message_type=message_type,
                        sender=directory.signing_keys_now(trust, now=now),
                        receiver_id=draft.receiver.node_id,
                        receiver_encryption_jwk=trust.encryption_jwk(draft.receiver.node_id, at=now),
                        template=draft.template.id, now=now, message_id=draft.message_id)
        message = OutboundMessage.objects.create(
            message_id=draft.message_id, type=message_type, receiver=draft.receiver.node_id,
            endpoint=draft.receiver.endpoint, template=draft.template.id,
            case=case, organisation_id=actor.organisation_id, created_by=actor, created_at=now,
            in_reply_to=in_reply_to, envelope=envelope, digest=hashlib.sha256(envelope).hexdigest(),
            payload_blob=vault.encrypt(keyring(), _canonical(draft.payload), aad=_payload_aad(draft.message_id)),
            next_attempt_at=now, due_at=draft.due_at)
        if in_reply_to:
            _answered(in_reply_to, message_type)
        audit_record(actor=actor, action="exchange.queue", object_type="outbound_message",
                     object_id=draft.message_id, detail={"type": message_type, "receiver": draft.receiver.node_id,
                                                         "case": str(case.pk) if case else None}, at=now)
    return message


def _answered(message_id: str, answer_type: str) -> None:
    InboundMessage.objects.filter(message_id=message_id, answer=Answer.PENDING).update(answer=answer_of(answer_type))


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


__all__ = ["ACCEPTED", "ANSWER_TYPES", "DECLINED", "Draft", "LegalBasis", "REFUSALS", "SendRefused", "message_draft",
           "message_preview", "message_send", "outbound_payload", "recipients"]
