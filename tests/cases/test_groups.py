"""A labour group case (DOMAIN §6.6): three workers of two nationalities found on one farm, each
with a case of their own; the employer entered once and applied to all; the back-pay estimate of
each and of the group; the labour inspectors' intake form."""
import json
import re

import pytest

from trm.audit.models import AuditEntry
from trm.cases.models import Case

from ..workflow.test_rules import group_case

pytestmark = pytest.mark.django_db

WAGES = {"promised_amount": 1200, "actual_amount": 400, "currency": "EUR", "period": "MONTH"}


@pytest.fixture
def workers(api, people):
    ids = []
    for report in group_case():  # Ionuț and Mihai from Romania, Vasile from Moldova
        report["data"]["situation"]["exploitation"] = {"start_date": "2026-05-01", "end_date": "2026-09-30"}
        report["data"]["labour"]["wages"] = WAGES
        response = api(people["giulia"], "post", "/api/v1/cases", report)
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return ids


def test_the_group_lists_three_workers_of_two_nationalities_with_their_back_pay(api, people, workers):
    group = api(people["giulia"], "get", f"/api/v1/cases/{workers[2]}/group").json()
    assert sorted(w["id"] for w in group["workers"]) == sorted(workers)
    assert group["nationalities"] == {"RO": 2, "MD": 1}
    assert [w["back_pay"]["total"] for w in group["workers"]] == ["4000.00"] * 3
    assert group["back_pay"] == {"EUR": "12000.00"}
    assert all(w["shares_employer_data"] for w in group["workers"])


def test_the_group_reference_stays_in_the_vault(workers):
    case = Case.objects.get(pk=workers[0])
    stored = json.dumps(case.data) + json.dumps(list(Case.objects.filter(pk=case.pk).values())[0], default=str)
    assert "IT-FG-2026-017" not in stored and re.fullmatch(r"[0-9a-f]{64}", case.group_key)
    assert len({c.group_key for c in Case.objects.filter(pk__in=workers)}) == 1


def test_each_workers_report_read_for_the_group_page_is_audited(api, people, workers):
    before = AuditEntry.objects.filter(action="case.read_identity", detail__purpose="group").count()
    api(people["giulia"], "get", f"/api/v1/cases/{workers[0]}/group")
    reads = AuditEntry.objects.filter(action="case.read_identity", detail__purpose="group")[before:]
    assert sorted(int(e.object_id) for e in reads) == sorted(workers)


def test_employer_data_entered_on_one_worker_is_applied_to_the_whole_group(api, people, workers):
    employer = {"name": "Azienda Agricola Tavoliere S.r.l.", "country": "IT", "sector": "A", "legal_person": True,
                "registration_no": "FG-123456"}
    changed = api(people["giulia"], "patch", f"/api/v1/cases/{workers[0]}", {"data": {"labour": {"employer": employer}}})
    assert changed.status_code == 200, changed.content
    group = api(people["giulia"], "get", f"/api/v1/cases/{workers[0]}/group").json()
    assert [w["shares_employer_data"] for w in group["workers"] if w["id"] != workers[0]] == [False, False]

    shared = api(people["giulia"], "post", f"/api/v1/cases/{workers[0]}/group/share", {})
    assert shared.status_code == 200 and sorted(shared.json()["changed"]) == sorted(workers[1:])
    for case_id in workers[1:]:
        report = api(people["giulia"], "get", f"/api/v1/cases/{case_id}").json()["report"]
        assert report["data"]["labour"]["employer"] == employer
        assert report["data"]["identity"]["citizenships"] in (["RO"], ["MD"])  # each keeps their own record
    assert AuditEntry.objects.filter(action="case.group_share").count() == 1
    again = api(people["giulia"], "post", f"/api/v1/cases/{workers[0]}/group/share", {})
    assert again.json()["changed"] == []


def test_applying_replaces_the_employer_whole_rather_than_merging(api, people, workers):
    """A field only another worker's employer record had does not survive, and the group reads the same."""
    api(people["giulia"], "patch", f"/api/v1/cases/{workers[1]}",
        {"data": {"labour": {"employer": {"name": "Old name", "size": "MICRO"}}}})
    shared = api(people["giulia"], "post", f"/api/v1/cases/{workers[0]}/group/share", {})
    assert shared.json()["changed"] == [workers[1]]
    employer = api(people["giulia"], "get", f"/api/v1/cases/{workers[1]}").json()["report"]["data"]["labour"]["employer"]
    assert employer == {"name": "Azienda Agricola Tavoliere", "country": "IT", "sector": "A"}
    group = api(people["giulia"], "get", f"/api/v1/cases/{workers[0]}/group").json()
    assert all(w["shares_employer_data"] for w in group["workers"])


def test_a_case_without_employer_data_cannot_erase_the_groups(api, people, client, workers):
    bare = api(people["giulia"], "patch", f"/api/v1/cases/{workers[2]}", {"data": {"labour": {"employer": None,
                                                                                              "labour_inspection": None}}})
    assert bare.status_code == 200, bare.content
    report = api(people["giulia"], "get", f"/api/v1/cases/{workers[2]}").json()["report"]
    for key in ("employer", "labour_inspection", "recruitment_agency"):
        assert key not in report["data"]["labour"]
    refused = api(people["giulia"], "post", f"/api/v1/cases/{workers[2]}/group/share", {})
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "nothing_to_share"
    client.force_login(people["giulia"].user)
    page = client.post(f"/cases/{workers[2]}/group/share", follow=True).content.decode()
    assert "There is no employer data on this case" in page
    employer = api(people["giulia"], "get", f"/api/v1/cases/{workers[0]}").json()["report"]["data"]["labour"]["employer"]
    assert employer["name"] == "Azienda Agricola Tavoliere"


