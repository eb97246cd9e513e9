"""The rule catalogue of DOMAIN §6.4, its deadlines and the guards of §6.2, checked on case reports.

Everything that can change with the law or a country lives in ``definitions/rules-<version>.yaml``:
each rule's citation, title, kind and logic (written in the template's condition language), the
reflection period per country, the answer times per request type and the transition guards. This
module knows only the vocabulary: conditions over report paths, the named checks that need date
arithmetic or the template itself, and how deadlines are counted. Pure Python, no Django import;
``today`` is always passed in::

    ruleset = load_rules()
    result = check_report(ruleset, template, report, today=date(2026, 12, 3))
    reasons = guards_for_transition(ruleset, template, report, "RETURN_APPROVED", today=...)

Working days skip Saturdays and Sundays only: there are no public-holiday calendars yet.
"""
from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from trm import reporting
from trm.reporting.conditions import compile_condition, compile_getter, condition_paths, is_empty
from trm.reporting.dates import parse_range

DEFAULT_PATH = Path(__file__).parent / "definitions" / "rules-1.0.yaml"
KINDS = ("guard", "deadline", "check", "advisory")
PASS, FAIL, NOT_APPLICABLE, NOT_EVALUABLE = "PASS", "FAIL", "NOT_APPLICABLE", "NOT_EVALUABLE"
OPEN, DUE_SOON, OVERDUE, MET = "OPEN", "DUE_SOON", "OVERDUE", "MET"
MINIMUM_REFLECTION_DAYS = 30  # CETS Art. 13(1): "at least 30 days"

# Every reason code with its English message: a gettext message id, placeholders in braces.
REASONS = {
    "not_evaluable": "This rule cannot be checked on a case report: {note}",
    "no_status_decision_authority": "No decision of a competent authority is recorded: the ILO/EC indicator result alone never identifies a victim.",
    "no_status_decision_date": "The date of the competent authority's status decision is not recorded.",
    "guardian_not_appointed": "No guardian has been appointed for the child.",
    "no_return_bid": "No best-interests determination has chosen return as the durable solution.",
    "family_assessment_not_positive": "The family assessment in the country of return is missing or not positive.",
    "no_return_risk_assessment": "No risk assessment of the return has been made.",
    "return_risk_critical": "The latest risk assessment of the return, of {date}, does not rate the risk below critical.",
    "no_receiving_guardian": "No guardian is named to receive the child at the handover.",
    "no_escort": "No escort is arranged for the child's return.",
    "reflection_period_missing": "No reflection period is recorded for a presumed victim who is not a national of {country}.",
    "reflection_period_too_short": "The reflection period ends on {end}, before its {days} days in {country} are over ({minimum_end}).",
    "reflection_refused_without_ground": "A reflection period may be refused only on grounds of public order or an improper claim to victim status.",
    "removal_during_reflection": "A return on {travel} falls within the reflection period and the person has not asked to return.",
    "removal_during_identification": "A return is planned while identification is pending and the person has not asked to return.",
    "assistance_gated_by_cooperation": "Whether {path} applies or is required depends on cooperation with the authorities.",
    "consent_language_missing": "A consent does not record the language in which the person was informed.",
    "consent_interpreter_not_recorded": "A consent does not record whether an interpreter was used.",
    "services_without_consent": "Services are recorded without a current consent to assistance.",
    "child_status_not_recorded": "Whether the child is unaccompanied, separated or accompanied is not recorded.",
    "benefit_of_doubt_not_applied": "The age assessment found an age under 18 possible but did not give the benefit of the doubt.",
    "adult_ilo_list_for_child": "A child's trafficking assessment uses an adult ILO/EC list, which requires means.",
    "guardian_not_requested": "No guardian has been requested for an unaccompanied or separated child.",
    "guardian_overdue": "No guardian appointed within {working_days} working days of the request: due on {due}; escalate.",
    "tracing_without_best_interests_check": "Family tracing is under way without a recorded best-interests check.",
    "tracing_result_not_child_secret": "The template does not mark {path} as CHILD_SECRET.",
    "return_wish_not_recorded": "A return is approved or under way, but the person's wish to return is not recorded.",
    "cooperation_permit_without_cooperation": "A residence permit on cooperation grounds is recorded without cooperation with the authorities.",
    "child_permit_without_best_interests": "A child's residence permit is recorded without a best-interests assessment.",
    "permit_too_short": "The permit is valid from {valid_from} to {valid_to}, less than {months} months.",
    "dir_2004_81_for_eu_citizen": "A Directive 2004/81 permit is recorded for an EU citizen; the directive is for third-country nationals.",
    "missing_child_without_alert": "A child is missing from care and no missing child alert has been sent.",
    "request_overdue": "The answer to the {type} sent on {sent} was due on {due}.",
    "child_media_consent": "A consent to media contact is recorded for a child: a child's identity is never made public.",
    "non_punishment_review_pending": "Offences committed under compulsion are recorded, but no decision on non-punishment.",
    "exploitation_code_missing": "The exploitation code list lacks {code}.",
    "new_form_before_transposition": "{code} counts as trafficking only for offences after {date}; this exploitation ended in {end}.",
    "ilo_result_advisory": "ILO/EC indicator assessment ({list}): {result}. A research tool, never a status decision.",
}
DEADLINE_TEXTS = {
    "reflection_end": "End of the reflection period",
    "guardian_appointment": "Appointment of a guardian",
    "follow_up": "Follow-up {months} months after the return",
    "request": "Answer to the {type}",
}
MESSAGES = tuple(REASONS.values()) + tuple(DEADLINE_TEXTS.values())


