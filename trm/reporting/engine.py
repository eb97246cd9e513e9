"""The engine's operations on reports: validate, derive, applicability, project, render, diff, migrate.

A report is a JSON object::

    {"template": "trm-case-report", "version": "1.0", "language": "it", "data": {...}}

``language`` is the language its free text is written in. Every function is pure: it never changes
the report it is given.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

from . import world
from .conditions import compile_condition, is_empty
from .derive import TODAY
from .i18n import check_language, gettext
from .model import Field, Template
from .validate import ValidationError, derive_data, validate_data


def _today(today: date | None) -> date:
    return today or date.today()


def _data(report: Any) -> dict:
    data = report.get("data") if isinstance(report, dict) else None
    return data if isinstance(data, dict) else {}


def check_header(template: Template, report: Any) -> list[ValidationError]:
    """Problems with what a report says it is, before its data is looked at."""
    if not isinstance(report, dict) or not isinstance(report.get("data"), dict):
        return [ValidationError("", "invalid_report")]
    if report.get("template") != template.name:
        return [ValidationError("template", "unknown_template", {"found": str(report.get("template")), "expected": template.name})]
    if report.get("version") != template.version:
        return [ValidationError("version", "wrong_version", {"found": str(report.get("version")), "expected": template.version})]
    unknown = set(report) - {"template", "version", "language", "data", "profile"}
    return [ValidationError(key, "unknown_field") for key in sorted(unknown)]


def validate(template: Template, report: Any, *, today: date | None = None, profile: str | None = None) -> list[ValidationError]:
    """Every field-level error in ``report``; an empty list when it is valid.

    With ``profile`` (a message type), the report is checked as that message's content: fields the
    type may not carry are errors, and only the fields it carries can be required.
    """
    errors = check_header(template, report)
    if errors:
        return errors
    day = _today(today)
    carried = template.profiles[profile].field_paths if profile else None
    return validate_data(template, derive_data(template, report["data"], day), day, carried)


def derive(template: Template, report: dict, *, today: date | None = None) -> dict:
    """A copy of ``report`` with every derived value (ages, minority, ILO result…) computed."""
    return {**report, "data": derive_data(template, _data(report), _today(today))}


# --- walking a report -------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """One field of one report: where it is (``path`` with indices), whether it applies, its value."""

    field: Field
    path: str
    applies: bool
    value: Any


def _condition(template: Template, owner, condition_key: str):
    cache = template.compiled.setdefault("conditions", {})
    key = (owner.path, condition_key)
    if key not in cache:
        condition = getattr(owner, condition_key)
        repeats = getattr(owner, "repeat_ancestors", ())
        cache[key] = compile_condition(condition, repeats) if condition else None
    return cache[key]


def walk(template: Template, report: dict, *, today: date | None = None, derived: bool = False) -> Iterator[Place]:
    """Every field of every section (each item of a repeat in turn), with whether it applies."""
    data = _data(report) if derived else derive_data(template, _data(report), _today(today))
    scope = {None: data, TODAY: _today(today)}
    for section in template.sections:
        applies = section.scope == "case" and _applies(template, section, scope)
        obj = data.get(section.key)
        yield from _walk_fields(template, section.fields, obj if isinstance(obj, dict) else {}, section.key, scope, applies)


def _applies(template, owner, scope) -> bool:
    condition = _condition(template, owner, "applies_when")
    return condition is None or bool(condition(scope))


def _walk_fields(template, fields, obj, prefix, scope, parent_applies) -> Iterator[Place]:
    for f in fields:
        path = f"{prefix}.{f.key}"
        value = obj.get(f.key)
        applies = parent_applies and _applies(template, f, scope)
        yield Place(f, path, applies, value)
        if f.is_group and f.repeat:
            for index, item in enumerate(value if isinstance(value, list) else []):
                if isinstance(item, dict):
                    yield from _walk_fields(template, f.fields, item, f"{path}[{index}]", {**scope, f.path: item}, applies)
        elif f.is_group:
            yield from _walk_fields(template, f.fields, value if isinstance(value, dict) else {}, path, scope, applies)


def applicable(template: Template, report: dict, *, today: date | None = None) -> dict[str, bool]:
    """Which sections and fields apply to this report, by path: what the form shows."""
    result = {}
    data = derive_data(template, _data(report), _today(today))
    scope = {None: data, TODAY: _today(today)}
    for section in template.sections:
        result[section.key] = section.scope == "case" and _applies(template, section, scope)
    for place in walk(template, {"data": data}, today=today, derived=True):
        result[place.path] = place.applies
    return result


# --- projection -------------------------------------------------------------------------------

class UnknownProfile(LookupError):
    pass


def project(template: Template, report: dict, profile: str, *, today: date | None = None) -> dict:
    """Only what message type ``profile`` may carry: derived, then cut to the profile's fields."""
    if profile not in template.profiles:
        raise UnknownProfile(f"no sharing profile for message type {profile!r}")
    spec = template.profiles[profile]
    limits = {e.path: e.max_items for e in spec.entries if e.max_items}
    data = derive_data(template, _data(report), _today(today))
    kept = {}
    for section in template.sections:
        value = _keep(template, data.get(section.key), section.key, spec.field_paths, limits)
        if value is not None:
            kept[section.key] = value
    header = {k: report[k] for k in ("template", "version", "language") if k in report}
    return {**header, "profile": profile, "data": kept}


