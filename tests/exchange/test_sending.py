"""Sending from a case, on the Italian NGO's node (it-bari): what leaves, what is refused, the outbox.

The far side (al-tirana) is only its keys here: the test opens what this node sealed and signs the
receipt Tirana would give. Real nodes talking over HTTP are in test_network.py.
"""
import copy
import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from trm import reporting
from trm.audit.models import AuditEntry
from trm.cases.models import Case, CaseEvent
from trm.cases.selectors import stored_report
from trm.exchange import worker
from trm.exchange.envelope import open_envelope, receipt
from trm.exchange.models import OutboundMessage
from trm.exchange.sending import LegalBasis, SendRefused, message_send, outbound_payload

pytestmark = pytest.mark.django_db

MESSAGES = "/api/v1/cases/{}/messages"


@pytest.fixture
def case_id(api, people, elira, far_side):
    elira["data"]["identity"]["contact"] = {"address": "Via dei Campi 4", "locality": "Foggia", "country": "IT"}
    return api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]


def send(api, people, case_id, body, who="giulia", language="en"):
    return api(people[who], "post", MESSAGES.format(case_id), body, language=language)


def opened(far_side, message: OutboundMessage, now=None):
    """The envelope as Tirana opens it."""
    return open_envelope(envelope=bytes(message.envelope), receiver=far_side.tirana,
                         sender_signing_jwks=lambda _: [far_side.bari.public_jwks()["signing"]],
                         now=now or message.created_at)


def leaves(payload: dict) -> set[str]:
    found = set()

    def walk(value, path):
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, f"{path}.{key}" if path else key)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for child in value:
                walk(child, path)
        else:
            found.add(path)
    walk(payload["data"], "")
    return found


# What leaves -------------------------------------------------------------------------------------

def test_the_preview_shows_in_italian_exactly_what_will_leave_and_queues_nothing(api, people, case_id):
    response = send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana", "preview": True},
                    language="it")
    assert response.status_code == 200, response.content
    shown = response.json()["sections"]
    labels = {s["label"] for s in shown if s["fields"]}
    assert "Identità" in labels or any("Ident" in label for label in labels)
    text = response.content.decode()
    assert "Elira" in text and "2009" in text
    assert "Via dei Campi" not in text and "Foggia" not in text  # her address in Italy does not leave
    assert OutboundMessage.objects.count() == 0


def test_a_sent_notification_carries_what_the_preview_showed_and_nothing_else(api, people, case_id, far_side):
    preview = send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana", "preview": True})
    response = send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
    assert response.status_code == 201, response.content
    message = OutboundMessage.objects.get(message_id=response.json()["message_id"])
    payload = opened(far_side, message).payload
    shown = {f["path"] for s in preview.json()["sections"] for f in _leaf_fields(s["fields"])}
    sent = {p for p in leaves(payload) if not p.startswith("envelope.")}
    assert sent == {p for p in shown if not p.startswith("envelope.")}
    assert payload["data"]["identity"]["names"][0]["value_original"] == "Elira"
    assert "contact" not in payload["data"]["identity"]
    envelope = payload["data"]["envelope"]
    assert envelope["consent_ref"] == "consent.consents[0]"
    assert envelope["legal_basis"] == {"regime": "GDPR", "art6": "ART6_1_A", "transfer_basis": "ART49_1A_CONSENT"}
    assert outbound_payload(message) == payload


def _leaf_fields(fields):
    for f in fields:
        if f["kind"] == "field":
            yield {"path": _strip(f["path"])}
        for child in f.get("fields", []):
            yield from _leaf_fields([child])
        for item in f.get("items", []):
            yield from _leaf_fields(item)


def _strip(path: str) -> str:
    import re
    return re.sub(r"\[\d+\]", "", path)


