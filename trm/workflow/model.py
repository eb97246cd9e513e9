"""The workflow's vocabulary: statuses, reason codes and messages, errors, results and the ruleset.

Data and the small helpers that read a report's data: everything else in the package imports from
here, and this imports nothing from it. Pure Python, no Django import.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Mapping

from trm import reporting
from trm.reporting.dates import parse_range

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

def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


@dataclass(frozen=True)
class Reason:
    """Why a rule fails or a guard blocks: a stable ``code``, its English ``message`` (a gettext
    message id with placeholders) and the ``params`` that fill them."""

    code: str
    message: str
    params: dict = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The message in a language; text parameters (a rule's note, a field's label) are
        translated too, codes and dates are not found in any catalogue and stay as they are."""
        translate = translate or str
        params = {k: translate(v) if isinstance(v, str) else v for k, v in self.params.items()}
        return translate(self.message).format(**params)

    def as_dict(self, translate: Callable[[str], str] | None = None) -> dict:
        return {"code": self.code, "message": self.text(translate), "params": self.params}


@dataclass(frozen=True)
class RuleResult:
    id: str
    title: str
    kind: str
    status: str
    reasons: list[Reason]

    def as_dict(self, translate: Callable[[str], str] | None = None) -> dict:
        translate = translate or str
        return {"id": self.id, "title": translate(self.title), "kind": self.kind, "status": self.status,
                "reasons": [r.as_dict(translate) for r in self.reasons]}


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

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        return (translate or str)(self.what).format(**self.params)

    def as_dict(self, translate: Callable[[str], str] | None = None) -> dict:
        return {"id": self.id, "rule": self.rule, "what": self.text(translate),
                "due": iso(self.due), "status": self.status, "params": self.params}


@dataclass(frozen=True)
class CheckResult:
    at: date
    template: str
    rules: list[RuleResult]
    deadlines: list[Deadline]

    @property
    def failed(self) -> bool:
        return any(r.status == FAIL for r in self.rules)

    def as_dict(self, translate: Callable[[str], str] | None = None) -> dict:
        return {"at": self.at.isoformat(), "template": self.template,
                "rules": [r.as_dict(translate) for r in self.rules],
                "deadlines": [d.as_dict(translate) for d in self.deadlines]}


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


# --- reading the report's data ------------------------------------------------------------------

def _get(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def items_of(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def day_of(value: Any, latest: bool = False) -> date | None:
    """A (partial) date as a day: its earliest possible day, or its latest."""
    span = parse_range(value)
    return span[1 if latest else 0] if span else None
