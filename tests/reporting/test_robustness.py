"""Bad input gets a clear error and changes nothing: never an exception from the engine, never a
field that leaves where it should not."""
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trm import reporting

from .reports import TODAY, leaf_paths, valid_reports
from .test_cli import trm

TEMPLATE = reporting.load_template()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
SECTION_KEYS = st.sampled_from([s.key for s in TEMPLATE.sections] + ["nope"])
FIELD_KEYS = st.sampled_from(sorted({p.split(".")[1] for p in TEMPLATE.fields}) + ["nope"])
JUNK_DATA = st.dictionaries(SECTION_KEYS, JSON | st.dictionaries(FIELD_KEYS, JSON, max_size=4), max_size=4)
RELAXED = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def _report(data):
    return {"template": TEMPLATE.name, "version": TEMPLATE.version, "language": "en", "data": data}


@RELAXED
@given(JUNK_DATA)
def test_any_json_gets_errors_or_a_result_never_an_exception(data):
    report = _report(data)
    reporting.validate(TEMPLATE, report, today=TODAY)
    reporting.applicable(TEMPLATE, report, today=TODAY)
    reporting.render(TEMPLATE, report, "sq", today=TODAY)
    reporting.derive(TEMPLATE, report, today=TODAY)
    reporting.diff(report, _report({}))
    for profile in ("CASE_NOTIFICATION", "FAMILY_TRACING_RESPONSE"):
        reporting.project(TEMPLATE, report, profile, today=TODAY)
        reporting.validate(TEMPLATE, report, today=TODAY, profile=profile)


@RELAXED
@given(JUNK_DATA, st.sampled_from(sorted(TEMPLATE.profiles)))
def test_a_projection_of_any_json_carries_only_plain_values_of_its_profile(data, profile):
    message = reporting.project(TEMPLATE, _report(data), profile, today=TODAY)
    for path in leaf_paths(message["data"]):
        assert path in TEMPLATE.profiles[profile].field_paths


@pytest.mark.parametrize("report", [None, [], "template", 5, {"data": []}, {"template": "x"}])
def test_something_that_is_not_a_report_is_refused_clearly(report):
    assert [e.code for e in reporting.validate(TEMPLATE, report)] == ["invalid_report"]
    with pytest.raises(reporting.NotAReport):
        reporting.project(TEMPLATE, report, "ACK")


ENVELOPE = {"message_id": "5f0c6a52-8f3e-4c1a-9d8e-2b7c1e0a4f11", "in_reply_to": "0b5d3c1e-7a2f-4e6b-8c9d-1a2b3c4d5e6f", "sender": {"country": "IT", "organisation": "NGO"},
            "recipients": [{"country": "AL", "organisation": "NCP"}], "sent_at": "2026-12-03T10:00:00Z",
            "schema_version": "trm-case-report@1.0"}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(valid_reports(TEMPLATE), st.sampled_from(sorted(TEMPLATE.profiles)))
def test_every_message_projected_from_a_valid_report_is_valid_for_its_type(report, profile):
    message = reporting.project(TEMPLATE, report, profile, today=TODAY)
    message["data"]["envelope"] = {**ENVELOPE, "message_type": profile}
    assert [e.as_dict() for e in reporting.validate(TEMPLATE, message, today=TODAY, profile=profile)] == []


def test_a_childs_notification_keeps_her_child_safeguards_at_the_receiver(elira):
    elira["data"]["identity"].update(date_of_birth="2007", age_uncertain="YES")
    message = reporting.project(TEMPLATE, elira, "CASE_NOTIFICATION", today=TODAY)
    assert message["data"]["identity"]["presumed_minor"] is True and "age_uncertain" not in message["data"]["identity"]
    message["data"]["envelope"] = {**ENVELOPE, "message_type": "CASE_NOTIFICATION"}
    assert reporting.validate(TEMPLATE, message, today=TODAY, profile="CASE_NOTIFICATION") == []
    received = reporting.derive(TEMPLATE, message, today=TODAY, profile="CASE_NOTIFICATION")
    assert received["data"]["identity"]["presumed_minor"] is True


