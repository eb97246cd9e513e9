"""Reminders by e-mail: once a day, each person who handles cases and has an e-mail address gets
the list of what is due soon or overdue (``trm remind``, run by a timer; see the admin guide).

Caseworkers get what is theirs (their cases, the messages they sent); supervisors and national
contact points their organisation's. A reminder holds case references, due dates and whether
they are overdue, in the person's language, and nothing else: e-mail leaves the node unencrypted,
and even the kind of deadline ("appointment of a guardian") would say that a case is a child's. Nothing is sent unless ``TRM_SMTP_HOST`` is set; the **Due** page is the reminder
in the application, always. Each reminder sent is audited, and a person gets one a day at most.
"""
from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation

from trm.accounts.models import Role, User
from trm.audit.models import AuditEntry
from trm.audit.services import audit_record

from .due import DueItem, due_for

logger = logging.getLogger(__name__)
ACTION = "reminder.sent"


def mail_configured() -> bool:
    return bool(settings.EMAIL_HOST)


def reminders_send(*, now: datetime) -> tuple[int, int]:
    """Send today's reminders; returns (sent, already sent today). Raises nothing for one person's
    failed delivery: it is logged (without the address) and tried again at the next run."""
    sent = already = 0
    reminded = set(AuditEntry.objects.filter(action=ACTION, at__date=now.date()).values_list("object_id", flat=True))
    people = User.objects.filter(is_active=True, organisation__isnull=False).exclude(email="").order_by("pk")
    for person in people:
        if not person.handles_cases:
            continue
        if str(person.pk) in reminded:
            already += 1
            continue
        try:
            items = due_for(user=person, now=now, mine=person.role == Role.CASEWORKER, reader=None, purpose="reminder")
            if not items:
                continue
            subject, body = _message(person, items)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
        except OSError:
            logger.warning("reminder not delivered to user %s: the mail server refused or could not be reached", person.pk)
            continue
        except Exception:  # one person's trouble never stops the others' reminders
            logger.exception("reminder for user %s failed", person.pk)
            continue
        audit_record(action=ACTION, object_type="user", object_id=str(person.pk), organisation_id=person.organisation_id,
                     detail={"items": len(items), "overdue": sum(i.status == "OVERDUE" for i in items)})
        sent += 1
    return sent, already


def _message(person: User, items: list[DueItem]) -> tuple[str, str]:
    from trm.web.middleware import user_zone
    from trm.web.views import ENGINE_LANGUAGE

    from .views import DEADLINE_LABELS
    zone = user_zone(person)
    language = ENGINE_LANGUAGE.get((person.language or "en").lower(), "en").lower()
    with translation.override(language):
        overdue = sum(i.status == "OVERDUE" for i in items)
        subject = translation.ngettext("trm: %(count)d thing due soon or overdue", "trm: %(count)d things due soon or overdue",
                                       len(items)) % {"count": len(items)}
        lines = [translation.gettext("Due soon and overdue") + (f" ({overdue} ✗)" if overdue else ""), ""]
        for item in items:  # what is due stays in trm: "a guardian" or "a missing child" would say who
            reference = item.case.reference if item.case else translation.gettext("Message")
            due = timezone.localtime(item.due, zone) if zone else item.due
            lines.append(f"{due:%Y-%m-%d}  {reference:<16} {translation.gettext(DEADLINE_LABELS[item.status])}")
        if settings.BASE_URL:
            lines += ["", f"{settings.BASE_URL.rstrip('/')}/cases/due"]
        lines += ["", translation.gettext("This reminder names no one: open trm to see the cases.")]
    return subject, "\n".join(lines) + "\n"
