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

from .answers import ACCEPTED, ANSWER_TYPES, DECLINED, OPENS_A_CASE, answer_of, is_answer
from .models import Answer, InboundMessage, OutboundMessage
from .services import due_at_for

TEMPLATE_SENSITIVE = frozenset({"PERSONAL", "SPECIAL_CATEGORY", "CHILD_SECRET", "CRIMINAL"})
NEEDS_ART9 = frozenset({"SPECIAL_CATEGORY", "CHILD_SECRET"})
# Lawful grounds other than consent under which a node may send identifying data (GDPR Art. 6(1)).
NOT_CONSENT_ART6 = frozenset({"ART6_1_C", "ART6_1_D", "ART6_1_E"})

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
                        "(GDPR Article 9)."),
    "no_criminal_basis": _("This message carries data about criminal proceedings: name the legal obligation or "
                           "the official authority it is sent under (GDPR Article 6(1)(c) or (e))."),
    "no_transfer_basis": _("The recipient is outside the EU: name the ground for the transfer (GDPR Chapter V)."),
    "wrong_regime": _("The law that applies is that of the sending organisation; only a police organisation may "
                      "send under the Law Enforcement Directive."),
    "restricted_family": _("The case says not to contact the family."),
    "restricted_police": _("The case says its data is for the police only."),
    "no_best_interests_check": _("Family tracing starts only after a recorded check that it is in the child's best "
                                 "interests (CETS Art. 10(4)(c)): record it in the child module first."),
    "preview_changed": _("The case changed after the preview: look at what will leave again before sending."),
    "not_a_reply": _("The message answered is not one of this case's messages."),
    "invalid_message": _("The message is not complete for its type."),
    "no_reason": _("Say why the message is declined: the sender sees the reason."),
    "already_answered": _("This message has already been answered."),
    "no_case": _("Choose the case this message belongs to."),
    "no_contact_point": _("No national contact point of the worker's country is in the trust list."),
    "already_asked": _("A request of this kind to this node is still awaiting its answer."),
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
    if in_reply_to:
        _check_reply(actor, case, in_reply_to, participant, message_type)
    if report is None:
        report = case_report_for(user=actor, case=case, purpose="message") if case else \
            {"template": template.name, "version": template.version, "language": actor.language, "data": {}}
    payload = reporting.project(template, report, message_type, today=now.date())
    _without_location(report["data"], payload["data"])
    carries = _sensitivities(template, payload["data"])
    basis = _lawful(report["data"], payload["data"], participant, carries, legal_basis or LegalBasis(),
                    actor.organisation, message_type)
    message_id = str(uuid.uuid4())
    due_at = due_at_for(message_type, now)
    payload["data"]["envelope"] = _envelope(
        message_id=message_id, message_type=message_type, actor=actor, case=case, participant=participant, now=now,
        in_reply_to=in_reply_to, note=note, basis=basis, due_at=due_at, report=report)
    errors = reporting.validate(template, payload, today=now.date(), profile=message_type)
    if errors:
        raise SendRefused("invalid_message", errors)
    return Draft(case, participant, message_type, message_id, payload, template, in_reply_to, due_at, carries)


def _check_reply(actor, case: Case | None, message_id: str, participant: Participant, message_type: str) -> None:
    """``message_id`` must be a message of ``case``'s thread (without a case: one received by the
    actor's organisation and on no case yet); a message received is answered only to its sender,
    and accepted or declined only once."""
    received = InboundMessage.objects.filter(message_id=message_id)
    received = received.filter(case=case) if case is not None else \
        received.filter(organisation_id=actor.organisation_id, case=None)
    inbound = received.first()
    if inbound is None:
        if case is None or not OutboundMessage.objects.filter(case=case, message_id=message_id).exists():
            raise SendRefused("not_a_reply")
        return
    if inbound.sender != participant.node_id:
        raise SendRefused("not_a_reply")
    if message_type in (ACCEPTED, DECLINED) and inbound.type not in OPENS_A_CASE:
        raise SendRefused("not_a_reply")
    if is_answer(inbound.type, message_type) and inbound.answer != Answer.PENDING:
        raise SendRefused("already_answered")


def _sensitivities(template: reporting.Template, data: dict) -> frozenset[str]:
    found = set()
    for place in reporting.walk(template, {"template": template.name, "version": template.version, "data": data},
                                derived=True):
        if not place.field.is_group and place.value not in (None, "", [], {}):
            found.add(place.field.sensitivity)
    return frozenset(found)