def test_a_message_whose_envelope_names_another_type_is_refused(elira):
    message = reporting.project(TEMPLATE, elira, "CASE_NOTIFICATION", today=TODAY)
    message["data"]["envelope"] = {**ENVELOPE, "message_type": "FAMILY_TRACING_RESPONSE"}
    errors = reporting.validate(TEMPLATE, message, today=TODAY, profile="CASE_NOTIFICATION")
    assert ("envelope.message_type", "invalid_code") in [(e.path, e.code) for e in errors]


def test_a_notification_with_two_identity_documents_is_refused(elira):
    elira["data"]["identity"]["id_documents"] = [{"type": "PASSPORT"}, {"type": "BIRTH_CERT"}]
    message = reporting.project(TEMPLATE, elira, "CASE_NOTIFICATION", today=TODAY)
    message["data"]["identity"]["id_documents"].append({"type": "BIRTH_CERT"})
    message["data"]["envelope"] = {**ENVELOPE, "message_type": "CASE_NOTIFICATION"}
    errors = reporting.validate(TEMPLATE, message, today=TODAY, profile="CASE_NOTIFICATION")
    assert ("identity.id_documents", "too_many_items") in [(e.path, e.code) for e in errors]


def test_a_value_of_the_wrong_shape_never_leaves_in_a_message(elira):
    elira["data"]["identity"]["names"][0]["value_original"] = {"contact": {"address": "Via Roma 1"}}
    elira["data"]["identity"]["names.value_original"] = "smuggled"
    message = reporting.project(TEMPLATE, elira, "CASE_NOTIFICATION", today=TODAY)
    assert "Via Roma" not in json.dumps(message) and "smuggled" not in json.dumps(message)


def test_child_data_left_on_an_adult_case_does_not_leave(elira):
    elira["data"]["identity"].update(date_of_birth="1990-04-02", date_of_birth_precision="DAY", age_uncertain="NO")
    message = reporting.project(TEMPLATE, elira, "CASE_NOTIFICATION", today=TODAY)
    assert "child" not in message["data"]


def test_a_language_that_is_not_a_language_is_refused_and_not_carried(elira):
    elira["language"] = {"child_whereabouts": "Via Roma 1"}
    assert [e.code for e in reporting.validate(TEMPLATE, elira, today=TODAY)] == ["invalid_code"]
    with pytest.raises(reporting.NotAReport):
        reporting.project(TEMPLATE, elira, "ACK", today=TODAY)


@pytest.mark.parametrize("value", ["2001\n", "٢٠٠١", "２００１-０１-０１"])
def test_dates_are_written_with_ascii_digits_only(elira, value):
    elira["data"]["overview"]["first_contact_date"] = value
    assert ("overview.first_contact_date", "invalid_date") in [(e.path, e.code) for e in reporting.validate(TEMPLATE, elira, today=TODAY)]


def test_an_error_never_echoes_a_long_input(elira):
    elira["version"] = "Elira Hoxha, born 2009 in Elbasan, " * 10
    message = reporting.validate(TEMPLATE, elira, today=TODAY)[0].message()
    assert len(message) < 160


def test_an_unknown_message_type_is_refused_by_validation(elira):
    with pytest.raises(reporting.UnknownProfile):
        reporting.validate(TEMPLATE, elira, profile="GOSSIP")


def test_the_cli_never_loads_a_template_from_a_path_in_the_report(tmp_path, elira):
    elira["template"] = "../../../../../../tmp/evil"
    path = tmp_path / "case.json"
    path.write_text(json.dumps(elira))
    result = trm("case", "validate", str(path))
    assert result.returncode == 1 and json.loads(result.stdout)["errors"][0]["code"] == "unknown_template"


def test_the_cli_answers_deeply_nested_json_with_an_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = trm("case", "validate", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_a_template_of_malformed_structure_is_refused_not_crashed():
    for raw in ({"template": "x", "version": "1.0", "label": "x", "sections": ["a string"]},
                {"template": "x", "version": "1.0", "label": "x", "sections": [{"key": "s", "label": "S", "fields": "oops"}]},
                {"template": "x", "version": "1.0", "label": "x", "sections": [], "profiles": ["CASE_NOTIFICATION"]},
                {"template": "x", "version": "1.0", "label": "x", "sections": [{"key": "s", "label": "S", "sensitivity": "CASE",
                 "fields": [{"key": "a", "type": "integer", "label": "A", "min": "5"}]}]}):
        with pytest.raises(reporting.TemplateError):
            reporting.load.build(copy.deepcopy(raw))
