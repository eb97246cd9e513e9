"""Conditions (``applies_when``, ``required_when``) and path look-ups, compiled to closures.

A *scope* maps ``None`` to the report's data and each enclosing repeat group's path to the item
being looked at, so that a path into the same repeat group means the same item.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

Scope = Mapping[Any, Any]
OPERATORS = ("equals", "in", "includes", "answered")


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def condition_paths(condition: Any) -> list[str]:
    """Every path a condition reads; raises ValueError on a malformed condition."""
    if not isinstance(condition, dict) or not condition:
        raise ValueError(f"a condition must be a mapping, not {condition!r}")
    if "all" in condition or "any" in condition:
        parts = condition.get("all", condition.get("any"))
        if len(condition) != 1 or not isinstance(parts, list) or not parts:
            raise ValueError("all/any take a non-empty list of conditions and nothing else")
        return [p for part in parts for p in condition_paths(part)]
    if "not" in condition:
        if len(condition) != 1:
            raise ValueError("not takes one condition and nothing else")
        return condition_paths(condition["not"])
    operators = [op for op in OPERATORS if op in condition]
    if "field" not in condition or len(operators) != 1 or len(condition) != 2:
        raise ValueError(f"a condition needs a field and one of {', '.join(OPERATORS)}: {condition!r}")
    if operators[0] in ("in", "includes") and not isinstance(condition[operators[0]], list):
        raise ValueError(f"{operators[0]} takes a list: {condition!r}")
    return [condition["field"]]


def compile_getter(path: str, repeats: tuple[str, ...]) -> Callable[[Scope], Any]:
    """A function of a scope returning the value at ``path`` (None when absent)."""
    anchor = None
    for repeat in repeats:
        if path.startswith(repeat + "."):
            anchor = repeat
    keys = tuple(path[len(anchor) + 1:].split(".") if anchor else path.split("."))

    def get(scope: Scope) -> Any:
        value = scope.get(anchor)
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return get


def compile_condition(condition: Any, repeats: tuple[str, ...]) -> Callable[[Scope], bool]:
    if "all" in condition:
        parts = [compile_condition(c, repeats) for c in condition["all"]]
        return lambda scope: all(p(scope) for p in parts)
    if "any" in condition:
        parts = [compile_condition(c, repeats) for c in condition["any"]]
        return lambda scope: any(p(scope) for p in parts)
    if "not" in condition:
        inner = compile_condition(condition["not"], repeats)
        return lambda scope: not inner(scope)
    get = compile_getter(condition["field"], repeats)
    if "equals" in condition:
        expected = condition["equals"]
        return lambda scope: get(scope) == expected
    if "in" in condition:
        options = frozenset(condition["in"])
        return lambda scope: isinstance(v := get(scope), (str, int, float, bool)) and v in options
    if "includes" in condition:
        wanted = frozenset(condition["includes"])
        return lambda scope: isinstance(v := get(scope), list) and any(isinstance(x, str) and x in wanted for x in v)
    want_answer = bool(condition["answered"])
    return lambda scope: (not is_empty(get(scope))) == want_answer