def test_sending_is_one_change_of_the_case_with_its_request_logged_and_audited(api, people, case_id):
    before = Case.objects.get(pk=case_id).version
    response = send(api, people, case_id, {"type": "IDENTITY_VERIFICATION_REQUEST", "receiver": "al-tirana"})
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=case_id)
    assert case.version == before + 1
    assert CaseEvent.objects.filter(case=case, kind="MESSAGE_SENT").count() == 1
    request = stored_report(case)["data"]["log"]["requests"][-1]
    assert (request["type"], request["to"], request["status"]) == ("IDENTITY_VERIFICATION_REQUEST", "al-tirana", "OPEN")
    message = OutboundMessage.objects.get()
    assert message.due_at is not None and message.due_at.date().isoformat() == request["due"]
    assert response.json()["delivery"] == "QUEUED"
    entry = AuditEntry.objects.get(action="exchange.queue")
    assert entry.detail["receiver"] == "al-tirana" and "Elira" not in str(entry.detail)


def test_the_national_contact_point_cannot_send_what_its_role_cannot_see(api, people, case_id, far_side):
    # paola (national contact point) does not see SPECIAL_CATEGORY or CHILD_SECRET fields: none leave by her.
    response = send(api, people, case_id, {"type": "FAMILY_ASSESSMENT_REQUEST", "receiver": "al-tirana",
                                           "legal_basis": {"art9": "ART9_2_G"}}, who="paola")
    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:
        template = reporting.load_template()
        payload = opened(far_side, OutboundMessage.objects.get()).payload
        sensitivities = {template.fields[p].sensitivity for p in leaves(payload) if p in template.fields}
        assert not sensitivities & {"SPECIAL_CATEGORY", "CHILD_SECRET"}


# What is refused, and then nothing is queued --------------------------------------------------------

def assert_refused(response, code):
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["code"] == code
    assert OutboundMessage.objects.count() == 0
    assert not CaseEvent.objects.filter(kind="MESSAGE_SENT").exists()


def test_without_consent_a_notification_is_refused_before_the_outbox_in_the_readers_language(api, people, case_id):
    api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/0/withdraw", {})
    response = send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"}, language="it")
    assert_refused(response, "no_consent")
    assert "consenso" in response.json()["errors"][0]["message"]