class RulesError(ValueError):
    """A rules file that cannot be used; ``problems`` lists every reason, each with its place."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        super().__init__(f"{source or 'rules'}: " + "; ".join(problems))


class TemplateMismatch(ValueError):
    """The rules were written for another template or version than the one given."""


class UnknownTransition(ValueError):
    """A status that is not one of DOMAIN §6.2 (``statuses`` in the rules file)."""


# --- results ------------------------------------------------------------------------------------

def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


@dataclass(frozen=True)
class Reason:
    """Why a rule fails or a guard blocks: a stable ``code``, its English ``message`` (a gettext
    message id with placeholders) and the ``params`` that fill them."""

    code: str
    message: str
    params: dict = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        return (translate or str)(self.message).format(**self.params)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.text(), "params": self.params}


@dataclass(frozen=True)
class RuleResult:
    id: str
    title: str
    kind: str
    status: str
    reasons: list[Reason]

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "kind": self.kind, "status": self.status,
                "reasons": [r.as_dict() for r in self.reasons]}


@dataclass(frozen=True)
class Deadline:
    """A date (or, for alerts, a time) by which something is due; ``rule`` is the catalogue rule
    it serves, when there is one; ``what`` is an English message id filled from ``params``."""

    id: str
    what: str
    due: date | datetime
    status: str
    rule: str | None = None
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"id": self.id, "rule": self.rule, "what": self.what.format(**self.params),
                "due": _iso(self.due), "status": self.status, "params": self.params}


@dataclass(frozen=True)
class CheckResult:
    at: date
    template: str
    rules: list[RuleResult]
    deadlines: list[Deadline]

    @property
    def failed(self) -> bool:
        return any(r.status == FAIL for r in self.rules)

    def as_dict(self) -> dict:
        return {"at": self.at.isoformat(), "template": self.template,
                "rules": [r.as_dict() for r in self.rules], "deadlines": [d.as_dict() for d in self.deadlines]}


# --- the ruleset --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What a check sees: the rules, the template, the report's derived data and the day."""

    ruleset: "Ruleset"
    template: reporting.Template
    data: dict
    today: date

    @functools.cached_property
    def scope(self) -> dict:
        return {None: self.data}

    def get(self, path: str) -> Any:
        return _get(self.data, path)


Test = Callable[[Context], list]  # the params of each failure; [] when the requirement is met


@dataclass(frozen=True)
class Requirement:
    code: str
    rule: str
    test: Test
    when: Callable[[Mapping], bool] | None = None

    def unmet(self, context: Context) -> list[Reason]:
        if self.when is not None and not self.when(context.scope):
            return []
        return [Reason(self.code, REASONS[self.code], params) for params in self.test(context)]