GDPR_NOTICES = frozenset({"CONSENT_WITHDRAWN", "RECTIFICATION_NOTICE", "ERASURE_NOTICE", "RESTRICTION_NOTICE"})
FAMILY_CONTACT_TYPES = frozenset({"FAMILY_TRACING_REQUEST", "FAMILY_ASSESSMENT_REQUEST"})
# Exploitation types that reveal a person's sex life: Article 9 data, whatever the field's tag.
SEX_LIFE_EXPLOITATION = frozenset({"SEXUAL_EXPLOITATION"})
# Where the person is now: never sent when the case says not to disclose it.
LOCATION_PATHS = ("identity.contact", "protection.accommodation")
OFFICIAL_ART6 = frozenset({"ART6_1_C", "ART6_1_E"})  # criminal data (GDPR Art. 10): official authority or law
NOT_CONSENT_TRANSFER = frozenset({"ADEQUACY", "ART46_2A_BINDING_INSTRUMENT", "ART46_3B_ADMIN_ARRANGEMENT",
                                  "ART49_1D_PUBLIC_INTEREST", "ART49_1F_VITAL_INTEREST"})


def _restricted(data: dict, participant: Participant, message_type: str, carries_case: bool,
                sender_country: str) -> None:
    """The restrictions recorded on the case (consent.restrictions) that forbid this message."""
    restrictions = (data.get("consent") or {}).get("restrictions") or []
    if "NO_CROSS_BORDER" in restrictions and participant.country != sender_country and carries_case \
            and message_type not in GDPR_NOTICES:
        raise SendRefused("restricted")
    if "DO_NOT_CONTACT_FAMILY" in restrictions and message_type in FAMILY_CONTACT_TYPES:
        raise SendRefused("restricted_family")
    if "POLICE_ONLY" in restrictions and carries_case and "POLICE" not in participant.roles:
        raise SendRefused("restricted_police")
    if message_type == "FAMILY_TRACING_REQUEST" and \
            ((data.get("child") or {}).get("family_tracing") or {}).get("in_best_interests") is not True:
        raise SendRefused("no_best_interests_check")  # R-FAMILY-TRACE: tracing follows the check, never precedes it


def _without_location(data: dict, payload_data: dict) -> None:
    if "DO_NOT_DISCLOSE_LOCATION" not in ((data.get("consent") or {}).get("restrictions") or []):
        return
    for path in LOCATION_PATHS:
        section, _, key = path.partition(".")
        if isinstance(payload_data.get(section), dict):
            payload_data[section].pop(key, None)
            if not payload_data[section]:
                payload_data.pop(section)


def _lawful(data: dict, payload_data: dict, participant: Participant, carries: frozenset[str], basis: LegalBasis,
            sender, message_type: str) -> tuple[LegalBasis, str]:
    """The legal basis the message goes on, and the consent reference that covers it; or a refusal.

    The law that applies is the sender's: the GDPR for a sender in the EU, else national law (the
    Law Enforcement Directive only for a police organisation that names it); a caller cannot pick
    another. Anything about the case beyond the envelope leaves only under a recorded, unwithdrawn
    consent to share with the receiver's country or organisation (given by the guardian, or with
    them, for a child), or under a ground other than consent that the sender names: under the GDPR
    Art. 6(1)(c), (d) or (e), plus Art. 9 for special-category and child data (never inferred from a
    consent) and official authority for criminal data; outside the GDPR a transfer ground other than
    consent. A transfer from the EU to a country outside it needs a transfer ground.
    """
    eu = load_rules().eu_member_states
    sender_country = sender.country
    carries_case = any(key != "envelope" for key in payload_data)
    cross_border = participant.country != sender_country
    _restricted(data, participant, message_type, carries_case, sender_country)
    regime = "GDPR" if sender_country in eu else "NATIONAL_NON_EU"
    if basis.regime == "LED" and sender.kind == "POLICE":
        regime = "LED"
    elif basis.regime and basis.regime != regime:
        raise SendRefused("wrong_regime")
    transfer = basis.transfer_basis or ("INTRA_EU" if cross_border and sender_country in eu and participant.country in eu
                                        else "")
    if not carries_case:
        return LegalBasis(regime, "", "", transfer if cross_border else ""), ""
    covering = _covering_consent(data, participant)
    art6, art9 = basis.art6, basis.art9
    special = bool(carries & NEEDS_ART9) or bool(set(_exploitation(payload_data)) & SEX_LIFE_EXPLOITATION)
    if regime == "GDPR":
        if covering is None and art6 not in NOT_CONSENT_ART6:
            raise SendRefused("no_consent")
        art6 = art6 or "ART6_1_A"
        if special and not art9:
            raise SendRefused("no_legal_basis")
        if "CRIMINAL" in carries and art6 not in OFFICIAL_ART6:
            raise SendRefused("no_criminal_basis")
    elif covering is None and transfer not in NOT_CONSENT_TRANSFER:
        raise SendRefused("no_consent")
    if cross_border and not transfer and covering is not None:
        transfer = "ART49_1A_CONSENT"  # the person consented to sharing with this very country or organisation
    if regime == "GDPR" and cross_border and participant.country not in eu and not transfer:
        raise SendRefused("no_transfer_basis")
    return LegalBasis(regime, art6 if regime == "GDPR" else "", art9 if regime == "GDPR" else "",
                      transfer if cross_border else ""), covering or ""


