"""Consents recorded and withdrawn; what each role may see of a case."""
import pytest

pytestmark = pytest.mark.django_db

GUARDIAN_CONSENT = {"scope": "FAMILY_CONTACT", "purpose": "Contact the family in Elbasan", "given_by": "GUARDIAN",
                    "child_views_recorded": True, "informed_language": "sq", "interpreter_used": True, "date": "2026-11-25"}


@pytest.fixture
def case_id(api, people, elira):
    elira["data"]["child"]["family_tracing"] = {"in_best_interests": True, "status": "IN_PROGRESS"}
    elira["data"]["identity"]["health_disability_notes"] = "Injured hand"
    response = api(people["giulia"], "post", "/api/v1/cases", elira)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_consent_is_recorded_with_who_gave_it_and_the_language(api, people, case_id):
    consents = api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents", GUARDIAN_CONSENT).json()
    assert consents[-1]["given_by"] == "GUARDIAN" and consents[-1]["informed_language"] == "sq" and len(consents) == 2


def test_a_consent_without_its_scope_is_refused_with_the_field_named(api, people, case_id):
    response = api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents", {**GUARDIAN_CONSENT, "scope": None})
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "consent.consents[1].scope"


def test_a_withdrawal_is_recorded_and_shown_on_the_timeline(api, people, case_id):
    consents = api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/0/withdraw", {"on": "2026-12-01"}).json()["consents"]
    assert consents[0]["withdrawn_date"] == "2026-12-01"
    from trm.cases.models import CaseEvent
    assert CaseEvent.objects.filter(case_id=case_id).last().kind == "CONSENT_WITHDRAWN"


def test_withdrawing_a_consent_that_does_not_exist_changes_nothing(api, people, case_id):
    response = api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/7/withdraw", {})
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "not_found"


def test_the_national_contact_point_sees_neither_the_childs_family_tracing_nor_health(api, people, case_id):
    report = api(people["paola"], "get", f"/api/v1/cases/{case_id}").json()["report"]
    assert "family_tracing" not in report["data"]["child"] and "health_disability_notes" not in report["data"]["identity"]
    assert report["data"]["identity"]["names"][0]["value_original"] == "Elira"


def test_the_caseworker_sees_the_whole_case(api, people, case_id):
    report = api(people["giulia"], "get", f"/api/v1/cases/{case_id}").json()["report"]
    assert report["data"]["child"]["family_tracing"]["status"] == "IN_PROGRESS"


def test_an_edit_by_the_contact_point_keeps_what_it_could_not_see(api, people, case_id):
    assert api(people["paola"], "patch", f"/api/v1/cases/{case_id}", {"data": {"overview": {"stage": "FIRST_ASSISTANCE"}}}).status_code == 200
    report = api(people["giulia"], "get", f"/api/v1/cases/{case_id}").json()["report"]
    assert report["data"]["child"]["family_tracing"]["status"] == "IN_PROGRESS"
    assert report["data"]["identity"]["health_disability_notes"] == "Injured hand"