@dataclass(frozen=True)
class Rule:
    id: str
    source: str
    title: str
    kind: str
    evaluable: bool
    note: str | None
    applies_when: Callable[[Mapping], bool] | None
    requires: tuple[Requirement, ...]
    advice: tuple[str, ...]


@dataclass(frozen=True)
class ResponseTime:
    """How long the answer to one request type may take: working days, hours or the same day."""

    working_days: int | None = None
    hours: int | None = None
    same_day: bool = False


@dataclass(frozen=True)
class Ruleset:
    name: str
    version: str
    template: str
    template_version: str
    rules: tuple[Rule, ...]
    transitions: Mapping[str, tuple[Requirement, ...]]
    statuses: frozenset[str]
    default_reflection_days: int
    reflection_days: Mapping[str, int]
    response_deadlines: Mapping[str, ResponseTime]
    request_rules: Mapping[str, str]
    guardian_working_days: int
    follow_up_months: tuple[int, ...]
    due_soon_days: int
    eu_member_states: frozenset[str]
    source: str | None = None

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def reflection_days_for(self, country: str | None) -> int:
        return self.reflection_days.get(country or "", self.default_reflection_days)


# --- public API ---------------------------------------------------------------------------------

def load_rules(path: str | Path | None = None) -> Ruleset:
    """The ruleset in ``path``, checked against its template; the shipped one (cached) by default.
    Raises RulesError listing every problem, e.g. a reflection period under 30 days."""
    return _default_rules() if path is None else _load(Path(path))


@functools.lru_cache(maxsize=None)
def _default_rules() -> Ruleset:
    return _load(DEFAULT_PATH)


def check_report(ruleset: Ruleset, template: reporting.Template, report: dict, *, today: date) -> CheckResult:
    """Every rule of the catalogue on ``report`` (PASS, FAIL, NOT_APPLICABLE or NOT_EVALUABLE, with
    reasons) and every deadline it has, as of ``today``. Validate the report first: this raises
    ``reporting.NotAReport`` only for a bad header, and TemplateMismatch for another template."""
    context = _context(ruleset, template, report, today)
    rules = [_evaluate(rule, context) for rule in ruleset.rules]
    return CheckResult(context.today, template.id, rules, _deadlines(context))


def guards_for_transition(ruleset: Ruleset, template: reporting.Template, report: dict, transition: str,
                          *, today: date) -> list[Reason]:
    """What blocks moving the case to status ``transition`` (DOMAIN §6.2); [] when nothing does."""
    if transition not in ruleset.statuses:
        raise UnknownTransition(f"no status {transition!r} in DOMAIN §6.2")
    context = _context(ruleset, template, report, today)
    return [reason for guard in ruleset.transitions.get(transition, ()) for reason in guard.unmet(context)]


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


# --- evaluation ---------------------------------------------------------------------------------

def _context(ruleset: Ruleset, template: reporting.Template, report: dict, today: date) -> Context:
    if (template.name, template.version) != (ruleset.template, ruleset.template_version):
        raise TemplateMismatch(f"these rules are for {ruleset.template}@{ruleset.template_version}, not {template.id}")
    day = today.date() if isinstance(today, datetime) else today
    return Context(ruleset, template, reporting.derive(template, report, today=day)["data"], day)


def _evaluate(rule: Rule, context: Context) -> RuleResult:
    if not rule.evaluable:
        return _result(rule, NOT_EVALUABLE, [Reason("not_evaluable", REASONS["not_evaluable"], {"note": rule.note})])
    if rule.applies_when is not None and not rule.applies_when(context.scope):
        return _result(rule, NOT_APPLICABLE, [])
    reasons = [reason for requirement in rule.requires for reason in requirement.unmet(context)]
    advice = [reason for name in rule.advice for reason in ADVICE[name](context)]
    return _result(rule, FAIL if reasons else PASS, reasons + advice)


def _result(rule: Rule, status: str, reasons: list[Reason]) -> RuleResult:
    return RuleResult(rule.id, rule.title, rule.kind, status, reasons)