def _exploitation(payload_data: dict) -> list:
    value = (payload_data.get("overview") or {}).get("exploitation_types")
    return value if isinstance(value, list) else []


def _covering_consent(data: dict, participant: Participant) -> str | None:
    """The reference of an unwithdrawn consent to share with ``participant``: its country for a
    consent to share with a country, one of its organisations (or its node id) for a consent to
    share with an organisation. A child's consent counts only when the guardian gave it or joined."""
    identity = data.get("identity") or {}
    child = identity.get("presumed_minor") is True or identity.get("is_minor_now") is True
    for index, item in enumerate((data.get("consent") or {}).get("consents") or []):
        if not isinstance(item, dict) or item.get("withdrawn_date"):
            continue
        if child and item.get("given_by") not in ("GUARDIAN", "BOTH"):
            continue
        recipient = str(item.get("recipient") or "").strip().casefold()
        by_country = item.get("scope") == "SHARE_WITH_COUNTRY" and recipient == participant.country.casefold()
        by_org = item.get("scope") == "SHARE_WITH_ORG" and recipient in {
            participant.node_id.casefold(), *(o.casefold() for o in participant.organisations)}
        if by_country or by_org:
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


def draft_digest(draft: Draft) -> str:
    """A fingerprint of what a draft would send, apart from its id and times: a send confirmed from
    a preview carries it, and is refused if the case changed in between."""
    payload = json.loads(_canonical(draft.payload))
    envelope = payload["data"]["envelope"]
    for moment in ("message_id", "sent_at", "response_due"):
        envelope.pop(moment, None)
    return hashlib.sha256(_canonical(payload) + draft.receiver.node_id.encode()).hexdigest()


def message_preview(draft: Draft, language: str) -> dict:
    """Exactly the fields that will leave, rendered in ``language`` (free text marked with its own)."""
    return reporting.render(draft.template, draft.payload, language, include_message_sections=True,
                            answered_only=True)


def _payload_aad(message_id: str) -> bytes:
    return f"trm:outbound:{message_id}".encode()


def outbound_payload(message: OutboundMessage) -> dict:
    return json.loads(vault.decrypt(keyring(), bytes(message.payload_blob), aad=_payload_aad(message.message_id)))


def message_send(*, actor, case: Case | None, receiver: str, message_type: str, now: datetime, in_reply_to: str = "",
                 note: str = "", legal_basis: LegalBasis | None = None, expected_digest: str | None = None) -> OutboundMessage:
    """Check, seal and queue one message, in the transaction of its case change (a request is
    recorded in the case's log of requests, with its due date). Raises SendRefused, queuing nothing.
    With ``expected_digest`` (from the preview the sender saw) a message that would carry anything
    else is refused as ``preview_changed``."""
    now = as_utc(now)
    drafted: list[Draft] = []

    def record(report: dict) -> None:
        draft = message_draft(actor=actor, case=case, receiver=receiver, message_type=message_type, now=now,
                              in_reply_to=in_reply_to, note=note, legal_basis=legal_basis, report=report)
        if expected_digest is not None and draft_digest(draft) != expected_digest:
            raise SendRefused("preview_changed")
        drafted.append(draft)
        if draft.due_at is not None and message_type in load_rules().response_deadlines:
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
            if expected_digest is not None and draft_digest(draft) != expected_digest:
                raise SendRefused("preview_changed")
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
            _answered(in_reply_to, message_type, receiver=draft.receiver.node_id)
        audit_record(actor=actor, action="exchange.queue", object_type="outbound_message",
                     object_id=draft.message_id, detail={"type": message_type, "receiver": draft.receiver.node_id,
                                                         "case": str(case.pk) if case else None}, at=now)
    return message


def _answered(message_id: str, answer_type: str, *, receiver: str) -> None:
    """Mark the received message answered, under its lock, when this message answers it; a second
    accept or decline of the same message (two people at once) is refused."""
    inbound = InboundMessage.objects.select_for_update().filter(message_id=message_id, sender=receiver).first()
    if inbound is None or not is_answer(inbound.type, answer_type):
        return
    if inbound.answer != Answer.PENDING:
        raise SendRefused("already_answered")
    InboundMessage.objects.filter(pk=inbound.pk).update(answer=answer_of(answer_type))


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


__all__ = ["ACCEPTED", "ANSWER_TYPES", "DECLINED", "Draft", "LegalBasis", "REFUSALS", "SendRefused", "message_draft",
           "message_preview", "message_send", "outbound_payload", "recipients"]
