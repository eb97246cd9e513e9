"""What is due soon or overdue, across an organisation's open cases and its messages: the
caseworker's reminders in the application.

Case deadlines are those of the rule catalogue (``trm case check`` prints the same), computed on
each open case's stored report; message deadlines are the answer times of the message types. Only
what is DUE_SOON or OVERDUE is listed, the most overdue first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

from trm import reporting
from trm.audit.services import audit_record
from trm.workflow.rules import check_report, load_rules

from .models import Case, CaseStatus
from .selectors import cases_for, stored_report

OPEN_STATUSES = (CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP)
SAME = object()  # the reader is the user the list is for


@dataclass(frozen=True)
class DueItem:
    kind: str  # "case" or "message"
    due: datetime
    status: str  # DUE_SOON or OVERDUE
    what: str  # an English message id (case deadlines) or a message type
    params: dict
    case: Case | None
    message_id: str = ""
    box: str = ""

    def text(self, translate) -> str:
        return translate(self.what).format(**self.params)


def _moment(due: date | datetime) -> datetime:
    return due if isinstance(due, datetime) else datetime.combine(due, time(23, 59), dt_timezone.utc)


def due_for(*, user, now: datetime, mine: bool = False, reader=SAME, purpose: str = "due") -> list[DueItem]:
    """Everything due soon or overdue for the user's organisation (``mine``: on the cases the user
    opened, and the messages the user sent). The deadlines are read on the whole report, vault
    included: one audit entry names the cases read, by ``reader`` (the user by default; None for
    the node itself, as for reminders)."""
    from trm.exchange.threads import inbox_for, outbox_for
    ruleset = load_rules()
    items: list[DueItem] = []
    cases = cases_for(user).filter(status__in=OPEN_STATUSES, template=ruleset.template,
                                   template_version=ruleset.template_version).select_related("identity")
    if mine:
        cases = cases.filter(created_by=user)
    read = []
    for case in cases:
        result = check_report(ruleset, reporting.load_template(case.template, case.template_version),
                              stored_report(case), today=now.date())
        read.append(case.pk)
        items += [DueItem("case", _moment(d.due), d.status, d.what, d.params, case)
                  for d in result.deadlines if d.status in ("DUE_SOON", "OVERDUE")]
    if read:
        audit_record(actor=user if reader is SAME else reader, action="case.read_identity", object_type="case",
                     organisation_id=user.organisation_id,
                     detail={"purpose": purpose, "cases": read, **({} if reader is SAME else {"for_user": user.pk})})
    soon = now + timedelta(days=ruleset.due_soon_days)
    for box, messages in (("inbox", inbox_for(user)), ("outbox", outbox_for(user))):
        pending = messages.filter(answer="PENDING", due_at__isnull=False, due_at__lte=soon)
        if mine:
            pending = pending.none() if box == "inbox" else pending.filter(created_by=user)
        items += [DueItem("message", m.due_at, "OVERDUE" if m.due_at < now else "DUE_SOON", m.type, {}, m.case,
                          m.message_id, box) for m in pending]
    return sorted(items, key=lambda item: item.due)
