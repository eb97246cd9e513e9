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
from .i18n import LANGUAGES
from .validate import ValidationError, derive_data, safe_path, validate_data


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
        return [ValidationError("template", "unknown_template", {"found": safe_path(report.get("template")), "expected": template.name})]
    if report.get("version") != template.version:
        return [ValidationError("version", "wrong_version", {"found": safe_path(report.get("version")), "expected": template.version})]
    errors = [ValidationError(safe_path(key), "unknown_field") for key in sorted(map(str, set(report) - HEADER_KEYS))]
    language = report.get("language")
    if "language" in report and not (isinstance(language, str) and (language in LANGUAGES or language in world.language_codes())):
        errors.append(ValidationError("language", "invalid_code"))
    return errors


HEADER_KEYS = {"template", "version", "language", "data", "profile"}


class NotAReport(ValueError):
    """What was given is not a report of this template (see ``check_header``)."""


def _require_report(template: Template, report: Any) -> None:
    problems = check_header(template, report)
    if problems:
        raise NotAReport(problems[0].message("en"))


def _profile(template: Template, profile: str | None):
    if profile is None:
        return None
    if profile not in template.profiles:
        raise UnknownProfile(f"no sharing profile for message type {safe_path(profile)!r}")
    return template.profiles[profile]


def _kept(template: Template, spec) -> frozenset:
    return frozenset(p for p in spec.field_paths if template.fields[p].is_derived) if spec else frozenset()


def validate(template: Template, report: Any, *, today: date | None = None, profile: str | None = None) -> list[ValidationError]:
    """Every field-level error in ``report``; an empty list when it is valid.

    With ``profile`` (a message type), the report is checked as that message's content: fields the
    type may not carry are errors, only the fields it carries can be required, the derived values
    it carries are the sender's, its envelope must name that type, and what applies is not checked
    again (it may depend on fields the type does not carry; the sender's projection decided it).
    """
    spec = _profile(template, profile)
    errors = check_header(template, report)
    if errors:
        return errors
    day = _today(today)
    data = derive_data(template, report["data"], day, _kept(template, spec))
    errors = validate_data(template, data, day, spec.field_paths if spec else None)
    return errors + (_message_errors(spec, data) if spec else [])


def _message_errors(spec, data: dict) -> list[ValidationError]:
    errors = []
    envelope = data.get("envelope") if isinstance(data.get("envelope"), dict) else {}
    if envelope.get("message_type") not in (None, spec.name):
        errors.append(ValidationError("envelope.message_type", "invalid_code"))
    for entry in spec.entries:
        items = _value_at(data, entry.path)
        if entry.max_items is not None and isinstance(items, list) and len(items) > entry.max_items:
            errors.append(ValidationError(entry.path, "too_many_items", {"max_items": entry.max_items}))
    return errors


def _value_at(data: dict, path: str):
    value: Any = data
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def derive(template: Template, report: dict, *, today: date | None = None, profile: str | None = None) -> dict:
    """A copy of ``report`` with every derived value (ages, minority, ILO result…) computed. For a
    message (``profile``), the derived values it carries are kept as the sender computed them."""
    _require_report(template, report)
    keep = _kept(template, _profile(template, profile))
    return {**report, "data": derive_data(template, report["data"], _today(today), keep)}


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


def walk(template: Template, report: dict, *, today: date | None = None, derived: bool = False,
         sections: dict | None = None) -> Iterator[Place]:
    """Every field of every section (each item of a repeat in turn), with whether it applies.
    ``sections``, when given, receives whether each section applies."""
    data = _data(report) if derived else derive_data(template, _data(report), _today(today))
    scope = {None: data, TODAY: _today(today)}
    for section in template.sections:
        applies = section.scope == "case" and _applies(template, section, scope)
        if sections is not None:
            sections[section.key] = applies
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


def applicable(template: Template, report: dict, *, today: date | None = None, derived: bool = False) -> dict[str, bool]:
    """Which sections and fields apply to this report, by path (with indices): what the form shows."""
    data = _data(report) if derived else derive_data(template, _data(report), _today(today))
    result = {}
    for place in walk(template, {"data": data}, today=today, derived=True, sections=result):
        result[place.path] = place.applies
    return result


# --- projection -------------------------------------------------------------------------------

class UnknownProfile(LookupError):
    pass


