"""Reading a template file and checking it before anything uses it."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from . import ilo
from .conditions import condition_paths
from .messages import MESSAGE_TYPES
from .model import (
    SENSITIVITIES, TYPES, Code, CodeList, Field, Profile, ProfileEntry, Section, Template,
)

DEFINITIONS = Path(__file__).parent / "definitions"
DEFAULT_TEMPLATE = "trm-case-report"
FIELD_KEYS = {
    "key", "type", "label", "help", "codes", "required", "required_when", "applies_when",
    "sensitivity", "derive", "precision_field", "repeat", "fields", "min", "max", "min_length",
    "max_length", "pattern", "not_before", "not_after", "min_items", "max_items",
}
CONSTRAINT_KEYS = ("min", "max", "min_length", "max_length", "pattern", "not_before", "not_after", "min_items", "max_items")
DERIVE_FUNCTIONS = {
    "age_in_years": {"birth", "at"}, "is_minor": {"birth", "at"}, "presumed_minor": {"birth", "at", "age_uncertain"},
    "duration_band": {"start", "end"}, "ilo_dimensions": {"list", "indicators", "act"},
    "ilo_result": {"list", "indicators", "act"}, "ilo_ruleset_version": set(),
}
BUILTIN_CODE_LISTS = {
    "date_precision": CodeList("date_precision", (
        Code("DAY", "Exact day"), Code("MONTH", "Month known"), Code("YEAR", "Year known"), Code("ESTIMATED", "Estimated"),
    )),
    "yes_no_unknown": CodeList("yes_no_unknown", (Code("YES", "Yes"), Code("NO", "No"), Code("UNKNOWN", "Unknown"))),
}


class TemplateError(ValueError):
    """A template file that cannot be used; ``problems`` lists every reason, each with its place."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        super().__init__(f"{source or 'template'}: " + "; ".join(problems))


class UnknownTemplate(LookupError):
    pass


NAME_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,63}", re.ASCII)
VERSION_PATTERN = re.compile(r"\d{1,4}(\.\d{1,4}){0,3}", re.ASCII)


