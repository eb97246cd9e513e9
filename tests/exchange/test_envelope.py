"""Envelopes between two nodes, through trm.exchange.envelope; jwcrypto is the independent oracle.

Hostile envelopes are made with jwcrypto too, so that what is refused is refused for its content,
not because trm's own code wrote it differently.
"""
import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwe as oracle_jwe
from jwcrypto import jwk as oracle_jwk
from jwcrypto import jws as oracle_jws

from trm.exchange.envelope import (
    EnvelopeRejected, NodeKeys, ReplayWindow, open_envelope, receipt, recipient_kid, seal, verify_receipt,
)
from trm.exchange.trustlist import CoordinatorKey, sign_trust_list, verify_trust_list

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
TIRANA = NodeKeys.generate("al-tirana", now=NOW)
ROMA = NodeKeys.generate("it-roma", now=NOW)
BEOGRAD = NodeKeys.generate("rs-beograd", now=NOW)
MARKER = "Elira Hoxha born 2008-03-14 Fier"
PAYLOAD = {"trm_case_ref": "TRM-2026-0042", "person": {"given_name": MARKER}, "languages": ["sq", "it"]}
TEMPLATE = "trm-case-report@1.0"
MESSAGE_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"


def directory(*nodes):
    keys = {node.node_id: [node.public_jwks()["signing"]] for node in nodes}
    return lambda node_id: keys.get(node_id, [])


def sealed(sender=TIRANA, receiver=ROMA, **changes):
    arguments = {"payload": PAYLOAD, "message_type": "CASE_NOTIFICATION", "sender": sender,
                 "receiver_id": receiver.node_id, "receiver_encryption_jwk": receiver.public_jwks()["encryption"],
                 "template": TEMPLATE, "now": NOW, "message_id": MESSAGE_ID}
    return seal(**{**arguments, **changes})


def opened(envelope, receiver=ROMA, senders=directory(TIRANA, BEOGRAD), now=NOW, **options):
    return open_envelope(envelope=envelope, receiver=receiver, sender_signing_jwks=senders, now=now, **options)


def rejection(envelope, **options):
    with pytest.raises(EnvelopeRejected) as caught:
        opened(envelope, **options)
    return caught.value.reason


def oracle_key(jwk):
    return oracle_jwk.JWK(**jwk)


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(**changes):
    return {"message_id": MESSAGE_ID, "type": "CASE_NOTIFICATION", "sender": "al-tirana", "receiver": "it-roma",
            "created_at": "2026-12-03T10:00:00Z", "template": TEMPLATE, "payload": PAYLOAD, **changes}


def signed_by_oracle(node, content, alg="EdDSA", typ="trm-message+jws", key=None):
    token = oracle_jws.JWS(json.dumps(content).encode())
    token.add_signature(key or oracle_key(node.signing_jwk), alg=alg,
                        protected=json.dumps({"alg": alg, "kid": node.signing_kid, "typ": typ}))
    return token.serialize(compact=True)


def encrypted_by_oracle(inner, to=ROMA, key=None, **header):
    protected = {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": to.encryption_kid, "cty": "trm-message+jws"}
    token = oracle_jwe.JWE(inner.encode() if isinstance(inner, str) else inner,
                           protected=json.dumps({**protected, **header}))
    token.add_recipient(key or oracle_key(to.public_jwks()["encryption"]))
    return token.serialize(compact=True).encode()


def segments(envelope):
    return [base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4)) for part in envelope.split(b".")]


# What the receiver gets ---------------------------------------------------------------------------

def test_a_sealed_message_opens_with_its_sender_type_template_and_payload():
    message = opened(sealed())
    assert (message.sender, message.receiver, message.type) == ("al-tirana", "it-roma", "CASE_NOTIFICATION")
    assert (message.message_id, message.created_at, message.template) == (MESSAGE_ID, NOW, TEMPLATE)
    assert message.payload == PAYLOAD


def test_each_message_gets_a_fresh_id_when_none_is_given():
    first, second = opened(sealed(message_id=None)), opened(sealed(message_id=None))
    assert first.message_id != second.message_id


def test_the_digest_is_the_sha256_of_the_envelope_as_received():
    envelope = sealed()
    assert opened(envelope).digest == hashlib.sha256(envelope).hexdigest()


