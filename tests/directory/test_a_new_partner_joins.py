"""Story 7: a child-protection directorate in Serbia joins the network, with commands only."""
import pytest
from django.utils import timezone

from trm.audit.models import AuditEntry
from trm.directory import commands, services
from trm.directory.models import TrustListRecord

from .conftest import SERBIA

pytestmark = pytest.mark.django_db


def join(tmp_path):
    """Every step of story 7 on one machine; the coordinator's files and the node's meet as files."""
    key, draft, keys_file, signed = (str(tmp_path / name) for name in
                                     ("coordinator.key", "network.json", "rs-beograd.keys.json", "list.jws"))
    steps = [
        commands.coordinator_init(key),
        commands.init_keys("rs-beograd"),
        commands.export_public_keys(keys_file),
        commands.add_participant(draft, keys_file, network="see-trm", **{**SERBIA, "country": "rs"}),
        commands.sign(draft, key, signed, days=90),
        commands.set_coordinator(key + ".pub"),
        commands.import_list(signed),
    ]
    return steps


def test_every_step_succeeds_and_the_node_finds_itself_in_the_list(tmp_path, vault_key):
    steps = join(tmp_path)
    assert [code for code, _ in steps] == [0] * 7, steps
    assert "this node (rs-beograd) is listed with its keys: it can send and receive" in steps[-1][1]


def test_show_lists_the_network_and_the_serbian_participant(tmp_path, vault_key):
    join(tmp_path)
    code, text = commands.show()
    assert code == 0
    assert "trust list: see-trm version 1" in text
    assert "rs-beograd               RS  https://trm.example.rs/exchange/inbox  (this node)" in text


def test_another_node_reading_the_list_finds_the_keys_to_encrypt_to_and_verify_with(tmp_path, vault_key):
    join(tmp_path)
    now = timezone.now()
    trust = services.current_trust_list(now=now)
    public = services.node_keys().public_jwks()
    assert trust.encryption_jwk("rs-beograd", at=now) == public["encryption"]
    assert trust.signing_jwks("rs-beograd", at=now) == [public["signing"]]


def test_the_import_is_in_the_audit_log_with_its_version_and_network(tmp_path, vault_key):
    join(tmp_path)
    entry = AuditEntry.objects.get(action="directory.import")
    assert entry.detail == {"version": 1, "network": "see-trm"} and entry.actor_label == "system"


def test_importing_the_same_list_again_changes_nothing(tmp_path, vault_key):
    join(tmp_path)
    assert commands.import_list(str(tmp_path / "list.jws"))[0] == 0
    assert TrustListRecord.objects.count() == 1 and AuditEntry.objects.filter(action="directory.import").count() == 1


def test_before_any_list_show_says_what_to_do_next(vault_key):
    code, text = commands.show()
    assert code == 1
    assert "node: no keys yet (trm directory keys NODE_ID)" in text
    assert "no current trust list: import one with trm directory import FILE" in text
