"""A node with its own vault key, and the network coordinator's files, in a temporary folder."""
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from trm.directory import coordinator
from trm.exchange.envelope import NodeKeys, utc_text

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SERBIA = {"country": "RS", "organisations": ["Republic Institute for Social Protection, Belgrade"],
          "roles": ["SOCIAL_SERVICES"], "endpoint": "https://trm.example.rs/exchange/inbox",
          "templates": ["trm-case-report@1.0"], "languages": ["sr-Latn", "sr-Cyrl", "en"]}
ITALY = {**SERBIA, "country": "IT", "organisations": ["On the Road, Apulia"], "roles": ["NGO"],
         "endpoint": "https://trm.example.it/exchange/inbox", "languages": ["it", "en"]}


@pytest.fixture
def vault_key(settings, tmp_path):
    from trm.cases import vault
    from trm.lib.vault import create_key_file
    settings.DATA_KEY, settings.DATA_KEY_FILE = None, tmp_path / "data.key"
    create_key_file(settings.DATA_KEY_FILE)
    vault.keyring.cache_clear()
    yield
    vault.keyring.cache_clear()


class Network:
    """The coordinator's folder: its key, its draft with one Italian node, and what it signs."""

    def __init__(self, folder: Path):
        self.folder, self.key, self.draft = folder, folder / "coordinator.key", folder / "network.json"
        self.public_key = coordinator.public_key_path(self.key)
        coordinator.coordinator_init(self.key)
        italy = NodeKeys.generate("it-bari", now=NOW)
        coordinator.participant_add(self.draft, keys_file_text(italy), network="see-trm", now=NOW, **ITALY)

    def sign(self, *, now=NOW, days=30, name="list.jws") -> str:
        return coordinator.trust_list_sign(self.draft, self.key, self.folder / name, now=now, valid_days=days)


def keys_file_text(keys: NodeKeys) -> str:
    window = {"not_before": utc_text(NOW - timedelta(days=1)), "not_after": utc_text(NOW + timedelta(days=730))}
    public = keys.public_jwks()
    return json.dumps({"node_id": keys.node_id, "signing_keys": [{"jwk": public["signing"], **window}],
                       "encryption_keys": [{"jwk": public["encryption"], **window}]})


@pytest.fixture
def network(tmp_path):
    folder = tmp_path / "coordinator"
    folder.mkdir()
    return Network(folder)


@pytest.fixture
def node(db, vault_key, network):
    """A node that trusts the coordinator and uses its first list."""
    from trm.directory import services
    services.coordinator_trust_set(public_jwk=coordinator.coordinator_key_load(network.key).public_jwk())
    services.trust_list_import(jws=network.sign(now=NOW - timedelta(days=1)), now=NOW)
    return network


def days(n: int) -> timedelta:
    return timedelta(days=n)