def project(template: Template, report: dict, profile: str, *, today: date | None = None) -> dict:
    """Only what message type ``profile`` may carry, and only what applies to this report: derived
    first, then cut field by field along the template (never along the report's own keys), so a
    value of the wrong shape, a key the template does not know or a part that does not apply never
    leaves."""
    spec = _profile(template, profile)
    _require_report(template, report)
    day = _today(today)
    data = derive_data(template, report["data"], day)
    applies = applicable(template, {"data": data}, today=day, derived=True)
    limits = {e.path: e.max_items for e in spec.entries if e.max_items is not None}
    kept = {}
    for section in template.sections:
        value = _keep_group(section.fields, data.get(section.key), section.key, spec.field_paths, limits, applies)
        if value:
            kept[section.key] = value
    header = {k: report[k] for k in ("template", "version", "language") if k in report}
    return {**header, "profile": profile, "data": kept}


def _keep_group(fields, value, concrete: str, carried, limits, applies) -> dict | None:
    if not isinstance(value, dict) or applies.get(concrete) is False:
        return None
    kept = {}
    for f in fields:
        child = _keep_field(f, value.get(f.key), f"{concrete}.{f.key}", carried, limits, applies)
        if child is not None:
            kept[f.key] = child
    return kept or None


def _keep_field(f: Field, value, concrete: str, carried, limits, applies):
    if is_empty(value) or applies.get(concrete) is False:
        return None
    if f.is_group and f.repeat:
        if not isinstance(value, list):
            return None
        items = [_keep_group(f.fields, item, f"{concrete}[{i}]", carried, limits, applies)
                 for i, item in enumerate(value[: limits.get(f.path)])]
        return [item for item in items if item] or None
    if f.is_group:
        return _keep_group(f.fields, value, concrete, carried, limits, applies)
    return value if f.path in carried and _is_plain(value) else None


def _is_plain(value) -> bool:
    """A scalar, or a list of scalars: the only shapes a leaf field can hold."""
    scalars = (str, int, float, bool)
    return isinstance(value, scalars) or (isinstance(value, list) and all(isinstance(v, scalars) for v in value))


# --- rendering --------------------------------------------------------------------------------

def display_value(template: Template, f: Field, value: Any, language: str) -> Any:
    """A value as a reader of ``language`` sees it: code labels and country names translated.
    A value of the wrong shape is shown as it is, never interpreted."""
    if is_empty(value) or f.is_group:
        return None
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, (str, int, float, bool)) for v in values):
        return None
    if f.type in world.NAME_BY_TYPE:
        name = world.NAME_BY_TYPE[f.type]
        return ", ".join(name(v, language) if isinstance(v, str) else str(v) for v in values)
    if f.type == "yes_no":
        return gettext("Yes" if value is True else "No", language) if isinstance(value, bool) else str(value)
    codes = template.code_lists.get("yes_no_unknown" if f.type == "yes_no_unknown" else f.codes or "")
    if codes is not None:
        return ", ".join(gettext(codes.label_of(v) or str(v), language) if isinstance(v, str) else str(v) for v in values)
    return value


def render(template: Template, report: dict, language: str, *, today: date | None = None,
           include_message_sections: bool = False, answered_only: bool = False) -> dict:
    """A render-ready structure: sections and fields with labels, help and values in ``language``.

    Free text is left as written and marked with the report's language (``text_language``).
    Fields that do not apply are left out.
    """
    check_language(language)
    _require_report(template, report)
    text_language = report.get("language")
    children: dict[str, list[Place]] = {}
    for place in walk(template, report, today=today):
        if place.applies:
            children.setdefault(place.path.rsplit(".", 1)[0], []).append(place)
    sections = []
    for section in template.sections:
        if section.scope == "message" and not include_message_sections:
            continue
        sections.append({
            "key": section.key, "ref": section.ref, "label": gettext(section.label, language),
            "help": gettext(section.help, language),
            "fields": _render_fields(template, children, section.key, language, text_language, answered_only),
        })
    return {"template": template.name, "version": template.version, "label": gettext(template.label, language),
            "language": language, "sections": sections}


def _render_fields(template, children, prefix, language, text_language, answered_only):
    rendered = []
    for place in children.get(prefix, []):
        f = place.field
        item = {
            "path": place.path, "key": f.key, "type": f.type, "label": gettext(f.label, language),
            "help": gettext(f.help, language), "sensitivity": f.sensitivity, "required": f.required,
            "derived": f.is_derived, "value": place.value,
            "display": display_value(template, f, place.value, language),
            "kind": "repeat" if f.repeat else "group" if f.is_group else "field",
        }
        if f.type in ("text", "long_text") and not is_empty(place.value):
            item["text_language"] = text_language
        if f.is_group and f.repeat:
            count = len(place.value) if isinstance(place.value, list) else 0
            item["items"] = [_render_fields(template, children, f"{place.path}[{i}]", language, text_language, answered_only)
                             for i in range(count)]
        elif f.is_group:
            item["fields"] = _render_fields(template, children, place.path, language, text_language, answered_only)
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


