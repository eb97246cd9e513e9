"""The coordinator's signed trust list, through trm.exchange.trustlist: what a node accepts and refuses."""
import base64
import copy
import json
from datetime import datetime, timezone

import pytest

from trm.exchange.envelope import NodeKeys
from trm.exchange.trustlist import CoordinatorKey, TrustListError, sign_trust_list, verify_trust_list

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
COORDINATOR = CoordinatorKey.generate()
TIRANA = NodeKeys.generate("al-tirana", now=NOW)
TIRANA_NEXT = NodeKeys.generate("al-tirana", now=NOW)
ROMA = NodeKeys.generate("it-roma", now=NOW)


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def entry(jwk, not_before="2026-01-01T00:00:00Z", not_after="2027-12-31T00:00:00Z"):
    return {"jwk": jwk, "not_before": not_before, "not_after": not_after}


def participant(node, **changes):
    return {"node_id": node.node_id, "country": "AL", "organisations": [f"{node.node_id} contact point"],
            "roles": ["NATIONAL_CONTACT_POINT"], "endpoint": "https://trm.example.al/exchange/inbox",
            "signing_keys": [entry(node.public_jwks()["signing"])],
            "encryption_keys": [entry(node.public_jwks()["encryption"])],
            "templates": ["trm-case-report@1.0"], "languages": ["en"], **changes}


def document(**changes):
    return {"version": 3, "network": "see-trm", "issued_at": "2026-12-01T00:00:00Z",
            "expires_at": "2027-01-01T00:00:00Z",
            "participants": [participant(TIRANA), participant(ROMA, country="IT", endpoint="https://trm.example.it")],
            **changes}


def verified(jws, now=NOW, key=COORDINATOR):
    return verify_trust_list(jws, key.public_jwk(), now=now)


def refusal(jws, **options):
    with pytest.raises(TrustListError) as caught:
        verified(jws, **options)
    return str(caught.value)


def signed(doc=None):
    return sign_trust_list(doc or document(), COORDINATOR.private_jwk, now=NOW)


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def shape_problem(doc):
    with pytest.raises(TrustListError) as caught:
        sign_trust_list(doc, COORDINATOR.private_jwk, now=NOW)
    return str(caught.value)


# Accepted -----------------------------------------------------------------------------------------

def test_a_signed_list_verifies_and_names_its_participants():
    trust = verified(signed())
    assert (trust.version, trust.network, trust.expires_at) == (3, "see-trm", at("2027-01-01T00:00:00Z"))
    assert trust.participant("it-roma").endpoint == "https://trm.example.it"
    assert trust.participant("it-roma").templates == ("trm-case-report@1.0",)
    assert trust.participant("md-chisinau") is None


def test_a_node_finds_the_keys_of_a_participant():
    trust = verified(signed())
    assert trust.signing_jwks("al-tirana", at=NOW) == [TIRANA.public_jwks()["signing"]]
    assert trust.encryption_jwk("it-roma", at=NOW) == ROMA.public_jwks()["encryption"]
    assert trust.signing_jwks("md-chisinau", at=NOW) == [] and trust.encryption_jwk("md-chisinau", at=NOW) is None


def test_a_rotated_signing_key_is_accepted_during_the_overlap_and_refused_after():
    keys = [entry(TIRANA.public_jwks()["signing"], not_after="2026-12-10T00:00:00Z"),
            entry(TIRANA_NEXT.public_jwks()["signing"], not_before="2026-12-01T00:00:00Z")]
    doc = document(participants=[participant(TIRANA, signing_keys=keys)])
    trust = verified(signed(doc))
    old, new = TIRANA.signing_kid, TIRANA_NEXT.signing_kid
    assert [jwk["kid"] for jwk in trust.signing_jwks("al-tirana", at=at("2026-12-05T00:00:00Z"))] == [old, new]
    assert [jwk["kid"] for jwk in trust.signing_jwks("al-tirana", at=at("2026-12-10T00:00:00Z"))] == [new]


def test_senders_encrypt_to_the_newest_valid_encryption_key():
    keys = [entry(TIRANA.public_jwks()["encryption"], not_after="2026-12-10T00:00:00Z"),
            entry(TIRANA_NEXT.public_jwks()["encryption"], not_before="2026-12-05T00:00:00Z")]
    doc = document(participants=[participant(TIRANA, encryption_keys=keys)])
    trust = verified(signed(doc))
    assert trust.encryption_jwk("al-tirana", at=at("2026-12-04T00:00:00Z"))["kid"] == TIRANA.encryption_kid
    assert trust.encryption_jwk("al-tirana", at=at("2026-12-06T00:00:00Z"))["kid"] == TIRANA_NEXT.encryption_kid


# Refused ------------------------------------------------------------------------------------------

def test_a_list_with_one_byte_of_its_payload_changed_is_refused():
    header, payload, signature = signed().split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    changed = raw.replace(b"https://trm.example.it", b"https://trm.example.iu")
    assert "does not verify" in refusal(f"{header}.{b64(changed)}.{signature}")


