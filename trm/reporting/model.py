"""The template as data: sections, fields, code lists and sharing profiles.

Instances are built by :mod:`trm.reporting.load` and never change afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

SENSITIVITIES = ("PUBLIC_STAT", "CASE", "PERSONAL", "SPECIAL_CATEGORY", "CRIMINAL", "CHILD_SECRET")

SCALAR_TYPES = (
    "text", "long_text", "integer", "decimal", "date", "datetime", "yes_no", "yes_no_unknown",
    "code", "codes", "country", "countries", "language", "script", "currency",
)
LIST_TYPES = ("codes", "countries")
TYPES = SCALAR_TYPES + ("group",)


@dataclass(frozen=True)
class Code:
    code: str
    label: str


@dataclass(frozen=True)
class CodeList:
    name: str
    codes: tuple[Code, ...]

    def __post_init__(self):
        object.__setattr__(self, "allowed", frozenset(c.code for c in self.codes))

    def label_of(self, code: str) -> str | None:
        for item in self.codes:
            if item.code == code:
                return item.label
        return None


@dataclass(frozen=True)
class Field:
    """A field of a section; a group holds further fields in ``fields``."""

    path: str
    key: str
    type: str
    label: str
    sensitivity: str
    section: str
    help: str | None = None
    codes: str | None = None
    required: bool = False
    required_when: Any = None
    applies_when: Any = None
    constraints: Mapping[str, Any] = field(default_factory=dict)
    derive: Mapping[str, Any] | None = None
    precision_field: str | None = None
    repeat: bool = False
    fields: tuple["Field", ...] = ()
    repeat_ancestors: tuple[str, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    @property
    def is_derived(self) -> bool:
        return self.derive is not None

    def walk(self):
        """This field and every field below it, depth first."""
        yield self
        for child in self.fields:
            yield from child.walk()


@dataclass(frozen=True)
class Section:
    key: str
    ref: str
    label: str
    sensitivity: str
    fields: tuple[Field, ...]
    help: str | None = None
    scope: str = "case"
    applies_when: Any = None

    @property
    def path(self) -> str:
        return self.key

    def walk(self):
        for child in self.fields:
            yield from child.walk()


@dataclass(frozen=True)
class ProfileEntry:
    path: str
    max_items: int | None = None


@dataclass(frozen=True)
class Profile:
    """What one message type may carry."""

    name: str
    label: str
    entries: tuple[ProfileEntry, ...]
    child_secret: frozenset[str]
    field_paths: frozenset[str]  # every leaf field path the profile carries


@dataclass(frozen=True)
class Template:
    name: str
    version: str
    label: str
    source_language: str
    sections: tuple[Section, ...]
    code_lists: Mapping[str, CodeList]
    profiles: Mapping[str, Profile]
    fields: Mapping[str, Field]  # every field and group by path
    migrates_from: Mapping[str, Any] | None = None
    source_path: str | None = None
    compiled: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def leaf_fields(self):
        return [f for f in self.fields.values() if not f.is_group]

    def code_list_for(self, field_: Field) -> CodeList | None:
        return self.code_lists.get(field_.codes) if field_.codes else None


Getter = Callable[[Mapping[str, Any]], Any]
