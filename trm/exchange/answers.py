"""Which message types answer which (DOMAIN §6.3), and what an answer says of the message it answers."""
from __future__ import annotations

ACCEPTED, DECLINED = "REFERRAL_ACCEPTED", "REFERRAL_DECLINED"
OPENS_A_CASE = ("CASE_NOTIFICATION", "REFERRAL_REQUEST")  # accepted (a case opened) or declined

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
    # GDPR notices (Arts. 7(3), 16-19): the receiver confirms it has acted on them.
    "CONSENT_WITHDRAWN": "ACK",
    "RECTIFICATION_NOTICE": "ACK",
    "ERASURE_NOTICE": "ACK",
    "RESTRICTION_NOTICE": "ACK",
}


def is_answer(answered_type: str, message_type: str) -> bool:
    """Whether a message of ``message_type`` answers one of ``answered_type`` (rather than following it up)."""
    if answered_type in OPENS_A_CASE:
        return message_type in (ACCEPTED, DECLINED)
    return ANSWER_TYPES.get(answered_type) == message_type


def answer_of(message_type: str) -> str:
    """What an answer of ``message_type`` says of the message it answers (an ``Answer`` value)."""
    return {ACCEPTED: "ACCEPTED", DECLINED: "DECLINED"}.get(message_type, "ANSWERED")