def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _items(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _day(value: Any, latest: bool = False) -> date | None:
    """A (partial) date as a day: its earliest possible day, or its latest."""
    span = parse_range(value)
    return span[1 if latest else 0] if span else None


# --- deadlines ----------------------------------------------------------------------------------

def _deadlines(context: Context) -> list[Deadline]:
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


def _current_country(context: Context) -> str | None:
    """Where the person is: the CURRENT_LOCATION country, else the DESTINATION."""
    roles = {item.get("role"): item.get("country") for item in _items(context.get("overview.countries"))
             if isinstance(item.get("role"), str)}
    return roles.get("CURRENT_LOCATION") or roles.get("DESTINATION")


def _reflection_days(context: Context) -> tuple[str | None, int]:
    country = _current_country(context)
    return country, context.ruleset.reflection_days_for(country)


def _reflection_end(context: Context, latest_start: bool = True) -> date | None:
    """The period's last day: the recorded end, or later when the country's minimum runs longer
    (the start day counts as the first of its days)."""
    start = _day(context.get("protection.reflection_period.start"), latest_start)
    if start is None or context.get("protection.reflection_period.granted") is False:
        return None
    minimum = start + timedelta(days=_reflection_days(context)[1] - 1)
    recorded = _day(context.get("protection.reflection_period.end"), latest=True)
    return max(minimum, recorded) if recorded else minimum


def _reflection_deadline(context: Context) -> list[Deadline]:
    end = _reflection_end(context)
    if end is None:
        return []
    country, days = _reflection_days(context)
    status = MET if context.today > end else _status(context, end)
    return [Deadline("reflection_end", DEADLINE_TEXTS["reflection_end"], end, status, "R-REFL-30",
                     {"country": country, "days": days})]


def _guardian_due(context: Context) -> date | None:
    rule = context.ruleset.rule("R-GUARDIAN")
    requested = _day(context.get("child.guardian.requested_on"))
    if requested is None or rule is None or (rule.applies_when and not rule.applies_when(context.scope)):
        return None
    return add_working_days(requested, context.ruleset.guardian_working_days)


def _guardian_deadline(context: Context) -> list[Deadline]:
    due = _guardian_due(context)
    if due is None:
        return []
    met = context.get("child.guardian.appointed") is True
    return [Deadline("guardian_appointment", DEADLINE_TEXTS["guardian_appointment"], due,
                     _status(context, due, met), "R-GUARDIAN", {"working_days": context.ruleset.guardian_working_days})]


def _follow_up_deadlines(context: Context) -> list[Deadline]:
    handover = _day(context.get("return_reintegration.handover.date"))
    if handover is None:
        return []
    done = sum(1 for item in _items(context.get("return_reintegration.follow_ups")) if not is_empty(item.get("done")))
    return [_follow_up(context, handover, months, met=done > index)
            for index, months in enumerate(context.ruleset.follow_up_months)]


def _follow_up(context: Context, handover: date, months: int, met: bool) -> Deadline:
    due = add_months(handover, months)
    return Deadline(f"follow_up_{months}m", DEADLINE_TEXTS["follow_up"], due, _status(context, due, met),
                    None, {"months": months})


def _request_due(context: Context, item: dict) -> date | datetime | None:
    recorded = _day(item.get("due"))
    sent = _day(item.get("sent"))
    if recorded is not None or sent is None or not isinstance(item.get("type"), str):
        return recorded
    return response_due(context.ruleset, item["type"], sent)


def _is_open(item: dict) -> bool:
    return is_empty(item.get("answered")) and item.get("status") not in ("ANSWERED", "WITHDRAWN")


def _request_deadlines(context: Context) -> list[Deadline]:
    found = []
    requests = context.get("log.requests")
    for index, item in enumerate(requests if isinstance(requests, list) else []):
        due = _request_due(context, item) if isinstance(item, dict) and _is_open(item) else None
        if due is not None:
            found.append(Deadline(f"log.requests[{index}]", DEADLINE_TEXTS["request"], due, _status(context, due),
                                  context.ruleset.request_rules.get(item["type"]), {"type": item["type"]}))
    return found


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
    country = _current_country(context)
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
    start = _day(context.get("protection.reflection_period.start"))
    end = _day(context.get("protection.reflection_period.end"), latest=True)
    if start is None or end is None:
        return []
    country, days = _reflection_days(context)
    minimum = start + timedelta(days=days - 1)
    return [] if end >= minimum else [{"end": end.isoformat(), "days": days, "country": country or "",
                                       "minimum_end": minimum.isoformat()}]


@_check
def no_removal_during_reflection(context: Context, args: dict) -> list[dict]:
    travel = _day(context.get("return_reintegration.travel.date"))
    start = _day(context.get("protection.reflection_period.start"))
    end = _reflection_end(context, latest_start=False)
    if travel is None or start is None or end is None or context.get("return_reintegration.return_wish") == "YES":
        return []
    return [{"travel": travel.isoformat()}] if start <= travel <= end else []


@_check
def latest_return_risk_acceptable(context: Context, args: dict) -> list[dict]:
    returns = [a for a in _items(context.get("risk.risk_assessments")) if a.get("scope") == "RETURN"]
    if not returns:
        return []
    latest = sorted(returns, key=lambda a: _day(a.get("date")) or date.min)[-1]
    level = latest.get("level")
    return [] if level and level != "CRITICAL" else [{"date": latest.get("date"), "level": level}]


@_check
def guardian_appointed_in_time(context: Context, args: dict) -> list[dict]:
    due = _guardian_due(context)
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
    valid_from = _day(context.get("protection.residence_permit.from"))
    valid_to = _day(context.get("protection.residence_permit.to"), latest=True)
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
    for item in _items(context.get("log.requests")):
        due = _request_due(context, item) if item.get("type") in args["types"] and item.get("status") != "WITHDRAWN" else None
        if due is not None and _answered_late(context, item, due):
            late.append({"type": item["type"], "sent": item.get("sent") or "", "due": _iso(due),
                         "answered": item.get("answered")})
    return late


def _answered_late(context: Context, item: dict, due: date | datetime) -> bool:
    day = due.date() if isinstance(due, datetime) else due
    answered = _day(item.get("answered"))
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
    end = _day(context.get("situation.exploitation.end_date"), latest=True)
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
            for item in _items(context.get("situation.ilo_assessments"))]