def _keep(template, value, path, carried, limits):
    f = template.fields.get(path)
    if f is not None and not f.is_group:
        return value if path in carried and not is_empty(value) else None
    if isinstance(value, list) and f is not None and f.repeat:
        items = [_keep_dict(template, item, path, carried, limits) for item in value[: limits.get(path)]]
        items = [item for item in items if item]
        return items or None
    return _keep_dict(template, value, path, carried, limits) or None


def _keep_dict(template, value, path, carried, limits):
    if not isinstance(value, dict):
        return None
    kept = {}
    for key, child in value.items():
        child_kept = _keep(template, child, f"{path}.{key}", carried, limits)
        if child_kept is not None:
            kept[key] = child_kept
    return kept


# --- rendering --------------------------------------------------------------------------------

def display_value(template: Template, f: Field, value: Any, language: str) -> Any:
    """A value as a reader of ``language`` sees it: code labels and country names translated."""
    if is_empty(value) or f.is_group:
        return None
    if f.type in world.NAME_BY_TYPE:
        name = world.NAME_BY_TYPE[f.type]
        return ", ".join(name(v, language) for v in value) if isinstance(value, list) else name(value, language)
    if f.type == "yes_no":
        return gettext("Yes" if value else "No", language)
    codes = template.code_lists.get("yes_no_unknown" if f.type == "yes_no_unknown" else f.codes or "")
    if codes is not None:
        labels = [gettext(codes.label_of(v) or v, language) for v in (value if isinstance(value, list) else [value])]
        return ", ".join(labels)
    return value


def render(template: Template, report: dict, language: str, *, today: date | None = None,
           include_message_sections: bool = False, answered_only: bool = False) -> dict:
    """A render-ready structure: sections and fields with labels, help and values in ``language``.

    Free text is left as written and marked with the report's language (``text_language``).
    Fields that do not apply are left out.
    """
    check_language(language)
    text_language = report.get("language")
    sections = []
    places = list(walk(template, report, today=today))
    for section in template.sections:
        if section.scope == "message" and not include_message_sections:
            continue
        rendered = _render_fields(template, [p for p in places if p.path.split(".")[0].split("[")[0] == section.key],
                                  section.key, language, text_language, answered_only)
        sections.append({
            "key": section.key, "ref": section.ref, "label": gettext(section.label, language),
            "help": gettext(section.help, language), "fields": rendered,
        })
    return {"template": template.name, "version": template.version, "label": gettext(template.label, language),
            "language": language, "sections": sections}


def _render_fields(template, places, prefix, language, text_language, answered_only):
    rendered = []
    for place in places:
        if not place.applies or place.path.rsplit(".", 1)[0] != prefix:
            continue
        f = place.field
        item = {
            "path": place.path, "key": f.key, "type": f.type, "label": gettext(f.label, language),
            "help": gettext(f.help, language), "sensitivity": f.sensitivity, "required": f.required,
            "derived": f.is_derived, "value": place.value,
            "display": display_value(template, f, place.value, language),
        }
        if f.type in ("text", "long_text") and not is_empty(place.value):
            item["text_language"] = text_language
        if f.is_group and f.repeat:
            count = len(place.value) if isinstance(place.value, list) else 0
            item["items"] = [_render_fields(template, places, f"{place.path}[{i}]", language, text_language, answered_only)
                             for i in range(count)]
        elif f.is_group:
            item["fields"] = _render_fields(template, places, place.path, language, text_language, answered_only)
        if answered_only and is_empty(place.value):
            continue
        rendered.append(item)
    return rendered


# --- differences between two versions of a report ----------------------------------------------

@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any

    @property
    def kind(self) -> str:
        return "added" if is_empty(self.old) else "removed" if is_empty(self.new) else "changed"

    def as_dict(self) -> dict:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new}


def diff(old: dict, new: dict) -> list[Change]:
    """What changed between two versions of one report, field by field (repeat items by position)."""
    changes: list[Change] = []
    _diff(_data(old), _data(new), "", changes)
    return changes


def _diff(old, new, path, changes):
    if isinstance(old, dict) or isinstance(new, dict):
        old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
        for key in list(old) + [k for k in new if k not in old]:
            _diff(old.get(key), new.get(key), f"{path}.{key}" if path else key, changes)
    elif _is_item_list(old) or _is_item_list(new):
        old, new = old or [], new or []
        for index in range(max(len(old), len(new))):
            _diff(old[index] if index < len(old) else None, new[index] if index < len(new) else None, f"{path}[{index}]", changes)
    elif old != new and not (is_empty(old) and is_empty(new)):
        changes.append(Change(path, old, new))


def _is_item_list(value) -> bool:
    return isinstance(value, list) and any(isinstance(item, dict) for item in value)
