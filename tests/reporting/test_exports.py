"""The template exported for other tools: JSON Schema 2020-12 and XLSForm (ODK, Kobo)."""
import json

import jsonschema
import openpyxl
from pyxform.xls2xform import convert

from trm import reporting
from trm.reporting.export import jsonschema as schema_export
from trm.reporting.export import xlsform

from ..conftest import TODAY


def test_the_json_schema_is_a_valid_2020_12_schema(template):
    schema = schema_export.export(template)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_an_independent_validator_accepts_elira_and_refuses_her_report_without_a_status(template, elira):
    validator = jsonschema.Draft202012Validator(schema_export.export(template))
    assert validator.is_valid(reporting.derive(template, elira, today=TODAY))
    del elira["data"]["overview"]["trafficking_status"]
    assert not validator.is_valid(reporting.derive(template, elira, today=TODAY))


def test_the_schema_says_a_labour_module_needs_labour_exploitation(template, elira):
    validator = jsonschema.Draft202012Validator(schema_export.export(template))
    elira["data"]["overview"]["exploitation_types"] = ["SEXUAL_EXPLOITATION"]
    elira["data"]["labour"] = {"hours_per_week": 70}
    assert not validator.is_valid(reporting.derive(template, elira, today=TODAY))


def test_odk_pyxform_converts_the_xlsform_without_error(template, tmp_path):
    path = tmp_path / "trm-case-report.xlsx"
    xlsform.export(template, path)
    result = convert(xlsform=str(path))
    assert "<h:title>TRM case report</h:title>" in result.xform
    assert 'name="identity__date_of_birth"' in result.xform or "identity__date_of_birth" in result.xform


def test_the_xlsform_has_labels_in_all_fifteen_languages(template, tmp_path):
    path = tmp_path / "form.xlsx"
    xlsform.export(template, path)
    header = [cell.value for cell in openpyxl.load_workbook(path)["survey"][1]]
    assert len([h for h in header if h and h.startswith("label::")]) == 15
    assert "label::Shqip (sq)" in header


def test_the_exported_schema_round_trips_as_json(template):
    assert json.loads(json.dumps(schema_export.export(template)))["title"] == "TRM case report"
