"""Derived values: ages, minority, the CTDC duration band and the ILO assessment.

Each function takes the already-resolved argument values and returns a value or None.
"""
from __future__ import annotations

import builtins
from datetime import date
from typing import Any, Callable

from . import ilo
from .conditions import compile_getter, is_empty
from .dates import months_between, parse_range, years_between

TODAY = object()  # the scope key under which the caller's "today" travels


def _range(value: Any) -> tuple[date, date] | None:
    if isinstance(value, date):
        return value, value
    return parse_range(value)


def age_in_years(birth=None, at=None):
    """Whole years, counted from the latest possible birth day: the benefit of the doubt."""
    born, when = _range(birth), _range(at)
    if born is None or when is None or born[1] > when[0]:
        return None
    return years_between(born[1], when[0])


def is_minor(birth=None, at=None):
    age = age_in_years(birth, at)
    return None if age is None else age < 18


def presumed_minor(birth=None, at=None, age_uncertain=None):
    """A child if the dates say so, or whenever there is doubt about the age (CETS 10(3)); not
    knowing whether there is doubt, with no date of birth at all, counts as doubt."""
    minor = is_minor(birth, at)
    if minor or age_uncertain == "YES" or (age_uncertain == "UNKNOWN" and minor is None):
        return True
    if minor is False or age_uncertain in ("NO", "UNKNOWN"):
        return False
    return None


def duration_band(start=None, end=None):
    began, ended = _range(start), _range(end)
    if began is None or ended is None or began[0] > ended[1]:
        return None
    months = months_between(began[0], ended[1])
    return "M0_12" if months <= 12 else "M13_24" if months <= 24 else "M25_PLUS"


def _ilo(list=None, indicators=None, act=None):
    ruleset = ilo.load_ruleset()
    indicator_list = ruleset.lists.get(list) if isinstance(list, str) else None
    if indicator_list is None:
        return None
    items = indicators if isinstance(indicators, builtins.list) else []
    present = [
        item["id"] for item in items
        if isinstance(item, dict) and item.get("present") == "YES" and isinstance(item.get("id"), str)
        and item["id"] in indicator_list.grades
    ]
    return ilo.assess(ruleset, list, present, act=bool(act))


def ilo_dimensions(**args):
    assessment = _ilo(**args)
    return None if assessment is None else list(assessment.positive_dimensions)


def ilo_result(**args):
    assessment = _ilo(**args)
    return None if assessment is None else assessment.result


def ilo_ruleset_version():
    return ilo.load_ruleset().version


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "age_in_years": age_in_years, "is_minor": is_minor, "presumed_minor": presumed_minor,
    "duration_band": duration_band, "ilo_dimensions": ilo_dimensions, "ilo_result": ilo_result,
    "ilo_ruleset_version": ilo_ruleset_version,
}


def compile_derivation(spec: dict, repeats: tuple[str, ...]) -> Callable[[dict], Any]:
    function = FUNCTIONS[spec["function"]]
    getters = {name: _arg_getter(value, repeats) for name, value in (spec.get("args") or {}).items()}

    def compute(scope):
        return function(**{name: get(scope) for name, get in getters.items()})

    return compute


def _arg_getter(value: Any, repeats: tuple[str, ...]) -> Callable[[dict], Any]:
    if value == "today":
        return lambda scope: scope[TODAY]
    if isinstance(value, list):
        getters = [_arg_getter(v, repeats) for v in value]

        def first_answered(scope):
            for get in getters:
                if not is_empty(found := get(scope)):
                    return found
            return None

        return first_answered
    return compile_getter(value, repeats)
