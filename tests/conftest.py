"""Shared fixtures: the case-report template and the reference report of story 1 (Elira)."""
import copy
import json
from datetime import date
from pathlib import Path

import pytest

from trm import reporting

EXAMPLES = Path(__file__).parent / "reporting" / "examples"
TODAY = date(2026, 12, 3)


@pytest.fixture(scope="session")
def template():
    return reporting.load_template()


@pytest.fixture
def elira():
    """Story 1: a 17-year-old (age uncertain) Albanian girl in agricultural labour in Apulia."""
    return copy.deepcopy(json.loads((EXAMPLES / "elira-valid" / "report.json").read_text()))
