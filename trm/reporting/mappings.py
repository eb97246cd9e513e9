"""Reports as records of other standards: HTCDS 2.0 fields and the CTDC 2024 variables.

Each mapping is a YAML file in ``definitions/trm-case-report/mappings/`` that says, field by field,
how a value is read from a report with a small closed set of operations (documented at the top of
each file and in docs/mappings.md). Nothing about an individual field lives here::

    from trm.reporting import mappings
    mappings.htcds_record(template, report)                   # {"prs_FirstName": "Elira", ...}
    mappings.ctdc_record(template, report, today=date.today()) # {"ageBroad": "9--17", ...}
    mappings.check_mapping(template, "ctdc-2024")              # [] when the mapping fits
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel.core import get_global

from . import world
from .engine import derive
from .model import LIST_TYPES, Field, Template

MAPPINGS = Path(__file__).parent / "definitions" / "trm-case-report" / "mappings"

# CLDR lists withdrawn ISO 3166-1 alpha-3 codes as aliases of their successors too (DDR for DE…);
# Babel keeps the alias but not CLDR's "deprecated" reason, so they are named here.
WITHDRAWN_ALPHA3 = frozenset({"BUR", "DDR", "FXX", "TMP", "YMD", "ZAR"})

READ_OPTIONS = {"path", "where", "value", "first", "codes", "alpha3"}
TEST_OPTIONS = {"path", "where", "value", "codes"}
OPTIONS = {
    "path": READ_OPTIONS, "first_of": {"first_of"}, "year_of": {"year_of"},
    "band_of": {"band_of", "bands"}, "any_of": {"any_of"},
}
COMBINATIONS = ("any_of", "all_of", "none_of")


class UnknownMapping(LookupError):
    pass


# --- loading ------------------------------------------------------------------------------------

def load_mapping(name: str, path: str | Path | None = None) -> dict:
    """The mapping ``name`` ("htcds-2.0", "ctdc-2024"), or the file at ``path`` if one is given."""
    if path is not None:
        return _read_yaml(Path(path))
    return _load_named(name)


@lru_cache(maxsize=None)
def _load_named(name: str) -> dict:
    path = MAPPINGS / f"{name}.yaml"
    if not path.is_file():
        raise UnknownMapping(f"unknown mapping {name!r}")
    return _read_yaml(path)


def _read_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


# --- records ------------------------------------------------------------------------------------

def htcds_record(template: Template, report: dict, *, today: date | None = None,
                 path: str | Path | None = None) -> dict:
    """The report as HTCDS 2.0 fields: field name -> value, a list for multi-selects and tables."""
    return _record(template, report, load_mapping("htcds-2.0", path), today)


def ctdc_record(template: Template, report: dict, *, today: date,
                path: str | Path | None = None) -> dict:
    """The report as the 27 CTDC 2024 variables; binary ones are 1 or None, as in the codebook."""
    return _record(template, report, load_mapping("ctdc-2024", path), today)


def _record(template: Template, report: dict, mapping: dict, today: date | None) -> dict:
    data = derive(template, report, today=today)["data"]
    context = _Context(template, data, mapping.get("country_codes") or {})
    return {name: _evaluate(spec, context) for name, spec in mapping["fields"].items()}


class _Context:
    def __init__(self, template: Template, data: dict, country_codes: dict):
        self.template, self.data, self.country_codes = template, data, country_codes

    def alpha3(self, code: str) -> str | None:
        return self.country_codes.get(code) or alpha3_codes().get(code)


@lru_cache(maxsize=None)
def alpha3_codes() -> dict[str, str]:
    """ISO 3166-1 alpha-2 -> alpha-3 for every country trm knows, from CLDR's territory aliases."""
    countries = world.country_codes()
    return {
        targets[0]: code for code, targets in get_global("territory_aliases").items()
        if len(code) == 3 and code.isalpha() and len(targets) == 1
        and targets[0] in countries and code not in WITHDRAWN_ALPHA3
    }


def _evaluate(spec: dict, context: _Context) -> Any:
    operation = _operation(spec)
    if operation is None:
        raise ValueError(f"{_no_operation(spec)} (check_mapping lists every problem)")
    return OPERATIONS[operation](spec, context)


def _operation(spec: Any) -> str | None:
    found = [key for key in OPERATIONS if isinstance(spec, dict) and key in spec]
    return found[0] if len(found) == 1 else None


def _read(spec: dict, context: _Context) -> Any:
    values = [_recode(spec, value, context) for value in _collect(spec, context.data)]
    if spec.get("first"):
        return next((value for value in values if value is not None), None)
    if not _is_many(context.template, spec):
        return values[0] if values else None
    return _tidy(values, _target(context.template, spec))


def _first_of(spec: dict, context: _Context) -> Any:
    for read in spec["first_of"]:
        value = _evaluate(read, context)
        if value not in (None, "", []):
            return value
    return None


def _year_of(spec: dict, context: _Context) -> int | None:
    for path in spec["year_of"]:
        value = _first_value(context.data, path)
        if value:
            return int(str(value)[:4])
    return None


