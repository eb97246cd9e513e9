"""Story 2: each worker of a group case is asked after by their own country's contact point, which
sees only its own nationals; one worker's refusal does not hold back the others."""
import pytest

from trm.exchange.models import OutboundMessage

from ..workflow.test_rules import worker
from .test_sending import opened

pytestmark = pytest.mark.django_db

GROUND = {"legal_basis": {"art6": "ART6_1_E", "transfer_basis": "ART46_3B_ADMIN_ARRANGEMENT"}}


@pytest.fixture
def workers(api, people, far_side):
    ids = []
    for citizenship, given in (("AL", "Besnik"), ("AL", "Gjergj"), ("MD", "Vasile")):
        response = api(people["giulia"], "post", "/api/v1/cases", worker(citizenship, "NO", given))
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return ids


def ask(api, people, case_id, body=GROUND):
    return api(people["giulia"], "post", f"/api/v1/cases/{case_id}/group/identity-requests", body)


def test_each_worker_is_asked_after_by_their_own_countrys_contact_point_only(api, people, workers, far_side):
    response = ask(api, people, workers[2])
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted((s["case_id"], s["receiver"]) for s in body["sent"]) == [(workers[0], "al-tirana"),
                                                                           (workers[1], "al-tirana")]
    assert body["not_sent"] == [{"case_id": workers[2], "receiver": "", "code": "no_contact_point",
                                 "message": "No national contact point of the worker's country is in the trust list."}]
    for sent, name, other in ((body["sent"][0], "Besnik", "Gjergj"), (body["sent"][1], "Gjergj", "Besnik")):
        message = OutboundMessage.objects.get(message_id=sent["message_id"])
        names = [n["value_original"] for n in opened(far_side, message).payload["data"]["identity"]["names"]]
        assert name in names and other not in names and "Vasile" not in names


def test_without_consent_or_ground_each_refusal_is_said_and_nothing_leaves(api, people, workers):
    body = ask(api, people, workers[0], {}).json()
    assert body["sent"] == [] and {n["code"] for n in body["not_sent"]} == {"no_consent", "no_contact_point"}
    assert not OutboundMessage.objects.exists()


def test_asking_again_while_the_answers_are_awaited_sends_nothing_twice(api, people, workers):
    ask(api, people, workers[0])
    again = ask(api, people, workers[0]).json()
    assert again["sent"] == [] and [n["code"] for n in again["not_sent"] if n["receiver"]] == ["already_asked"] * 2
    assert OutboundMessage.objects.count() == 2


def test_a_case_outside_a_group_and_another_organisation_get_404(api, people, workers, elira):
    single = api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]
    assert ask(api, people, single).json()["errors"][0]["code"] == "not_in_group"
    assert ask(api, people, workers[0], GROUND).status_code == 200
    assert api(people["arben"], "post", f"/api/v1/cases/{workers[0]}/group/identity-requests", GROUND).status_code == 404


def test_the_group_page_sends_them_and_shows_each_result(client, people, workers):
    client.force_login(people["giulia"].user)
    assert "identity-requests" in client.get(f"/cases/{workers[0]}/group").content.decode()
    page = client.post(f"/cases/{workers[0]}/group/identity-requests", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("No recorded consent covers") == 2  # the page sends under consent only
    assert "No national contact point of the worker" in page
    assert f"/cases/{workers[0]}/send?receiver=al-tirana&amp;type=IDENTITY_VERIFICATION_REQUEST" in page
