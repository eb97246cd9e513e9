"""Completeness of the template and its catalogues: ``trm template check`` and ``trm i18n``."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from . import i18n, ilo, world
from .load import DEFINITIONS, TemplateError, file_digest, load_template
from .model import Template
from .validate import EXPECTED, MESSAGES, PRECISION_LABELS

PUBLISHED = DEFINITIONS / "published.yaml"
ENGINE_TEXTS = ("Yes", "No", world.KOSOVO_FOOTNOTE)


def template_messages(template: Template) -> list[str]:
    """Every English text of the template a reader may see, in file order, each once."""
    texts: list[str] = [template.label]
    for section in template.sections:
        texts += [section.label, section.help]
        for f in section.walk():
            texts += [f.label, f.help]
    for code_list in template.code_lists.values():
        texts += [c.label for c in code_list.codes]
    texts += [p.label for p in template.profiles.values()]
    ruleset = ilo.load_ruleset()
    texts += list(ruleset.dimensions.values()) + [lst.label for lst in ruleset.lists.values()]
    texts += list(MESSAGES.values()) + list(EXPECTED.values()) + list(PRECISION_LABELS.values()) + list(ENGINE_TEXTS)
    return list(dict.fromkeys(t for t in texts if t))


@dataclass
class CheckReport:
    template: str
    version: str
    fields: int
    problems: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(self.missing.values())

    def summary(self) -> dict:
        return {
            "template": self.template, "version": self.version, "languages": list(i18n.LANGUAGES),
            "fields": self.fields, "missing_translations": sum(len(m) for m in self.missing.values()),
            "problems": self.problems,
        }

    def text(self) -> str:
        lines = [f"{self.template}@{self.version}: {self.fields} fields, {len(i18n.LANGUAGES)} languages"]
        lines += [f"problem: {p}" for p in self.problems]
        for language, texts in self.missing.items():
            if texts:
                lines.append(f"{language}: {len(texts)} untranslated")
                lines += [f"  {t}" for t in texts[:20]]
                if len(texts) > 20:
                    lines.append(f"  … and {len(texts) - 20} more")
        lines.append("ok" if self.ok else "incomplete")
        return "\n".join(lines)


def check(name: str = "trm-case-report", extra: list[str] = ()) -> CheckReport:
    """Load the newest version of ``name``, compare published digests, list missing translations
    (of the template's texts and of ``extra`` texts kept in the same catalogues, such as the
    workflow rules')."""
    try:
        template = load_template(name)
    except TemplateError as error:
        return CheckReport(name, "?", 0, problems=list(error.problems))
    report = CheckReport(template.name, template.version, len(template.leaf_fields()))
    report.problems += published_problems()
    texts = template_messages(template) + list(extra)
    report.missing = {language: i18n.missing(texts, language) for language in i18n.LANGUAGES}
    return report


def published_problems(published: Path = PUBLISHED) -> list[str]:
    """A published template file whose bytes no longer match the digest recorded when it was published."""
    recorded = yaml.safe_load(published.read_text(encoding="utf-8")) or {}
    problems = []
    for name, versions in recorded.items():
        for version, digest in (versions or {}).items():
            path = published.parent / name / f"{version}.yaml"
            if not path.exists() or file_digest(path) != digest:
                problems.append(f"{name}@{version} is published and must not change; make a new version instead")
    return problems


# --- maintaining the catalogues -------------------------------------------------------------------

def update_catalogues(template: Template | None = None, extra: list[str] = ()) -> dict[str, tuple[int, int]]:
    """Add every template message (and the ``extra`` texts) to template.pot and to each language's
    .po, keeping what is translated and dropping what is no longer said; return (total, missing)
    per language."""
    texts = list(dict.fromkeys(template_messages(template or load_template()) + list(extra)))
    pot = Catalog(project="trm", domain=i18n.DOMAIN)
    for text in texts:
        pot.add(text)
    _write(i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot", pot)
    counts = {}
    for language in i18n.LANGUAGES[1:]:
        path = i18n.po_path(language)
        old = _read(path)
        catalog = Catalog(locale=i18n.locale_dirname(language), project="trm", domain=i18n.DOMAIN)
        for text in texts:
            previous = old.get(text) if old else None
            catalog.add(text, previous.string if previous else "", flags=previous.flags if previous else ())
        _write(path, catalog)
        counts[language] = (len(texts), sum(1 for t in texts if not (old and old.get(t) and old.get(t).string)))
    i18n.catalogue.cache_clear()
    return counts


def _read(path: Path) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False, sort_output=False)
    path.write_bytes(buffer.getvalue())


# --- Serbian Cyrillic from Serbian Latin ----------------------------------------------------------

_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "Lj": "Љ", "Nj": "Њ", "Dž": "Џ", "LJ": "Љ", "NJ": "Њ", "DŽ": "Џ"}
_LETTERS = dict(zip(
    "abcčćdđefghijklmnoprsštuvzžABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽ",
    "абцчћдђефгхијклмнопрсштувзжАБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖ",
))


_PLACEHOLDER = re.compile(r"\{[^}]*\}|%\([^)]*\)[sd]|%[sd]")


def latin_to_cyrillic(text: str) -> str:
    """Serbian Latin (Gaj) to Cyrillic, one letter for one letter. Placeholders ({x}, %(x)s), Latin
    acronyms and codes (ILO, ISO, YYYY-MM-DD) and foreign letters are kept as they are."""
    out, i = [], 0
    while i < len(text):
        placeholder = _PLACEHOLDER.match(text, i)
        if placeholder:
            out.append(placeholder.group())
            i = placeholder.end()
            continue
        word_end = i
        while word_end < len(text) and (text[word_end].isalnum() or text[word_end] in "-_"):
            word_end += 1
        if word_end > i:
            word = text[i:word_end]
            out.append(word if _keep_latin(word) else _transliterate_word(word))
            i = word_end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _keep_latin(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return (len(letters) > 1 and all(c.isupper() for c in letters)) or any(c in "qwxyQWXY" for c in word)


def _transliterate_word(word: str) -> str:
    out, i = [], 0
    while i < len(word):
        pair = word[i:i + 2]
        if pair in _DIGRAPHS:
            out.append(_DIGRAPHS[pair])
            i += 2
        else:
            out.append(_LETTERS.get(word[i], word[i]))
            i += 1
    return "".join(out)


def write_serbian_cyrillic() -> int:
    source = _read(i18n.po_path("sr-Latn"))
    target_path = i18n.po_path("sr-Cyrl")
    target = Catalog(locale="sr_Cyrl", project="trm", domain=i18n.DOMAIN)
    written = 0
    for message in source or []:
        if not message.id:
            continue
        string = latin_to_cyrillic(message.string) if message.string else ""
        written += bool(string)
        target.add(message.id, string, flags=message.flags)
    _write(target_path, target)
    i18n.catalogue.cache_clear()
    return written
