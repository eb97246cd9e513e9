"""ILO/EC operational indicators of trafficking in human beings (Delphi survey, 2009).

Reads the versioned ruleset in ``definitions/ilo-indicators/<version>.yaml`` and assesses a set
of observed indicators against one of its lists. Every grade and rule comes from that file; this
module only knows the vocabulary (grades, grade classes, ``all``/``any``, ``ACT``).

The result is advisory: "consistent / not consistent with trafficking (research tool)". It is
not an identification decision, which belongs to the competent authority (DOMAIN §2.2).

Pure Python: no Django import.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml

DEFAULT_PATH = Path(__file__).parent / "definitions" / "ilo-indicators" / "2009.yaml"

CONSISTENT = "CONSISTENT"
NOT_CONSISTENT = "NOT_CONSISTENT"
NOT_ASSESSED = "NOT_ASSESSED"
UNVERIFIED_LIST = "unverified_list"

GRADES = ("STRONG", "MEDIUM", "WEAK")
# The grades that can fill a slot of each class named in `dimension_rule`.
GRADE_CLASSES = MappingProxyType({
    "STRONG": frozenset({"STRONG"}),
    "MEDIUM": frozenset({"MEDIUM"}),
    "WEAK": frozenset({"WEAK"}),
    "MEDIUM_OR_WEAK": frozenset({"MEDIUM", "WEAK"}),
})
ACT = "ACT"
OPERATORS = ("all", "any")
RULE_KEYS = ("adults", "children")
REQUIRED_KEYS = ("ruleset", "version", "dimensions", "indicators", "lists",
                 "dimension_rule", "combination_rules")


class RulesetError(ValueError):
    """The ruleset file is malformed, or a list that it does not define was asked for."""


class UnknownIndicator(ValueError):
    """An observed indicator id is not in the catalogue, or not in the list being assessed."""

    def __init__(self, ids: Iterable[str], list_id: str):
        self.ids = tuple(sorted(ids))
        super().__init__(f"indicator(s) not in list {list_id}: {', '.join(self.ids)}")


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue, e.g. ``DR01`` in dimension ``D1``."""

    id: str
    dimension: str
    label: str


@dataclass(frozen=True)
class IndicatorList:
    """One of the four lists: its grades (indicator id -> STRONG/MEDIUM/WEAK).

    An indicator that is not graded is not part of the list. An unverified list is never
    assessed automatically; ``note`` says why.
    """

    id: str
    label: str
    is_child: bool
    is_verified: bool
    grades: Mapping[str, str]
    note: str | None = None


@dataclass(frozen=True)
class Condition:
    """``all`` or ``any`` of operands, each a dimension code, ``ACT`` or a nested Condition."""

    operator: str
    operands: tuple[Condition | str, ...]


@dataclass(frozen=True)
class Ruleset:
    """A loaded, validated ruleset.

    ``dimension_rule`` holds the combinations of step 1, each a mapping from grade class to
    minimum count; ``combination_rules`` holds the ``adults`` and ``children`` rules of step 2.
    """

    name: str
    version: str
    dimensions: Mapping[str, str]
    indicators: Mapping[str, Indicator]
    lists: Mapping[str, IndicatorList]
    dimension_rule: tuple[Mapping[str, int], ...]
    combination_rules: Mapping[str, Condition | str]
    source: Mapping[str, str]


@dataclass(frozen=True)
class Assessment:
    """The advisory result of assessing observed indicators against one list."""

    list_id: str
    dimensions: dict[str, bool]
    result: str
    positive_dimensions: tuple[str, ...]
    ruleset_version: str
    reason: str | None = None

    def as_dict(self) -> dict:
        """A JSON-ready dict: list, dimensions, result, positive_dimensions, ruleset_version
        (and reason when the list was not assessed)."""
        data = {
            "list": self.list_id,
            "dimensions": dict(self.dimensions),
            "result": self.result,
            "positive_dimensions": list(self.positive_dimensions),
            "ruleset_version": self.ruleset_version,
        }
        if self.result == NOT_ASSESSED:
            data["reason"] = self.reason
        return data


# Loading ----------------------------------------------------------------------------------------

def load_ruleset(path: str | Path | None = None) -> Ruleset:
    """Read and validate a ruleset file; without ``path``, the shipped 2009 ruleset (cached).

    Raises RulesetError with a message naming the faulty entry.
    """
    if path is None:
        return _load_default()
    return _parse(_read_yaml(Path(path)))


