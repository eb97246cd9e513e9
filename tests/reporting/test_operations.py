"""What the engine does with a report besides validating it: which parts apply, what leaves in a
message, how it reads in another language, what changed, and how it moves to a new version."""
import copy
from datetime import date
from pathlib import Path

import pytest

from trm import reporting

from ..conftest import TODAY

FIXTURES = Path(__file__).parent / "fixtures" / "mini"


def test_doubt_about_age_switches_the_child_module_on(template, elira):
    elira["data"]["identity"].update(date_of_birth="1999", age_uncertain="YES")
    assert reporting.applicable(template, elira, today=TODAY)["child"] is True
    elira["data"]["identity"]["age_uncertain"] = "NO"
    assert reporting.applicable(template, elira, today=TODAY)["child"] is False


def test_labour_exploitation_switches_the_labour_module_on(template, elira):
    assert reporting.applicable(template, elira, today=TODAY)["labour"] is True
    elira["data"]["overview"]["exploitation_types"] = ["SEXUAL_EXPLOITATION"]
    assert reporting.applicable(template, elira, today=TODAY)["labour"] is False


def test_a_child_case_keeps_its_child_module_after_the_eighteenth_birthday(template, elira):
    elira["data"]["identity"]["age_uncertain"] = "NO"
    assert reporting.validate(template, elira, today=date(2029, 6, 1)) == []


def test_the_notification_carries_her_name_and_birth_date_but_not_her_italian_address(template, elira):
    message = reporting.project(template, elira, "CASE_NOTIFICATION", today=TODAY)
    identity = message["data"]["identity"]
    assert identity["names"][0]["value_original"] == "Elira" and identity["date_of_birth"] == "2009"
    assert "contact" not in identity and "situation" not in message["data"]


ENVELOPE = {
    "message_id": "5f0c6a52-8f3e-4c1a-9d8e-2b7c1e0a4f11", "message_type": "CASE_NOTIFICATION",
    "sender": {"country": "IT", "organisation": "On the Road, Apulia"},
    "recipients": [{"country": "AL", "organisation": "National contact point of Albania"}],
    "sent_at": "2026-12-03T10:00:00Z", "schema_version": "trm-case-report@1.0",
}


def _notification(template, report):
    message = reporting.project(template, report, "CASE_NOTIFICATION", today=TODAY)
    message["data"]["envelope"] = dict(ENVELOPE)
    return message


def test_a_projected_report_with_its_envelope_is_a_valid_message_of_its_type(template, elira):
    message = _notification(template, elira)
    assert reporting.validate(template, message, today=TODAY, profile="CASE_NOTIFICATION") == []


def test_a_message_without_its_envelope_is_refused(template, elira):
    message = reporting.project(template, elira, "CASE_NOTIFICATION", today=TODAY)
    errors = reporting.validate(template, message, today=TODAY, profile="CASE_NOTIFICATION")
    assert ("envelope.message_id", "required") in [(e.path, e.code) for e in errors]


def test_a_message_holding_more_than_its_type_may_carry_is_refused(template, elira):
    message = _notification(template, elira)
    message["data"]["identity"]["contact"] = {"locality": "Foggia"}
    errors = reporting.validate(template, message, today=TODAY, profile="CASE_NOTIFICATION")
    assert [(e.path, e.code) for e in errors] == [("identity.contact", "not_in_profile")]


def test_the_notification_carries_one_identity_document_at_most(template, elira):
    elira["data"]["identity"]["id_documents"] = [{"type": "PASSPORT", "number": "BA1234567"}, {"type": "BIRTH_CERT"}]
    message = reporting.project(template, elira, "CASE_NOTIFICATION", today=TODAY)
    assert message["data"]["identity"]["id_documents"] == [{"type": "PASSPORT", "number": "BA1234567"}]


def test_an_unknown_message_type_cannot_be_projected(template, elira):
    with pytest.raises(reporting.UnknownProfile):
        reporting.project(template, elira, "GOSSIP")


def test_the_report_reads_in_albanian_with_codes_and_countries_translated(template, elira):
    rendered = reporting.render(template, elira, "sq", today=TODAY)
    overview = next(s for s in rendered["sections"] if s["key"] == "overview")
    countries = next(f for f in overview["fields"] if f["key"] == "countries")
    assert countries["items"][0][0]["display"] == "Shqipëri"
    assert overview["label"] == reporting.i18n.gettext("Case overview", "sq")


def test_free_text_is_marked_with_the_language_it_was_written_in(template, elira):
    rendered = reporting.render(template, elira, "sq", today=TODAY, answered_only=True)
    consent = next(s for s in rendered["sections"] if s["key"] == "consent")
    purpose = next(f for f in consent["fields"][0]["items"][0] if f["key"] == "purpose")
    assert purpose["display"] == "Identity verification and family assessment" and purpose["text_language"] == "it"


def test_kosovo_is_shown_with_its_asterisk(template, elira):
    elira["data"]["identity"]["citizenships"] = ["XK"]
    assert reporting.display_value(template, template.fields["identity.citizenships"], ["XK"], "en") == "Kosovo*"


def test_rendering_in_an_unknown_language_is_refused(template, elira):
    with pytest.raises(ValueError):
        reporting.render(template, elira, "xx")


def test_the_diff_names_each_changed_field(template, elira):
    before = copy.deepcopy(elira)
    elira["data"]["overview"]["trafficking_status"] = "IDENTIFIED_FORMAL"
    elira["data"]["identity"]["names"][1]["value_original"] = "Hoxhaj"
    changes = {c.path: c.as_dict() for c in reporting.diff(elira, before)}
    assert set(changes) >= {"overview.trafficking_status", "identity.names[1].value_original"}
    assert changes["identity.names[1].value_original"]["old"] == "Hoxhaj"


def test_an_unchanged_report_has_no_differences(elira):
    assert reporting.diff(elira, elira) == []


def test_a_report_moves_to_the_next_version_as_declared():
    old_template = reporting.load_file(FIXTURES / "1.0.yaml")
    new_template = reporting.load_file(FIXTURES / "1.1.yaml")
    report = {"template": "mini", "version": "1.0", "data": {
        "case": {"status": "OPEN", "kinds": ["LABOUR", "SEXUAL"]},
        "person": {"names": [{"value": "Ana"}], "whereabouts": "secret"},
        "labour": {"hours": 60},
    }}
    assert reporting.validate(old_template, report, today=TODAY) == []
    moved = reporting.migrate(report, new_template, previous=lambda v: old_template)
    assert moved["version"] == "1.1" and reporting.validate(new_template, moved, today=TODAY) == []
    assert moved["data"]["person"] == {"names": [{"value_original": "Ana"}]}
    assert moved["data"]["case"]["kinds"] == ["LABOUR", "SEXUAL_EXPLOITATION"] and moved["data"]["labour"] == {"hours_per_week": 60}
    assert report["data"]["labour"] == {"hours": 60}, "the original report is left as it was"


def test_a_report_of_an_older_version_must_be_migrated_before_it_validates(template, elira):
    elira["version"] = "0.9"
    assert [e.code for e in reporting.validate(template, elira)] == ["wrong_version"]
