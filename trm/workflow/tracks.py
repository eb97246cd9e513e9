"""The five TRM stages as tracks of a case (DOMAIN §6.2): the statuses each track moves through.

A case has one current status per track; proceedings run beside the other four. Which moves a
guard blocks is in the rule catalogue (``transitions`` in definitions/rules-<version>.yaml); this
module is only the vocabulary. Pure Python: the labels are English gettext message ids, translated
by the node's catalogue.
"""
from __future__ import annotations


def _(text: str) -> str:  # marks a text for the node's catalogues; translated where it is shown
    return text


TRACKS: dict[str, tuple[str, ...]] = {
    "IDENTIFICATION": ("REPORTED", "SCREENING", "PRESUMED", "IDENTIFIED", "NOT_IDENTIFIED", "DECLINED"),
    "FIRST_ASSISTANCE": ("REFLECTION_ACTIVE", "RISK_ASSESSED", "GUARDIAN_APPOINTED", "BIA_DONE"),
    "LONG_TERM_ASSISTANCE": ("PLAN_ACTIVE", "RESIDENCE_PERMIT_PENDING", "RESIDENCE_PERMIT_GRANTED",
                             "RESIDENCE_PERMIT_REFUSED"),
    "RETURN_REINTEGRATION": ("RETURN_REQUESTED", "JOINT_RISK_ASSESSMENT", "BID_APPROVED", "FAMILY_ASSESSED",
                             "RETURN_APPROVED", "IN_TRANSIT", "HANDED_OVER", "REINTEGRATION", "MONITORING"),
    "PROCEEDINGS": ("NONE", "INVESTIGATION", "PROSECUTION", "TRIAL", "APPEAL", "FINAL", "COMPENSATION_CLAIMED",
                    "COMPENSATION_AWARDED", "COMPENSATION_PAID"),
}

TRACK_LABELS = {
    "IDENTIFICATION": _("Identification"),
    "FIRST_ASSISTANCE": _("First assistance and protection"),
    "LONG_TERM_ASSISTANCE": _("Long-term assistance and social inclusion"),
    "RETURN_REINTEGRATION": _("Return and reintegration"),
    "PROCEEDINGS": _("Criminal and civil proceedings"),
}

STATUS_LABELS = {
    "REPORTED": _("Reported"), "SCREENING": _("Screening"), "PRESUMED": _("Presumed victim (reasonable grounds)"),
    "IDENTIFIED": _("Formally identified"), "NOT_IDENTIFIED": _("Not identified"),
    "DECLINED": _("Declined identification"),
    "REFLECTION_ACTIVE": _("Reflection period running"), "RISK_ASSESSED": _("Risks assessed"),
    "GUARDIAN_APPOINTED": _("Guardian appointed"), "BIA_DONE": _("Best-interests assessment done"),
    "PLAN_ACTIVE": _("Assistance plan in place"), "RESIDENCE_PERMIT_PENDING": _("Residence permit applied for"),
    "RESIDENCE_PERMIT_GRANTED": _("Residence permit granted"), "RESIDENCE_PERMIT_REFUSED": _("Residence permit refused"),
    "RETURN_REQUESTED": _("Return requested"), "JOINT_RISK_ASSESSMENT": _("Joint risk assessment"),
    "BID_APPROVED": _("Best-interests determination approved"), "FAMILY_ASSESSED": _("Family assessed"),
    "RETURN_APPROVED": _("Return approved"), "IN_TRANSIT": _("Travelling"), "HANDED_OVER": _("Handed over"),
    "REINTEGRATION": _("Reintegration"), "MONITORING": _("Follow-up after return"),
    "NONE": _("No proceedings"), "INVESTIGATION": _("Investigation"), "PROSECUTION": _("Prosecution"),
    "TRIAL": _("Trial"), "APPEAL": _("Appeal"), "FINAL": _("Final judgment"),
    "COMPENSATION_CLAIMED": _("Compensation claimed"), "COMPENSATION_AWARDED": _("Compensation awarded"),
    "COMPENSATION_PAID": _("Compensation paid"),
}


def track_of(status: str) -> str | None:
    """The track ``status`` belongs to, or None for a status that is not one of DOMAIN §6.2."""
    return next((track for track, statuses in TRACKS.items() if status in statuses), None)
