"""Nobody sees what is not theirs: every endpoint × every role × a foreign organisation."""
import re

import pytest

pytestmark = pytest.mark.django_db

CASE_ROLES = ["giulia", "marco", "paola"]          # caseworker, supervisor, national contact point
NO_CASE_ROLES = ["anna", "admin"]                   # auditor, administrator
FOREIGN = ["arben"]                                 # a caseworker of another organisation


@pytest.fixture
def case_id(api, people, elira, far_side):
    return api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]


CONSENT = {"scope": "ASSISTANCE", "given_by": "PERSON", "date": "2026-11-24"}


def _requests(case_id, elira):
    """Every endpoint that names a case, each with a body that succeeds for those allowed."""
    return [
        ("get", f"/api/v1/cases/{case_id}", None),
        ("get", f"/api/v1/cases/{case_id}/consents", None),
        # before the consent is withdrawn below: without it the notification may not leave
        ("post", f"/api/v1/cases/{case_id}/messages", {"type": "CASE_NOTIFICATION", "receiver": "al-tirana",
                                                       "preview": True}),
        ("post", f"/api/v1/cases/{case_id}/consents", CONSENT),
        ("post", f"/api/v1/cases/{case_id}/consents/0/withdraw", {}),
        ("patch", f"/api/v1/cases/{case_id}", {"data": {"overview": {"stage": "FIRST_ASSISTANCE"}}}),
        ("post", f"/api/v1/cases/{case_id}/stages", {"track": "FIRST_ASSISTANCE", "status": "REFLECTION_ACTIVE"}),
        ("get", f"/api/v1/cases/{case_id}/stages", None),
        ("get", f"/api/v1/cases/{case_id}/back-pay", None),
        ("patch", f"/api/v1/cases/{case_id}", {"data": {"overview": {"case_type": "GROUP", "group_case_ref": "IT-T-1"}}}),
        ("get", f"/api/v1/cases/{case_id}/group", None),
        ("post", f"/api/v1/cases/{case_id}/group/share", {}),
        ("post", f"/api/v1/cases/{case_id}/group/identity-requests", {}),
        ("post", f"/api/v1/cases/{case_id}/close", {"reason": "REFERRED"}),
    ]


def test_the_matrix_covers_every_endpoint_that_names_a_case(case_id, elira):
    from trm.api import api
    named = {(m.lower(), p) for p, ms in api.get_openapi_schema()["paths"].items() if "{case_id}" in p for m in ms}
    covered = {(m, re.sub(r"/api/v1/cases/\d+", "/api/v1/cases/{case_id}", p).replace("/consents/0/", "/consents/{index}/"))
               for m, p, _ in _requests(case_id, elira)}
    assert named == covered


@pytest.mark.parametrize("who", CASE_ROLES)
def test_every_case_role_of_the_organisation_reaches_the_case(api, people, case_id, elira, who):
    for method, path, body in _requests(case_id, elira):
        assert api(people[who], method, path, body).status_code in (200, 201), (who, method, path)


@pytest.mark.parametrize("who", NO_CASE_ROLES + FOREIGN)
def test_other_roles_and_other_organisations_get_404_for_every_case_endpoint(api, people, case_id, elira, who):
    for method, path, body in _requests(case_id, elira):
        response = api(people[who], method, path, body)
        assert response.status_code == 404 and "Elira" not in response.content.decode(), (who, method, path)


@pytest.mark.parametrize("who", NO_CASE_ROLES + FOREIGN)
def test_other_roles_and_organisations_see_no_case_in_lists_or_searches(api, people, case_id, who):
    assert api(people[who], "get", "/api/v1/cases").json() == []
    assert api(people[who], "post", "/api/v1/cases/search", {"q": "Elira"}).json() == []


@pytest.mark.parametrize("who", NO_CASE_ROLES)
def test_roles_that_do_not_handle_cases_cannot_open_one(api, people, elira, who):
    assert api(people[who], "post", "/api/v1/cases", elira).status_code == 403


@pytest.mark.parametrize("who", NO_CASE_ROLES + FOREIGN)
def test_the_case_pages_are_404_for_everyone_else(client, people, case_id, who):
    client.force_login(people[who].user)
    assert client.get(f"/cases/{case_id}/").status_code == 404
    assert client.get(f"/cases/{case_id}/edit").status_code == 404


def test_a_missing_case_and_a_foreign_case_look_the_same(api, people, case_id):
    foreign = api(people["arben"], "get", f"/api/v1/cases/{case_id}")
    missing = api(people["arben"], "get", "/api/v1/cases/999999")
    assert foreign.status_code == missing.status_code == 404 and foreign.json() == missing.json()


def test_a_deactivated_users_token_stops_working(api, people):
    people["giulia"].user.is_active = False
    people["giulia"].user.save()
    assert api(people["giulia"], "get", "/api/v1/cases").status_code == 401


def test_an_old_token_stops_working(api, people, settings):
    from datetime import timedelta

    from django.utils import timezone

    from trm.accounts.models import ApiToken
    ApiToken.objects.filter(user=people["giulia"].user).update(created_at=timezone.now() - timedelta(days=settings.TOKEN_DAYS + 1))
    assert api(people["giulia"], "get", "/api/v1/cases").status_code == 401