ADVICE["ilo_result"] = _ilo_result


# --- conditions: the template's language plus `some` / `every` over a repeat --------------------

QUANTIFIERS = ("some", "every")


def compile_rule_condition(condition: Any, repeats: tuple[str, ...] = ()) -> Callable[[Mapping], bool]:
    """A function of a scope ({None: data, REPEAT: item, ...}) that tells whether it holds."""
    quantifier = next((q for q in QUANTIFIERS if q in condition), None)
    if quantifier:
        return _compile_quantifier(condition, quantifier, repeats)
    for key, combine in (("all", all), ("any", any)):
        if key in condition:
            parts = [compile_rule_condition(c, repeats) for c in condition[key]]
            return lambda scope, parts=parts, combine=combine: combine(p(scope) for p in parts)
    if "not" in condition:
        inner = compile_rule_condition(condition["not"], repeats)
        return lambda scope: not inner(scope)
    return compile_condition(condition, repeats)


def _compile_quantifier(condition: dict, quantifier: str, repeats: tuple[str, ...]):
    repeat = condition[quantifier]
    items = compile_getter(repeat, repeats)
    where = compile_rule_condition(condition["where"], repeats + (repeat,)) if "where" in condition else None
    combine = any if quantifier == "some" else all

    def holds(scope):
        return combine(where is None or where({**scope, repeat: item}) for item in _items(items(scope)))

    return holds


def _condition_problems(template: reporting.Template, condition: Any, repeats: tuple, place: str) -> list[str]:
    if not isinstance(condition, dict) or not condition:
        return [f"{place}: a condition must be a mapping, not {condition!r}"]
    quantifier = next((q for q in QUANTIFIERS if q in condition), None)
    if quantifier:
        return _quantifier_problems(template, condition, quantifier, repeats, place)
    if "all" in condition or "any" in condition or "not" in condition:
        return _combination_problems(template, condition, repeats, place)
    try:
        paths = condition_paths(condition)
    except ValueError as error:
        return [f"{place}: {error}"]
    return _path_problems(template, paths[0], repeats, place) or _code_problems(template, condition, place)