@pytest.mark.parametrize("applied", ["abc", "1.5", "-1", "99999999"])
def test_an_odd_applied_count_in_the_address_is_ignored(client, people, workers, applied):
    client.force_login(people["giulia"].user)
    response = client.get(f"/cases/{workers[0]}/group?applied={applied}")
    assert response.status_code == 200 and 'role="status"' not in response.content.decode()


def test_another_organisation_sees_no_group(api, people, workers):
    response = api(people["arben"], "get", f"/api/v1/cases/{workers[0]}/group")
    assert response.status_code == 404
    assert api(people["arben"], "post", f"/api/v1/cases/{workers[0]}/group/share", {}).status_code == 404


def test_a_case_outside_any_group_says_so(api, people, elira):
    case_id = api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]
    for method, url in (("get", "group"), ("post", "group/share")):
        response = api(people["giulia"], method, f"/api/v1/cases/{case_id}/{url}", {} if method == "post" else None)
        assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_in_group"


def test_a_single_case_has_its_back_pay_estimate(api, people, workers):
    estimate = api(people["giulia"], "get", f"/api/v1/cases/{workers[0]}/back-pay", language="it").json()
    assert (estimate["monthly"], estimate["months"], estimate["total"]) == ("800.00", "5.0", "4000.00")
    assert estimate["notes"][-1]["code"] == "floor"


def test_the_group_page_shows_nationalities_and_totals_in_the_readers_language(client, people, workers):
    client.force_login(people["giulia"].user)
    page = client.get(f"/cases/{workers[0]}/group", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Romania: 2" in page and "Moldavia: 1" in page and "12.000,00 EUR" in page
    detail = client.get(f"/cases/{workers[0]}/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert 'id="back-pay"' in detail and "4.000,00 EUR" in detail and f"/cases/{workers[0]}/group" in detail


def test_the_group_page_applies_the_employer_data(client, api, people, workers):
    api(people["giulia"], "patch", f"/api/v1/cases/{workers[1]}", {"data": {"labour": {"employer": {"name": "Other"}}}})
    client.force_login(people["giulia"].user)
    response = client.post(f"/cases/{workers[0]}/group/share")
    assert response.status_code == 302 and response["Location"].endswith("applied=1")
    report = api(people["giulia"], "get", f"/api/v1/cases/{workers[1]}").json()["report"]
    assert report["data"]["labour"]["employer"]["name"] == "Azienda Agricola Tavoliere"


def test_a_new_worker_starts_from_the_groups_data_and_nothing_of_the_person(client, people, workers):
    client.force_login(people["giulia"].user)
    page = client.get(f"/cases/new?group={workers[0]}").content.decode()
    assert "Azienda Agricola Tavoliere" in page and "IT-FG-2026-017" in page
    assert "Ionuț" not in page


def test_the_inspectors_intake_shows_the_workplace_and_not_the_childs_or_the_return(client, people):
    client.force_login(people["giulia"].user)
    page = client.get("/cases/new?intake=labour-inspection", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="section-labour"' in page and 'name="intake" value="labour-inspection"' in page
    assert 'id="section-return_reintegration"' not in page and 'id="section-proceedings"' not in page
    assert "Labour inspection intake" in page


def test_a_field_the_chosen_status_requires_is_on_the_intake_form_to_be_filled(client, people):
    client.force_login(people["giulia"].user)
    response = client.post("/cases/new", {
        "intake": "labour-inspection", "_save": "1", "overview.case_type": "INDIVIDUAL",
        "overview.case_status": "ACTIVE", "overview.trafficking_status": "PRESUMED_REASONABLE_GROUNDS",
        "overview.first_contact_date": "2026-12-02", "overview.identified_by_sector": "LABOUR_INSPECTION",
        "overview.exploitation_types": "FORCED_LABOUR", "labour.hours_per_week": "72"})
    page = response.content.decode()
    assert response.status_code == 422 and 'name="overview.reasonable_grounds_date"' in page
    assert 'value="72"' in page  # nothing typed is lost


def test_a_case_saved_from_the_inspectors_intake_is_an_ordinary_case(client, api, people):
    client.force_login(people["giulia"].user)
    response = client.post("/cases/new", {
        "intake": "labour-inspection", "_save": "1", "overview.case_type": "INDIVIDUAL",
        "overview.case_status": "ACTIVE", "overview.trafficking_status": "POSSIBLE",
        "overview.first_contact_date": "2026-12-02", "overview.identified_by_sector": "LABOUR_INSPECTION",
        "overview.exploitation_types": "FORCED_LABOUR", "labour.labour_inspection.involved": "true",
        "labour.hours_per_week": "72"})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.latest("pk")
    report = api(people["giulia"], "get", f"/api/v1/cases/{case.pk}").json()["report"]
    assert report["data"]["overview"]["identified_by_sector"] == "LABOUR_INSPECTION"
    assert report["data"]["labour"]["hours_per_week"] == 72
