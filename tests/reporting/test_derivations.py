"""Derived values: ages with the benefit of the doubt, minority, duration band and the ILO result."""
from datetime import date

from trm import reporting

from ..conftest import TODAY


def _identity(template, report, today=TODAY):
    return reporting.derive(template, report, today=today)["data"]["identity"]


def test_a_birth_year_alone_gives_the_youngest_possible_age(template, elira):
    identity = _identity(template, elira)
    assert identity["age_at_identification"] == 16 and identity["is_minor_now"] is True


def test_doubt_about_age_makes_an_adult_by_papers_a_presumed_child(template, elira):
    elira["data"]["identity"].update(date_of_birth="2001-03-04", date_of_birth_precision="DAY", age_uncertain="YES")
    identity = _identity(template, elira)
    assert identity["is_minor_now"] is False and identity["presumed_minor"] is True


def test_a_derived_value_sent_in_is_replaced_by_the_computed_one(template, elira):
    elira["data"]["identity"]["is_minor_now"] = False
    assert _identity(template, elira)["is_minor_now"] is True


def test_the_duration_band_follows_ctdc(template, elira):
    elira["data"]["situation"]["exploitation"]["start_date"] = "2024-01"
    derived = reporting.derive(template, elira, today=TODAY)["data"]["situation"]["exploitation"]
    assert derived["duration_band"] == "M25_PLUS"


def test_the_ilo_assessment_is_computed_per_list_and_marked_advisory(template, elira):
    assessment = reporting.derive(template, elira, today=TODAY)["data"]["situation"]["ilo_assessments"][0]
    assert assessment["result"] == "CONSISTENT" and assessment["dimensions"] == ["D4"]
    assert template.code_lists["ilo_result"].label_of("CONSISTENT").endswith("(advisory)")


def test_the_ilo_result_for_an_adult_needs_more_than_exploitation(template, elira):
    elira["data"]["situation"]["ilo_assessments"][0]["list"] = "ADULT_LABOUR"
    assessment = reporting.derive(template, elira, today=TODAY)["data"]["situation"]["ilo_assessments"][0]
    assert assessment["result"] == "NOT_CONSISTENT"


def test_the_sexual_exploitation_lists_are_not_assessed_until_verified(template, elira):
    elira["data"]["situation"]["ilo_assessments"][0]["list"] = "CHILD_SEXUAL"
    assessment = reporting.derive(template, elira, today=TODAY)["data"]["situation"]["ilo_assessments"][0]
    assert assessment["result"] == "NOT_ASSESSED"


def test_deriving_leaves_the_given_report_unchanged(template, elira):
    before = repr(elira)
    reporting.derive(template, elira, today=date(2030, 1, 1))
    assert repr(elira) == before


def test_not_knowing_whether_the_age_is_in_doubt_without_a_birth_date_presumes_a_child(template, elira):
    del elira["data"]["identity"]["date_of_birth"], elira["data"]["identity"]["date_of_birth_precision"]
    elira["data"]["identity"]["age_uncertain"] = "UNKNOWN"
    assert _identity(template, elira)["presumed_minor"] is True


def test_an_adult_by_a_full_birth_date_is_not_presumed_a_child_when_doubt_is_unknown(template, elira):
    elira["data"]["identity"].update(date_of_birth="1990-04-02", date_of_birth_precision="DAY", age_uncertain="UNKNOWN")
    assert _identity(template, elira)["presumed_minor"] is False