def _combination_problems(template, condition: dict, repeats: tuple, place: str) -> list[str]:
    key = next(k for k in ("all", "any", "not") if k in condition)
    parts = [condition[key]] if key == "not" else condition[key]
    if len(condition) != 1 or not isinstance(parts, list) or not parts:
        return [f"{place}: {key} takes {'one condition' if key == 'not' else 'a non-empty list'} and nothing else"]
    return [p for part in parts for p in _condition_problems(template, part, repeats, place)]


def _quantifier_problems(template, condition: dict, quantifier: str, repeats: tuple, place: str) -> list[str]:
    repeat = condition[quantifier]
    target = template.fields.get(repeat) if isinstance(repeat, str) else None
    if target is None or not target.repeat:
        return [f"{place}: {quantifier} takes a repeat group of the template, not {repeat!r}"]
    if set(condition) - {quantifier, "where"} or (quantifier == "every" and "where" not in condition):
        return [f"{place}: {quantifier} takes a repeat and a where condition only"]
    problems = _path_problems(template, repeat, repeats, place)
    if "where" in condition:
        problems += _condition_problems(template, condition["where"], repeats + (repeat,), place)
    return problems


def _path_problems(template, path: str, repeats: tuple, place: str) -> list[str]:
    target = template.fields.get(path)
    if target is None:
        return [f"{place}: {path!r} is not a field of {template.id}"]
    outside = [r for r in target.repeat_ancestors if r not in repeats]
    return [f"{place}: {path!r} is inside the repeat {outside[0]!r}; use some/every"] if outside else []


def _code_problems(template, condition: dict, place: str) -> list[str]:
    target = template.fields[condition["field"]]
    codes = template.code_lists.get(target.codes) if target.codes else None
    values = [condition["equals"]] if "equals" in condition else condition.get("in", condition.get("includes", []))
    unknown = [v for v in values if codes is not None and v not in codes.allowed]
    return [f"{place}: {unknown[0]!r} is not a code of {target.codes}"] if unknown else []


# --- loading ------------------------------------------------------------------------------------

def _load(path: Path) -> Ruleset:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RulesError([str(error)], str(path)) from None
    return build(raw, str(path))


