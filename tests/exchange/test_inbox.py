"""The receiving side of the exchange: POST /exchange/inbox, and the same from a file.

An Italian NGO's node (it-bari) notifies this node, the Albanian national contact point
(al-tirana), of Elira's case. Both are in a trust list signed by a test coordinator.
"""
import json
import uuid
from datetime import timedelta

import pytest


from trm import reporting
from trm.audit.models import AuditEntry
from trm.directory import coordinator
from trm.directory import services as directory
from trm.exchange.commands import import_envelope_file
from trm.exchange.envelope import EnvelopeRejected, NodeKeys, seal, utc_text, verify_receipt
from trm.exchange.models import InboundMessage
from trm.exchange.services import envelope_digest, envelope_receive, inbound_payload

from ..directory.conftest import ITALY, NOW, SERBIA, keys_file_text, vault_key  # noqa: E402,F401

pytestmark = pytest.mark.django_db

INBOX = "/exchange/inbox"
TEMPLATE = "trm-case-report@1.0"
BARI = NodeKeys.generate("it-bari", now=NOW)
STRANGER = NodeKeys.generate("it-lecce", now=NOW)
BEOGRAD = NodeKeys.generate("rs-beograd", now=NOW)
ALBANIA = {**SERBIA, "country": "AL", "organisations": ["National contact point of Albania"],
           "roles": ["NATIONAL_CONTACT_POINT"], "endpoint": "https://trm.example.al/exchange/inbox",
           "languages": ["sq", "en"]}


@pytest.fixture
def tirana(vault_key, tmp_path):  # noqa: F811
    """This node, al-tirana, with its keys, trusting the coordinator and using its list."""
    keys = directory.node_keys_create(node_id="al-tirana")
    key, draft = tmp_path / "coordinator.key", tmp_path / "network.json"
    coordinator.coordinator_init(key)
    coordinator.participant_add(draft, keys_file_text(BARI), network="see-trm", now=NOW, **ITALY)
    coordinator.participant_add(draft, keys_file_text(keys), now=NOW, **ALBANIA)
    coordinator.participant_add(draft, keys_file_text(BEOGRAD), now=NOW, **SERBIA)
    directory.coordinator_trust_set(public_jwk=coordinator.coordinator_key_load(key).public_jwk())
    directory.trust_list_import(jws=coordinator.trust_list_sign(draft, key, tmp_path / "list.jws", now=NOW,
                                                                 valid_days=30), now=NOW)
    return keys


def notification(template, elira, message_id):
    message = reporting.project(template, elira, "CASE_NOTIFICATION", today=NOW.date())
    message["data"]["envelope"] = {
        "message_id": message_id, "message_type": "CASE_NOTIFICATION",
        "sender": {"country": "IT", "organisation": "On the Road, Apulia"},
        "recipients": [{"country": "AL", "organisation": "National contact point of Albania"}],
        "sent_at": utc_text(NOW), "schema_version": TEMPLATE,
    }
    return message


def sealed(tirana, template, elira, *, sender=BARI, receiver_id="al-tirana", receiver_jwk=None, now=NOW,
           payload=None):
    message_id = str(uuid.uuid4())
    return seal(payload=payload or notification(template, elira, message_id), message_type="CASE_NOTIFICATION",
                sender=sender, receiver_id=receiver_id,
                receiver_encryption_jwk=receiver_jwk or tirana.public_jwks()["encryption"],
                template=TEMPLATE, now=now, message_id=message_id)


def post(client, body, **extra):
    return client.post(INBOX, data=body, content_type="application/jose", **extra)


