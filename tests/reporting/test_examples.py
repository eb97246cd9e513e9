"""Example folders: a report in, the expected field-level errors out (DOMAIN §6.1)."""
import json
from datetime import date

import pytest

from trm import reporting

from ..conftest import EXAMPLES

CASES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "report.json").exists())


def test_there_are_examples_of_valid_and_invalid_reports():
    expected = [json.loads((EXAMPLES / c / "expected.json").read_text()) for c in CASES]
    assert any(e["errors"] for e in expected) and any(not e["errors"] for e in expected)


@pytest.mark.parametrize("case", CASES)
def test_example_gives_exactly_the_expected_errors(template, case):
    report = json.loads((EXAMPLES / case / "report.json").read_text())
    expected = json.loads((EXAMPLES / case / "expected.json").read_text())
    errors = reporting.validate(template, report, today=date.fromisoformat(expected["today"]))
    assert [{"path": e.path, "code": e.code} for e in errors] == expected["errors"]