def test_an_expired_list_is_refused():
    assert "expired at 2027-01-01T00:00:00Z" in refusal(signed(), now=at("2027-01-01T00:00:00Z"))


def test_a_list_not_yet_issued_is_refused():
    assert "not valid before" in refusal(signed(), now=at("2026-11-30T23:00:00Z"))


def test_an_unsigned_list_is_refused():
    header = b64(json.dumps({"alg": "none", "typ": "trm-trust-list+jws"}).encode())
    assert "alg 'none'" in refusal(f"{header}.{b64(json.dumps(document()).encode())}.")


def test_a_list_signed_by_another_key_is_refused():
    impostor = CoordinatorKey.generate()
    assert "not the coordinator's" in refusal(sign_trust_list(document(), impostor.private_jwk, now=NOW))


def test_a_list_signed_by_another_key_under_the_coordinator_kid_is_refused():
    impostor = CoordinatorKey.generate()
    forged_key = {**impostor.private_jwk, "kid": COORDINATOR.kid}
    assert "does not verify" in refusal(sign_trust_list(document(), forged_key, now=NOW))


def test_something_that_is_not_a_jws_is_refused():
    assert "malformed" in refusal("hello")


def test_the_coordinator_will_not_sign_a_list_that_has_already_expired():
    assert "not after now" in shape_problem(document(expires_at="2026-12-02T00:00:00Z"))


# Document shape -----------------------------------------------------------------------------------

def with_participant(**changes):
    return document(participants=[participant(TIRANA, **changes)])


def test_a_plain_http_endpoint_is_named_as_the_problem():
    problem = shape_problem(with_participant(endpoint="http://trm.example.al/inbox"))
    assert problem.startswith("participants[0].endpoint: must be an https URL")


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:8001/exchange/inbox", "http://localhost:8002"])
def test_http_is_allowed_on_the_loopback_for_local_demos(endpoint):
    assert verified(signed(with_participant(endpoint=endpoint))).participants[0].endpoint == endpoint


@pytest.mark.parametrize("endpoint", [
    "http://localhost.example.org", "http://127.0.0.1@evil.example", "ftp://x.al", "https://x.al:99999",
])
def test_lookalikes_of_the_loopback_are_refused(endpoint):
    assert "endpoint: must be an https URL" in shape_problem(with_participant(endpoint=endpoint))


def test_kosovo_is_accepted_as_xk():
    assert verified(signed(with_participant(country="XK"))).participants[0].country == "XK"


@pytest.mark.parametrize(("changes", "problem"), [
    ({"country": "KS"}, "participants[0].country: 'KS' is not an ISO 3166-1 alpha-2 code"),
    ({"roles": []}, "participants[0].roles: must be a non-empty list"),
    ({"templates": ["trm-case-report"]}, "participants[0].templates[0]: must be name@major.minor"),
    ({"languages": ["Albanian"]}, "participants[0].languages[0]: must be a BCP 47 tag"),
    ({"phone": "+355"}, "participants[0]: unknown field phone"),
    ({"signing_keys": [entry(TIRANA.signing_jwk)]}, "participants[0].signing_keys[0].jwk: must be a public JWK"),
    ({"signing_keys": [entry(TIRANA.public_jwks()["encryption"])]},
     "participants[0].signing_keys[0].jwk: not an OKP Ed25519 JWK"),
    ({"encryption_keys": [entry(TIRANA.public_jwks()["encryption"], not_after="2025-01-01T00:00:00Z")]},
     "participants[0].encryption_keys[0].not_after: must be after not_before"),
    ({"signing_keys": [entry(TIRANA.public_jwks()["signing"], not_before="2026-01-01")]},
     "participants[0].signing_keys[0].not_before: must be a UTC time"),
])
def test_a_participant_of_the_wrong_shape_is_named_as_the_problem(changes, problem):
    assert shape_problem(with_participant(**changes)).startswith(problem)


def test_a_participant_without_endpoint_is_named_as_the_problem():
    doc = with_participant()
    del doc["participants"][0]["endpoint"]
    assert shape_problem(doc) == "participants[0]: missing endpoint"


def test_a_node_listed_twice_is_named_as_the_problem():
    doc = document()
    doc["participants"].append(copy.deepcopy(doc["participants"][0]))
    assert shape_problem(doc) == "participants[].node_id: 'al-tirana' appears twice"


@pytest.mark.parametrize(("changes", "problem"), [
    ({"version": "3"}, "version: must be a positive integer"),
    ({"expires_at": "2026-11-01T00:00:00Z"}, "expires_at: must be after issued_at"),
    ({"participants": []}, "participants: must be a non-empty list"),
])
def test_a_document_of_the_wrong_shape_is_named_as_the_problem(changes, problem):
    assert shape_problem(document(**changes)) == problem
