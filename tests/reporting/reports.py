"""Hypothesis strategies that build valid reports of a template, field by field.

The builder reads the template's data (types, codes, constraints, conditions) and evaluates
conditions itself, so that it is an independent oracle for the engine's validator.
"""
from __future__ import annotations

import string
from datetime import date, timedelta

from hypothesis import strategies as st

from trm.reporting.derive import FUNCTIONS
from trm.reporting.model import Field, Template

TODAY = date(2026, 12, 3)
EARLIEST = date(1950, 1, 1)
TEXT = st.text(alphabet=string.ascii_letters + " ëçšđžćčșțΑαЖж", min_size=1, max_size=12)
SAMPLE_COUNTRIES = ["AL", "BA", "BG", "HR", "XK", "MK", "MD", "ME", "RO", "RS", "IT", "DE", "GR", "AT", "FR", "NL"]


def _get(data, scope_item, anchor, path):
    if anchor and path.startswith(anchor + "."):
        value, keys = scope_item, path[len(anchor) + 1:].split(".")
    else:
        value, keys = data, path.split(".")
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def holds(condition, data, item=None, anchor=None) -> bool:
    if condition is None:
        return True
    if "all" in condition:
        return all(holds(c, data, item, anchor) for c in condition["all"])
    if "any" in condition:
        return any(holds(c, data, item, anchor) for c in condition["any"])
    if "not" in condition:
        return not holds(condition["not"], data, item, anchor)
    value = _get(data, item, anchor, condition["field"])
    if "equals" in condition:
        return value == condition["equals"]
    if "in" in condition:
        return value in condition["in"]
    if "includes" in condition:
        return isinstance(value, list) and bool(set(value) & set(condition["includes"]))
    return (value not in (None, "", [], {})) == condition["answered"]


def _date_between(draw, low: date, high: date) -> str:
    day = low + timedelta(days=draw(st.integers(0, max(0, (high - low).days))))
    form = draw(st.sampled_from(["day", "day", "month", "year"]))
    return day.isoformat() if form == "day" else day.isoformat()[:7] if form == "month" else str(day.year)


def value_for(draw, template: Template, f: Field, data, item, anchor):
    c = f.constraints
    if f.type in ("text", "long_text"):
        if "pattern" in c:
            return draw(st.from_regex(c["pattern"], fullmatch=True).filter(lambda s: len(s) <= c.get("max_length", 500)))
        low = c.get("min_length", 1)
        return draw(st.text(alphabet=string.ascii_letters + " ëçšđ", min_size=max(1, low), max_size=max(low, 12)))
    if f.type == "integer":
        return draw(st.integers(c.get("min", 0), c.get("max", 10_000)))
    if f.type == "decimal":
        return draw(st.floats(c.get("min", 0), c.get("max", 1e6), allow_nan=False, allow_infinity=False))
    if f.type == "date":
        low = EARLIEST
        other = _get(data, item, anchor, c["not_before"]) if "not_before" in c else None
        if isinstance(other, str):
            low = date(int(other[:4]), 12, 31)
        high = TODAY if c.get("not_after") == "today" or not other else TODAY + timedelta(days=900)
        if low > high:
            return other  # the same day as the date it may not precede
        return _date_between(draw, low, high)
    if f.type == "datetime":
        return draw(st.sampled_from(["2026-05-01T09:30:00Z", "2025-11-30T23:59:59+01:00"]))
    if f.type == "yes_no":
        return draw(st.booleans())
    if f.type == "yes_no_unknown":
        return draw(st.sampled_from(["YES", "NO", "UNKNOWN"]))
    if f.type in ("code", "codes"):
        codes = sorted(template.code_lists[f.codes].allowed)
        if f.type == "code":
            return draw(st.sampled_from(codes))
        return draw(st.lists(st.sampled_from(codes), min_size=max(1, c.get("min_items", 1)), max_size=min(3, c.get("max_items", 3)), unique=True))
    if f.type == "country":
        return draw(st.sampled_from(SAMPLE_COUNTRIES))
    if f.type == "countries":
        return draw(st.lists(st.sampled_from(SAMPLE_COUNTRIES), min_size=1, max_size=3, unique=True))
    pools = {"language": ["sq", "it", "ro", "sr", "rom", "en"], "script": ["Latn", "Cyrl", "Grek"], "currency": ["EUR", "ALL", "MDL", "RON"]}
    return draw(st.sampled_from(pools[f.type]))


def _fill(draw, template, fields, obj, data, item, anchor, eager):
    for f in fields:
        if f.is_derived or not holds(f.applies_when, data, item, anchor):
            continue
        required = f.required or (f.required_when is not None and holds(f.required_when, data, item, anchor))
        if not required and not draw(st.booleans() if eager else st.just(False)):
            continue
        if f.is_group and f.repeat:
            count = draw(st.integers(max(1, f.constraints.get("min_items", 1)), min(2, f.constraints.get("max_items", 2))))
            items = obj.setdefault(f.key, [])
            for _ in range(count):
                new = {}
                items.append(new)
                _fill(draw, template, f.fields, new, data, new, f.path, eager)
        elif f.is_group:
            group = obj.setdefault(f.key, {})
            _fill(draw, template, f.fields, group, data, item, anchor, eager)
            if not group:
                del obj[f.key]
        else:
            if f.precision_field:
                obj[f.key] = value_for(draw, template, f, data, item, anchor)
                obj[f.precision_field] = {4: "YEAR", 7: "MONTH", 10: "DAY"}[len(obj[f.key])]
            elif f.key not in obj:
                obj[f.key] = value_for(draw, template, f, data, item, anchor)


def _derive_minor(template, data):
    """The one derived input the case report's conditions read: presumed minority."""
    identity = data.get("identity")
    if isinstance(identity, dict) and "identity.presumed_minor" in template.fields:
        identity["presumed_minor"] = FUNCTIONS["presumed_minor"](identity.get("date_of_birth"), TODAY, identity.get("age_uncertain"))
        if identity["presumed_minor"] is None:
            del identity["presumed_minor"]


@st.composite
def valid_reports(draw, template: Template, include_message_sections: bool = False):
    data: dict = {}
    for section in template.sections:
        if section.scope == "message" and not include_message_sections:
            continue
        _derive_minor(template, data)
        if not holds(section.applies_when, data):
            continue
        obj = data[section.key] = {}
        _fill(draw, template, section.fields, obj, data, None, None, eager=True)
    identity = data.get("identity")
    if isinstance(identity, dict):
        identity.pop("presumed_minor", None)
    for key in [k for k, v in data.items() if not v]:
        del data[key]
    return {"template": template.name, "version": template.version, "language": "it", "data": data}


def leaf_paths(value, path=""):
    """Every leaf value's path in a report's data, without indices."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaf_paths(child, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        for child in value:
            yield from leaf_paths(child, path)
    else:
        yield path