def test_a_consent_for_another_country_does_not_cover_albania(api, people, elira, far_side):
    elira["data"]["consent"]["consents"][0]["recipient"] = "MD"
    case_id = api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]
    assert_refused(send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"}), "no_consent")


def test_a_lawful_ground_other_than_consent_lets_the_message_leave(api, people, case_id):
    api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/0/withdraw", {})
    response = send(api, people, case_id, {"type": "IDENTITY_VERIFICATION_REQUEST", "receiver": "al-tirana",
                                           "legal_basis": {"art6": "ART6_1_E", "transfer_basis": "ART49_1D_PUBLIC_INTEREST"}})
    assert response.status_code == 201, response.content


def test_a_case_marked_not_to_cross_borders_sends_nothing_abroad(api, people, case_id):
    api(people["giulia"], "patch", f"/api/v1/cases/{case_id}", {"data": {"consent": {"restrictions": ["NO_CROSS_BORDER"]}}})
    assert_refused(send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"}), "restricted")


@pytest.mark.parametrize("receiver, code", [("md-chisinau", "unknown_receiver"), ("it-bari", "same_node")])
def test_only_other_nodes_of_the_trust_list_can_receive(api, people, case_id, receiver, code):
    assert_refused(send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": receiver}), code)


def test_an_unknown_type_and_a_reply_to_a_stranger_are_refused(api, people, case_id):
    assert_refused(send(api, people, case_id, {"type": "GOSSIP", "receiver": "al-tirana"}), "unknown_type")
    assert_refused(send(api, people, case_id, {"type": "INFORMATION_RESPONSE", "receiver": "al-tirana",
                                               "in_reply_to": "7d4f8a52-3c1e-4b6a-9e0f-2a1b3c4d5e6f"}), "not_a_reply")


def test_another_organisations_case_cannot_be_sent_from(api, people, case_id):
    response = send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"}, who="arben")
    assert response.status_code == 404 and "Elira" not in response.content.decode()
    assert OutboundMessage.objects.count() == 0


@hypothesis_settings(max_examples=32, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message_type=st.sampled_from(sorted(reporting.load_template().profiles)))
def test_no_message_ever_carries_a_field_outside_its_profile(people, elira, far_side, message_type):
    from trm.cases.services import case_create
    report = copy.deepcopy(elira)
    report["data"]["identity"]["contact"] = {"address": "Via dei Campi 4", "locality": "Foggia", "country": "IT"}
    report["data"]["child"]["family_tracing"] = {"in_best_interests": True}  # a tracing request may leave
    case = case_create(actor=people["giulia"].user, report=report)
    basis = LegalBasis(art6="ART6_1_E", art9="ART9_2_G", transfer_basis="ART49_1D_PUBLIC_INTEREST")
    try:
        message = message_send(actor=people["giulia"].user, case=case, receiver="al-tirana", message_type=message_type,
                               now=far_side.now, legal_basis=basis)
    except SendRefused as refused:  # an answer type needs the message it answers
        assert (refused.code, [e.path for e in refused.errors]) == ("invalid_message", ["envelope.in_reply_to"])
        return
    profile = reporting.load_template().profiles[message_type]
    carried = leaves(opened(far_side, message).payload)
    outside = {p for p in carried if not p.startswith("envelope.") and p not in profile.field_paths}
    assert outside == set()
    assert "identity.contact.address" not in carried


# The outbox, delivered by the worker ----------------------------------------------------------------

class Tirana:
    """Tirana's inbox as the worker meets it: answers chosen by the test, receipts signed by its key."""

    def __init__(self, far_side, answers):
        self.far_side, self.answers, self.posted = far_side, list(answers), []

    def __call__(self, url, body):
        self.posted.append(body)
        answer = self.answers.pop(0) if self.answers else "receipt"
        if answer == "receipt":
            message = open_envelope(envelope=body, receiver=self.far_side.tirana,
                                    sender_signing_jwks=lambda _: [self.far_side.bari.public_jwks()["signing"]],
                                    now=self.far_side.now)
            return worker.Reply(201, receipt(opened=message, receiver=self.far_side.tirana, now=self.far_side.now))
        return answer


@pytest.fixture
def queued(api, people, case_id):
    send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"})
    return OutboundMessage.objects.get()


def test_the_worker_delivers_and_keeps_the_verified_receipt(far_side, queued):
    tirana = Tirana(far_side, ["receipt"])
    assert worker.run_once(now=queued.created_at, post=tirana) == 1
    queued.refresh_from_db()
    assert queued.state == "DELIVERED" and queued.receipt and queued.received_at is not None
    assert tirana.posted == [bytes(queued.envelope)]
    assert worker.run_once(now=queued.created_at + timedelta(hours=1), post=tirana) == 0  # never twice


def test_a_receiver_that_is_down_is_tried_again_later_with_the_same_bytes(far_side, queued):
    tirana = Tirana(far_side, [worker.Reply(0), worker.Reply(503), "receipt"])
    start = queued.created_at
    worker.run_once(now=start, post=tirana)
    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.last_error) == ("QUEUED", 1, "no_answer")
    assert worker.run_once(now=start + timedelta(seconds=1), post=tirana) == 0  # backing off
    worker.run_once(now=queued.next_attempt_at, post=tirana)
    queued.refresh_from_db()
    assert (queued.state, queued.last_error) == ("QUEUED", "http_503")
    worker.run_once(now=queued.next_attempt_at, post=tirana)
    queued.refresh_from_db()
    assert queued.state == "DELIVERED"
    assert len(set(tirana.posted)) == 1 and len(tirana.posted) == 3


def test_a_refusal_is_a_permanent_failure_shown_with_its_reason(api, people, far_side, queued):
    refusal = worker.Reply(400, b'{"errors": [{"code": "invalid_payload", "message": "..."}]}')
    worker.run_once(now=queued.created_at, post=Tirana(far_side, [refusal]))
    queued.refresh_from_db()
    assert (queued.state, queued.last_error) == ("FAILED", "invalid_payload")
    outbox = api(people["giulia"], "get", "/api/v1/messages?box=outbox").json()
    assert (outbox[0]["delivery"], outbox[0]["last_error"]) == ("FAILED", "invalid_payload")
    assert AuditEntry.objects.filter(action="exchange.failed").count() == 1


def test_a_receipt_that_does_not_verify_is_not_taken_as_delivery(far_side, queued):
    forged = worker.Reply(201, receipt(opened=opened(far_side, queued), receiver=far_side.tirana,
                                       now=far_side.now).replace(b".", b".x", 1))
    worker.run_once(now=queued.created_at, post=Tirana(far_side, [forged]))
    queued.refresh_from_db()
    assert (queued.state, queued.last_error) == ("QUEUED", "bad_receipt")


def test_a_message_not_delivered_within_the_receivers_window_fails_visibly(far_side, queued):
    worker.run_once(now=queued.created_at + timedelta(days=2), post=Tirana(far_side, [worker.Reply(0)]))
    queued.refresh_from_db()
    assert (queued.state, queued.last_error) == ("FAILED", "undeliverable")


def test_a_claimed_message_is_not_taken_by_a_second_worker(queued):
    first = worker.claim(now=queued.created_at)
    second = worker.claim(now=queued.created_at + timedelta(seconds=30))
    assert [m.pk for m in first] == [queued.pk] and second == []
    # a worker that died leaves its claim to lapse, and the message is taken again
    assert [m.pk for m in worker.claim(now=queued.created_at + worker.lease() + timedelta(seconds=1))] == [queued.pk]


# The law that applies, restrictions, children: each refusal changes nothing --------------------------

def withdraw(api, people, case_id):
    api(people["giulia"], "post", f"/api/v1/cases/{case_id}/consents/0/withdraw", {})


@pytest.mark.parametrize("regime", ["LED", "NATIONAL_NON_EU"])
def test_an_ngo_cannot_escape_the_gdpr_by_naming_another_law(api, people, case_id, regime):
    withdraw(api, people, case_id)
    assert_refused(send(api, people, case_id, {"type": "IDENTITY_VERIFICATION_REQUEST", "receiver": "al-tirana",
                                               "legal_basis": {"regime": regime}}), "wrong_regime")


def test_a_transfer_outside_the_eu_without_consent_needs_a_transfer_ground(api, people, case_id):
    withdraw(api, people, case_id)
    assert_refused(send(api, people, case_id, {"type": "IDENTITY_VERIFICATION_REQUEST", "receiver": "al-tirana",
                                               "legal_basis": {"art6": "ART6_1_E"}}), "no_transfer_basis")


def test_case_data_that_names_nobody_still_needs_consent_or_a_ground(api, people, case_id):
    withdraw(api, people, case_id)
    assert_refused(send(api, people, case_id, {"type": "REFERRAL_REQUEST", "receiver": "al-tirana"}), "no_consent")


def test_sexual_exploitation_is_special_category_data_and_needs_its_article_9_ground(api, people, elira, far_side):
    elira["data"]["overview"]["exploitation_types"] = ["SEXUAL_EXPLOITATION"]
    elira["data"]["situation"].pop("ilo_assessments", None)
    elira["data"]["situation"]["exploitation"].pop("labour_sector", None)
    created = api(people["giulia"], "post", "/api/v1/cases", elira)
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    assert_refused(send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"}), "no_legal_basis")
    ok = send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana",
                                     "legal_basis": {"art9": "ART9_2_A"}})
    assert ok.status_code == 201, ok.content


def test_a_childs_consent_without_the_guardian_does_not_cover_sharing(api, people, elira, far_side):
    elira["data"]["consent"]["consents"][0]["given_by"] = "PERSON"
    elira["data"]["consent"]["consents"][0].pop("child_views_recorded", None)
    case_id = api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]
    assert_refused(send(api, people, case_id, {"type": "CASE_NOTIFICATION", "receiver": "al-tirana"}), "no_consent")