def template_path(name: str = DEFAULT_TEMPLATE, version: str | None = None) -> Path:
    """The file of ``name@version``; names and versions are checked before any file is touched."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UnknownTemplate("unknown template")
    if version is not None and (not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version)):
        raise UnknownTemplate(f"template {name!r} has no such version")
    folder = DEFINITIONS / name
    if not folder.is_dir():
        raise UnknownTemplate(f"unknown template {name!r}")
    if version is None:
        version = max((p.stem for p in folder.glob("*.yaml")), key=_version_key)
    path = folder / f"{version}.yaml"
    if not path.exists():
        raise UnknownTemplate(f"template {name!r} has no version {version!r}")
    return path


def template_for_report(report) -> Template:
    """The template a report names, when it is one trm has; otherwise the default template, against
    which the report then fails with ``unknown_template`` or ``wrong_version``."""
    name = report.get("template") if isinstance(report, dict) else None
    version = report.get("version") if isinstance(report, dict) else None
    if not isinstance(name, str):
        return load_template()
    try:
        return load_template(name, version if isinstance(version, str) else None)
    except UnknownTemplate:
        return load_template()


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


@lru_cache(maxsize=None)
def load_template(name: str = DEFAULT_TEMPLATE, version: str | None = None) -> Template:
    """The template ``name@version`` (the newest version when none is named), checked."""
    return load_file(template_path(name, version))


def load_file(path: str | Path) -> Template:
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return build(raw, source=str(path))


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build(raw: Any, source: str | None = None) -> Template:
    """Turn the parsed YAML of a template into a checked :class:`Template`."""
    try:
        return _build(raw, source)
    except TemplateError:
        raise
    except (AttributeError, TypeError, KeyError, ValueError) as error:
        raise TemplateError([f"malformed template structure ({type(error).__name__}: {error})"], source) from None


def _build(raw: Any, source: str | None) -> Template:
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise TemplateError(["the file does not hold a mapping"], source)
    for key in ("template", "version", "label", "sections"):
        if key not in raw:
            problems.append(f"missing top-level key {key!r}")
    if problems:
        raise TemplateError(problems, source)
    if not isinstance(raw["version"], str):
        problems.append("version must be a quoted string")
    code_lists = _code_lists(raw.get("code_lists") or {}, problems)
    sections = tuple(_section(s, i, problems) for i, s in enumerate(raw["sections"] or []))
    fields: dict[str, Field] = {}
    for section in sections:
        for f in section.walk():
            if f.path in fields:
                problems.append(f"{f.path}: duplicate field")
            fields[f.path] = f
    if len({s.key for s in sections}) != len(sections):
        problems.append("duplicate section key")
    template = Template(
        name=str(raw["template"]), version=str(raw["version"]), label=str(raw["label"]),
        source_language=str(raw.get("source_language", "en")), sections=sections, code_lists=code_lists,
        profiles={}, fields=fields, migrates_from=raw.get("migrates_from"), source_path=source,
    )
    _check_fields(template, problems)
    _check_derivations(template, problems)
    _check_migration(template, problems)
    profiles = _profiles(raw.get("profiles") or {}, template, problems)
    if problems:
        raise TemplateError(problems, source)
    object.__setattr__(template, "profiles", profiles)
    from .validate import compile_template  # compiled once, here, so every later call is fast
    compile_template(template)
    return template


def _code_lists(raw: dict, problems: list[str]) -> dict[str, CodeList]:
    lists = dict(BUILTIN_CODE_LISTS)
    for name, entries in raw.items():
        if isinstance(entries, dict) and "external" in entries:
            lists[name] = _external_list(name, entries["external"], problems)
            continue
        if not isinstance(entries, list) or not entries:
            problems.append(f"code list {name}: must be a non-empty list of codes")
            continue
        codes = []
        for entry in entries:
            if not isinstance(entry, dict) or "code" not in entry or "label" not in entry:
                problems.append(f"code list {name}: every entry needs a code and a label")
                continue
            codes.append(Code(str(entry["code"]), str(entry["label"])))
        if len({c.code for c in codes}) != len(codes):
            problems.append(f"code list {name}: duplicate code")
        lists[name] = CodeList(name, tuple(codes))
    return lists


def _external_list(name: str, source: str, problems: list[str]) -> CodeList:
    if source != "ilo_indicators":
        problems.append(f"code list {name}: unknown external source {source!r}")
        return CodeList(name, ())
    ruleset = ilo.load_ruleset()
    return CodeList(name, tuple(Code(i.id, i.label) for i in ruleset.indicators.values()))


def _section(raw: dict, index: int, problems: list[str]) -> Section:
    key = str(raw.get("key", f"#{index}"))
    sensitivity = raw.get("sensitivity")
    if sensitivity is not None and sensitivity not in SENSITIVITIES:
        problems.append(f"{key}: unknown sensitivity {sensitivity!r}")
    if "label" not in raw:
        problems.append(f"{key}: a section needs a label")
    scope = raw.get("scope", "case")
    if scope not in ("case", "message"):
        problems.append(f"{key}: scope must be case or message")
    fields = tuple(_field(f, key, key, sensitivity, (), problems) for f in raw.get("fields") or [])
    return Section(
        key=key, ref=str(raw.get("ref", "")), label=str(raw.get("label", key)), help=raw.get("help"),
        sensitivity=sensitivity, fields=fields, scope=scope, applies_when=raw.get("applies_when"),
    )


def _field(raw: dict, parent: str, section: str, inherited: str | None, repeats: tuple, problems: list[str]) -> Field:
    key = raw.get("key")
    if not key or not str(key).isidentifier():
        problems.append(f"{parent}: a field needs a key that is an identifier, not {key!r}")
        key = f"bad{id(raw)}"
    path = f"{parent}.{key}"
    unknown = set(raw) - FIELD_KEYS
    if unknown:
        problems.append(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
    type_ = raw.get("type")
    if type_ not in TYPES:
        problems.append(f"{path}: unknown type {type_!r}")
    sensitivity = raw.get("sensitivity", inherited)
    if sensitivity not in SENSITIVITIES:
        problems.append(f"{path}: needs a sensitivity tag, one of {', '.join(SENSITIVITIES)}")
    if "label" not in raw:
        problems.append(f"{path}: needs a label")
    for flag in ("repeat", "required"):
        if not isinstance(raw.get(flag, False), bool):
            problems.append(f"{path}: {flag} must be true or false")
    for bound in ("min", "max"):
        if bound in raw and (isinstance(raw[bound], bool) or not isinstance(raw[bound], (int, float))):
            problems.append(f"{path}: {bound} must be a number")
    for count in ("min_length", "max_length", "min_items", "max_items"):
        if count in raw and (isinstance(raw[count], bool) or not isinstance(raw[count], int) or raw[count] < 0):
            problems.append(f"{path}: {count} must be a whole number of at least 0")
    if "pattern" in raw and not isinstance(raw["pattern"], str):
        problems.append(f"{path}: pattern must be text")
    repeat = raw.get("repeat", False) is True
    if repeat and type_ != "group":
        problems.append(f"{path}: only a group can repeat")
    child_repeats = repeats + (path,) if repeat else repeats
    children = tuple(_field(f, path, section, sensitivity, child_repeats, problems) for f in raw.get("fields") or [])
    if type_ == "group" and not children:
        problems.append(f"{path}: a group needs fields")
    return Field(
        path=path, key=str(key), type=type_, label=str(raw.get("label", key)), help=raw.get("help"),
        sensitivity=sensitivity, section=section, codes=raw.get("codes"), required=raw.get("required", False) is True,
        required_when=raw.get("required_when"), applies_when=raw.get("applies_when"),
        constraints={k: raw[k] for k in CONSTRAINT_KEYS if k in raw}, derive=raw.get("derive"),
        precision_field=raw.get("precision_field"), repeat=repeat, fields=children, repeat_ancestors=repeats,
    )


def _check_fields(template: Template, problems: list[str]) -> None:
    for section in template.sections:
        _check_condition(template, section.path, section.applies_when, (), problems)
    for f in template.fields.values():
        if f.type in ("code", "codes") and f.codes not in template.code_lists:
            problems.append(f"{f.path}: unknown code list {f.codes!r}")
        if f.type not in ("code", "codes") and f.codes:
            problems.append(f"{f.path}: codes is only for code and codes fields")
        _check_condition(template, f.path, f.applies_when, f.repeat_ancestors, problems)
        _check_condition(template, f.path, f.required_when, f.repeat_ancestors, problems)
        for key in ("not_before", "not_after"):
            target = f.constraints.get(key)
            if target is not None and target != "today":
                _check_reference(template, f.path, target, f.repeat_ancestors, problems, want_type="date")
        if f.precision_field:
            sibling = f.path.rsplit(".", 1)[0] + "." + f.precision_field
            target = template.fields.get(sibling)
            if target is None or target.codes != "date_precision":
                problems.append(f"{f.path}: precision_field {f.precision_field!r} is not a sibling date_precision field")
        if "pattern" in f.constraints:
            _check_pattern(f, problems)


def _check_pattern(f: Field, problems: list[str]) -> None:
    import re
    try:
        re.compile(f.constraints["pattern"])
    except re.error as error:
        problems.append(f"{f.path}: bad pattern ({error})")


def _check_condition(template: Template, place: str, condition: Any, repeats: tuple, problems: list[str]) -> None:
    if condition is None:
        return
    try:
        paths = condition_paths(condition)
    except ValueError as error:
        problems.append(f"{place}: {error}")
        return
    for path in paths:
        _check_reference(template, place, path, repeats, problems)
    for path, values in _condition_values(condition):
        target = template.fields.get(path)
        codes = template.code_lists.get(target.codes) if target is not None and target.codes else None
        if codes is not None and not set(values) <= codes.allowed:
            problems.append(f"{place}: a condition on {path!r} names a code that is not in its list")


def _condition_values(condition: Any):
    """(path, values) of each comparison in a condition."""
    for key in ("all", "any"):
        for part in condition.get(key, []):
            yield from _condition_values(part)
    if "not" in condition:
        yield from _condition_values(condition["not"])
    if "equals" in condition:
        yield condition["field"], [condition["equals"]]
    for key in ("in", "includes"):
        if key in condition:
            yield condition["field"], condition[key]


def _check_reference(template: Template, place: str, path: str, repeats: tuple, problems: list[str], want_type: str | None = None) -> None:
    target = template.fields.get(path)
    if target is None:
        problems.append(f"{place}: refers to {path!r}, which does not exist")
        return
    if want_type and target.type != want_type:
        problems.append(f"{place}: refers to {path!r}, which is not a {want_type}")
    for repeat in target.repeat_ancestors:
        if repeat not in repeats:
            problems.append(f"{place}: refers to {path!r} inside the repeat {repeat!r} from outside it")


def _check_migration(template: Template, problems: list[str]) -> None:
    spec = template.migrates_from
    if spec is None:
        return
    if not isinstance(spec, dict) or not isinstance(spec.get("version"), str):
        problems.append("migrates_from needs the quoted version it migrates from")
        return
    if _version_key(spec["version"]) >= _version_key(template.version):
        problems.append("migrates_from must name an earlier version")
    for old, new in (spec.get("rename") or {}).items():
        if new not in template.fields or "." not in old:
            problems.append(f"migrates_from: rename {old!r} → {new!r} must end at a field of this version")
        elif template.fields[new].repeat_ancestors and old.rsplit(".", 1)[0] != new.rsplit(".", 1)[0]:
            problems.append(f"migrates_from: {new!r} is inside a repeat; rename only within the same group there")


def _derive_inputs(f: Field) -> list[str]:
    paths = []
    for value in (f.derive or {}).get("args", {}).values():
        for item in value if isinstance(value, list) else [value]:
            if item != "today":
                paths.append(item)
    return paths


def _check_derivations(template: Template, problems: list[str]) -> None:
    derived = {p: f for p, f in template.fields.items() if f.is_derived}
    for path, f in derived.items():
        function = f.derive.get("function")
        if function not in DERIVE_FUNCTIONS:
            problems.append(f"{path}: unknown derive function {function!r}")
            continue
        args = set(f.derive.get("args", {}))
        if args - DERIVE_FUNCTIONS[function]:
            problems.append(f"{path}: {function} takes no argument(s) {', '.join(sorted(args - DERIVE_FUNCTIONS[function]))}")
        for source in _derive_inputs(f):
            _check_reference(template, path, source, f.repeat_ancestors, problems)
    cycle = _find_cycle({p: [s for s in _derive_inputs(f) if s in derived] for p, f in derived.items()})
    if cycle:
        problems.append("circular derivation: " + " → ".join(cycle))


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in graph:
        if node not in state and (found := visit(node)):
            return found
    return None


def derivation_order(template: Template) -> list[Field]:
    """Derived fields, each after those it depends on."""
    derived = {p: f for p, f in template.fields.items() if f.is_derived}
    order: list[Field] = []
    done: set[str] = set()

    def visit(path: str) -> None:
        if path in done:
            return
        done.add(path)
        for source in _derive_inputs(derived[path]):
            if source in derived:
                visit(source)
        order.append(derived[path])

    for path in derived:
        visit(path)
    return order


def _profiles(raw: dict, template: Template, problems: list[str]) -> dict[str, Profile]:
    profiles = {}
    for name, spec in raw.items():
        if name not in MESSAGE_TYPES:
            problems.append(f"profile {name}: not a message type of the catalogue")
        spec = spec or {}
        child_secret = frozenset(spec.get("child_secret") or [])
        entries = tuple(_profile_entry(e, problems) for e in spec.get("fields") or [])
        carried = set()
        for entry in entries:
            carried |= _profile_paths(template, name, entry.path, child_secret, problems)
        for path in child_secret:
            f = template.fields.get(path)
            if f is None or f.sensitivity != "CHILD_SECRET":
                problems.append(f"profile {name}: child_secret names {path!r}, which is not a CHILD_SECRET field")
            else:
                carried.add(path)
        profiles[name] = Profile(name, str(spec.get("label", name)), entries, child_secret, frozenset(carried))
    return profiles


def _profile_entry(raw: Any, problems: list[str]) -> ProfileEntry:
    if isinstance(raw, dict):
        limit = raw.get("max_items")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            problems.append(f"profile entry {raw.get('path')!r}: max_items must be a whole number of at least 0")
            limit = None
        return ProfileEntry(str(raw.get("path")), limit)
    return ProfileEntry(str(raw))


def _profile_paths(template: Template, name: str, path: str, child_secret: frozenset, problems: list[str]) -> set[str]:
    if path in {s.key for s in template.sections}:
        fields: Iterable[Field] = template.section(path).walk()
    elif path in template.fields:
        target = template.fields[path]
        if target.sensitivity == "CHILD_SECRET" and not target.is_group and path not in child_secret:
            problems.append(f"profile {name}: {path!r} is CHILD_SECRET and must be listed under child_secret")
        fields = target.walk()
    else:
        problems.append(f"profile {name}: unknown field {path!r}")
        return set()
    return {f.path for f in fields if not f.is_group and (f.sensitivity != "CHILD_SECRET" or f.path in child_secret)}