def build(raw: Any, source: str | None = None) -> Ruleset:
    """A ruleset from the parsed YAML; raises RulesError listing every problem."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise RulesError(["a rules file is a mapping"], source)
    template = _template(raw, problems)
    if template is None:
        raise RulesError(problems, source)
    ruleset = _ruleset(raw, template, problems, source)
    if problems:
        raise RulesError(problems, source)
    return ruleset


def _template(raw: dict, problems: list[str]) -> reporting.Template | None:
    try:
        return reporting.load_template(str(raw.get("template")), str(raw.get("template_version")))
    except (reporting.UnknownTemplate, reporting.TemplateError) as error:
        problems.append(f"template: {error}")
        return None


def _ruleset(raw: dict, template: reporting.Template, problems: list[str], source: str | None) -> Ruleset:
    statuses = frozenset(raw.get("statuses") or ())
    transitions = _transitions(_mapping(raw, "transitions"), statuses, template, problems)
    rules = _rules(raw.get("rules"), transitions, template, problems)
    _check_guard_rules(transitions, rules, problems)
    days = _mapping(raw, "reflection_period_days")
    return Ruleset(
        name=str(raw.get("ruleset")), version=str(raw.get("version")), template=template.name,
        template_version=template.version, rules=rules, transitions=transitions, statuses=statuses,
        default_reflection_days=_reflection_value("default", days.get("default"), problems),
        reflection_days=_reflection_days_by_country(days.get("countries") or {}, problems),
        response_deadlines=_response_deadlines(_mapping(raw, "response_deadlines"), template, problems),
        request_rules=_request_rules(raw.get("rules")),
        guardian_working_days=_positive("guardian_working_days", raw.get("guardian_working_days"), problems),
        follow_up_months=tuple(_positive("follow_up_months", m, problems) for m in raw.get("follow_up_months") or ()),
        due_soon_days=_positive("due_soon_days", raw.get("due_soon_days"), problems, minimum=0),
        eu_member_states=frozenset(raw.get("eu_member_states") or ()), source=source,
    )


def _mapping(raw: dict, key: str) -> dict:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _positive(place: str, value: Any, problems: list[str], minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        problems.append(f"{place}: a whole number of at least {minimum}, not {value!r}")
        return minimum
    return value


def _reflection_value(place: str, value: Any, problems: list[str]) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < MINIMUM_REFLECTION_DAYS:
        problems.append(f"reflection_period_days.{place}: {value!r} is under the {MINIMUM_REFLECTION_DAYS} days of CETS Art. 13")
        return MINIMUM_REFLECTION_DAYS
    return value


def _reflection_days_by_country(countries: Any, problems: list[str]) -> dict[str, int]:
    if not isinstance(countries, dict):
        problems.append("reflection_period_days.countries: a mapping of country codes to days")
        return {}
    bad = [c for c in countries if not (isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c))]
    problems.extend(f"reflection_period_days.countries: {c!r} is not a country code" for c in bad)
    return {c: _reflection_value(f"countries.{c}", days, problems) for c, days in countries.items()}


def _response_deadlines(raw: Any, template: reporting.Template, problems: list[str]) -> dict[str, ResponseTime]:
    known = template.code_lists["message_type"].allowed
    result = {}
    for message_type, limit in raw.items():
        if message_type not in known:
            problems.append(f"response_deadlines: {message_type!r} is not a message type")
        elif not isinstance(limit, dict) or len(limit) != 1 or not set(limit) <= {"working_days", "hours", "same_day"}:
            problems.append(f"response_deadlines.{message_type}: one of working_days, hours or same_day")
        else:
            result[message_type] = _response_time(message_type, limit, problems)
    return result


def _response_time(message_type: str, limit: dict, problems: list[str]) -> ResponseTime:
    if limit.get("same_day") is True:
        return ResponseTime(same_day=True)
    if "same_day" in limit:
        problems.append(f"response_deadlines.{message_type}: same_day takes true")
    key, value = next(iter(limit.items()))
    return ResponseTime(**{key: _positive(f"response_deadlines.{message_type}", value, problems)})


def _request_rules(raw_rules: Any) -> dict[str, str]:
    """Which rule each request type's answer time serves (from the requests_in_time checks)."""
    found = {}
    for rule in raw_rules if isinstance(raw_rules, list) else []:
        for requirement in rule.get("requires") or () if isinstance(rule, dict) else ():
            if isinstance(requirement, dict) and requirement.get("check") == "requests_in_time":
                found.update({t: rule.get("id") for t in (requirement.get("args") or {}).get("types", ())})
    return found


def _transitions(raw: Any, statuses: frozenset, template, problems: list[str]) -> dict[str, tuple[Requirement, ...]]:
    result = {}
    for name, guards in raw.items():
        if name not in statuses:
            problems.append(f"transitions: {name!r} is not in statuses")
        place = f"transitions.{name}"
        result[name] = tuple(r for i, g in enumerate(guards or ()) for r in _requirement(g, None, {}, template, problems, f"{place}[{i}]"))
    return result


def _check_guard_rules(transitions: dict, rules: tuple[Rule, ...], problems: list[str]) -> None:
    ids = {rule.id for rule in rules}
    for name, guards in transitions.items():
        problems.extend(f"transitions.{name}: guard {g.code!r} cites unknown rule {g.rule!r}" for g in guards if g.rule not in ids)


def _rules(raw: Any, transitions: dict, template, problems: list[str]) -> tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("rules: a non-empty list")
        return ()
    rules = tuple(_rule(item, i, transitions, template, problems) for i, item in enumerate(raw))
    ids = [rule.id for rule in rules]
    problems.extend(f"rules: {rule_id!r} appears twice" for rule_id in sorted({i for i in ids if ids.count(i) > 1}))
    return rules


RULE_KEYS = {"id", "source", "title", "kind", "evaluable", "note", "applies_when", "requires", "advice"}