def test_a_payload_larger_than_joserfc_default_limits_still_round_trips():
    payload = {"notes": "ë" * 200_000}
    assert opened(sealed(payload=payload)).payload == payload


def test_the_envelope_never_contains_the_payload_in_clear():
    envelope = sealed()
    assert MARKER.encode() not in envelope
    assert not any(MARKER.encode() in segment or b"TRM-2026-0042" in segment for segment in segments(envelope))


def test_the_outer_header_names_only_the_algorithms_the_receiver_key_and_the_content_type():
    header = json.loads(segments(sealed())[0])
    assert {name: header[name] for name in ("alg", "enc", "kid", "cty")} == {
        "alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": ROMA.encryption_kid, "cty": "trm-message+jws"}
    assert recipient_kid(sealed()) == ROMA.encryption_kid


def test_jwcrypto_decrypts_and_verifies_an_envelope_trm_wrote():
    outer = oracle_jwe.JWE()
    outer.deserialize(sealed().decode(), key=oracle_key(ROMA.encryption_jwk))
    inner = oracle_jws.JWS()
    inner.deserialize(outer.payload.decode())
    inner.verify(oracle_key(TIRANA.public_jwks()["signing"]), alg="EdDSA")
    assert inner.jose_header == {"alg": "EdDSA", "kid": TIRANA.signing_kid, "typ": "trm-message+jws"}
    assert json.loads(inner.payload) == claims()


def test_trm_opens_an_envelope_jwcrypto_wrote():
    envelope = encrypted_by_oracle(signed_by_oracle(TIRANA, claims()))
    assert opened(envelope).payload == PAYLOAD


# What the receiver refuses ------------------------------------------------------------------------

def test_an_envelope_over_the_size_limit_is_refused_before_it_is_read():
    envelope = sealed()
    assert rejection(envelope, max_bytes=len(envelope) - 1) == "too_large"
    assert rejection(b"\xff" * 1_000_001) == "too_large"


