"""The case form: a report from posted form fields, and the widgets the template's fields need.

Form field names are the report's paths with indices (``identity.names[0].value_original``), so the
engine's error paths point straight at the input that caused them.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from trm import reporting
from trm.reporting import world
from trm.reporting.i18n import gettext
from trm.reporting.model import Field, Template

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d{1,3})\])?")
MAX_ITEMS = 50  # no form needs more repeat items; a larger index is ignored


def _steps(name: str) -> list[tuple[str, int | None]] | None:
    steps = []
    for part in name.split("."):
        match = _STEP.fullmatch(part)
        if not match:
            return None
        index = int(match.group(2)) if match.group(2) is not None else None
        if index is not None and index >= MAX_ITEMS:
            return None
        steps.append((match.group(1), index))
    return steps


def _field_for(template: Template, steps) -> Field | None:
    return template.fields.get(".".join(key for key, _ in steps))


def _convert(f: Field, values: list[str]) -> Any:
    values = [v.strip() for v in values if v.strip()]
    if f.type == "countries":
        codes = [c.upper() for v in values for c in re.split(r"[,;\s]+", v) if c]
        return list(dict.fromkeys(codes)) or None
    if f.type == "codes":
        return values or None
    if not values:
        return None
    value = values[-1]
    if f.type == "integer":
        return int(value) if re.fullmatch(r"-?\d{1,12}", value) else value
    if f.type == "decimal":
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return value
    if f.type == "yes_no":
        return {"true": True, "false": False}.get(value, value)
    if f.type in ("country", "currency"):
        return value.upper()
    return value


def report_from_post(template: Template, post, language: str) -> dict:
    """The report a posted case form describes. Unknown names are ignored; values are converted
    to their types where they can be, and left as typed otherwise so the engine can say what is wrong."""
    data: dict = {}
    for name in post:
        steps = _steps(name)
        f = _field_for(template, steps) if steps and len(steps) >= 2 else None
        if f is None or f.is_group or f.is_derived:
            continue
        value = _convert(f, post.getlist(name))
        if value is not None:
            _put(data, steps, value)
    return {"template": template.name, "version": template.version, "language": language, "data": _compact(data)}


def _put(data: dict, steps, value) -> None:
    """Set ``value`` at ``steps`` in ``data``, creating objects and items on the way; a step that
    meets something of another shape (a hostile or stale field name) is ignored."""
    node: Any = data
    for position, (key, index) in enumerate(steps):
        last = position == len(steps) - 1
        if not isinstance(node, dict):
            return
        if index is None:
            if last:
                node[key] = value
                return
            node = node.setdefault(key, {})
            continue
        items = node.setdefault(key, [])
        if not isinstance(items, list):
            return
        while len(items) <= index:
            items.append({})
        node = items[index]


def change_rows(template: Template, data: dict, *, add: str = "", remove: str = "") -> None:
    """Add an item to a repeat (``add`` names the new item, such as ``identity.names[2]``) or remove
    one (``remove`` names it). Anything that is not an item of a repeat of the template is ignored."""
    for action, path in (("add", add), ("remove", remove)):
        steps = _steps(path) if path else None
        if not steps or steps[-1][1] is None or len(steps) < 2:
            continue
        field = _field_for(template, steps)
        if field is None or not field.repeat:
            continue
        container = _container(data, steps[:-1])
        if container is None:
            continue
        items = container.setdefault(steps[-1][0], [])
        if not isinstance(items, list):
            continue
        if action == "add":
            items.append({})
        elif steps[-1][1] < len(items):
            del items[steps[-1][1]]


def _container(data: dict, steps):
    node: Any = data
    for key, index in steps:
        if not isinstance(node, dict):
            return None
        node = node.setdefault(key, {}) if index is None else _item(node.get(key), index)
    return node if isinstance(node, dict) else None


def _item(items, index: int):
    return items[index] if isinstance(items, list) and index < len(items) else None


def _compact(value):
    """Drop repeat items left empty (gaps in the indices, removed rows)."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return [_compact(v) for v in value if v]
    return value


# --- widgets -------------------------------------------------------------------------------------

def choices_for(template: Template, f: Field, language: str) -> list[tuple[str, str]] | None:
    """(code, label) options of a coded field in ``language``; None for world lists (datalists)."""
    if f.type == "yes_no_unknown":
        codes = template.code_lists["yes_no_unknown"].codes
    elif f.type in ("code", "codes"):
        codes = template.code_lists[f.codes].codes
    else:
        return None
    return [(c.code, gettext(c.label, language)) for c in codes]


# Suggested languages: the fifteen of the interface, those victims and interpreters often need
# (DOMAIN §5.1) and the languages of the main routes. Any other ISO 639 code may still be typed.
SUGGESTED_LANGUAGES = (
    "en", "sq", "bs", "bg", "hr", "mk", "ro", "sr", "cnr", "it", "de", "el", "fr", "nl",
    "rom", "tr", "ru", "uk", "hu", "sk", "cs", "pl", "ar", "ur", "bn", "ne", "hi", "pa", "fa", "ps",
    "so", "ti", "am", "es", "pt", "zh", "vi", "tl", "ka", "hy", "az", "uz", "ku", "yo", "ig", "ha",
)


SUGGESTED_SCRIPTS = ("Latn", "Cyrl", "Grek", "Arab", "Hebr", "Armn", "Geor", "Deva", "Beng", "Guru", "Hans", "Hant",
                     "Ethi", "Thai", "Mymr", "Khmr", "Taml", "Sinh", "Kore", "Jpan")
SUGGESTED_CURRENCIES = ("EUR", "ALL", "BAM", "BGN", "MKD", "MDL", "RON", "RSD", "CHF", "GBP", "USD", "TRY", "UAH",
                        "HUF", "CZK", "PLN", "SEK", "NOK", "DKK")
SUGGESTED = {"language": SUGGESTED_LANGUAGES, "script": SUGGESTED_SCRIPTS, "currency": SUGGESTED_CURRENCIES}


@lru_cache(maxsize=64)
def world_options(kind: str, language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) suggestions for a country, language, script or currency field, by name. Every
    country is offered; for the others the usual ones are, and any other valid code may be typed."""
    codes = SUGGESTED.get(kind) or world.CODES_BY_TYPE[kind]()
    name = world.NAME_BY_TYPE[kind]
    return tuple(sorted(((c, name(c, language)) for c in codes), key=lambda pair: pair[1]))


LONG_LIST = 40  # a code list longer than this is offered once per page (a datalist), not in every select


def widget(f: Field, template: Template | None = None) -> str:
    if f.type == "code" and template is not None and len(template.code_lists[f.codes].codes) > LONG_LIST:
        return "datalist"
    if f.type in ("code", "yes_no_unknown"):
        return "select"
    if f.type == "codes":
        return "checkboxes"
    return {
        "long_text": "textarea", "integer": "number", "decimal": "decimal", "yes_no": "yes_no",
        "country": "datalist", "language": "datalist", "script": "datalist", "currency": "datalist",
        "countries": "datalist_multi", "date": "date", "datetime": "text",
    }.get(f.type, "text")


__all__ = ["change_rows", "report_from_post", "choices_for", "world_options", "widget", "reporting"]