def _rule(raw: Any, index: int, transitions: dict, template, problems: list[str]) -> Rule:
    raw = raw if isinstance(raw, dict) else {}
    place = f"rules[{index}] {raw.get('id', '')}".strip()
    _rule_shape_problems(raw, place, problems)
    applies = raw.get("applies_when")
    requires = tuple(r for i, item in enumerate(raw.get("requires") or ())
                     for r in _requirement(item, raw.get("id"), transitions, template, problems, f"{place}.requires[{i}]"))
    return Rule(
        id=str(raw.get("id")), source=str(raw.get("source")), title=str(raw.get("title")), kind=raw.get("kind"),
        evaluable=raw.get("evaluable") is True, note=raw.get("note"),
        applies_when=_compiled(applies, template, problems, f"{place}.applies_when") if applies else None,
        requires=requires, advice=tuple(raw.get("advice") or ()),
    )


def _rule_shape_problems(raw: dict, place: str, problems: list[str]) -> None:
    problems.extend(f"{place}: unknown key {key!r}" for key in sorted(set(raw) - RULE_KEYS))
    problems.extend(f"{place}: {key} is required" for key in ("id", "source", "title") if not raw.get(key))
    if raw.get("kind") not in KINDS:
        problems.append(f"{place}: kind is one of {', '.join(KINDS)}")
    if not isinstance(raw.get("evaluable"), bool):
        problems.append(f"{place}: evaluable is true or false")
    if raw.get("evaluable") is False and (not raw.get("note") or raw.get("requires")):
        problems.append(f"{place}: a rule that is not evaluable has a note and no requirements")
    if raw.get("evaluable") is True and not raw.get("requires"):
        problems.append(f"{place}: an evaluable rule has requirements")
    problems.extend(f"{place}: unknown advice {name!r}" for name in raw.get("advice") or () if name not in ADVICE)


def _compiled(condition: Any, template, problems: list[str], place: str):
    found = _condition_problems(template, condition, (), place)
    problems.extend(found)
    return None if found else compile_rule_condition(condition)


def _both(first, second):
    if first is None or second is None:
        return first or second
    return lambda scope: first(scope) and second(scope)


def _requirement(raw: Any, rule_id, transitions: dict, template, problems: list[str], place: str) -> list[Requirement]:
    if not isinstance(raw, dict):
        problems.append(f"{place}: a requirement is a mapping")
        return []
    when = _compiled(raw["when"], template, problems, f"{place}.when") if "when" in raw else None
    if "guards" in raw:
        return _included_guards(raw["guards"], rule_id, when, transitions, problems, place)
    if raw.get("code") not in REASONS:
        problems.append(f"{place}: {raw.get('code')!r} is not a reason code of rules.py")
        return []
    test = _test(raw, template, problems, place)
    return [Requirement(raw["code"], rule_id or raw.get("rule"), test, when)] if test else []


def _included_guards(transition: str, rule_id, when, transitions: dict, problems: list[str], place: str) -> list[Requirement]:
    guards = [g for g in transitions.get(transition, ()) if g.rule == rule_id]
    if not guards:
        problems.append(f"{place}: transition {transition!r} has no guards of {rule_id}")
    return [Requirement(g.code, g.rule, g.test, _both(when, g.when)) for g in guards]


def _test(raw: dict, template, problems: list[str], place: str) -> Test | None:
    if "check" in raw:
        return _check_test(raw["check"], raw.get("args") or {}, template, problems, place)
    if "condition" in raw:
        condition = _compiled(raw["condition"], template, problems, f"{place}.condition")
        return (lambda context: [] if condition(context.scope) else [{}]) if condition else None
    problems.append(f"{place}: a requirement has a condition, a check or guards")
    return None


PATH_ARGS = ("paths", "cooperation", "assistance")


def _check_test(name: str, args: dict, template, problems: list[str], place: str) -> Test | None:
    if name not in CHECKS:
        problems.append(f"{place}: unknown check {name!r}")
        return None
    known = {*template.fields, *(s.key for s in template.sections)}
    problems.extend(f"{place}: {p!r} is not a field of {template.id}"
                    for key in PATH_ARGS for p in args.get(key, ()) if p not in known)
    message_types = template.code_lists["message_type"].allowed
    problems.extend(f"{place}: {t!r} is not a message type" for t in args.get("types", ()) if t not in message_types)
    return lambda context: CHECKS[name](context, args)
