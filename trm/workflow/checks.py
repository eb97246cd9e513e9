"""The named checks and advice of the rules file: what the condition language cannot say.

Each check takes the report's Context and the ``args`` given in the rules file and returns the
params of each failure ([] when the requirement is met); ``CHECKS`` and ``ADVICE`` map the names
the rules file uses to them.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Callable

from trm import reporting
from trm.reporting.conditions import condition_paths, is_empty

from .deadlines import add_months, current_country, guardian_due, reflection_days, reflection_end, request_due
from .model import REASONS, Context, Reason, day_of, iso, items_of


# --- named checks: what the condition language cannot say ---------------------------------------

CHECKS: dict[str, Callable[[Context, dict], list[dict]]] = {}
ADVICE: dict[str, Callable[[Context], list[Reason]]] = {}


def _check(function):
    CHECKS[function.__name__] = function
    return function


def _citizenships(context: Context) -> list:
    value = context.get("identity.citizenships")
    return value if isinstance(value, list) else []


def _moves_freely(context: Context, country: str) -> bool:
    """An EU citizen in an EU state: lawfully present, outside CETS 13 and Dir. 2004/81."""
    eu = context.ruleset.eu_member_states
    citizen = context.get("labour.eu_citizen") == "YES" or any(c in eu for c in _citizenships(context))
    return country in eu and citizen


@_check
def reflection_recorded_for_foreign_victim(context: Context, args: dict) -> list[dict]:
    country = current_country(context)
    citizenships = _citizenships(context)
    if country is None or not citizenships or country in citizenships or _moves_freely(context, country):
        return []
    period = context.get("protection.reflection_period")
    period = period if isinstance(period, dict) else {}
    # A residence permit makes the stay lawful, which the reflection period is there to bridge.
    recorded = (not is_empty(period.get("start")) or period.get("granted") is False
                or not is_empty(context.get("protection.residence_permit.type")))
    return [] if recorded else [{"country": country}]


@_check
def reflection_period_long_enough(context: Context, args: dict) -> list[dict]:
    start = day_of(context.get("protection.reflection_period.start"))
    end = day_of(context.get("protection.reflection_period.end"), latest=True)
    if start is None or end is None:
        return []
    country, days = reflection_days(context)
    minimum = start + timedelta(days=days - 1)
    return [] if end >= minimum else [{"end": end.isoformat(), "days": days, "country": country or "",
                                       "minimum_end": minimum.isoformat()}]


@_check
def no_removal_during_reflection(context: Context, args: dict) -> list[dict]:
    travel = day_of(context.get("return_reintegration.travel.date"))
    start = day_of(context.get("protection.reflection_period.start"))
    end = reflection_end(context, latest_start=False)
    if travel is None or start is None or end is None or context.get("return_reintegration.return_wish") == "YES":
        return []
    return [{"travel": travel.isoformat()}] if start <= travel <= end else []


@_check
def latest_return_risk_acceptable(context: Context, args: dict) -> list[dict]:
    returns = [a for a in items_of(context.get("risk.risk_assessments")) if a.get("scope") == "RETURN"]
    if not returns:
        return []
    latest = sorted(returns, key=lambda a: day_of(a.get("date")) or date.min)[-1]
    level = latest.get("level")
    return [] if level and level != "CRITICAL" else [{"date": latest.get("date"), "level": level}]


@_check
def guardian_appointed_in_time(context: Context, args: dict) -> list[dict]:
    due = guardian_due(context)
    if due is None or context.get("child.guardian.appointed") is True or context.today <= due:
        return []
    return [{"due": due.isoformat(), "working_days": context.ruleset.guardian_working_days}]


@_check
def assistance_not_gated(context: Context, args: dict) -> list[dict]:
    gated = _gated_in_template(context.template, args) | _gated_for_report(context, args)
    return [{"path": path} for path in sorted(gated)]


def _under(path: str, prefixes: list[str]) -> bool:
    return any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in prefixes)


def _reads(condition: Any, prefixes: list[str]) -> bool:
    return condition is not None and any(_under(p, prefixes) for p in condition_paths(condition))


def _gated_in_template(template: reporting.Template, args: dict) -> set[str]:
    owners = [*template.sections, *template.fields.values()]
    return {owner.path for owner in owners if _under(owner.path, args["assistance"])
            and any(_reads(getattr(owner, key, None), args["cooperation"]) for key in ("applies_when", "required_when"))}


def _gated_for_report(context: Context, args: dict) -> set[str]:
    """The assistance paths whose applicability changes with the cooperation answers."""
    seen: dict[str, set] = {}
    for path in args["cooperation"]:
        for value in _possible_values(context.template, path):
            data = _with_value(context.data, path, value)
            for place, applies in reporting.applicable(context.template, {"data": data}, today=context.today).items():
                if _under(place, args["assistance"]):
                    seen.setdefault(re.sub(r"\[\d+\]", "", place), set()).add(applies)
    return {path for path, values in seen.items() if len(values) > 1}


def _possible_values(template: reporting.Template, path: str) -> list:
    f = template.fields[path]
    if f.type == "yes_no":
        return [True, False, None]
    codes = template.code_lists.get("yes_no_unknown" if f.type == "yes_no_unknown" else f.codes or "")
    return [*(sorted(codes.allowed) if codes else []), None]


def _with_value(data: dict, path: str, value: Any) -> dict:
    key, _, rest = path.partition(".")
    inner = data.get(key) if isinstance(data.get(key), dict) else {}
    if rest:
        return {**data, key: _with_value(inner, rest, value)}
    return {k: v for k, v in data.items() if k != key} | ({} if value is None else {key: value})


@_check
def template_sensitivity(context: Context, args: dict) -> list[dict]:
    fields = context.template.fields
    return [{"path": p} for p in args["paths"] if p in fields and fields[p].sensitivity != args["sensitivity"]]


@_check
def permit_lasts_months(context: Context, args: dict) -> list[dict]:
    valid_from = day_of(context.get("protection.residence_permit.from"))
    valid_to = day_of(context.get("protection.residence_permit.to"), latest=True)
    if valid_from is None or valid_to is None:
        return []
    if valid_to >= add_months(valid_from, args["months"]) - timedelta(days=1):
        return []
    return [{"valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat(), "months": args["months"]}]


@_check
def third_country_national(context: Context, args: dict) -> list[dict]:
    eu = context.ruleset.eu_member_states
    citizen = context.get("labour.eu_citizen") == "YES" or any(c in eu for c in _citizenships(context))
    return [{}] if citizen else []


@_check
def requests_in_time(context: Context, args: dict) -> list[dict]:
    late = []
    for item in items_of(context.get("log.requests")):
        due = request_due(context, item) if item.get("type") in args["types"] and item.get("status") != "WITHDRAWN" else None
        if due is not None and _answered_late(context, item, due):
            late.append({"type": item["type"], "sent": item.get("sent") or "", "due": iso(due),
                         "answered": item.get("answered")})
    return late


def _answered_late(context: Context, item: dict, due: date | datetime) -> bool:
    day = due.date() if isinstance(due, datetime) else due
    answered = day_of(item.get("answered"))
    if answered is not None:
        return answered > day
    return item.get("status") != "ANSWERED" and context.today > day


@_check
def code_list_has(context: Context, args: dict) -> list[dict]:
    codes = context.template.code_lists.get(args["list"])
    allowed = codes.allowed if codes else frozenset()
    return [{"code": code} for code in args["codes"] if code not in allowed]


@_check
def exploitation_ended_after(context: Context, args: dict) -> list[dict]:
    types = context.get("overview.exploitation_types")
    new_forms = [code for code in args["codes"] if isinstance(types, list) and code in types]
    end = day_of(context.get("situation.exploitation.end_date"), latest=True)
    limit = _as_date(args["date"])
    if end is None or end >= limit:
        return []
    return [{"code": code, "date": limit.isoformat(), "end": context.get("situation.exploitation.end_date")}
            for code in new_forms]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _ilo_result(context: Context) -> list[Reason]:
    return [Reason("ilo_result_advisory", REASONS["ilo_result_advisory"],
                   {"list": item.get("list"), "result": item.get("result") or "NOT_ASSESSED"})
            for item in items_of(context.get("situation.ilo_assessments"))]


ADVICE["ilo_result"] = _ilo_result