def assert_refused(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["code"] == code
    assert b"Elira" not in response.content
    assert InboundMessage.objects.count() == 0
    assert not AuditEntry.objects.filter(action="exchange.receive").exists()


# Delivered ---------------------------------------------------------------------------------------

def test_a_notification_is_received_with_a_receipt_signed_by_this_node(client, tirana, template, elira):
    envelope = sealed(tirana, template, elira)
    response = post(client, envelope)
    assert response.status_code == 201 and response["Content-Type"] == "application/jose"
    claims = verify_receipt(receipt=response.content, expected_digest=envelope_digest(envelope),
                            signing_jwks=[tirana.public_jwks()["signing"]])
    message = InboundMessage.objects.get()
    assert claims["message_id"] == message.message_id and claims["receiver"] == "al-tirana"
    assert (message.type, message.sender, message.template) == ("CASE_NOTIFICATION", "it-bari", TEMPLATE)
    assert bytes(message.envelope) == envelope and message.receipt.encode() == response.content


def test_the_payload_is_stored_encrypted_and_the_audit_entry_holds_no_payload(client, tirana, template, elira):
    envelope = sealed(tirana, template, elira)
    post(client, envelope)
    message = InboundMessage.objects.get()
    assert b"Elira" not in bytes(message.payload_blob) and b"Elira" not in bytes(message.envelope)
    assert inbound_payload(message)["data"]["identity"]["names"][0]["value_original"] == "Elira"
    entry = AuditEntry.objects.get(action="exchange.receive")
    assert entry.detail == {"type": "CASE_NOTIFICATION", "sender": "it-bari"}
    assert entry.object_id == message.message_id


def test_a_second_delivery_gets_the_same_receipt_and_stores_nothing_more(client, tirana, template, elira):
    envelope = sealed(tirana, template, elira)
    first = post(client, envelope)
    again = post(client, envelope)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.content == first.content
    assert InboundMessage.objects.count() == 1
    assert AuditEntry.objects.filter(action="exchange.receive").count() == 1


def test_another_envelope_with_a_stored_message_id_is_refused_as_replayed(client, tirana, template, elira):
    envelope = sealed(tirana, template, elira)
    post(client, envelope)
    message_id = InboundMessage.objects.get().message_id
    other = seal(payload=notification(template, elira, message_id), message_type="CASE_NOTIFICATION", sender=BARI,
                 receiver_id="al-tirana", receiver_encryption_jwk=tirana.public_jwks()["encryption"],
                 template=TEMPLATE, now=NOW, message_id=message_id)
    response = post(client, other)
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "replayed"
    assert InboundMessage.objects.count() == 1


def test_importing_the_envelope_from_a_file_is_the_same_as_posting_it(client, tirana, template, elira, tmp_path):
    envelope = sealed(tirana, template, elira)
    path = tmp_path / "message.jwe"
    path.write_bytes(envelope + b"\n")
    code, text = import_envelope_file(path, now=NOW)
    assert code == 0
    verify_receipt(receipt=text, expected_digest=envelope_digest(envelope), signing_jwks=[tirana.public_jwks()["signing"]])
    response = post(client, envelope)
    assert response.status_code == 200 and response.content.decode() == text
    assert InboundMessage.objects.count() == 1


def test_importing_a_refused_envelope_from_a_file_says_why_and_stores_nothing(tirana, template, elira, tmp_path):
    path = tmp_path / "message.jwe"
    path.write_bytes(sealed(tirana, template, elira, sender=STRANGER))
    code, text = import_envelope_file(path, now=NOW)
    assert code == 1 and text.startswith("refused (unknown_sender)")
    assert InboundMessage.objects.count() == 0


# Refused, and nothing stored ----------------------------------------------------------------------

def test_a_tampered_envelope_is_refused(client, tirana, template, elira):
    header, key, iv, ciphertext, tag = sealed(tirana, template, elira).split(b".")
    flipped = ciphertext[:10] + (b"A" if ciphertext[10:11] != b"A" else b"B") + ciphertext[11:]
    assert_refused(post(client, b".".join([header, key, iv, flipped, tag])), 400, "undecryptable")


def test_an_envelope_for_another_node_is_refused(client, tirana, template, elira):
    envelope = sealed(tirana, template, elira, receiver_id="rs-beograd",
                      receiver_jwk=BEOGRAD.public_jwks()["encryption"])
    assert_refused(post(client, envelope), 403, "wrong_recipient")


def test_an_envelope_sealed_to_this_node_but_naming_another_receiver_is_refused(client, tirana, template, elira):
    assert_refused(post(client, sealed(tirana, template, elira, receiver_id="rs-beograd")), 403, "wrong_recipient")


def test_a_sender_outside_the_trust_list_is_refused(client, tirana, template, elira):
    assert_refused(post(client, sealed(tirana, template, elira, sender=STRANGER)), 403, "unknown_sender")


def test_a_sender_signing_with_another_key_under_a_listed_name_is_refused(client, tirana, template, elira):
    impostor = NodeKeys.generate("it-bari", now=NOW)
    assert_refused(post(client, sealed(tirana, template, elira, sender=impostor)), 403, "unknown_sender")


def test_an_envelope_over_a_megabyte_is_refused_before_it_is_read(client, tirana):
    assert_refused(post(client, b"A" * 1_000_001), 413, "too_large")


def test_an_expired_message_is_refused(client, tirana, template, elira):
    assert_refused(post(client, sealed(tirana, template, elira, now=NOW - timedelta(days=3))), 400, "expired")


def test_a_payload_carrying_a_field_outside_its_message_type_is_refused(client, tirana, template, elira):
    message_id = str(uuid.uuid4())
    payload = notification(template, elira, message_id)
    payload["data"]["identity"]["contact"] = {"locality": "Foggia"}
    envelope = seal(payload=payload, message_type="CASE_NOTIFICATION", sender=BARI, receiver_id="al-tirana",
                    receiver_encryption_jwk=tirana.public_jwks()["encryption"], template=TEMPLATE, now=NOW,
                    message_id=message_id)
    response = post(client, envelope)
    assert_refused(response, 400, "invalid_payload")
    assert b"Foggia" not in response.content


def test_a_payload_whose_envelope_section_names_another_message_is_refused(client, tirana, template, elira):
    payload = notification(template, elira, str(uuid.uuid4()))
    assert_refused(post(client, sealed(tirana, template, elira, payload=payload)), 400, "invalid_payload")


def test_garbage_is_refused_as_malformed(client, tirana):
    assert_refused(post(client, b"not an envelope"), 400, "malformed")


def test_another_content_type_is_refused(client, tirana, template, elira):
    response = client.post(INBOX, data=sealed(tirana, template, elira), content_type="application/json")
    assert_refused(response, 415, "unsupported_media_type")


def test_a_get_is_not_allowed(client, tirana):
    assert client.get(INBOX).status_code == 405


def test_without_a_trust_list_the_inbox_is_unavailable(client, vault_key, template, elira):  # noqa: F811
    keys = directory.node_keys_create(node_id="al-tirana")
    assert_refused(post(client, sealed(keys, template, elira)), 503, "no_trust_list")


def test_the_service_refuses_without_node_keys(vault_key):  # noqa: F811
    from trm.exchange.envelope import EnvelopeRejected
    with pytest.raises(EnvelopeRejected) as refused:
        envelope_receive(envelope=b"x.y.z.a.b", now=NOW)
    assert refused.value.reason == "no_node_keys"


def test_a_truncated_envelope_is_refused(client, tirana, template, elira):
    envelope = sealed(tirana, template, elira)
    response = post(client, envelope[: len(envelope) // 2])
    assert response.status_code == 400 and response.json()["errors"][0]["code"] in ("malformed", "undecryptable")
    assert_refused(response, 400, response.json()["errors"][0]["code"])


def test_a_sender_key_revoked_by_a_newer_trust_list_is_refused(client, tirana, template, elira, tmp_path):
    """The coordinator replaced Bari's keys (say, a stolen laptop): what the old key signs is refused."""
    old = sealed(tirana, template, elira)
    new_bari = NodeKeys.generate("it-bari", now=NOW)
    key, draft = tmp_path / "coordinator.key", tmp_path / "network-2.json"
    coordinator.participant_add(draft, keys_file_text(new_bari), network="see-trm", now=NOW, **ITALY)
    coordinator.participant_add(draft, keys_file_text(tirana), now=NOW, **ALBANIA)
    directory.trust_list_import(jws=coordinator.trust_list_sign(draft, key, tmp_path / "list-2.jws",
                                                                 now=NOW + timedelta(minutes=1), valid_days=30),
                                now=NOW + timedelta(minutes=1))
    assert_refused(post(client, old), 403, "unknown_sender")
    assert post(client, sealed(tirana, template, elira, sender=new_bari)).status_code == 201


# Key rotation: the old keys keep working for the overlap, and only for it ---------------------------

def test_after_a_rotation_the_old_keys_open_and_sign_until_the_new_list_and_then_until_the_overlap_ends(
        client, tirana, template, elira, tmp_path):
    old_signing = tirana.public_jwks()["signing"]
    new = directory.node_keys_rotate(now=NOW, overlap_days=30)
    assert new.encryption_kid != tirana.encryption_kid and new.node_id == "al-tirana"

    # Bari still has the old list: it seals to the old key, and the receipt is signed with the old key
    # (the only one Bari can check).
    envelope = sealed(tirana, template, elira)
    response = post(client, envelope)
    assert response.status_code == 201
    verify_receipt(receipt=response.content, expected_digest=envelope_digest(envelope), signing_jwks=[old_signing])

    # The coordinator publishes the keys file Tirana exports now: both key sets, the old until its end.
    exported = directory.node_public_keys_document(now=NOW)
    assert [k["jwk"]["kid"] for k in exported["encryption_keys"]] == [new.encryption_kid, tirana.encryption_kid]
    key, draft = tmp_path / "coordinator.key", tmp_path / "network.json"
    coordinator.participant_add(draft, json.dumps(exported), now=NOW, replace=True, **ALBANIA)
    later = NOW + timedelta(minutes=5)
    directory.trust_list_import(jws=coordinator.trust_list_sign(draft, key, tmp_path / "list-2.jws", now=later,
                                                                 valid_days=30), now=later)
    fresh = sealed(tirana, template, elira, receiver_jwk=new.public_jwks()["encryption"], now=later)
    response = post(client, fresh)
    assert response.status_code == 201
    verify_receipt(receipt=response.content, expected_digest=envelope_digest(fresh),
                   signing_jwks=[new.public_jwks()["signing"]])

    # After the overlap the old key opens nothing (the node's clock, a month on).
    month_on = NOW + timedelta(days=31)
    directory.trust_list_import(jws=coordinator.trust_list_sign(draft, key, tmp_path / "list-3.jws",
                                                                 now=month_on, valid_days=30), now=month_on)
    stale = sealed(tirana, template, elira, now=month_on)
    before = InboundMessage.objects.count()
    with pytest.raises(EnvelopeRejected) as refused:
        envelope_receive(envelope=stale, now=month_on)
    assert refused.value.reason == "wrong_recipient" and InboundMessage.objects.count() == before
