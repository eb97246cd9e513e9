"""Deriving and validating reports. Everything is compiled once per template into closures."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from . import world
from .conditions import compile_condition, compile_getter, is_empty
from .dates import is_datetime, parse_range
from .derive import TODAY, compile_derivation

PROFILE = object()  # the scope key under which the paths a message may carry travel
from .i18n import gettext
from .model import Field, Template

# Every error code, with its English message (a gettext message id; placeholders in braces).
MESSAGES = {
    "unknown_template": "This report is for template {found}, not {expected}.",
    "wrong_version": "This report was written against version {found}; migrate it to {expected} first.",
    "invalid_report": "A report must be an object with template, version and data.",
    "unknown_field": "This field is not part of the template.",
    "not_applicable": "This field does not apply to this case and must be left empty.",
    "required": "This field is required.",
    "invalid_type": "Enter {expected}.",
    "invalid_code": "Choose one of the listed values.",
    "duplicate_value": "Each value may be chosen only once.",
    "too_short": "Enter at least {min_length} characters.",
    "too_long": "Enter at most {max_length} characters.",
    "pattern_mismatch": "This value does not have the expected form.",
    "below_minimum": "Enter a value of at least {min}.",
    "above_maximum": "Enter a value of at most {max}.",
    "invalid_date": "Enter a date as YYYY-MM-DD, YYYY-MM or YYYY.",
    "invalid_datetime": "Enter a date and time with a time zone, such as 2026-05-01T09:30:00Z.",
    "date_in_future": "This date cannot be in the future.",
    "date_before": "This date cannot be earlier than {other}.",
    "date_after": "This date cannot be later than {other}.",
    "precision_mismatch": "The date is less precise than its stated precision ({precision}).",
    "too_few_items": "Add at least {min_items}.",
    "too_many_items": "Add at most {max_items}.",
    "not_in_profile": "This message type may not carry this field.",
    "not_found": "There is no such entry.",
}
EXPECTED = {
    "text": "text", "long_text": "text", "integer": "a whole number", "decimal": "a number",
    "yes_no": "yes or no", "group": "a group of fields", "repeat": "a list of entries",
    "list": "a list of values",
}


@dataclass(frozen=True)
class ValidationError:
    """One problem with a report, at one field. ``code`` is stable; ``message`` is translated."""

    path: str
    code: str
    params: dict = field(default_factory=dict)

    def message(self, language: str = "en") -> str:
        params = {k: gettext(v, language) if k in ("expected", "other", "precision") else v for k, v in self.params.items()}
        return gettext(MESSAGES[self.code], language).format(**params)

    def as_dict(self, language: str = "en") -> dict:
        return {"path": self.path, "code": self.code, "message": self.message(language)}


Check = Callable[[Any, dict, str, list], None]


def compile_template(template: Template) -> None:
    """Build the closures that derive and validate reports of this template."""
    from .load import derivation_order
    template.compiled["derivations"] = [
        (f, compile_derivation(f.derive, f.repeat_ancestors)) for f in derivation_order(template)
    ]
    template.compiled["repeats"] = frozenset(p for p, f in template.fields.items() if f.repeat)
    template.compiled["sections"] = [
        (s, compile_condition(s.applies_when, ()) if s.applies_when else None, _group_check(template, s.fields))
        for s in template.sections
    ]


# --- deriving ---------------------------------------------------------------------------------

def derive_data(template: Template, data: dict, today: date, keep: frozenset = frozenset()) -> dict:
    """A copy of ``data`` with every derived value computed; ``data`` itself is not changed.

    Derived values whose paths are in ``keep`` and that the data already holds are kept as given:
    a message carries the sender's derived values (a child's presumed minority) without the
    inputs they were derived from, and the receiver must not recompute them from less."""
    result = dict(data)
    owned = {id(result)}
    repeats = template.compiled["repeats"]
    for f, compute in template.compiled["derivations"]:
        if f.path in keep:
            compute = _keeping(compute, compile_getter(f.path, f.repeat_ancestors))
        segments = f.path.split(".")
        _set_derived(result, segments, 0, "", {None: result, TODAY: today}, compute, owned, repeats)
    return result


def _keeping(compute, get):
    def keep_or_compute(scope):
        given = get(scope)
        return compute(scope) if is_empty(given) else given
    return keep_or_compute


def _own(value, owned: set):
    if id(value) in owned:
        return value
    copy = dict(value) if isinstance(value, dict) else list(value)
    owned.add(id(copy))
    return copy


def _set_derived(container: dict, segments, depth, prefix, scope, compute, owned, repeats) -> None:
    key = segments[depth]
    path = f"{prefix}.{key}" if prefix else key
    if depth == len(segments) - 1:
        value = compute(scope)
        if value is None:
            container.pop(key, None)
        else:
            container[key] = value
        return
    child = container.get(key)
    if path in repeats:
        if not isinstance(child, list):
            return
        child = container[key] = _own(child, owned)
        for index, item in enumerate(child):
            if isinstance(item, dict):
                item = child[index] = _own(item, owned)
                _set_derived(item, segments, depth + 1, path, {**scope, path: item}, compute, owned, repeats)
        return
    if child is not None and not isinstance(child, dict):
        return
    child = _own(child, owned) if child is not None else {}
    owned.add(id(child))
    _set_derived(child, segments, depth + 1, path, scope, compute, owned, repeats)
    if child or key in container:
        container[key] = child


# --- validating -------------------------------------------------------------------------------

def validate_data(template: Template, data: dict, today: date, carried: frozenset | None = None) -> list[ValidationError]:
    """Field-level errors in ``data`` (already derived). With ``carried``, the paths one message type
    may carry: fields outside it are errors and fields inside it are required only if carried."""
    errors: list[ValidationError] = []
    known = {s.key for s in template.sections}
    for key in data:
        if key not in known:
            errors.append(ValidationError(safe_path(key), "unknown_field"))
    scope = {None: data, TODAY: today, PROFILE: carried}
    for section, applies, check in template.compiled["sections"]:
        value = data.get(section.key)
        if section.key in data and not isinstance(value, dict):
            errors.append(ValidationError(section.key, "invalid_type", {"expected": EXPECTED["group"]}))
            continue
        # A message section (the §A envelope) belongs to messages only, never to a stored case.
        # A message is checked for what it carries, not for what applies: whether a part applies may
        # depend on fields its type does not carry, and the sender already cut it to what applies.
        message_only = section.scope == "message" and carried is None
        if message_only or (carried is None and applies is not None and not applies(scope)):
            if _has_input(value, section.fields):
                errors.append(ValidationError(section.key, "not_applicable"))
            continue
        check(value if section.key in data else {}, scope, section.key, errors)
    return errors


def safe_path(key: object) -> str:
    """An unknown key as it may appear in an error: short, printable, never a whole input."""
    text = "".join(c if c.isprintable() else "?" for c in str(key))
    return text[:40] + ("…" if len(text) > 40 else "")


def _has_input(value, fields) -> bool:
    """Whether a section or group holds anything typed in (derived values do not count)."""
    if not isinstance(value, dict):
        return not is_empty(value)
    by_key = {f.key: f for f in fields}
    for key, child in value.items():
        f = by_key.get(key)
        if f is None:
            if not is_empty(child):
                return True
        elif f.is_derived:
            continue
        elif f.is_group and not f.repeat:
            if _has_input(child, f.fields):
                return True
        elif not is_empty(child):
            return True
    return False


def _group_check(template: Template, fields: tuple[Field, ...]) -> Check:
    known = frozenset(f.key for f in fields)
    checks = [_field_check(template, f) for f in fields]

    def check(obj, scope, prefix, errors):
        if not isinstance(obj, dict):
            errors.append(ValidationError(prefix, "invalid_type", {"expected": EXPECTED["group"]}))
            return
        for key in obj:
            if key not in known:
                errors.append(ValidationError(f"{prefix}.{safe_path(key)}", "unknown_field"))
        for field_check in checks:
            field_check(obj, scope, prefix, errors)

    return check


def _field_check(template: Template, f: Field) -> Check:
    key = f.key
    applies = compile_condition(f.applies_when, f.repeat_ancestors) if f.applies_when else None
    required_when = compile_condition(f.required_when, f.repeat_ancestors) if f.required_when else None
    required = f.required
    check_value = _value_check(template, f)
    leaves = frozenset(x.path for x in f.walk() if not x.is_group)
    has_input = (lambda value: _has_input(value, f.fields)) if f.is_group and not f.repeat else (lambda value: not is_empty(value))

    def check(obj, scope, prefix, errors):
        value = obj.get(key)
        path = f"{prefix}.{key}"
        carried = scope.get(PROFILE)
        if f.is_derived:
            # Computed here unless a message carries the sender's value, which must then be well formed.
            if carried is not None and f.path in carried and not is_empty(value):
                check_value(value, scope, path, errors, obj)
            return
        if carried is not None and leaves.isdisjoint(carried):
            if has_input(value):
                errors.append(ValidationError(path, "not_in_profile"))
            return
        if carried is None and applies is not None and not applies(scope):
            if has_input(value):
                errors.append(ValidationError(path, "not_applicable"))
            return
        if is_empty(value):
            if required or (required_when is not None and required_when(scope)):
                errors.append(ValidationError(path, "required"))
            return
        check_value(value, scope, path, errors, obj)

    return check


def _value_check(template: Template, f: Field):
    if f.type == "group":
        return _repeat_check(template, f) if f.repeat else _nested_check(template, f)
    builder = VALUE_CHECKS[f.type]
    return builder(template, f, f.constraints)


def _nested_check(template, f):
    inner = _group_check(template, f.fields)
    return lambda value, scope, path, errors, obj: inner(value, scope, path, errors)


def _repeat_check(template, f):
    inner = _group_check(template, f.fields)
    count = _count_check(f.constraints)
    group_path = f.path

    def check(value, scope, path, errors, obj):
        if not isinstance(value, list):
            errors.append(ValidationError(path, "invalid_type", {"expected": EXPECTED["repeat"]}))
            return
        count(value, path, errors)
        for index, item in enumerate(value):
            item_scope = dict(scope)
            item_scope[group_path] = item
            inner(item, item_scope, f"{path}[{index}]", errors)

    return check


def _count_check(constraints):
    low, high = constraints.get("min_items"), constraints.get("max_items")

    def check(value, path, errors):
        if low is not None and len(value) < low:
            errors.append(ValidationError(path, "too_few_items", {"min_items": low}))
        if high is not None and len(value) > high:
            errors.append(ValidationError(path, "too_many_items", {"max_items": high}))

    return check


def _text(template, f, c):
    low, high = c.get("min_length"), c.get("max_length", 10000 if f.type == "long_text" else 500)
    pattern = re.compile(c["pattern"]) if "pattern" in c else None

    def check(value, scope, path, errors, obj):
        if not isinstance(value, str):
            errors.append(ValidationError(path, "invalid_type", {"expected": EXPECTED["text"]}))
        elif low is not None and len(value) < low:
            errors.append(ValidationError(path, "too_short", {"min_length": low}))
        elif len(value) > high:
            errors.append(ValidationError(path, "too_long", {"max_length": high}))
        elif pattern is not None and not pattern.fullmatch(value):
            errors.append(ValidationError(path, "pattern_mismatch"))

    return check


def _number(template, f, c):
    integer = f.type == "integer"
    low, high = c.get("min"), c.get("max")
    expected = EXPECTED[f.type]

    def check(value, scope, path, errors, obj):
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            errors.append(ValidationError(path, "invalid_type", {"expected": expected}))
        elif low is not None and value < low:
            errors.append(ValidationError(path, "below_minimum", {"min": low}))
        elif high is not None and value > high:
            errors.append(ValidationError(path, "above_maximum", {"max": high}))

    return check


def _date(template, f, c):
    precision_key = f.precision_field
    not_before, not_after = c.get("not_before"), c.get("not_after")
    before_get = compile_getter(not_before, f.repeat_ancestors) if not_before else None
    after_get = compile_getter(not_after, f.repeat_ancestors) if not_after and not_after != "today" else None
    before_label = template.fields[not_before].label if not_before else None
    after_label = template.fields[not_after].label if after_get else None

    def check(value, scope, path, errors, obj):
        span = parse_range(value)
        if span is None:
            errors.append(ValidationError(path, "invalid_date"))
            return
        precision = obj.get(precision_key) if precision_key else None
        if (precision == "DAY" and len(value) < 10) or (precision == "MONTH" and len(value) < 7):
            errors.append(ValidationError(path, "precision_mismatch", {"precision": PRECISION_LABELS[precision]}))
        if not_after == "today" and span[0] > scope[TODAY]:
            errors.append(ValidationError(path, "date_in_future"))
        if before_get is not None and (other := parse_range(before_get(scope))) and span[1] < other[0]:
            errors.append(ValidationError(path, "date_before", {"other": before_label}))
        if after_get is not None and (other := parse_range(after_get(scope))) and span[0] > other[1]:
            errors.append(ValidationError(path, "date_after", {"other": after_label}))

    return check


PRECISION_LABELS = {"DAY": "Exact day", "MONTH": "Month known"}


def _datetime(template, f, c):
    def check(value, scope, path, errors, obj):
        if not is_datetime(value):
            errors.append(ValidationError(path, "invalid_datetime"))

    return check


def _yes_no(template, f, c):
    def check(value, scope, path, errors, obj):
        if not isinstance(value, bool):
            errors.append(ValidationError(path, "invalid_type", {"expected": EXPECTED["yes_no"]}))

    return check


def _one_of(allowed_of):
    def build(template, f, c):
        allowed = allowed_of(template, f)

        def check(value, scope, path, errors, obj):
            if not isinstance(value, str) or value not in allowed:
                errors.append(ValidationError(path, "invalid_code"))

        return check

    return build


def _many_of(allowed_of):
    def build(template, f, c):
        allowed = allowed_of(template, f)
        count = _count_check(c)

        def check(value, scope, path, errors, obj):
            if not isinstance(value, list):
                errors.append(ValidationError(path, "invalid_type", {"expected": EXPECTED["list"]}))
                return
            count(value, path, errors)
            for index, item in enumerate(value):
                if not isinstance(item, str) or item not in allowed:
                    errors.append(ValidationError(f"{path}[{index}]", "invalid_code"))
            if all(isinstance(item, str) for item in value) and len(set(value)) != len(value):
                errors.append(ValidationError(path, "duplicate_value"))

        return check

    return build


def allowed_codes(template: Template, f: Field) -> frozenset[str]:
    """The codes a code, codes, country, language, script or currency field accepts."""
    if f.type in world.CODES_BY_TYPE:
        return world.CODES_BY_TYPE[f.type]()
    if f.type == "yes_no_unknown":
        return template.code_lists["yes_no_unknown"].allowed
    return template.code_lists[f.codes].allowed


VALUE_CHECKS = {
    "text": _text, "long_text": _text, "integer": _number, "decimal": _number, "date": _date,
    "datetime": _datetime, "yes_no": _yes_no, "yes_no_unknown": _one_of(allowed_codes),
    "code": _one_of(allowed_codes), "codes": _many_of(allowed_codes), "country": _one_of(allowed_codes),
    "countries": _many_of(allowed_codes), "language": _one_of(allowed_codes), "script": _one_of(allowed_codes),
    "currency": _one_of(allowed_codes),
}
