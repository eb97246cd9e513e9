"""Identifying data is encrypted at rest, found only by keyed index, read only with an audit entry,
and never written to a log."""
import logging

import pytest
from django.db import connection

from trm.audit.models import AuditEntry
from trm.cases.models import Case, CaseIdentity, NameIndex

pytestmark = pytest.mark.django_db


def _open(api, people, elira):
    return api(people["giulia"], "post", "/api/v1/cases", elira).json()["id"]


def _database_dump() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in ("cases_case", "cases_caseidentity", "cases_nameindex", "cases_caseevent", "audit_auditentry"):
            cursor.execute(f"SELECT * FROM {table}")
            chunks.append(repr(cursor.fetchall()))
    return "".join(chunks)


def test_her_name_address_and_birth_date_are_nowhere_in_the_database_in_clear(api, people, elira):
    _open(api, people, elira)
    dump = _database_dump()
    for secret in ("Elira", "Hoxha", "Via dei Campi", "Foggia"):
        assert secret not in dump


def test_the_open_part_keeps_what_statistics_need(api, people, elira):
    case = Case.objects.get(pk=_open(api, people, elira))
    assert case.data["overview"]["exploitation_types"] == ["FORCED_LABOUR", "CHILD_LABOUR"]
    assert "names" not in case.data.get("identity", {}) and case.data["identity"]["sex_gender"] == "Feminine"


def test_the_vault_is_bound_to_its_case(api, people, elira):
    """An identity blob moved to another case does not decrypt there."""
    from trm.cases import vault
    from trm.lib.vault import VaultDecryptError
    first = _open(api, people, elira)
    blob = bytes(CaseIdentity.objects.get(case_id=first).blob)
    with pytest.raises(VaultDecryptError):
        vault.unseal(first + 1, blob)


def test_every_read_of_identifying_data_is_audited(api, people, elira):
    case_id = _open(api, people, elira)
    before = AuditEntry.objects.filter(action="case.read_identity", object_id=str(case_id)).count()
    api(people["giulia"], "get", f"/api/v1/cases/{case_id}")
    entry = AuditEntry.objects.filter(action="case.read_identity", object_id=str(case_id)).order_by("-seq").first()
    assert AuditEntry.objects.filter(action="case.read_identity", object_id=str(case_id)).count() == before + 1
    assert entry.actor_label == "giulia" and "Elira" not in repr(entry.detail)


def test_a_key_rotation_keeps_every_case_readable_and_searchable(api, people, elira, settings, tmp_path):
    from trm.cases import vault
    from trm.cases.services import vault_rotate
    settings.DATA_KEY, settings.DATA_KEY_FILE = None, tmp_path / "data.key"
    vault.keyring.cache_clear()
    case_id = _open(api, people, elira)
    version, count = vault_rotate()
    assert version == 2 and count == 1 and CaseIdentity.objects.get(case_id=case_id).key_version == 2
    assert api(people["giulia"], "get", f"/api/v1/cases/{case_id}").json()["report"]["data"]["identity"]["names"][0]["value_original"] == "Elira"
    assert [c["id"] for c in api(people["giulia"], "post", "/api/v1/cases/search", {"q": "Elira"}).json()] == [case_id]
    assert set(NameIndex.objects.values_list("key_version", flat=True)) == {2}
    vault.keyring.cache_clear()


@pytest.fixture
def everything_logged(caplog, monkeypatch):
    """Every logger at DEBUG and propagating, SQL statements with their parameters included."""
    for name in ("django.request", "django.db.backends", "django.server", "trm"):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "propagate", True)
        monkeypatch.setattr(logger, "level", logging.DEBUG)
    monkeypatch.setattr(connection, "force_debug_cursor", True)
    caplog.set_level(logging.DEBUG)
    return caplog


def test_a_case_with_a_known_name_leaves_that_name_in_no_log(api, people, elira, everything_logged):
    case_id = _open(api, people, elira)
    api(people["giulia"], "get", f"/api/v1/cases/{case_id}")
    api(people["giulia"], "post", "/api/v1/cases/search", {"q": "Elira Hoxha"})
    api(people["giulia"], "patch", f"/api/v1/cases/{case_id}", {"data": {"identity": {"date_of_birth": "2099"}}})
    api(people["arben"], "get", f"/api/v1/cases/{case_id}")
    messages = [record.getMessage() for record in everything_logged.records]
    assert len(messages) > 20, "the requests were logged"
    assert not [m for m in messages if "Elira" in m or "Hoxha" in m or "Campi" in m]


def test_a_node_restored_without_its_key_refuses_rather_than_making_a_new_one(api, people, elira, settings, tmp_path):
    from trm.cases import vault
    from trm.lib.vault import VaultKeyError
    settings.DATA_KEY, settings.DATA_KEY_FILE = None, tmp_path / "data.key"
    vault.keyring.cache_clear()
    _open(api, people, elira)
    (tmp_path / "data.key").unlink()
    vault.keyring.cache_clear()
    with pytest.raises(VaultKeyError, match="restore the key file"):
        vault.keyring()
    assert not (tmp_path / "data.key").exists()
    vault.keyring.cache_clear()
