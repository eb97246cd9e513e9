"""A node refuses a trust list it cannot trust, says why, and keeps the list it had."""
import base64
import json
from unittest import mock

import pytest
from django.utils import timezone

from trm.audit.models import AuditEntry
from trm.directory import commands, coordinator, services
from trm.directory.models import CoordinatorTrust, TrustListRecord
from trm.exchange.envelope import NodeKeys, utc_text
from trm.exchange.trustlist import CoordinatorKey, TrustListError, sign_trust_list

from .conftest import NOW, SERBIA, days, keys_file_text

pytestmark = pytest.mark.django_db


def state():
    return (list(TrustListRecord.objects.values_list("id", "is_current").order_by("id")),
            AuditEntry.objects.filter(action="directory.import").count())


def refused(jws, now=NOW) -> str:
    before = state()
    with pytest.raises(TrustListError) as caught:
        services.trust_list_import(jws=jws, now=now)
    assert state() == before, "a refused list changed what the node holds"
    return str(caught.value)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_an_unsigned_list_is_refused(node):
    draft = json.loads(node.draft.read_text())
    header = b64(json.dumps({"alg": "none", "typ": "trm-trust-list+jws"}).encode())
    assert "alg 'none'" in refused(f"{header}.{b64(json.dumps(draft).encode())}.")


def test_a_tampered_list_is_refused(node):
    header, payload, signature = node.sign().split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    changed = raw.replace(b"https://trm.example.it", b"https://evil.example.it")
    assert "does not verify" in refused(f"{header}.{b64(changed)}.{signature}")


def test_an_expired_list_is_refused(node):
    assert "expired at" in refused(node.sign(now=NOW - days(10), days=5, name="old.jws"), now=NOW)


def test_a_list_not_yet_valid_is_refused(node):
    assert "not valid before" in refused(node.sign(now=NOW + days(1)), now=NOW)


def test_a_list_signed_by_another_coordinator_is_refused(node):
    impostor = CoordinatorKey.generate()
    draft = {**json.loads(node.draft.read_text()), "issued_at": utc_text(NOW), "expires_at": utc_text(NOW + days(30))}
    jws = sign_trust_list(draft, impostor.private_jwk, now=NOW)
    assert "not the coordinator's" in refused(jws)


def test_a_list_older_than_the_current_one_is_refused_as_a_rollback(node):
    assert "rollback refused" in refused(node.sign(now=NOW - days(2)))


def test_a_list_of_another_network_is_refused(node):
    draft = {**json.loads(node.draft.read_text()), "network": "staging"}
    node.draft.write_text(json.dumps(draft))
    assert "network 'staging', this node is in 'see-trm'" in refused(node.sign())


def test_something_that_is_not_a_list_is_refused(node):
    assert "malformed" in refused("hello")
    assert "malformed" in refused("ḧello")


def test_a_list_is_refused_while_no_coordinator_key_is_trusted(db, vault_key, network):
    assert "no coordinator key is trusted yet" in refused(network.sign())


def test_the_import_command_says_it_refused_and_that_nothing_changed(node, tmp_path):
    node.sign(now=NOW - days(10), days=5, name="old.jws")
    code, text = commands.import_list(str(node.folder / "old.jws"))
    assert code == 1 and text.startswith("trust list refused, nothing changed: trust list expired at")


def test_the_import_command_names_a_missing_or_unreadable_file(node, tmp_path):
    (tmp_path / "binary.jws").write_bytes(b"\xff\xfe")
    absent, binary = tmp_path / "absent.jws", tmp_path / "binary.jws"
    assert commands.import_list(str(absent)) == (2, f"cannot read {absent}: No such file or directory")
    assert commands.import_list(str(binary)) == (2, f"cannot read {binary}: not UTF-8 text")


# What is accepted instead -----------------------------------------------------------------------

def test_a_newer_list_becomes_the_only_current_one(node):
    serbia = NodeKeys.generate("rs-beograd", now=NOW)
    coordinator.participant_add(node.draft, keys_file_text(serbia), now=NOW, **SERBIA)
    record = services.trust_list_import(jws=node.sign(), now=NOW)
    assert list(TrustListRecord.objects.filter(is_current=True)) == [record] and record.version == 2
    assert services.current_trust_list(now=NOW).participant("rs-beograd").country == "RS"


def test_an_expired_current_list_is_no_longer_used(node):
    assert services.current_trust_list(now=NOW + days(40)) is None
    with mock.patch.object(timezone, "now", autospec=True, return_value=NOW + days(40)):
        code, text = commands.show()
    assert code == 1 and "no current trust list" in text


def test_a_current_list_altered_in_the_database_is_not_used(node):
    record = TrustListRecord.objects.get(is_current=True)
    header, payload, signature = record.jws.split(".")
    TrustListRecord.objects.filter(pk=record.pk).update(jws=f"{header}.{payload[:-2]}AA.{signature}")
    with pytest.raises(TrustListError):
        services.current_trust_list(now=NOW)
    code, text = commands.show()
    assert code == 1 and "the stored trust list does not verify" in text


# The coordinator's key on the node --------------------------------------------------------------

def test_the_coordinators_private_key_is_refused_and_not_stored(db, vault_key, network):
    code, text = commands.set_coordinator(str(network.key))
    assert code == 2 and "this is a private key" in text and not CoordinatorTrust.objects.exists()


def test_replacing_the_coordinator_key_is_explicit_and_retires_the_list_it_signed(node, tmp_path):
    other = tmp_path / "other.key"
    coordinator.coordinator_init(other)
    code, text = commands.set_coordinator(f"{other}.pub")
    assert code == 2 and "replacing it is explicit (--replace)" in text
    assert commands.set_coordinator(f"{other}.pub", replace=True)[0] == 0
    assert services.current_trust_list(now=NOW) is None and TrustListRecord.objects.count() == 1


def test_trusting_the_same_coordinator_key_again_changes_nothing(node):
    assert commands.set_coordinator(str(node.public_key))[0] == 0
    assert services.current_trust_list(now=NOW) is not None
