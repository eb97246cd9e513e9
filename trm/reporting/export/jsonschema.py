"""The template as a JSON Schema (draft 2020-12) describing a derived report.

What the schema cannot say, the engine still checks: dates against today or against other dates,
impossible calendar days (30 February), an integer written as 1.0, and conditions that reach from a
repeat item to a field outside it. So every report the engine accepts, the schema accepts too.
"""
from __future__ import annotations

from typing import Any

from ..model import Field, Template
from ..validate import allowed_codes

DIALECT = "https://json-schema.org/draft/2020-12/schema"
EMPTY = {"enum": [None, "", [], {}]}
NOT_EMPTY = {"not": EMPTY}
DATE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"


def export(template: Template) -> dict[str, Any]:
    data = {"type": "object", "additionalProperties": False, "properties": {}, "required": [], "allOf": []}
    for section in template.sections:
        if section.scope == "message":
            continue  # the envelope belongs to messages, not to a stored case report
        data["properties"][section.key] = _object(template, section.fields, section.key, ())
        if section.applies_when is None and any(_always_required(f) for f in section.fields):
            data["required"].append(section.key)
        if section.applies_when is not None:
            data["allOf"].append({
                "if": _condition(section.applies_when, None),
                "else": {"properties": {section.key: {"properties": {
                    f.key: EMPTY for f in section.fields if not f.is_derived}}}},
            })
        for f in section.walk():
            if f.repeat_ancestors or f.is_derived:
                continue
            data["allOf"].extend(_rules(template, f, None, section.applies_when))
    for key in ("required", "allOf"):
        if not data[key]:
            del data[key]
    return {
        "$schema": DIALECT,
        "$id": f"urn:trm:template:{template.name}:{template.version}",
        "title": template.label,
        "description": "A derived report (derived values computed) of " + template.id,
        "type": "object",
        "additionalProperties": False,
        "required": ["template", "version", "data"],
        "properties": {
            "template": {"const": template.name},
            "version": {"const": template.version},
            "language": {"type": "string"},
            "profile": {"type": "string"},
            "data": data,
        },
    }


def _always_required(f: Field) -> bool:
    return f.required and f.applies_when is None and f.required_when is None and not f.is_derived


def _object(template: Template, fields, path: str, repeats: tuple, item_of: str | None = None) -> dict:
    """An object of ``fields``; for a repeat item (``item_of``), with the rules anchored at it."""
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
    required, rules = [], []
    for f in fields:
        schema["properties"][f.key] = _field(template, f)
        if _always_required(f):
            required.append(f.key)
            schema["properties"][f.key] = {**_field(template, f, wrap=False), **NOT_EMPTY}
        if item_of:
            for inner in f.walk():
                if inner.repeat_ancestors and inner.repeat_ancestors[-1] == item_of and not inner.is_derived:
                    rules.extend(_rules(template, inner, item_of, None))
    if required:
        schema["required"] = required
    if rules:
        schema["allOf"] = rules
    return schema


def _field(template: Template, f: Field, wrap: bool = True) -> dict:
    schema = _value(template, f)
    return {"anyOf": [EMPTY, schema]} if wrap else schema


def _value(template: Template, f: Field) -> dict:
    c = f.constraints
    if f.type == "group" and f.repeat:
        repeats = f.repeat_ancestors + (f.path,)
        schema = {"type": "array", "items": _object(template, f.fields, f.path, repeats, item_of=f.path)}
        return _items(schema, c)
    if f.type == "group":
        return _object(template, f.fields, f.path, f.repeat_ancestors)
    if f.type in ("text", "long_text"):
        schema = {"type": "string", "maxLength": c.get("max_length", 10000 if f.type == "long_text" else 500)}
        if "min_length" in c:
            schema["minLength"] = c["min_length"]
        if "pattern" in c:
            schema["pattern"] = f"^(?:{c['pattern']})$"
        return schema
    if f.type in ("integer", "decimal"):
        schema = {"type": "integer" if f.type == "integer" else "number"}
        if "min" in c:
            schema["minimum"] = c["min"]
        if "max" in c:
            schema["maximum"] = c["max"]
        return schema
    if f.type == "date":
        return {"type": "string", "pattern": DATE_PATTERN}
    if f.type == "datetime":
        return {"type": "string", "pattern": DATETIME_PATTERN}
    if f.type == "yes_no":
        return {"type": "boolean"}
    codes = sorted(allowed_codes(template, f))
    if f.type in ("codes", "countries"):
        return _items({"type": "array", "items": {"enum": codes}, "uniqueItems": True}, c)
    return {"enum": codes}


