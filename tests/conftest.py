"""Shared fixtures: the case-report template and the reference report of story 1 (Elira)."""
import copy
import json
from datetime import date
from importlib import import_module
from pathlib import Path

import pytest

from trm import reporting

EXAMPLES = Path(__file__).parent / "reporting" / "examples"
TODAY = date(2026, 12, 3)


@pytest.fixture(scope="session")
def template():
    return reporting.load_template()


@pytest.fixture
def elira():
    """Story 1: a 17-year-old (age uncertain) Albanian girl in agricultural labour in Apulia."""
    return copy.deepcopy(json.loads((EXAMPLES / "elira-valid" / "report.json").read_text()))


def _commits(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    by_marker = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    return by_marker or bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _audit_log_emptied_after_transactional_tests_on_sqlite(request):
    """Tests that commit leave audit entries that the append-only triggers will not let Django's
    flush delete on SQLite (PostgreSQL truncates, which the triggers allow)."""
    if not _commits(request):
        yield
        return
    from django.db import connection
    if connection.vendor != "sqlite":
        yield
        return
    request.getfixturevalue("transactional_db")  # set up before this fixture, so flushed after it
    yield
    triggers = import_module("trm.audit.migrations.0002_audit_entry_append_only_triggers")
    with connection.schema_editor() as editor:
        triggers.drop_triggers(None, editor)
        editor.execute("DELETE FROM audit_auditentry")
        triggers.create_triggers(None, editor)


# --- personas: an NGO in Apulia and the Albanian national contact point -------------------------

class Persona:
    """A user of a node, with an API token and a logged-in browser client."""

    def __init__(self, user, token):
        self.user, self.token = user, token

    def headers(self, language="en"):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}", "HTTP_ACCEPT_LANGUAGE": language}


@pytest.fixture
def people(db, settings):
    from trm.accounts.services import organisation_create, token_create, user_create
    settings.REQUIRE_MFA = False
    settings.PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]
    italy = organisation_create(name="On the Road, Apulia", country="IT", kind="NGO")
    albania = organisation_create(name="National contact point of Albania", country="AL", kind="NATIONAL_CONTACT_POINT")
    cast = {}
    for name, org, role in [
        ("giulia", italy, "CASEWORKER"), ("marco", italy, "SUPERVISOR"), ("paola", italy, "NATIONAL_CONTACT_POINT"),
        ("anna", italy, "AUDITOR"), ("admin", italy, "ADMINISTRATOR"), ("arben", albania, "CASEWORKER"),
    ]:
        user, _ = user_create(username=name, organisation=org, role=role, password="a long test password")
        cast[name] = Persona(user, token_create(user=user))
    return cast


@pytest.fixture
def api(client):
    """Call the API as a persona: api(persona, "post", "/api/v1/cases", json_body)."""
    def call(persona, method, path, body=None, language="en"):
        headers = persona.headers(language) if persona else {"HTTP_ACCEPT_LANGUAGE": language}
        if body is None:
            return getattr(client, method)(path, **headers)
        return getattr(client, method)(path, data=json.dumps(body), content_type="application/json", **headers)
    return call


# --- this node in a network: Bari, with the Albanian contact point as the far side -----------------

class FarSide:
    """The network around this node (it-bari): a coordinator's list naming it and al-tirana, whose
    private keys the test holds, so that it can open what this node seals (no network needed)."""

    def __init__(self, folder, now):
        from trm.directory import coordinator
        from trm.directory import services as directory
        from trm.exchange.envelope import NodeKeys, utc_text
        from datetime import timedelta
        self.now = now
        self.bari = directory.node_keys_create(node_id="it-bari")
        self.tirana = NodeKeys.generate("al-tirana", now=now)
        key, draft = folder / "coordinator.key", folder / "network.json"
        coordinator.coordinator_init(key)
        window = {"not_before": utc_text(now - timedelta(days=1)), "not_after": utc_text(now + timedelta(days=730))}
        for keys, country, organisation, role in [
            (self.bari, "IT", "On the Road, Apulia", "NGO"),
            (self.tirana, "AL", "National contact point of Albania", "NATIONAL_CONTACT_POINT"),
        ]:
            public = keys.public_jwks()
            document = json.dumps({"node_id": keys.node_id, "signing_keys": [{"jwk": public["signing"], **window}],
                                   "encryption_keys": [{"jwk": public["encryption"], **window}]})
            coordinator.participant_add(
                draft, document, country=country, organisations=[organisation], roles=[role],
                endpoint=f"https://trm.example.{country.lower()}/exchange/inbox", templates=["trm-case-report@1.0"],
                languages=["en"], now=now, network="see-trm" if keys is self.bari else None)
        directory.coordinator_trust_set(public_jwk=coordinator.coordinator_key_load(key).public_jwk())
        directory.trust_list_import(jws=coordinator.trust_list_sign(draft, key, folder / "list.jws", now=now,
                                                                    valid_days=30), now=now)


@pytest.fixture
def far_side(db, tmp_path):
    from datetime import datetime, timezone
    return FarSide(tmp_path, datetime.now(timezone.utc).replace(microsecond=0))