def _band_of(spec: dict, context: _Context) -> str | None:
    value = _first_value(context.data, spec["band_of"])
    if not isinstance(value, int):
        return None
    return next((band for band in spec["bands"] if _in_band(value, band)), None)


def _any_of(spec: dict, context: _Context) -> int | None:
    return 1 if _holds({"any_of": spec["any_of"]}, context) else None


OPERATIONS = {"path": _read, "first_of": _first_of, "year_of": _year_of, "band_of": _band_of, "any_of": _any_of}


def _holds(test: dict, context: _Context) -> bool:
    for combination, combine in (("any_of", any), ("all_of", all)):
        if combination in test:
            return combine(_holds(part, context) for part in _as_list(test[combination]))
    if "none_of" in test:
        return not any(_holds(part, context) for part in _as_list(test["none_of"]))
    values = [value for value in _collect(test, context.data) if not _empty(value)]
    wanted = test.get("codes")
    return any(value in wanted for value in values) if wanted is not None else bool(values)


# --- reading a report ---------------------------------------------------------------------------

def _collect(spec: dict, data: dict) -> list:
    """Every value at the spec's path, items filtered by ``where``, then their ``value`` field."""
    values = _resolve(data, spec["path"].split("."))
    if "where" in spec:
        values = [item for item in values if _matches(item, spec["where"])]
    if "value" in spec:
        values = [value for item in values for value in _resolve(item, spec["value"].split("."))]
    return values


def _resolve(node: Any, keys: list[str]) -> list:
    if isinstance(node, list) and keys:
        return [value for item in node for value in _resolve(item, keys)]
    if not keys:
        return list(node) if isinstance(node, list) else [node]
    return _resolve(node.get(keys[0]) if isinstance(node, dict) else None, keys[1:])


def _matches(item: Any, where: dict) -> bool:
    return isinstance(item, dict) and all(_matches_one(item.get(key), wanted) for key, wanted in where.items())


