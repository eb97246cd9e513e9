"""The case form as a tree of nodes for the HTML template: one node per field, with its value,
its errors, its options, and only the parts that apply to this report."""
from __future__ import annotations

import re
from datetime import date

from trm import reporting
from trm.reporting.conditions import condition_paths
from trm.reporting.i18n import gettext
from trm.reporting.model import Template

from .forms import choices_for, widget


def trigger_paths(template: Template) -> frozenset[str]:
    """Fields whose answer changes what applies: changing one re-renders the form."""
    cache = template.compiled.setdefault("form_triggers", None)
    if cache is None:
        owners = list(template.sections) + list(template.fields.values())
        paths = {p for o in owners for c in (o.applies_when, getattr(o, "required_when", None)) if c for p in condition_paths(c)}
        sources = [template.fields[p] for p in sorted(paths)]
        inputs = set()
        for f in sources:  # a derived field reacts to the fields it is derived from
            args = (f.derive or {}).get("args", {}).values() if f.is_derived else [f.path]
            inputs |= {a for v in args for a in (v if isinstance(v, list) else [v]) if a != "today"}
        cache = template.compiled["form_triggers"] = frozenset(inputs)
    return cache


def form_tree(template: Template, report: dict, errors: list, language: str, today: date | None = None,
              hidden: frozenset[str] = frozenset(), shows=None) -> list[dict]:
    """The sections that apply, with their fields, leaving out what the reader may not see (and,
    for a variant of the form such as the labour inspectors' intake, what ``shows`` leaves out)."""
    by_path: dict[str, list[str]] = {}
    for error in errors:
        by_path.setdefault(error.path, []).append(error.message(language))
    if shows is not None:  # a variant of the form still shows every field that has something to fix
        wrong = {re.sub(r"\[\d+\]", "", path) for path in by_path}
        variant = shows
        shows = lambda path: variant(path) or any(w == path or w.startswith(path + ".") for w in wrong)  # noqa: E731
    places = {p.path: p for p in reporting.walk(template, report, today=today)}
    applies = reporting.applicable(template, report, today=today)
    triggers = trigger_paths(template)
    sections = []
    for section in template.sections:
        if section.scope != "case" or not applies.get(section.key) or (shows and not shows(section.key)):
            continue
        sections.append({
            "key": section.key, "ref": section.ref, "label": gettext(section.label, language),
            "help": gettext(section.help, language), "errors": by_path.get(section.key, []),
            "nodes": _nodes(template, section.fields, section.key, places, by_path, language, triggers, hidden, shows),
        })
    return sections


def _nodes(template, fields, prefix, places, by_path, language, triggers, hidden, shows=None) -> list[dict]:
    nodes = []
    for f in fields:
        path = f"{prefix}.{f.key}"
        place = places.get(path)
        if place is None or not place.applies or all(x.sensitivity in hidden for x in f.walk() if not x.is_group):
            continue
        if shows and not shows(re.sub(r"\[\d+\]", "", path)):
            continue
        node = {
            "path": path, "label": gettext(f.label, language), "help": gettext(f.help, language),
            "required": f.required, "errors": by_path.get(path, []), "derived": f.is_derived,
            "value": place.value, "trigger": f.path in triggers,
        }
        if f.is_group and f.repeat:
            count = len(place.value) if isinstance(place.value, list) else 0
            node["kind"] = "repeat"
            node["items"] = [{"path": f"{path}[{i}]", "nodes": _nodes(template, f.fields, f"{path}[{i}]", places, by_path, language, triggers, hidden, shows)}
                             for i in range(count)]
            for item in node["items"][1:]:
                _drop_help(item["nodes"])  # said once, on the first row
            node["next"] = f"{path}[{count}]"
        elif f.is_group:
            node["kind"] = "group"
            node["children"] = _nodes(template, f.fields, path, places, by_path, language, triggers, hidden, shows)
        else:
            node["kind"] = "field"
            node["widget"] = widget(f, template)
            node["choices"] = choices_for(template, f, language)
            node["list"] = {"countries": "country"}.get(f.type, f.type) if f.type in ("country", "countries", "language", "script", "currency") else None
            if node["widget"] == "datalist" and f.codes:
                node["list"], node["choices"] = f"code-{f.codes}", None
            node["display"] = reporting.display_value(template, f, place.value, language) if f.is_derived else None
            if f.type == "countries" and isinstance(place.value, list):
                node["value"] = ", ".join(place.value)
        nodes.append(node)
    return nodes


def _drop_help(nodes: list[dict]) -> None:
    for node in nodes:
        node["help"] = None
        _drop_help(node.get("children", []))
        for item in node.get("items", []):
            _drop_help(item["nodes"])
