"""Moving a report written against one version of a template to the next.

A new version declares ``migrates_from`` (see docs/template-format.md): renamed paths, dropped
paths and recoded values. Versions chain: a 1.0 report reaches 1.2 through 1.1.
"""
from __future__ import annotations

import copy
from typing import Callable

from .model import Template


class MigrationError(ValueError):
    pass


def migrate(report: dict, target: Template, *, previous: Callable[[str], Template] | None = None) -> dict:
    """A copy of ``report`` as a report of ``target``; ``previous(version)`` loads older versions."""
    if not isinstance(report, dict) or not isinstance(report.get("data", {}), dict):
        raise MigrationError("not a report")
    if report.get("template") != target.name:
        raise MigrationError(f"a report of {report.get('template')!r} cannot become one of {target.name!r}")
    if report.get("version") == target.version:
        return copy.deepcopy(report)
    spec = target.migrates_from
    if not spec:
        raise MigrationError(f"{target.id} declares no migration from version {report.get('version')!r}")
    if report.get("version") != spec["version"]:
        if previous is None:
            from .load import load_template
            previous = lambda version: load_template(target.name, version)  # noqa: E731
        report = migrate(report, previous(spec["version"]), previous=previous)
    data = copy.deepcopy(report.get("data") or {})
    for old, new in (spec.get("rename") or {}).items():
        _rename(data, old, new)
    for path in spec.get("drop") or []:
        _at_parents(data, path, lambda parent, key: parent.pop(key, None))
    for path, mapping in (spec.get("recode") or {}).items():
        _at_parents(data, path, lambda parent, key, m=mapping: _recode(parent, key, m))
    return {**report, "version": target.version, "data": data}


def _at_parents(data: dict, path: str, action) -> None:
    """Call ``action(parent, key)`` for every object holding the last key of ``path``."""
    *parents, last = path.split(".")
    containers = [data]
    for key in parents:
        following = []
        for container in containers:
            value = container.get(key)
            following.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict))
        containers = following
    for container in containers:
        if last in container:
            action(container, last)


def _rename(data: dict, old: str, new: str) -> None:
    old_parent, new_parent = old.rsplit(".", 1)[0], new.rsplit(".", 1)[0]
    new_key = new.rsplit(".", 1)[1]
    if old_parent == new_parent:
        _at_parents(data, old, lambda parent, key: parent.__setitem__(new_key, parent.pop(key)))
        return
    moved = []
    _at_parents(data, old, lambda parent, key: moved.append(parent.pop(key)))
    if len(moved) > 1:
        raise MigrationError(f"cannot move {old!r} out of a repeat group to {new!r}")
    if moved:
        target = data
        for key in new.split(".")[:-1]:
            target = target.setdefault(key, {})
        target[new_key] = moved[0]


def _recode(parent: dict, key: str, mapping: dict) -> None:
    value = parent[key]
    parent[key] = [mapping.get(v, v) for v in value] if isinstance(value, list) else mapping.get(value, value)
