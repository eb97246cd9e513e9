"""The ``trm`` console script's reporting commands, run as a user runs them."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import EXAMPLES

TRM = [str(Path(sys.executable).with_name("trm"))]


def trm(*args, cwd=None):
    return subprocess.run(TRM + list(args), capture_output=True, text=True, cwd=cwd, timeout=120)


def test_template_check_reports_the_template_languages_fields_and_missing_translations_as_json():
    result = trm("template", "check", "--json")
    summary = json.loads(result.stdout)
    assert summary["template"] == "trm-case-report" and summary["version"] == "1.0"
    assert summary["languages"][:2] == ["en", "sq"] and len(summary["languages"]) == 15
    assert summary["fields"] > 250 and isinstance(summary["missing_translations"], int)
    assert result.returncode == (0 if summary["missing_translations"] == 0 and not summary["problems"] else 1)


def test_a_valid_case_file_exits_zero():
    result = trm("case", "validate", str(EXAMPLES / "elira-valid" / "report.json"))
    assert result.returncode == 0 and json.loads(result.stdout)["valid"] is True


def test_an_invalid_case_file_exits_one_with_the_errors_as_json_in_the_chosen_language():
    result = trm("case", "validate", str(EXAMPLES / "missing-required-status" / "report.json"), "--lang", "sq")
    errors = json.loads(result.stdout)["errors"]
    assert result.returncode == 1
    assert errors[0]["path"] == "overview.trafficking_status" and errors[0]["code"] == "required"


def test_a_file_that_is_not_json_exits_one_with_a_clear_error(tmp_path):
    bad = tmp_path / "case.json"
    bad.write_text("{not json")
    result = trm("case", "validate", str(bad))
    assert result.returncode == 1 and json.loads(result.stdout)["errors"][0]["code"] == "unreadable"
    assert "Traceback" not in result.stderr


def test_ilo_assess_prints_dimensions_and_an_advisory_result():
    result = trm("ilo", "assess", "--list", "ADULT_LABOUR", "--present", "DR01,DR02,EX01,EX04,CD01,CD02", "--json")
    assert json.loads(result.stdout) == {
        "list": "ADULT_LABOUR",
        "dimensions": {"D1": True, "D2": False, "D3": False, "D4": True, "D5": True, "D6": False},
        "result": "CONSISTENT",
    }


def test_ilo_assess_refuses_an_indicator_that_is_not_on_the_list():
    result = trm("ilo", "assess", "--list", "CHILD_LABOUR", "--present", "RV07")
    assert result.returncode == 2 and "RV07" in result.stderr and "Traceback" not in result.stderr


def test_ilo_assess_does_not_assess_an_unverified_sexual_exploitation_list():
    result = trm("ilo", "assess", "--list", "ADULT_SEXUAL", "--present", "DR01", "--json")
    assert json.loads(result.stdout)["result"] == "NOT_ASSESSED"


def test_the_json_schema_export_goes_to_a_file(tmp_path):
    out = tmp_path / "schema.json"
    assert trm("template", "export", "--format", "jsonschema", "-o", str(out)).returncode == 0
    assert json.loads(out.read_text())["$id"] == "urn:trm:template:trm-case-report:1.0"


def test_the_xlsform_export_needs_a_file_name():
    result = trm("template", "export", "--format", "xlsform")
    assert result.returncode == 2 and "-o FILE.xlsx" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["template", "--help"], ["case", "validate", "--help"]])
def test_help_is_available_for_every_level(args):
    assert trm(*args).returncode == 0


def test_case_check_names_the_missing_reflection_period_and_exits_one():
    result = trm("case", "check", str(EXAMPLES / "elira-valid" / "report.json"), "--at", "2026-12-03", "--json")
    rules = {r["id"]: r for r in json.loads(result.stdout)["rules"]}
    assert result.returncode == 1 and rules["R-REFL-30"]["status"] == "FAIL"
    assert rules["R-MINOR-PRESUME"]["status"] == "PASS"


def test_case_check_speaks_the_language_asked_for():
    from trm.reporting.i18n import gettext
    result = trm("case", "check", str(EXAMPLES / "elira-valid" / "report.json"), "--at", "2026-12-03", "--json", "--lang", "sq")
    rules = {r["id"]: r for r in json.loads(result.stdout)["rules"]}
    english = "A reflection period of at least 30 days from reasonable grounds, with no removal while it runs"
    assert rules["R-REFL-30"]["title"] == gettext(english, "sq") != english