def test_a_truncated_envelope_is_malformed():
    envelope = sealed()
    assert rejection(envelope[: len(envelope) // 2]) == "malformed"


def test_bytes_that_are_not_an_envelope_are_malformed():
    assert rejection(b"not.an.envelope.at.all") == "malformed"
    assert rejection("ünïcode".encode()) == "malformed"


def test_a_changed_ciphertext_byte_makes_the_envelope_undecryptable():
    parts = sealed().split(b".")
    middle = len(parts[3]) // 2
    parts[3] = parts[3][:middle] + (b"A" if parts[3][middle:middle + 1] != b"A" else b"B") + parts[3][middle + 1:]
    assert rejection(b".".join(parts)) == "undecryptable"


def test_an_envelope_encrypted_to_another_key_under_our_kid_is_undecryptable():
    other_key = oracle_key(BEOGRAD.public_jwks()["encryption"])
    assert rejection(encrypted_by_oracle(signed_by_oracle(TIRANA, claims()), key=other_key)) == "undecryptable"


def test_an_envelope_sealed_to_another_node_key_is_for_the_wrong_recipient():
    assert rejection(sealed(receiver=BEOGRAD)) == "wrong_recipient"


def test_an_envelope_addressed_to_another_node_inside_is_for_the_wrong_recipient():
    assert rejection(sealed(receiver_id="rs-beograd")) == "wrong_recipient"


def test_a_message_whose_signed_content_was_changed_has_a_bad_signature():
    header, payload, signature = signed_by_oracle(TIRANA, claims()).split(".")
    changed = b64(json.dumps(claims(payload={"trm_case_ref": "TRM-2026-9999"})).encode())
    assert rejection(encrypted_by_oracle(".".join([header, changed, signature]))) == "bad_signature"


def test_a_message_signed_by_another_node_in_the_sender_name_has_a_bad_signature():
    forged = signed_by_oracle(TIRANA, claims(), key=oracle_key(BEOGRAD.signing_jwk))
    assert rejection(encrypted_by_oracle(forged)) == "bad_signature"


def test_a_message_from_a_node_not_in_the_directory_is_from_an_unknown_sender():
    assert rejection(sealed(), senders=directory(BEOGRAD)) == "unknown_sender"


def test_a_message_signed_with_a_key_the_directory_does_not_list_is_from_an_unknown_sender():
    assert rejection(sealed(sender=NodeKeys.generate("al-tirana", now=NOW))) == "unknown_sender"


def test_a_message_of_a_type_not_in_the_catalogue_is_refused():
    envelope = encrypted_by_oracle(signed_by_oracle(TIRANA, claims(type="GOSSIP")))
    assert rejection(envelope) == "unknown_type"


def test_trm_will_not_seal_a_message_of_an_unknown_type():
    with pytest.raises(ValueError, match="unknown message type"):
        sealed(message_type="GOSSIP")


def test_a_message_older_than_the_window_has_expired():
    envelope = sealed()
    assert opened(envelope, now=NOW + timedelta(days=2)).message_id == MESSAGE_ID
    assert rejection(envelope, now=NOW + timedelta(days=2, seconds=1)) == "expired"


def test_a_message_from_beyond_the_clock_skew_is_from_the_future():
    envelope = sealed()
    assert opened(envelope, now=NOW - timedelta(minutes=10)).message_id == MESSAGE_ID
    assert rejection(envelope, now=NOW - timedelta(minutes=10, seconds=1)) == "from_the_future"


def test_a_receipt_wrapped_as_a_message_is_a_header_mismatch():
    a_receipt = receipt(opened=opened(sealed()), receiver=ROMA, now=NOW)
    assert rejection(encrypted_by_oracle(a_receipt, to=TIRANA), receiver=TIRANA, senders=directory(ROMA)) \
        == "header_mismatch"


def test_a_message_signed_with_a_key_past_its_validity_is_from_an_unknown_sender():
    coordinator = CoordinatorKey.generate()
    document = one_node_trust_list(TIRANA, key_until="2026-12-02T00:00:00Z")
    trust = verify_trust_list(sign_trust_list(document, coordinator.private_jwk, now=NOW),
                              coordinator.public_jwk(), now=NOW)
    assert rejection(sealed(), senders=lambda node_id: trust.signing_jwks(node_id, at=NOW)) == "unknown_sender"


def one_node_trust_list(node, *, key_until):
    key = {"jwk": node.public_jwks()["signing"], "not_before": "2026-01-01T00:00:00Z", "not_after": key_until}
    encryption = {"jwk": node.public_jwks()["encryption"], "not_before": "2026-01-01T00:00:00Z",
                  "not_after": "2027-12-31T00:00:00Z"}
    participant = {"node_id": node.node_id, "country": "AL", "organisations": ["Tirana NCP"],
                   "roles": ["NATIONAL_CONTACT_POINT"], "endpoint": "https://trm.example.al",
                   "signing_keys": [key], "encryption_keys": [encryption], "templates": [TEMPLATE],
                   "languages": ["sq"]}
    return {"version": 1, "network": "see-trm", "issued_at": "2026-12-01T00:00:00Z",
            "expires_at": "2027-01-01T00:00:00Z", "participants": [participant]}


# Algorithm confusion ------------------------------------------------------------------------------

def test_a_jwe_using_alg_dir_is_refused():
    secret = oracle_jwk.JWK.generate(kty="oct", size=256)
    envelope = encrypted_by_oracle(signed_by_oracle(TIRANA, claims()), key=secret, alg="dir")
    assert rejection(envelope) == "malformed"


@pytest.mark.parametrize("header", [{"enc": "A128GCM"}, {"enc": "A256CBC-HS512"}, {"alg": "ECDH-ES"}])
def test_a_jwe_using_another_key_agreement_or_content_encryption_is_refused(header):
    assert rejection(encrypted_by_oracle(signed_by_oracle(TIRANA, claims()), **header)) == "malformed"


def test_a_jwe_with_compression_is_refused():
    assert rejection(encrypted_by_oracle(signed_by_oracle(TIRANA, claims()), zip="DEF")) == "malformed"


def test_an_unsigned_message_with_alg_none_is_refused():
    header = b64(json.dumps({"alg": "none", "kid": TIRANA.signing_kid, "typ": "trm-message+jws"}).encode())
    unsigned = f"{header}.{b64(json.dumps(claims()).encode())}."
    assert rejection(encrypted_by_oracle(unsigned)) == "bad_signature"


def test_a_message_macd_with_the_sender_public_key_as_hs256_secret_is_refused():
    public_as_secret = oracle_jwk.JWK(kty="oct", k=TIRANA.public_jwks()["signing"]["x"])
    forged = signed_by_oracle(TIRANA, claims(), alg="HS256", key=public_as_secret)
    assert rejection(encrypted_by_oracle(forged)) == "bad_signature"


# Replays ------------------------------------------------------------------------------------------

def test_a_message_seen_before_is_a_replay():
    window, message = ReplayWindow(), opened(sealed())
    window.check_and_remember(message.message_id, message.created_at, NOW)
    with pytest.raises(EnvelopeRejected, match="replayed"):
        window.check_and_remember(message.message_id, message.created_at, NOW + timedelta(hours=1))


def test_the_window_forgets_old_ids_and_refuses_messages_older_than_itself():
    window = ReplayWindow(max_age=timedelta(days=2))
    window.check_and_remember(MESSAGE_ID, NOW, NOW)
    window.check_and_remember("another", NOW + timedelta(days=3), NOW + timedelta(days=3))
    assert len(window) == 1
    with pytest.raises(EnvelopeRejected, match="expired"):
        window.check_and_remember(MESSAGE_ID, NOW, NOW + timedelta(days=3))


# Receipts -----------------------------------------------------------------------------------------

def test_a_receipt_names_the_message_its_digest_and_the_receiver():
    message = opened(sealed())
    signed = receipt(opened=message, receiver=ROMA, now=NOW + timedelta(seconds=5))
    verified = verify_receipt(receipt=signed, expected_digest=message.digest, signing_jwks=[ROMA.public_jwks()["signing"]])
    assert verified == {"message_id": MESSAGE_ID, "digest": message.digest, "received_at": "2026-12-03T10:00:05Z",
                        "receiver": "it-roma"}


def test_a_receipt_forged_by_another_node_is_refused():
    message = opened(sealed())
    forged = signed_by_oracle(ROMA, {"message_id": MESSAGE_ID, "digest": message.digest,
                                     "received_at": "2026-12-03T10:00:05Z", "receiver": "it-roma"},
                              typ="trm-receipt+jws", key=oracle_key(BEOGRAD.signing_jwk))
    with pytest.raises(EnvelopeRejected, match="bad_receipt"):
        verify_receipt(receipt=forged, expected_digest=message.digest, signing_jwks=[ROMA.public_jwks()["signing"]])


def test_a_receipt_for_other_bytes_is_refused():
    signed = receipt(opened=opened(sealed()), receiver=ROMA, now=NOW)
    with pytest.raises(EnvelopeRejected, match="bad_receipt"):
        verify_receipt(receipt=signed, expected_digest="0" * 64, signing_jwks=[ROMA.public_jwks()["signing"]])


def test_a_signed_message_is_not_accepted_as_a_receipt():
    message = signed_by_oracle(ROMA, claims())
    with pytest.raises(EnvelopeRejected, match="bad_receipt"):
        verify_receipt(receipt=message, expected_digest="0" * 64, signing_jwks=[ROMA.public_jwks()["signing"]])


# Keys ---------------------------------------------------------------------------------------------

def test_node_keys_survive_storage_as_json():
    assert NodeKeys.from_json(TIRANA.to_json()) == TIRANA


def test_published_keys_carry_no_private_part_and_say_what_they_are_for():
    public = TIRANA.public_jwks()
    assert public["signing"] == {**{k: TIRANA.signing_jwk[k] for k in ("kty", "crv", "x", "kid")},
                                 "use": "sig", "alg": "EdDSA"}
    assert (public["encryption"]["crv"], public["encryption"]["use"], public["encryption"]["alg"]) \
        == ("X25519", "enc", "ECDH-ES+A256KW")
    assert "d" not in public["signing"] and "d" not in public["encryption"]


def test_private_keys_never_appear_in_a_repr():
    assert TIRANA.signing_jwk["d"] not in repr(TIRANA)
    assert TIRANA.encryption_jwk["d"] not in repr(TIRANA)


# Properties ---------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(deadline=None, max_examples=50)
@given(st.dictionaries(st.text(), JSON_VALUES, max_size=6))
def test_any_payload_of_json_values_round_trips(payload):
    assert opened(sealed(payload=payload)).payload == payload
