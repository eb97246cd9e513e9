"""A node's keys are made once, kept encrypted, and only their public half leaves the node."""
import json
from datetime import timedelta

import pytest
from django.db import connection

from trm.audit.models import AuditEntry
from trm.directory import commands, services
from trm.directory.models import NodeIdentity

from .conftest import NOW

pytestmark = pytest.mark.django_db


def database_dump() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM directory_nodeidentity")
        rows = cursor.fetchall()
        cursor.execute("SELECT * FROM audit_auditentry")
        rows += cursor.fetchall()
    return repr(rows)


def test_the_private_keys_are_nowhere_in_the_database_in_clear(vault_key):
    keys = services.node_keys_create(node_id="rs-beograd")
    dump = database_dump()
    assert "rs-beograd" in dump
    assert keys.signing_jwk["d"] not in dump and keys.encryption_jwk["d"] not in dump


def test_the_stored_keys_read_back_as_the_ones_created(vault_key):
    keys = services.node_keys_create(node_id="rs-beograd")
    assert services.node_keys().to_json() == keys.to_json()


def test_the_stored_keys_do_not_decrypt_as_anything_else(vault_key):
    from trm.cases.vault import keyring
    from trm.lib import vault
    services.node_keys_create(node_id="rs-beograd")
    with pytest.raises(vault.VaultDecryptError):
        vault.decrypt(keyring(), bytes(NodeIdentity.objects.get().keys_blob), aad=b"trm:case-identity")


def test_a_node_makes_its_keys_only_once(vault_key):
    first = commands.init_keys("rs-beograd")
    assert first[0] == 0 and "next: trm directory export -o rs-beograd.keys.json" in first[1]
    assert commands.init_keys("rs-nis") == (2, "this node already has keys, as 'rs-beograd'")
    assert NodeIdentity.objects.get().node_id == "rs-beograd"


def test_a_node_id_the_trust_list_would_refuse_is_refused_at_once(vault_key):
    for wrong in ("RS Beograd", "rs-" + "x" * 100):
        code, text = commands.init_keys(wrong)
        assert code == 2 and "lowercase letters and digits" in text and not NodeIdentity.objects.exists()


def test_creating_the_keys_is_audited_with_their_fingerprints_only(vault_key):
    keys = services.node_keys_create(node_id="rs-beograd")
    entry = AuditEntry.objects.get(action="directory.node_keys_create")
    assert entry.object_id == "rs-beograd"
    assert entry.detail == {"signing_kid": keys.signing_kid, "encryption_kid": keys.encryption_kid}


def test_the_exported_document_holds_public_keys_valid_for_two_years(vault_key):
    keys = services.node_keys_create(node_id="rs-beograd")
    document = services.node_public_keys_document(now=NOW)
    assert document["node_id"] == "rs-beograd"
    assert [entry["jwk"] for entry in document["signing_keys"]] == [keys.public_jwks()["signing"]]
    entry = document["encryption_keys"][0]
    assert entry["jwk"] == keys.public_jwks()["encryption"]
    assert entry["not_before"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert entry["not_after"] == (NOW + timedelta(days=730)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert '"d"' not in json.dumps(document)


def test_export_without_a_file_prints_the_document(vault_key):
    services.node_keys_create(node_id="rs-beograd")
    code, text = commands.export_public_keys()
    assert code == 0 and json.loads(text)["node_id"] == "rs-beograd"


def test_export_before_the_keys_exist_says_how_to_make_them(vault_key):
    assert commands.export_public_keys() == (2, "this node has no keys yet: run trm directory keys NODE_ID")
