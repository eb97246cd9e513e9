"""Properties over generated reports: valid ones validate, projections stay in their profile, and
the exported JSON Schema agrees with the engine."""
import copy

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trm import reporting
from trm.reporting.export import jsonschema as schema_export

from .reports import TODAY, leaf_paths, valid_reports

TEMPLATE = reporting.load_template()
SCHEMA = jsonschema.Draft202012Validator(schema_export.export(TEMPLATE))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(valid_reports(TEMPLATE))
def test_a_generated_valid_report_always_validates(report):
    assert [e.as_dict() for e in reporting.validate(TEMPLATE, report, today=TODAY)] == []


@SETTINGS
@given(valid_reports(TEMPLATE), st.sampled_from(sorted(TEMPLATE.profiles)))
def test_a_projected_report_never_holds_a_field_outside_its_profile(report, profile):
    message = reporting.project(TEMPLATE, report, profile, today=TODAY)
    assert set(leaf_paths(message["data"])) <= TEMPLATE.profiles[profile].field_paths


@SETTINGS
@given(valid_reports(TEMPLATE))
def test_the_json_schema_accepts_every_report_the_engine_accepts(report):
    derived = reporting.derive(TEMPLATE, report, today=TODAY)
    assert list(SCHEMA.iter_errors(derived)) == []


MUTATIONS = [
    ("overview", "case_type", "NOT_A_CODE"),
    ("overview", "first_contact_date", "03/12/2026"),
    ("identity", "citizenships", ["ZZZ"]),
    ("identity", "number_of_children", "many"),
    ("overview", "unexpected", "value"),
    ("overview", "trafficking_status", None),
]


@SETTINGS
@given(valid_reports(TEMPLATE), st.sampled_from(MUTATIONS))
def test_the_json_schema_and_the_engine_both_refuse_a_broken_report(report, mutation):
    section, key, value = mutation
    broken = copy.deepcopy(report)
    broken["data"].setdefault(section, {})[key] = value
    assert reporting.validate(TEMPLATE, broken, today=TODAY) != []
    assert not SCHEMA.is_valid(reporting.derive(TEMPLATE, broken, today=TODAY))
