"""Cases through the API: open, read, change, close, search; errors as field-level JSON."""
import pytest

pytestmark = pytest.mark.django_db


def _open(api, persona, report):
    response = api(persona, "post", "/api/v1/cases", report)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_caseworker_opens_a_case_and_gets_a_reference_of_her_country(api, people, elira):
    case = _open(api, people["giulia"], elira)
    assert case["reference"].startswith("IT-") and case["reference"].endswith("-000001")
    assert case["is_minor"] is True and case["template"] == "trm-case-report"


def test_the_stored_report_comes_back_whole_with_its_derived_values(api, people, elira):
    case = _open(api, people["giulia"], elira)
    report = api(people["giulia"], "get", f"/api/v1/cases/{case['id']}").json()["report"]
    assert report["data"]["identity"]["names"][0]["value_original"] == "Elira"
    assert report["data"]["identity"]["presumed_minor"] is True and report["version"] == "1.0"


def test_an_invalid_report_gets_field_errors_in_albanian_and_nothing_is_stored(api, people, elira):
    from trm.cases.models import Case
    del elira["data"]["overview"]["trafficking_status"]
    response = api(people["giulia"], "post", "/api/v1/cases", elira, language="sq")
    error = response.json()["errors"][0]
    assert response.status_code == 422 and error["path"] == "overview.trafficking_status"
    assert error["code"] == "required" and error["message"] != "This field is required."
    assert Case.objects.count() == 0


def test_a_patch_changes_one_field_and_the_timeline_names_it(api, people, elira):
    case = _open(api, people["giulia"], elira)
    patch = {"data": {"overview": {"trafficking_status": "IDENTIFIED_FORMAL", "formal_identification_date": "2026-11-30",
                                   "status_decision_org_type": "Police"}}}
    response = api(people["giulia"], "patch", f"/api/v1/cases/{case['id']}", patch)
    assert response.status_code == 200 and response.json()["trafficking_status"] == "IDENTIFIED_FORMAL"
    from trm.cases.models import CaseEvent
    assert "overview.trafficking_status" in CaseEvent.objects.filter(case_id=case["id"]).last().paths


def test_an_invalid_patch_changes_nothing(api, people, elira):
    case = _open(api, people["giulia"], elira)
    response = api(people["giulia"], "patch", f"/api/v1/cases/{case['id']}", {"data": {"identity": {"date_of_birth": "2099"}}})
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "date_in_future"
    report = api(people["giulia"], "get", f"/api/v1/cases/{case['id']}").json()["report"]
    assert report["data"]["identity"]["date_of_birth"] == "2009"


def test_closing_needs_a_closure_reason_of_the_template(api, people, elira):
    case = _open(api, people["giulia"], elira)
    bad = api(people["giulia"], "post", f"/api/v1/cases/{case['id']}/close", {"reason": "BORED"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "log.closure.reason"
    good = api(people["giulia"], "post", f"/api/v1/cases/{case['id']}/close", {"reason": "REFERRED"})
    assert good.status_code == 200 and good.json()["status"] == "CLOSED"


def test_search_finds_her_by_name_whatever_the_accents_and_case(api, people, elira):
    case = _open(api, people["giulia"], elira)
    for query in ("Elira Hoxha", "hoxha elira", "ELÍRA", case["reference"]):
        found = api(people["giulia"], "post", "/api/v1/cases/search", {"q": query}).json()
        assert [c["id"] for c in found] == [case["id"]], query
    assert api(people["giulia"], "post", "/api/v1/cases/search", {"q": "Hoxhaj"}).json() == []


def test_filters_narrow_the_list(api, people, elira):
    _open(api, people["giulia"], elira)
    assert len(api(people["giulia"], "get", "/api/v1/cases?exploitation=CHILD_LABOUR&minor=true&country=al").json()) == 1
    assert api(people["giulia"], "get", "/api/v1/cases?exploitation=SEXUAL_EXPLOITATION").json() == []


def test_the_list_holds_no_identifying_data(api, people, elira):
    _open(api, people["giulia"], elira)
    assert "Elira" not in api(people["giulia"], "get", "/api/v1/cases").content.decode()


@pytest.mark.parametrize("body", [[], "text", {"template": "trm-case-report"}, {"data": 5}, None])
def test_bad_bodies_get_a_4xx_never_a_5xx(api, people, body):
    response = api(people["giulia"], "post", "/api/v1/cases", body if body is not None else {})
    assert 400 <= response.status_code < 500


def test_without_a_token_the_api_answers_401(api, elira):
    assert api(None, "get", "/api/v1/cases").status_code == 401


@pytest.mark.parametrize("query", ["limit=-180", "offset=1176181878670780048343040", "limit=100000"])
def test_a_page_out_of_range_is_a_clear_422(api, people, query):
    response = api(people["giulia"], "get", f"/api/v1/cases?{query}")
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "invalid_request"


@pytest.mark.parametrize("query", ["status=%00", "country=A%00", "exploitation=FORCED LABOUR", "stage=%27%3B"])
def test_filters_that_are_no_code_find_nothing_and_never_fail(api, people, elira, query):
    api(people["giulia"], "post", "/api/v1/cases", elira)
    response = api(people["giulia"], "get", f"/api/v1/cases?{query}")
    assert response.status_code == 200 and response.json() == []
