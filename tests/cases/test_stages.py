"""A case's tracks (DOMAIN §6.2): moves recorded with who, when and why; the rule catalogue's guards
enforced by the node, with their reasons in the reader's language; nothing changed by a blocked move."""
import pytest

from trm.cases.models import Case, StageTransition

pytestmark = pytest.mark.django_db

# What planning Elira's return needs, one guard at a time (R-CHILD-RETURN).
GUARDS = [
    ("guardian_not_appointed", {"child": {"guardian": {"appointed": True, "appointed_on": "2026-11-25",
                                                        "guardian_org": "Tribunale per i minorenni, Bari"}}}),
    ("no_return_bid", {"child": {"bid": {"date": "2026-11-26", "durable_solution": "RETURN_FAMILY"}}}),
    ("family_assessment_not_positive", {"child": {"family_assessment_report": {"received_on": "2026-11-27",
                                                                                "outcome": "SUITABLE"}}}),
    ("no_return_risk_assessment", {"risk": {"risk_assessments": [{"date": "2026-11-27", "scope": "RETURN",
                                                                   "level": "LOW"}]}}),
    ("no_receiving_guardian", {"return_reintegration": {"handover": {"receiving_guardian": "Shërbimi Social, Elbasan"}}}),
    ("no_escort", {"return_reintegration": {"escort": {"required": True, "escort_org": "IOM Tirana"}}}),
]
RETURN = {"track": "RETURN_REINTEGRATION", "status": "RETURN_APPROVED", "reason": "Family assessment positive"}


@pytest.fixture
def case_id(api, people, elira):
    response = api(people["giulia"], "post", "/api/v1/cases", elira)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def move(api, people, case_id, body, who="giulia", language="en"):
    return api(people[who], "post", f"/api/v1/cases/{case_id}/stages", body, language=language)


def codes(response):
    return [e["code"] for e in response.json()["errors"]]


def test_a_childs_return_stays_blocked_until_each_guard_is_met_and_then_is_recorded(api, people, case_id):
    remaining = [code for code, _ in GUARDS]
    for code, fix in GUARDS:
        version = Case.objects.get(pk=case_id).version
        blocked = move(api, people, case_id, RETURN)
        assert blocked.status_code == 422 and codes(blocked) == remaining, blocked.content
        assert Case.objects.get(pk=case_id).version == version and not StageTransition.objects.exists()
        patched = api(people["giulia"], "patch", f"/api/v1/cases/{case_id}", {"data": fix})
        assert patched.status_code == 200, patched.content
        remaining.remove(code)
    moved = move(api, people, case_id, RETURN)
    assert moved.status_code == 200, moved.content
    tracks = {t["track"]: t["status"] for t in moved.json()["tracks"]}
    assert tracks["RETURN_REINTEGRATION"] == "RETURN_APPROVED" and tracks["IDENTIFICATION"] is None
    [transition] = moved.json()["transitions"]
    assert (transition["actor"], transition["reason"]) == ("giulia", "Family assessment positive")
    case = Case.objects.get(pk=case_id)
    assert case.stage == "RETURN_REINTEGRATION"
    assert case.events.last().kind == "STAGE_CHANGED" and case.events.last().paths == [
        "RETURN_REINTEGRATION:RETURN_APPROVED"]


def test_the_reasons_are_given_in_the_readers_language(api, people, case_id):
    english = move(api, people, case_id, RETURN).json()["errors"]
    italian = move(api, people, case_id, RETURN, language="it").json()["errors"]
    assert [e["code"] for e in english] == [e["code"] for e in italian]
    assert all(en["message"] != it["message"] for en, it in zip(english, italian))


def test_formal_identification_needs_the_competent_authoritys_decision(api, people, case_id):
    blocked = move(api, people, case_id, {"track": "IDENTIFICATION", "status": "IDENTIFIED"})
    assert blocked.status_code == 422 and "no_status_decision_authority" in codes(blocked)


def test_proceedings_run_beside_the_other_tracks(api, people, case_id):
    assert move(api, people, case_id, {"track": "IDENTIFICATION", "status": "PRESUMED"}).status_code == 200
    moved = move(api, people, case_id, {"track": "PROCEEDINGS", "status": "INVESTIGATION"})
    tracks = {t["track"]: t["status"] for t in moved.json()["tracks"]}
    assert (tracks["IDENTIFICATION"], tracks["PROCEEDINGS"]) == ("PRESUMED", "INVESTIGATION")
    assert Case.objects.get(pk=case_id).stage == "IDENTIFICATION"


@pytest.mark.parametrize("body", [{"track": "IDENTIFICATION", "status": "TRIAL"}, {"track": "NOWHERE", "status": "X"}])
def test_a_status_of_another_track_is_refused(api, people, case_id, body):
    response = move(api, people, case_id, body)
    assert response.status_code == 422 and codes(response) == ["unknown_status"]
    assert not StageTransition.objects.exists()


def test_the_reason_is_kept_encrypted(api, people, case_id):
    move(api, people, case_id, {"track": "IDENTIFICATION", "status": "PRESUMED", "reason": "Talked with Elira"})
    assert b"Elira" not in bytes(StageTransition.objects.get().reason_blob)


def test_the_case_page_shows_the_tracks_and_a_blocked_step_with_its_reasons(client, people, case_id):
    client.force_login(people["giulia"].user)
    page = client.post(f"/cases/{case_id}/stage", {"move": "RETURN_REINTEGRATION:RETURN_APPROVED", "why": ""},
                       HTTP_ACCEPT_LANGUAGE="it")
    assert page.status_code == 422 and 'role="alert"' in page.content.decode()
    assert not StageTransition.objects.exists()
    moved = client.post(f"/cases/{case_id}/stage", {"move": "IDENTIFICATION:PRESUMED", "why": "Colloquio"})
    assert moved.status_code == 302 and StageTransition.objects.get().status == "PRESUMED"


def test_the_case_page_shows_the_rules_it_fails_and_its_deadlines_in_the_readers_language(client, people, case_id):
    import html
    from datetime import date

    from trm import reporting
    from trm.cases.selectors import stored_report
    from trm.workflow.rules import check_report, load_rules
    client.force_login(people["giulia"].user)
    page = html.unescape(client.get(f"/cases/{case_id}/", HTTP_ACCEPT_LANGUAGE="it").content.decode())
    checks = page[page.index('id="checks"'):page.index('id="stages"')]
    case = Case.objects.get(pk=case_id)
    result = check_report(load_rules(), reporting.load_template(), stored_report(case), today=date.today())
    italian = lambda text: reporting.i18n.gettext(text, "it")  # noqa: E731
    assert result.deadlines, "Elira's case has deadlines (reflection period, guardian)"
    for deadline in result.deadlines:
        assert deadline.text(italian) in checks and deadline.text(italian) != deadline.text()
    for rule in (r for r in result.rules if r.status == "FAIL"):
        assert italian(rule.title) in checks