MAX_DEPTH = 32  # reports are a few levels deep; anything deeper is compared as a whole


def diff(old: dict, new: dict) -> list[Change]:
    """What changed between two versions of one report, field by field (repeat items by position)."""
    changes: list[Change] = []
    _diff(_data(old), _data(new), "", changes, 0)
    return changes


def _diff(old, new, path, changes, depth):
    if depth < MAX_DEPTH and (isinstance(old, dict) or isinstance(new, dict)) and not _is_item_list(old) and not _is_item_list(new):
        old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
        for key in list(old) + [k for k in new if k not in old]:
            _diff(old.get(key), new.get(key), f"{path}.{key}" if path else str(key), changes, depth + 1)
    elif depth < MAX_DEPTH and (_is_item_list(old) or _is_item_list(new)) and not isinstance(old, dict) and not isinstance(new, dict):
        old, new = old if isinstance(old, list) else [], new if isinstance(new, list) else []
        for index in range(max(len(old), len(new))):
            _diff(old[index] if index < len(old) else None, new[index] if index < len(new) else None,
                  f"{path}[{index}]", changes, depth + 1)
    elif old != new and not (is_empty(old) and is_empty(new)):
        changes.append(Change(path, old, new))


def _is_item_list(value) -> bool:
    return isinstance(value, list) and any(isinstance(item, dict) for item in value)


# --- what a reader may not see -------------------------------------------------------------------

def redact(template: Template, report: dict, hidden: frozenset[str]) -> dict:
    """A copy of ``report`` without the fields whose sensitivity is in ``hidden`` (walking the
    template, so nothing the template does not know is kept either). A group or repeat whose every
    field is hidden disappears whole: not even how many items it holds shows."""
    if not hidden:
        return report
    data = report.get("data") if isinstance(report.get("data"), dict) else {}
    kept = {}
    for section in template.sections:
        value = _redact_group(section.fields, data.get(section.key), hidden)
        if value is not None:
            kept[section.key] = value
    return {**report, "data": kept}


def _all_hidden(f: Field, hidden) -> bool:
    return all(leaf.sensitivity in hidden for leaf in f.walk() if not leaf.is_group)


def _redact_group(fields, value, hidden):
    if not isinstance(value, dict):
        return None
    kept = {}
    for f in fields:
        child = value.get(f.key)
        if _all_hidden(f, hidden):
            child = None
        elif f.is_group and f.repeat and isinstance(child, list):
            child = [_redact_group(f.fields, item, hidden) or {} for item in child]
        elif f.is_group:
            child = _redact_group(f.fields, child, hidden) or None
        if child is not None:
            kept[f.key] = child
    return kept


def restore_hidden(template: Template, submitted: dict, stored: dict, hidden: frozenset[str]) -> dict:
    """``submitted`` (from someone who could not see the ``hidden`` fields) with those fields put
    back from ``stored``, so an edit never erases what its author could not see. Wholly hidden
    groups and repeats come back whole; hidden fields inside visible repeat items come back by
    position (an editor who removes a row there takes its hidden fields with it)."""
    if not hidden:
        return submitted
    data = dict(submitted.get("data") or {}) if isinstance(submitted.get("data"), dict) else {}
    stored_data = stored.get("data") or {}
    for section in template.sections:
        merged = _restore_group(section.fields, data.get(section.key), stored_data.get(section.key), hidden)
        if merged:
            data[section.key] = merged
        else:
            data.pop(section.key, None)
    return {**submitted, "data": data}


def _restore_group(fields, value, stored, hidden):
    result = dict(value) if isinstance(value, dict) else {}
    stored = stored if isinstance(stored, dict) else {}
    for f in fields:
        old = stored.get(f.key)
        if _all_hidden(f, hidden):
            if is_empty(old):
                result.pop(f.key, None)
            else:
                result[f.key] = old
        elif f.is_group and f.repeat and isinstance(result.get(f.key), list):
            items = old if isinstance(old, list) else []
            result[f.key] = [_restore_group(f.fields, item, items[i] if i < len(items) else None, hidden)
                             for i, item in enumerate(result[f.key])]
        elif f.is_group and not f.repeat:
            merged = _restore_group(f.fields, result.get(f.key), old, hidden)
            if merged:
                result[f.key] = merged
            else:
                result.pop(f.key, None)
    return result
