"""The template as an XLSForm (ODK, Kobo), with labels and hints in every language.

Partial dates become text with a pattern (XLSForm dates are full dates only). Derived values are
left out, as trm computes them when a form's data is imported, except those that decide which
sections apply (such as "Treated as a child"): the form asks them, so that it shows the right parts.
"""
from __future__ import annotations

import re

from openpyxl import Workbook

from .. import world
from ..i18n import LANGUAGES, gettext
from ..model import Field, Template
from ..validate import allowed_codes
from .jsonschema import DATE_PATTERN

SURVEY_COLUMNS = ["type", "name", "required", "relevant", "constraint", "appearance"]
WORLD_LISTS = {"country": "country", "countries": "country", "language": "language", "script": "script", "currency": "currency"}


def language_column(language: str) -> str:
    locale = world.babel_locale(language)
    name = locale.get_display_name(locale) or language
    return f"{name.capitalize()} ({language})"


def name_of(path: str) -> str:
    return path.replace(".", "__")


def _condition_paths(template: Template) -> set[str]:
    from ..conditions import condition_paths
    owners = list(template.sections) + list(template.fields.values())
    return {p for o in owners for c in (o.applies_when, getattr(o, "required_when", None)) if c for p in condition_paths(c)}


def export(template: Template, output) -> None:
    """Write the XLSForm workbook of ``template`` to ``output`` (a path or a binary file)."""
    asked = _condition_paths(template)
    columns = {language: language_column(language) for language in LANGUAGES}
    label_columns = [f"label::{c}" for c in columns.values()]
    hint_columns = [f"hint::{c}" for c in columns.values()]
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS + label_columns + hint_columns)
    for section in template.sections:
        if section.scope == "message":
            continue
        _group_rows(survey, template, section.key, section.label, section.help, section.applies_when, section.fields, False, asked)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name"] + label_columns)
    for list_name, codes in _choice_lists(template).items():
        for code, label, translate in codes:
            labels = [gettext(label, lang) if translate else label(lang) for lang in LANGUAGES]
            choices.append([list_name, code] + labels)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([template.label, template.name.replace("-", "_"), template.version, columns["en"]])
    book.save(output)


def _texts(text: str | None) -> list[str | None]:
    return [gettext(text, lang) if text else None for lang in LANGUAGES]


def _group_rows(sheet, template, path, label, help_text, applies_when, fields, repeat, asked) -> None:
    kind = "repeat" if repeat else "group"
    sheet.append([f"begin_{kind}", name_of(path), None, _xpath(applies_when), None, "field-list" if not repeat else None]
                 + _texts(label) + _texts(help_text))
    for f in fields:
        if f.is_derived and f.path not in asked:
            continue
        if f.is_group:
            _group_rows(sheet, template, f.path, f.label, f.help, f.applies_when, f.fields, f.repeat, asked)
        else:
            sheet.append(_row(template, f) + _texts(f.label) + _texts(f.help))
    sheet.append([f"end_{kind}", None, None, None, None, None])


def _row(template: Template, f: Field) -> list:
    required = "yes" if f.required else _xpath(f.required_when)
    return [_type(f), name_of(f.path), required, _xpath(f.applies_when), _constraint(f), "multiline" if f.type == "long_text" else None]


def _type(f: Field) -> str:
    if f.type in ("code", "yes_no_unknown"):
        return f"select_one {f.codes or 'yes_no_unknown'}"
    if f.type == "codes":
        return f"select_multiple {f.codes}"
    if f.type in WORLD_LISTS:
        return ("select_multiple " if f.type == "countries" else "select_one ") + WORLD_LISTS[f.type]
    if f.type == "yes_no":
        return "select_one yes_no"
    return {"integer": "integer", "decimal": "decimal", "datetime": "dateTime"}.get(f.type, "text")


def _constraint(f: Field) -> str | None:
    c = f.constraints
    parts = []
    if f.type == "date":
        parts.append(f"regex(., '{DATE_PATTERN}')")
    if "pattern" in c and "'" not in c["pattern"]:
        parts.append(f"regex(., '^(?:{c['pattern']})$')")
    if "min" in c:
        parts.append(f". >= {c['min']}")
    if "max" in c:
        parts.append(f". <= {c['max']}")
    if "max_length" in c:
        parts.append(f"string-length(.) <= {c['max_length']}")
    return " and ".join(parts) or None


def _xpath(condition) -> str | None:
    if condition is None:
        return None
    if "all" in condition:
        return "(" + " and ".join(_xpath(c) for c in condition["all"]) + ")"
    if "any" in condition:
        return "(" + " or ".join(_xpath(c) for c in condition["any"]) + ")"
    if "not" in condition:
        return f"not({_xpath(condition['not'])})"
    ref = "${" + name_of(condition["field"]) + "}"
    if "equals" in condition:
        return f"{ref} = {_literal(condition['equals'])}"
    if "in" in condition:
        return "(" + " or ".join(f"{ref} = {_literal(v)}" for v in condition["in"]) + ")"
    if "includes" in condition:
        return "(" + " or ".join(f"selected({ref}, {_literal(v)})" for v in condition["includes"]) + ")"
    return f"{ref} != ''" if condition["answered"] else f"{ref} = ''"


def _literal(value) -> str:
    if isinstance(value, bool):
        return "'yes'" if value else "'no'"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + re.sub("'", "", str(value)) + "'"


def _choice_lists(template: Template) -> dict[str, list]:
    lists: dict[str, list] = {"yes_no": [("yes", "Yes", True), ("no", "No", True)]}
    for name, code_list in template.code_lists.items():
        lists[name] = [(c.code, c.label, True) for c in code_list.codes]
    for f in template.fields.values():
        if f.type in WORLD_LISTS and WORLD_LISTS[f.type] not in lists:
            list_name, namer = WORLD_LISTS[f.type], world.NAME_BY_TYPE[f.type]
            lists[list_name] = [(code, (lambda lang, c=code, n=namer: n(c, lang)), False)
                                for code in sorted(allowed_codes(template, f))]
    return lists