@functools.lru_cache(maxsize=1)
def _load_default() -> Ruleset:
    return _parse(_read_yaml(DEFAULT_PATH))


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys instead of keeping the last one."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=True) for key, _ in node.value]
        duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
        if duplicates:
            mark = node.start_mark
            raise RulesetError(f"{mark.name}, line {mark.line + 1}: duplicate id "
                               f"{', '.join(duplicates)}")
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as stream:
            data = yaml.load(stream, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        raise RulesetError(f"{path}: not valid YAML: {error}") from error
    _require(isinstance(data, dict), f"{path}: the ruleset must be a mapping")
    return data


def _parse(data: dict) -> Ruleset:
    missing = [key for key in REQUIRED_KEYS if key not in data]
    _require(not missing, f"missing key(s): {', '.join(missing)}")
    dimensions = _parse_dimensions(data["dimensions"])
    indicators = _parse_indicators(data["indicators"], dimensions)
    return Ruleset(
        name=str(data["ruleset"]),
        version=_parse_version(data["version"]),
        dimensions=dimensions,
        indicators=indicators,
        lists=_parse_lists(data["lists"], indicators),
        dimension_rule=_parse_dimension_rule(data["dimension_rule"]),
        combination_rules=_parse_combination_rules(data["combination_rules"], dimensions),
        source=MappingProxyType(dict(data.get("source") or {})),
    )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise RulesetError(message)


def _mapping(value, where: str) -> dict:
    _require(isinstance(value, dict), f"{where} must be a mapping")
    return value


def _parse_version(value) -> str:
    _require(isinstance(value, str), f"version must be a quoted string, not {value!r}")
    return value


def _parse_dimensions(raw) -> Mapping[str, str]:
    dimensions = {}
    for code, entry in _mapping(raw, "dimensions").items():
        _require(code != ACT, f"dimension code {ACT} is reserved")
        dimensions[code] = str(_mapping(entry, f"dimension {code}").get("label", code))
    _require(bool(dimensions), "dimensions must not be empty")
    return MappingProxyType(dimensions)


def _parse_indicators(raw, dimensions: Mapping[str, str]) -> Mapping[str, Indicator]:
    indicators = {}
    for indicator_id, entry in _mapping(raw, "indicators").items():
        entry = _mapping(entry, f"indicator {indicator_id}")
        dimension = entry.get("dimension")
        _require(isinstance(dimension, str) and dimension in dimensions,
                 f"indicator {indicator_id} has unknown dimension {dimension!r}")
        indicators[indicator_id] = Indicator(indicator_id, dimension, str(entry.get("label", "")))
    return MappingProxyType(indicators)


def _parse_lists(raw, indicators: Mapping[str, Indicator]) -> Mapping[str, IndicatorList]:
    lists = {
        list_id: _parse_list(list_id, _mapping(entry, f"list {list_id}"), indicators)
        for list_id, entry in _mapping(raw, "lists").items()
    }
    return MappingProxyType(lists)


def _parse_list(list_id: str, entry: dict, indicators) -> IndicatorList:
    flags = {key: entry.get(key) for key in ("child", "verified")}
    for key, value in flags.items():
        _require(isinstance(value, bool), f"list {list_id}: {key} must be true or false")
    grades = _parse_grades(list_id, entry.get("grades") or {}, indicators)
    _require(grades or not flags["verified"], f"list {list_id} is verified but has no grades")
    return IndicatorList(list_id, str(entry.get("label", list_id)), flags["child"],
                         flags["verified"], grades, entry.get("note"))


def _parse_grades(list_id: str, raw, indicators) -> Mapping[str, str]:
    for indicator_id, grade in _mapping(raw, f"list {list_id}: grades").items():
        _require(indicator_id in indicators,
                 f"list {list_id}: grade for unknown indicator {indicator_id}")
        _require(grade in GRADES,
                 f"list {list_id}: unknown grade {grade!r} for {indicator_id}")
    return MappingProxyType(dict(raw))


def _parse_dimension_rule(raw) -> tuple[Mapping[str, int], ...]:
    _require(isinstance(raw, list) and bool(raw),
             "dimension_rule must be a non-empty list of combinations")
    return tuple(_parse_combination(entry) for entry in raw)


def _parse_combination(raw) -> Mapping[str, int]:
    combination = _mapping(raw, "a dimension_rule combination")
    for grade_class, count in combination.items():
        _require(grade_class in GRADE_CLASSES,
                 f"dimension_rule: unknown grade class {grade_class!r}")
        _require(type(count) is int and count > 0,
                 f"dimension_rule: count for {grade_class} must be a positive integer")
    _require(bool(combination), "dimension_rule: empty combination")
    return MappingProxyType(dict(combination))


def _parse_combination_rules(raw, dimensions) -> Mapping[str, Condition | str]:
    raw = _mapping(raw, "combination_rules")
    missing = [key for key in RULE_KEYS if key not in raw]
    _require(not missing, f"combination_rules: missing {', '.join(missing)}")
    rules = {key: _parse_condition(raw[key], dimensions, key) for key in RULE_KEYS}
    return MappingProxyType(rules)


def _parse_condition(raw, dimensions, rule: str) -> Condition | str:
    if isinstance(raw, str):
        _require(raw in dimensions or raw == ACT,
                 f"combination rule {rule} names unknown dimension {raw!r}")
        return raw
    _require(isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in OPERATORS,
             f"combination rule {rule}: expected a code or {{all|any: [...]}}, got {raw!r}")
    operator, operands = next(iter(raw.items()))
    _require(isinstance(operands, list) and bool(operands),
             f"combination rule {rule}: {operator} needs a non-empty list")
    return Condition(operator, tuple(_parse_condition(o, dimensions, rule) for o in operands))


# Assessing --------------------------------------------------------------------------------------

def assess(ruleset: Ruleset, list_id: str, present: Iterable[str], *,
           act: bool = False) -> Assessment:
    """Assess the indicators observed as present against one list of the ruleset.

    ``act``: the act of recruitment, transport, transfer, harbouring or receipt is established
    (used by rules that name ``ACT``, i.e. the children's rule). Raises RulesetError for an
    unknown list and UnknownIndicator for ids outside the catalogue or, for a verified list,
    outside that list. An unverified list gives NOT_ASSESSED with reason ``unverified_list``.
    """
    indicator_list = _get_list(ruleset, list_id)
    observed = _check_present(ruleset, indicator_list, present)
    if not indicator_list.is_verified:
        return _not_assessed(ruleset, list_id, UNVERIFIED_LIST)
    dimensions = {code: _dimension_positive(ruleset, indicator_list, code, observed)
                  for code in ruleset.dimensions}
    rule = ruleset.combination_rules["children" if indicator_list.is_child else "adults"]
    result = CONSISTENT if _holds(rule, dimensions, act) else NOT_CONSISTENT
    positive = tuple(code for code, is_positive in dimensions.items() if is_positive)
    return Assessment(list_id, dimensions, result, positive, ruleset.version)


def _dimension_positive(ruleset: Ruleset, indicator_list: IndicatorList, dimension: str,
                       present: Iterable[str]) -> bool:
    """Whether the present indicators of ``dimension`` fill a combination of the dimension rule."""
    counts = Counter(indicator_list.grades[indicator_id] for indicator_id in present
                     if ruleset.indicators[indicator_id].dimension == dimension)
    return any(_fills(_slots(combination), counts) for combination in ruleset.dimension_rule)


def _get_list(ruleset: Ruleset, list_id: str) -> IndicatorList:
    if list_id not in ruleset.lists:
        known = ", ".join(ruleset.lists)
        raise RulesetError(f"unknown indicator list {list_id!r} (known: {known})")
    return ruleset.lists[list_id]


def _check_present(ruleset: Ruleset, indicator_list: IndicatorList,
                   present: Iterable[str]) -> frozenset[str]:
    if isinstance(present, str):
        raise TypeError("present must be an iterable of indicator ids, not a string")
    observed = frozenset(present)
    # Membership of an unverified list is not known yet: only the catalogue is checked.
    allowed = indicator_list.grades if indicator_list.is_verified else ruleset.indicators
    unknown = observed - set(allowed)
    if unknown:
        raise UnknownIndicator(unknown, indicator_list.id)
    return observed


def _not_assessed(ruleset: Ruleset, list_id: str, reason: str) -> Assessment:
    dimensions = dict.fromkeys(ruleset.dimensions, False)
    return Assessment(list_id, dimensions, NOT_ASSESSED, (), ruleset.version, reason)


def _slots(combination: Mapping[str, int]) -> tuple[frozenset[str], ...]:
    # Most constrained slots first, so the search below rarely backtracks.
    slots = [GRADE_CLASSES[name] for name, count in combination.items() for _ in range(count)]
    return tuple(sorted(slots, key=len))


def _fills(slots: tuple[frozenset[str], ...], available: Counter) -> bool:
    """Whether each slot can take a distinct observed indicator of one of its grades."""
    if not slots:
        return True
    for grade in sorted(slots[0]):
        if available[grade] > 0:
            remaining = available.copy()
            remaining[grade] -= 1
            if _fills(slots[1:], remaining):
                return True
    return False


def _holds(condition: Condition | str, dimensions: Mapping[str, bool], act: bool) -> bool:
    if isinstance(condition, str):
        return act if condition == ACT else dimensions[condition]
    values = (_holds(operand, dimensions, act) for operand in condition.operands)
    return all(values) if condition.operator == "all" else any(values)