def _matches_one(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return _empty(value)
    wanted = _as_list(wanted)
    if isinstance(value, list):
        return any(v in wanted for v in value)
    return value in wanted


def _first_value(data: dict, path: str) -> Any:
    return next((value for value in _resolve(data, path.split(".")) if not _empty(value)), None)


def _recode(spec: dict, value: Any, context: _Context) -> Any:
    if _empty(value):
        return None
    if "codes" in spec:
        value = spec["codes"].get(value)
    if spec.get("alpha3") and value is not None:
        value = context.alpha3(value)
    return value


def _tidy(values: list, field: Field | None) -> list | None:
    """A multi-select loses empty and repeated values; a table column keeps its places."""
    if field is not None and field.type in LIST_TYPES:
        values = list(dict.fromkeys(value for value in values if value is not None))
    return values if any(value is not None for value in values) else None


def _is_many(template: Template, spec: dict) -> bool:
    field = _target(template, spec)
    return field is None or field.type in LIST_TYPES or field.repeat or bool(field.repeat_ancestors)


def _target(template: Template, spec: dict) -> Field | None:
    path = spec["path"] + ("." + spec["value"] if "value" in spec else "")
    return template.fields.get(path)


def _in_band(value: int, band: str) -> bool:
    low, high = _band_limits(band)
    return low <= value <= high


def _band_limits(band: str) -> tuple[float, float]:
    """ "9--17" -> (9, 17); "48+" -> (48, inf). ValueError for anything else."""
    match = re.fullmatch(r"(\d+)(?:--(\d+)|(\+))", str(band))
    if not match:
        raise ValueError(band)
    return int(match[1]), (float("inf") if match[3] else int(match[2]))


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


# --- checking a mapping against a template ------------------------------------------------------

def check_mapping(template: Template, name: str, path: str | Path | None = None) -> list[str]:
    """Every problem of the mapping against the template: a path that does not exist, a code that
    is not in the field's list (or a code of the list that the map leaves out), an unknown
    operation or option. An empty list when the mapping fits."""
    mapping = load_mapping(name, path)
    problems = [
        f"{target}: {problem}"
        for target, spec in (mapping.get("fields") or {}).items()
        for problem in _check_spec(template, spec)
    ]
    return problems + _check_unmapped(mapping)


def _check_spec(template: Template, spec: Any) -> list[str]:
    operation = _operation(spec)
    if operation is None:
        return [_no_operation(spec)]
    extra = set(spec) - OPTIONS[operation]
    problems = [f"unknown option {key!r} of {operation}" for key in sorted(extra)]
    return problems + CHECKS[operation](template, spec)


def _check_read(template: Template, spec: dict) -> list[str]:
    problems = _check_place(template, spec)
    if problems:
        return problems
    field = _target(template, spec)
    if "codes" in spec:
        problems += _check_code_map(template, field, spec["codes"])
    if spec.get("alpha3") and field.type not in ("country", "countries"):
        problems.append(f"alpha3 on {field.path}, which is not a country")
    return problems


def _check_place(template: Template, spec: dict) -> list[str]:
    """The path, the ``where`` fields and values, and the ``value`` field exist."""
    path = spec.get("path")
    if path not in template.fields:
        return [f"path {path!r} does not exist in {template.id}"]
    problems = [_missing(template, f"{path}.{spec['value']}")] if "value" in spec else []
    for key, wanted in (spec.get("where") or {}).items():
        problems += _check_where(template, f"{path}.{key}", wanted)
    return [problem for problem in problems if problem]


def _check_where(template: Template, path: str, wanted: Any) -> list[str]:
    if path not in template.fields:
        return [_missing(template, path)]
    return _check_codes(template, template.fields[path], [] if wanted is None else _as_list(wanted))


def _check_code_map(template: Template, field: Field, code_map: Any) -> list[str]:
    if not isinstance(code_map, dict):
        return [f"codes of {field.path} must map each code to a value"]
    problems = _check_codes(template, field, list(code_map))
    allowed = _allowed(template, field)
    left_out = sorted(allowed - set(code_map)) if isinstance(allowed, frozenset) else []
    return problems + [f"code {code!r} of {field.path} has no mapping" for code in left_out]


def _check_codes(template: Template, field: Field, codes: list) -> list[str]:
    allowed = _allowed(template, field)
    return [
        f"code {code!r} is not in the code list of {field.path}"
        for code in codes if not _allows(allowed, code)
    ]


def _allowed(template: Template, field: Field) -> frozenset | str | None:
    """The codes a field takes: a set, a pattern for patterned text, None when anything goes."""
    code_list = template.code_list_for(field)
    if code_list is not None:
        return code_list.allowed
    if field.type in ("country", "countries"):
        return world.country_codes()
    if field.type == "yes_no_unknown":
        return frozenset({"YES", "NO", "UNKNOWN"})
    if field.type == "yes_no":
        return frozenset({True, False})
    return field.constraints.get("pattern")


def _allows(allowed: frozenset | str | None, code: Any) -> bool:
    if allowed is None:
        return True
    if isinstance(allowed, str):
        return isinstance(code, str) and re.fullmatch(allowed, code) is not None
    return code in allowed


def _check_first_of(template: Template, spec: dict) -> list[str]:
    reads = _as_list(spec["first_of"])
    return [problem for read in reads for problem in _check_spec(template, read)]


def _check_year_of(template: Template, spec: dict) -> list[str]:
    problems = [_typed(template, path, ("date",)) for path in _as_list(spec["year_of"])]
    return [problem for problem in problems if problem]


def _check_band_of(template: Template, spec: dict) -> list[str]:
    bands = spec.get("bands") or [None]
    problems = [_typed(template, spec["band_of"], ("integer",))]
    problems += [f"band {band!r} is not written like '9--17' or '48+'" for band in bands if not _band_ok(band)]
    return [problem for problem in problems if problem]


def _check_any_of(template: Template, spec: dict) -> list[str]:
    return _check_test(template, {"any_of": spec["any_of"]})


def _check_test(template: Template, test: Any) -> list[str]:
    combinations = [key for key in COMBINATIONS if isinstance(test, dict) and key in test]
    if combinations:
        extra = [f"unknown option {key!r} of {combinations[0]}" for key in sorted(set(test) - {combinations[0]})]
        return extra + [p for part in _as_list(test[combinations[0]]) for p in _check_test(template, part)]
    if not isinstance(test, dict) or "path" not in test:
        return [_no_operation(test) + " in a test"]
    extra = [f"unknown option {key!r} of a test" for key in sorted(set(test) - TEST_OPTIONS)]
    return extra + _check_test_codes(template, test)


def _check_test_codes(template: Template, test: dict) -> list[str]:
    problems = _check_place(template, test)
    if problems or "codes" not in test:
        return problems
    return _check_codes(template, _target(template, test), _as_list(test["codes"]))


CHECKS = {
    "path": _check_read, "first_of": _check_first_of, "year_of": _check_year_of,
    "band_of": _check_band_of, "any_of": _check_any_of,
}


def _check_unmapped(mapping: dict) -> list[str]:
    unmapped = mapping.get("unmapped") or {}
    both = sorted(set(unmapped) & set(mapping.get("fields") or {}))
    problems = [f"{name}: both mapped and listed as unmapped" for name in both]
    return problems + [f"{name}: unmapped without a reason" for name, reason in unmapped.items() if not reason]


def _typed(template: Template, path: str, types: tuple[str, ...]) -> str | None:
    field = template.fields.get(path)
    if field is None:
        return _missing(template, path)
    return None if field.type in types else f"{path} is of type {field.type}, not {' or '.join(types)}"


def _missing(template: Template, path: str) -> str | None:
    return None if path in template.fields else f"path {path!r} does not exist in {template.id}"


def _band_ok(band: Any) -> bool:
    try:
        _band_limits(band)
    except ValueError:
        return False
    return True


def _no_operation(spec: Any) -> str:
    if not isinstance(spec, dict):
        return f"{spec!r} is not an operation"
    known = [key for key in OPERATIONS if key in spec]
    if known:
        return f"more than one operation: {', '.join(known)}"
    return f"unknown operation {', '.join(map(repr, spec))}"
