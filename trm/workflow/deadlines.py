"""Deadlines: answer times of requests, working days and months, and every deadline of a report.

Working days skip Saturdays and Sundays only: there are no public-holiday calendars yet.
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from trm.reporting.conditions import is_empty

from .model import (
    DEADLINE_TEXTS, DUE_SOON, MET, OPEN, OVERDUE, Context, Deadline, Ruleset, day_of, items_of,
)


# --- counting -----------------------------------------------------------------------------------

def response_due(ruleset: Ruleset, message_type: str, sent: date | datetime) -> date | datetime | None:
    """When the answer to a request of ``message_type`` sent at ``sent`` is due (None: no SLA).
    Hour limits give a time when ``sent`` is one, else the same day."""
    limit = ruleset.response_deadlines.get(message_type)
    if limit is None:
        return None
    if limit.hours is not None:
        return sent + timedelta(hours=limit.hours) if isinstance(sent, datetime) else sent
    day = sent.date() if isinstance(sent, datetime) else sent
    return day if limit.same_day else add_working_days(day, limit.working_days)


def add_working_days(start: date, days: int) -> date:
    """``days`` working days after ``start``, skipping Saturdays and Sundays (no holidays yet)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= day.weekday() < 5
    return day


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# --- deadlines ----------------------------------------------------------------------------------

def report_deadlines(context: Context) -> list[Deadline]:
    """Every deadline of the report: reflection period, guardian, follow-ups, open requests."""
    return [*_reflection_deadline(context), *_guardian_deadline(context),
            *_follow_up_deadlines(context), *_request_deadlines(context)]


def _status(context: Context, due: date | datetime, met: bool = False) -> str:
    day = due.date() if isinstance(due, datetime) else due
    if met:
        return MET
    if context.today > day:
        return OVERDUE
    return DUE_SOON if (day - context.today).days <= context.ruleset.due_soon_days else OPEN


def current_country(context: Context) -> str | None:
    """Where the person is: the CURRENT_LOCATION country, else the DESTINATION."""
    roles = {item.get("role"): item.get("country") for item in items_of(context.get("overview.countries"))
             if isinstance(item.get("role"), str)}
    return roles.get("CURRENT_LOCATION") or roles.get("DESTINATION")


def reflection_days(context: Context) -> tuple[str | None, int]:
    country = current_country(context)
    return country, context.ruleset.reflection_days_for(country)


def reflection_end(context: Context, latest_start: bool = True) -> date | None:
    """The period's last day: the recorded end, or later when the country's minimum runs longer
    (the start day counts as the first of its days)."""
    start = day_of(context.get("protection.reflection_period.start"), latest_start)
    if start is None or context.get("protection.reflection_period.granted") is False:
        return None
    minimum = start + timedelta(days=reflection_days(context)[1] - 1)
    recorded = day_of(context.get("protection.reflection_period.end"), latest=True)
    return max(minimum, recorded) if recorded else minimum


def _reflection_deadline(context: Context) -> list[Deadline]:
    end = reflection_end(context)
    if end is None:
        return []
    country, days = reflection_days(context)
    status = MET if context.today > end else _status(context, end)
    return [Deadline("reflection_end", DEADLINE_TEXTS["reflection_end"], end, status, "R-REFL-30",
                     {"country": country, "days": days})]


def guardian_due(context: Context) -> date | None:
    rule = context.ruleset.rule("R-GUARDIAN")
    requested = day_of(context.get("child.guardian.requested_on"))
    if requested is None or rule is None or (rule.applies_when and not rule.applies_when(context.scope)):
        return None
    return add_working_days(requested, context.ruleset.guardian_working_days)


def _guardian_deadline(context: Context) -> list[Deadline]:
    due = guardian_due(context)
    if due is None:
        return []
    met = context.get("child.guardian.appointed") is True
    return [Deadline("guardian_appointment", DEADLINE_TEXTS["guardian_appointment"], due,
                     _status(context, due, met), "R-GUARDIAN", {"working_days": context.ruleset.guardian_working_days})]


def _follow_up_deadlines(context: Context) -> list[Deadline]:
    handover = day_of(context.get("return_reintegration.handover.date"))
    if handover is None:
        return []
    done = sum(1 for item in items_of(context.get("return_reintegration.follow_ups")) if not is_empty(item.get("done")))
    return [_follow_up(context, handover, months, met=done > index)
            for index, months in enumerate(context.ruleset.follow_up_months)]


def _follow_up(context: Context, handover: date, months: int, met: bool) -> Deadline:
    due = add_months(handover, months)
    return Deadline(f"follow_up_{months}m", DEADLINE_TEXTS["follow_up"], due, _status(context, due, met),
                    None, {"months": months})


def request_due(context: Context, item: dict) -> date | datetime | None:
    recorded = day_of(item.get("due"))
    sent = day_of(item.get("sent"))
    if recorded is not None or sent is None or not isinstance(item.get("type"), str):
        return recorded
    return response_due(context.ruleset, item["type"], sent)


def _is_open(item: dict) -> bool:
    return is_empty(item.get("answered")) and item.get("status") not in ("ANSWERED", "WITHDRAWN")


def _request_deadlines(context: Context) -> list[Deadline]:
    found = []
    requests = context.get("log.requests")
    for index, item in enumerate(requests if isinstance(requests, list) else []):
        due = request_due(context, item) if isinstance(item, dict) and _is_open(item) else None
        if due is not None:
            found.append(Deadline(f"log.requests[{index}]", DEADLINE_TEXTS["request"], due, _status(context, due),
                                  context.ruleset.request_rules.get(item["type"]), {"type": item["type"]}))
    return found
