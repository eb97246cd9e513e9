"""Loading a rules file: the condition compiler (the template's language plus ``some`` / ``every``)
and the checks that turn the parsed YAML into a Ruleset, or a RulesError listing every problem.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from trm import reporting
from trm.reporting.conditions import compile_condition, compile_getter, condition_paths

from .checks import ADVICE, CHECKS
from .model import (
    KINDS, MINIMUM_REFLECTION_DAYS, REASONS, Requirement, ResponseTime, Rule, RulesError, Ruleset, Test, items_of,
)


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
        return combine(where is None or where({**scope, repeat: item}) for item in items_of(items(scope)))

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

def load_file(path: Path) -> Ruleset:
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
        problems.append(f"{place}: {raw.get('code')!r} is not a reason code of the rules")
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
