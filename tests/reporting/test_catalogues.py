"""Every label in every language, Serbian Cyrillic by rule, published versions frozen, no Django."""
import ast
import shutil
from pathlib import Path

import pytest
import yaml

from trm.reporting import catalogue_check, i18n

ENGINE = Path(catalogue_check.__file__).parent


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_every_template_and_rule_message_is_translated(template, language):
    from trm.workflow.rules import messages
    missing = i18n.missing(catalogue_check.template_messages(template) + messages(), language)
    assert missing == [], f"{len(missing)} untranslated in {language}, e.g. {missing[:3]}"


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_translations_keep_every_placeholder(language):
    import re
    for msgid, msgstr in i18n.catalogue(language).items():
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", msgstr)), msgid


def test_serbian_cyrillic_is_serbian_latin_transliterated():
    latin, cyrillic = i18n.catalogue("sr-Latn"), i18n.catalogue("sr-Cyrl")
    assert latin and {k: catalogue_check.latin_to_cyrillic(v) for k, v in latin.items()} == cyrillic


def test_transliteration_follows_gaj_letter_for_letter_and_keeps_placeholders_and_acronyms():
    assert catalogue_check.latin_to_cyrillic("Džemajl Ljubić, {min} ILO") == "Џемајл Љубић, {min} ILO"


def test_the_case_report_1_0_is_published_and_unchanged():
    assert "1.0" in yaml.safe_load(catalogue_check.PUBLISHED.read_text())["trm-case-report"]
    assert catalogue_check.published_problems() == []


def test_a_change_to_a_published_template_is_caught(tmp_path):
    shutil.copytree(catalogue_check.DEFINITIONS, tmp_path / "definitions")
    copy = tmp_path / "definitions" / "trm-case-report" / "1.0.yaml"
    copy.write_text(copy.read_text().replace("label: TRM case report", "label: TRM case report (edited)", 1))
    problems = catalogue_check.published_problems(tmp_path / "definitions" / "published.yaml")
    assert problems == ["trm-case-report@1.0 is published and must not change; make a new version instead"]


def test_the_engine_imports_nothing_from_django():
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not any(name.split(".")[0] == "django" for name in names), path