def _items(schema: dict, c) -> dict:
    if "min_items" in c:
        schema["minItems"] = c["min_items"]
    if "max_items" in c:
        schema["maxItems"] = c["max_items"]
    return schema


def _rules(template: Template, f: Field, anchor: str | None, section_condition) -> list[dict]:
    """if/then rules for a field's applies_when and required_when, at the anchor they can be
    written at; a rule that would have to reach outside its anchor is left to the engine."""
    if f.applies_when is None and f.required_when is None:
        return []
    if not all(_reachable(template, c, anchor) for c in (section_condition, f.applies_when, f.required_when) if c):
        return []
    relative = f.path[len(anchor) + 1:] if anchor else f.path
    keys = relative.split(".")
    gate = [c for c in (section_condition,) if c]
    rules = []
    if f.applies_when is not None:
        rules.append({"if": _all(gate + [{"not": f.applies_when}], anchor), "then": _at(keys, EMPTY)})
    required_when = f.required_when if f.required_when is not None else (True if f.required else None)
    if required_when is not None:
        conditions = gate + [c for c in (f.applies_when,) if c] + ([required_when] if required_when is not True else [])
        rules.append({"if": _all(conditions, anchor), "then": _required_at(keys, root=anchor is None)})
    return rules


def _reachable(template: Template, condition, anchor: str | None) -> bool:
    from ..conditions import condition_paths
    for path in condition_paths(condition):
        repeats = template.fields[path].repeat_ancestors
        if (repeats[-1] if repeats else None) != anchor:
            return False
    return True


def _all(conditions: list, anchor: str | None) -> dict:
    if not conditions:
        return {}
    return {"allOf": [_condition(c, anchor) for c in conditions]}


def _condition(condition: dict, anchor: str | None) -> dict:
    if "all" in condition:
        return {"allOf": [_condition(c, anchor) for c in condition["all"]]}
    if "any" in condition:
        return {"anyOf": [_condition(c, anchor) for c in condition["any"]]}
    if "not" in condition:
        return {"not": _condition(condition["not"], anchor)}
    path = condition["field"]
    keys = (path[len(anchor) + 1:] if anchor else path).split(".")
    if "equals" in condition:
        leaf = {"const": condition["equals"]}
    elif "in" in condition:
        leaf = {"enum": list(condition["in"])}
    elif "includes" in condition:
        leaf = {"type": "array", "contains": {"enum": list(condition["includes"])}}
    else:
        leaf = NOT_EMPTY
        if not condition["answered"]:
            return {"not": _present(keys, leaf)}
    return _present(keys, leaf)


def _present(keys: list[str], leaf: dict) -> dict:
    """The value at ``keys`` exists (every step an object) and matches ``leaf``."""
    schema = leaf
    for key in reversed(keys):
        schema = {"type": "object", "required": [key], "properties": {key: schema}}
    return schema


def _at(keys: list[str], leaf: dict) -> dict:
    """``leaf`` applies to the value at ``keys`` when it is there; groups on the way may be empty."""
    schema = {"properties": {keys[-1]: leaf}}
    for key in reversed(keys[:-1]):
        schema = {"properties": {key: {"anyOf": [EMPTY, schema]}}}
    return schema


def _required_at(keys: list[str], root: bool) -> dict:
    """The value at ``keys`` must be given. At the root the first key is a section, which the engine
    reads as empty when absent; groups below may be empty, which leaves their fields unchecked."""
    schema = {"required": [keys[-1]], "properties": {keys[-1]: NOT_EMPTY}}
    for depth, key in enumerate(reversed(keys[:-1])):
        section = root and depth == len(keys) - 2
        schema = {"properties": {key: schema if section else {"anyOf": [EMPTY, schema]}}}
        if section and len(keys) == 2:
            schema["required"] = [key]
    return schema