@pytest.mark.parametrize("restriction, message_type, code", [
    ("DO_NOT_CONTACT_FAMILY", "FAMILY_TRACING_REQUEST", "restricted_family"),
    ("POLICE_ONLY", "CASE_NOTIFICATION", "restricted_police"),
])
def test_the_restrictions_recorded_on_the_case_are_kept(api, people, case_id, restriction, message_type, code):
    api(people["giulia"], "patch", f"/api/v1/cases/{case_id}", {"data": {"consent": {"restrictions": [restriction]}}})
    assert_refused(send(api, people, case_id, {"type": message_type, "receiver": "al-tirana",
                                               "legal_basis": {"art9": "ART9_2_G"}}), code)


def test_family_tracing_is_asked_for_only_after_the_best_interests_check(api, people, case_id, far_side):
    request = {"type": "FAMILY_TRACING_REQUEST", "receiver": "al-tirana", "legal_basis": {"art9": "ART9_2_G"}}
    assert_refused(send(api, people, case_id, request), "no_best_interests_check")
    api(people["giulia"], "patch", f"/api/v1/cases/{case_id}",
        {"data": {"child": {"family_tracing": {"in_best_interests": True}}}})
    assert send(api, people, case_id, request).status_code == 201


def test_a_hidden_location_never_leaves(api, people, case_id, far_side):
    api(people["giulia"], "patch", f"/api/v1/cases/{case_id}",
        {"data": {"consent": {"restrictions": ["DO_NOT_DISCLOSE_LOCATION"]}, "protection": {"accommodation": "SHELTER"}}})
    response = send(api, people, case_id, {"type": "IDENTITY_VERIFICATION_REQUEST", "receiver": "al-tirana"})
    assert response.status_code == 201, response.content
    carried = leaves(opened(far_side, OutboundMessage.objects.get()).payload)
    assert not any(p.startswith(("identity.contact", "protection.accommodation")) for p in carried)


