"""The coordinator's tools work on files only: a key nobody else can read, and a draft that is
changed only into another valid document."""
import json
import os
import stat

import pytest

from trm.directory import commands, coordinator
from trm.exchange.envelope import NodeKeys
from trm.exchange.trustlist import verify_trust_list

from .conftest import NOW, SERBIA, keys_file_text


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def serbia_keys(tmp_path):
    path = tmp_path / "rs-beograd.keys.json"
    path.write_text(keys_file_text(NodeKeys.generate("rs-beograd", now=NOW)))
    return str(path)


def sign(tmp_path, **options):
    return commands.sign(str(tmp_path / "network.json"), str(tmp_path / "coordinator.key"), str(tmp_path / "list.jws"),
                         **options)


def add(draft, keys_file, **changes):
    return commands.add_participant(str(draft), keys_file, **{"network": "see-trm", **SERBIA, **changes})


def test_the_private_key_file_is_readable_by_its_owner_only_whatever_the_umask(tmp_path):
    previous = os.umask(0)
    try:
        code, text = commands.coordinator_init(str(tmp_path / "coordinator.key"))
    finally:
        os.umask(previous)
    assert code == 0 and "fingerprint (kid):" in text
    assert mode(tmp_path / "coordinator.key") == 0o600 and mode(tmp_path / "coordinator.key.pub") == 0o644


def test_the_public_key_file_holds_no_private_part(tmp_path):
    key = coordinator.coordinator_init(tmp_path / "coordinator.key")
    assert json.loads((tmp_path / "coordinator.key.pub").read_text()) == key.public_jwk()
    assert "d" not in key.public_jwk()


def test_an_existing_key_is_never_overwritten(tmp_path):
    path = tmp_path / "coordinator.key"
    coordinator.coordinator_init(path)
    before = path.read_bytes()
    code, text = commands.coordinator_init(str(path))
    assert code == 2 and "a key is never overwritten" in text and path.read_bytes() == before


def test_a_key_file_that_others_can_read_is_not_used_to_sign(tmp_path, serbia_keys):
    coordinator.coordinator_init(tmp_path / "coordinator.key")
    add(tmp_path / "network.json", serbia_keys)
    os.chmod(tmp_path / "coordinator.key", 0o644)
    code, text = sign(tmp_path)
    assert code == 2 and "chmod 600" in text and not (tmp_path / "list.jws").exists()


def test_a_signed_list_verifies_with_the_public_key_file(tmp_path, serbia_keys):
    key = coordinator.coordinator_init(tmp_path / "coordinator.key")
    add(tmp_path / "network.json", serbia_keys)
    jws = coordinator.trust_list_sign(tmp_path / "network.json", tmp_path / "coordinator.key", tmp_path / "list.jws",
                                      now=NOW, valid_days=30)
    trust = verify_trust_list((tmp_path / "list.jws").read_text().strip(), key.public_jwk(), now=NOW)
    assert jws == (tmp_path / "list.jws").read_text().strip() and trust.participant("rs-beograd").country == "RS"


def test_each_added_participant_raises_the_draft_version(tmp_path, serbia_keys):
    draft = tmp_path / "network.json"
    add(draft, serbia_keys)
    (tmp_path / "it.json").write_text(keys_file_text(NodeKeys.generate("it-bari", now=NOW)))
    code, text = add(draft, str(tmp_path / "it.json"), country="IT", network=None)
    assert code == 0 and "see-trm version 2, 2 participants" in text


def test_a_new_draft_needs_the_network_name(tmp_path, serbia_keys):
    code, text = add(tmp_path / "network.json", serbia_keys, network=None)
    assert code == 2 and "name the network to start one" in text and not (tmp_path / "network.json").exists()


def test_a_wrong_participant_leaves_the_draft_as_it_was(tmp_path, serbia_keys):
    draft = tmp_path / "network.json"
    add(draft, serbia_keys)
    before = draft.read_bytes()
    assert add(draft, serbia_keys) == (2, "draft not changed: participant 'rs-beograd' is already in the draft (--replace to update it)")
    (tmp_path / "other.json").write_text(keys_file_text(NodeKeys.generate("rs-nis", now=NOW)))
    code, text = add(draft, str(tmp_path / "other.json"), endpoint="http://trm.example.rs/")
    assert code == 2 and "participants[1].endpoint: must be an https URL" in text
    assert draft.read_bytes() == before


def test_a_keys_file_with_private_keys_is_refused(tmp_path):
    keys = NodeKeys.generate("rs-beograd", now=NOW)
    window = {"not_before": "2026-01-01T00:00:00Z", "not_after": "2099-01-01T00:00:00Z"}
    (tmp_path / "leaked.json").write_text(json.dumps({
        "node_id": "rs-beograd", "signing_keys": [{"jwk": keys.signing_jwk, **window}],
        "encryption_keys": [{"jwk": keys.encryption_jwk, **window}]}))
    code, text = add(tmp_path / "network.json", str(tmp_path / "leaked.json"))
    assert code == 2 and "must be a public JWK" in text


def test_a_file_that_is_not_a_keys_file_gets_a_clear_message(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "other.json").write_text('{"kty": "OKP"}')
    draft = tmp_path / "network.json"
    assert add(draft, str(tmp_path / "notes.txt"))[1].startswith("draft not changed: public keys: not JSON")
    assert "(node_id, signing_keys, encryption_keys)" in add(draft, str(tmp_path / "other.json"))[1]
    absent = tmp_path / "absent.json"
    assert add(draft, str(absent)) == (2, f"cannot read {absent}: No such file or directory")


def test_signing_needs_a_positive_number_of_days(tmp_path, serbia_keys):
    coordinator.coordinator_init(tmp_path / "coordinator.key")
    add(tmp_path / "network.json", serbia_keys)
    code, text = sign(tmp_path, days=0)
    assert code == 2 and "valid days must be a positive whole number" in text


def test_replacing_a_participant_keeps_one_entry_with_its_new_keys(tmp_path, serbia_keys):
    draft = tmp_path / "network.json"
    add(draft, serbia_keys)
    rotated = NodeKeys.generate("rs-beograd", now=NOW)
    (tmp_path / "rotated.json").write_text(keys_file_text(rotated))
    code, text = add(draft, str(tmp_path / "rotated.json"), replace=True)
    assert code == 0, text
    document = json.loads(draft.read_text())
    [serbia] = [p for p in document["participants"] if p["node_id"] == "rs-beograd"]
    assert serbia["signing_keys"][0]["jwk"]["kid"] == rotated.signing_kid and document["version"] == 2
