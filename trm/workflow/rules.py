"""The rule catalogue of DOMAIN §6.4, its deadlines and the guards of §6.2, checked on case reports.

Everything that can change with the law or a country lives in ``definitions/rules-<version>.yaml``:
each rule's citation, title, kind and logic (written in the template's condition language), the
reflection period per country, the answer times per request type and the transition guards. This
package knows only the vocabulary: conditions over report paths, the named checks that need date
arithmetic or the template itself, and how deadlines are counted. Pure Python, no Django import;
``today`` is always passed in::

    ruleset = load_rules()
    result = check_report(ruleset, template, report, today=date(2026, 12, 3))
    reasons = guards_for_transition(ruleset, template, report, "RETURN_APPROVED", today=...)

Working days skip Saturdays and Sundays only: there are no public-holiday calendars yet.

This module is the public entry and evaluates the rules; the rest lives beside it: ``model``
(constants, reason codes, errors, results, the ruleset), ``deadlines`` (counting days and months,
a report's deadlines), ``checks`` (the named checks and advice) and ``load`` (the condition
compiler and the rules-file loader). Each imports only the ones before it in that list.
"""
from __future__ import annotations

import functools
from datetime import date, datetime
from pathlib import Path

from trm import reporting

from .checks import (
    ADVICE, CHECKS, assistance_not_gated, code_list_has, exploitation_ended_after, guardian_appointed_in_time,
    latest_return_risk_acceptable, no_removal_during_reflection, permit_lasts_months,
    reflection_period_long_enough, reflection_recorded_for_foreign_victim, requests_in_time,
    template_sensitivity, third_country_national,
)
from .deadlines import add_months, add_working_days, report_deadlines, response_due
from .load import PATH_ARGS, QUANTIFIERS, RULE_KEYS, build, compile_rule_condition, load_file
from .model import (
    DEADLINE_TEXTS, DUE_SOON, FAIL, KINDS, MESSAGES, MET, MINIMUM_REFLECTION_DAYS, NOT_APPLICABLE, NOT_EVALUABLE,
    OPEN, OVERDUE, PASS, REASONS, CheckResult, Context, Deadline, Reason, Requirement, ResponseTime, Rule,
    RuleResult, Ruleset, RulesError, TemplateMismatch, Test, UnknownTransition,
)

DEFAULT_PATH = Path(__file__).parent / "definitions" / "rules-1.0.yaml"

__all__ = ["messages", 
    "ADVICE", "CHECKS", "DEADLINE_TEXTS", "DEFAULT_PATH", "DUE_SOON", "FAIL", "KINDS", "MESSAGES", "MET",
    "MINIMUM_REFLECTION_DAYS", "NOT_APPLICABLE", "NOT_EVALUABLE", "OPEN", "OVERDUE", "PASS", "PATH_ARGS",
    "QUANTIFIERS", "REASONS", "RULE_KEYS", "CheckResult", "Context", "Deadline", "Reason", "Requirement",
    "ResponseTime", "Rule", "RuleResult", "Ruleset", "RulesError", "TemplateMismatch", "Test",
    "UnknownTransition", "add_months", "add_working_days", "assistance_not_gated", "build", "check_report",
    "code_list_has", "compile_rule_condition", "exploitation_ended_after", "guardian_appointed_in_time",
    "guards_for_transition", "latest_return_risk_acceptable", "load_rules", "no_removal_during_reflection",
    "permit_lasts_months", "reflection_period_long_enough", "reflection_recorded_for_foreign_victim",
    "requests_in_time", "response_due", "template_sensitivity", "third_country_national",
]


# --- public API ---------------------------------------------------------------------------------

def load_rules(path: str | Path | None = None) -> Ruleset:
    """The ruleset in ``path``, checked against its template; the shipped one (cached) by default.
    Raises RulesError listing every problem, e.g. a reflection period under 30 days."""
    return _default_rules() if path is None else load_file(Path(path))


@functools.lru_cache(maxsize=None)
def _default_rules() -> Ruleset:
    return load_file(DEFAULT_PATH)


def check_report(ruleset: Ruleset, template: reporting.Template, report: dict, *, today: date) -> CheckResult:
    """Every rule of the catalogue on ``report`` (PASS, FAIL, NOT_APPLICABLE or NOT_EVALUABLE, with
    reasons) and every deadline it has, as of ``today``. Validate the report first: this raises
    ``reporting.NotAReport`` only for a bad header, and TemplateMismatch for another template."""
    context = _context(ruleset, template, report, today)
    rules = [_evaluate(rule, context) for rule in ruleset.rules]
    return CheckResult(context.today, template.id, rules, report_deadlines(context))


def guards_for_transition(ruleset: Ruleset, template: reporting.Template, report: dict, transition: str,
                          *, today: date) -> list[Reason]:
    """What blocks moving the case to status ``transition`` (DOMAIN §6.2); [] when nothing does."""
    if transition not in ruleset.statuses:
        raise UnknownTransition(f"no status {transition!r} in DOMAIN §6.2")
    context = _context(ruleset, template, report, today)
    return [reason for guard in ruleset.transitions.get(transition, ()) for reason in guard.unmet(context)]


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


def messages(ruleset: Ruleset | None = None) -> list[str]:
    """Every English text the rules can show a reader: reasons, deadlines, rule titles and notes,
    and the labour module's notes and labels (gettext message ids, kept in the same catalogues as the template's)."""
    ruleset = ruleset or load_rules()
    from .labour import messages as labour_messages
    texts = list(MESSAGES) + [r.title for r in ruleset.rules] + [r.note for r in ruleset.rules if r.note]
    texts += labour_messages()
    return list(dict.fromkeys(t for t in texts if t))