def test_a_case_kept_in_the_country_still_tells_recipients_of_a_withdrawal(api, people, case_id):
    api(people["giulia"], "patch", f"/api/v1/cases/{case_id}", {"data": {"consent": {"restrictions": ["NO_CROSS_BORDER"]}}})
    response = send(api, people, case_id, {"type": "CONSENT_WITHDRAWN", "receiver": "al-tirana"})
    assert response.status_code == 201, response.content


def test_a_receiver_removed_from_the_trust_list_gets_nothing_more(far_side, queued, tmp_path):
    from trm.directory import coordinator
    from trm.directory import services as directory
    key, draft = tmp_path / "coordinator.key", tmp_path / "without-tirana.json"
    document = json.loads((tmp_path / "network.json").read_text())
    document["participants"] = [p for p in document["participants"] if p["node_id"] != "al-tirana"]
    draft.write_text(json.dumps(document))
    later = far_side.now + timedelta(minutes=1)
    directory.trust_list_import(jws=coordinator.trust_list_sign(draft, key, tmp_path / "list-2.jws", now=later,
                                                                 valid_days=30), now=later)
    tirana = Tirana(far_side, ["receipt"])
    worker.run_once(now=later, post=tirana)
    queued.refresh_from_db()
    assert (queued.state, queued.last_error, tirana.posted) == ("FAILED", "receiver_not_trusted", [])


def test_one_message_that_breaks_the_worker_does_not_hold_up_the_others(api, people, case_id, far_side, queued):
    send(api, people, case_id, {"type": "IDENTITY_VERIFICATION_REQUEST", "receiver": "al-tirana"})
    calls = []

    def post(url, body):
        calls.append(body)
        if len(calls) == 1:
            raise RuntimeError("a bug or a peer that is not HTTP")
        return Tirana(far_side, ["receipt"])(url, body)
    assert worker.run_once(now=far_side.now + timedelta(seconds=5), post=post) == 2
    states = sorted(OutboundMessage.objects.values_list("state", "last_error"))
    assert states == [("DELIVERED", ""), ("QUEUED", "worker_error")]


def test_a_receiver_whose_trust_list_lags_is_tried_again(far_side, queued):
    lagging = worker.Reply(403, b'{"errors": [{"code": "unknown_sender", "message": "..."}]}')
    worker.run_once(now=queued.created_at, post=Tirana(far_side, [lagging]))
    queued.refresh_from_db()
    assert (queued.state, queued.last_error) == ("QUEUED", "unknown_sender")
