"""The audit log: entries are appended in a hash chain that reveals any later change, and neither
the ORM nor the database lets anyone change or remove one."""
import hashlib
import threading
from datetime import datetime, timezone as dt_timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, models, transaction

from trm.audit.models import AuditEntry, AuditLogIsAppendOnly
from trm.audit.selectors import VerifyResult, audit_entries_for, audit_entry_hash, audit_verify
from trm.audit.services import audit_record

pytestmark = pytest.mark.django_db

TABLE = AuditEntry._meta.db_table
DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER audit_auditentry_no_update", "DROP TRIGGER audit_auditentry_no_delete"],
    "postgresql": [f"DROP TRIGGER audit_auditentry_append_only ON {TABLE}"],
}


def _log(count=5):
    return [audit_record(action="case.read_identity", object_type="case", object_id=str(n), detail={"purpose": "read"})
            for n in range(1, count + 1)]


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _drop_triggers():
    """Tampering as someone with the database's owner rights would; the test's transaction brings
    the triggers back when it rolls back."""
    for statement in DROP_TRIGGERS[connection.vendor]:
        _sql(statement)


def _tamper(seq, **fields):
    _drop_triggers()
    models.QuerySet(model=AuditEntry).filter(seq=seq).update(**fields)


def test_an_empty_log_verifies():
    assert audit_verify() == VerifyResult(ok=True, checked=0, first_bad_seq=None, reason=None)


def test_an_intact_chain_of_several_entries_verifies():
    _log(5)
    result = audit_verify()
    assert (result.ok, result.checked, result.first_bad_seq, result.reason) == (True, 5, None, None)


def test_entries_are_numbered_without_gaps_and_each_links_to_the_one_before():
    entries = _log(4)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert [e.prev_hash for e in entries] == ["0" * 64] + [e.hash for e in entries[:-1]]


def test_an_outside_verifier_can_recompute_the_hash_from_the_documented_recipe():
    entry = audit_record(action="export.xlsform", object_type="template", object_id="trm-case",
                         detail={"ë": 1, "language": "sq"}, at=datetime(2026, 12, 3, 10, 30, tzinfo=ZoneInfo("Europe/Tirane")))
    recipe = ('[1,"2026-12-03T09:30:00.000000+00:00",null,"system",null,"export.xlsform","template","trm-case",'
              '{"language":"sq","ë":1},"' + "0" * 64 + '"]')
    assert entry.hash == hashlib.sha256(recipe.encode("utf-8")).hexdigest()
    assert audit_entry_hash(AuditEntry.objects.get(seq=1)) == entry.hash


def test_an_entry_made_for_a_user_records_that_users_id_and_name():
    user = get_user_model().objects.create_user(username="ana.caseworker")
    entry = audit_record(actor=user, action="case.create", object_type="case", object_id="7")
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert (stored.actor_id, stored.actor_label) == (user.pk, "ana.caseworker")


def test_an_entry_takes_the_actors_organisation_unless_one_is_given():
    actor = SimpleNamespace(pk=3, username="nikola", organisation_id=11)
    assert audit_record(actor=actor, action="auth.login").organisation_id == 11
    assert audit_record(actor=actor, action="auth.login", organisation_id=12).organisation_id == 12


def test_an_entry_without_a_user_is_recorded_as_the_system():
    entry = audit_record(action="exchange.receipt", object_type="message", object_id="m-1")
    assert (entry.actor_id, entry.actor_label, entry.organisation_id) == (None, "system", None)


def test_deleting_a_user_leaves_their_entries_intact():
    user = get_user_model().objects.create_user(username="leaver")
    audit_record(actor=user, action="auth.login")
    user_id = user.pk
    user.delete()
    assert AuditEntry.objects.get(seq=1).actor_id == user_id and audit_verify().ok


def test_floats_and_naive_times_are_refused_and_nothing_is_written():
    with pytest.raises(ValueError):
        audit_record(action="stats.export", detail={"share": 0.25})
    with pytest.raises(ValueError):
        audit_record(action="stats.export", at=datetime(2026, 12, 3, 9, 30))
    assert not AuditEntry.objects.exists()


def test_entries_for_one_object_come_newest_first():
    audit_record(action="case.create", object_type="case", object_id="7")
    audit_record(action="case.create", object_type="case", object_id="8")
    audit_record(action="case.read_identity", object_type="case", object_id=7)
    assert [(e.seq, e.action) for e in audit_entries_for(object_type="case", object_id="7")] == [
        (3, "case.read_identity"), (1, "case.create")]


def test_a_detail_changed_by_raw_sql_is_found_at_that_entry():
    _log(5)
    _drop_triggers()
    value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    _sql(f"UPDATE {TABLE} SET detail = {value} WHERE seq = %s", ['{"purpose": "update"}', 3])
    result = audit_verify()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 3, 2)
    assert "entry 3" in result.reason


@pytest.mark.parametrize("field, value", [
    ("at", datetime(2020, 1, 1, tzinfo=dt_timezone.utc)), ("actor_id", 99), ("actor_label", "someone.else"),
    ("organisation_id", 5), ("action", "case.create"), ("object_type", "message"), ("object_id", "9"),
    ("detail", {"purpose": "update"}), ("prev_hash", "1" * 64),
])
def test_a_change_to_any_field_is_found_at_that_entry(field, value):
    _log(4)
    _tamper(2, **{field: value})
    assert audit_verify().first_bad_seq == 2


def test_a_deleted_entry_is_found_naming_the_first_missing_seq():
    _log(5)
    _drop_triggers()
    _sql(f"DELETE FROM {TABLE} WHERE seq = %s", [3])
    result = audit_verify()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 3, 2)
    assert "missing" in result.reason


def test_two_swapped_entries_are_found():
    _log(5)
    _drop_triggers()
    for old, new in [(2, 1000), (3, 2), (1000, 3)]:
        _sql(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [new, old])
    assert (audit_verify().ok, audit_verify().first_bad_seq) == (False, 2)


def test_an_entry_rewritten_with_a_recomputed_hash_breaks_the_link_to_the_next():
    _log(5)
    forged = AuditEntry.objects.get(seq=2)
    forged.action = "case.create"
    _tamper(2, action=forged.action, hash=audit_entry_hash(forged))
    result = audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "does not follow" in result.reason


def test_an_entry_appended_with_a_forged_hash_is_found():
    last = _log(3)[-1]
    AuditEntry.objects.create(seq=4, at=last.at, actor_label="system", action="case.read_identity",
                              prev_hash=last.hash, hash="f" * 64)
    assert (audit_verify().ok, audit_verify().first_bad_seq) == (False, 4)


def test_an_entry_appended_outside_the_chain_is_found():
    last = _log(3)[-1]
    stray = AuditEntry(seq=4, at=last.at, actor_label="system", action="case.read_identity", prev_hash="0" * 64)
    stray.hash = audit_entry_hash(stray)
    stray.save()
    assert (audit_verify().ok, audit_verify().first_bad_seq) == (False, 4)


def test_saving_or_deleting_an_existing_entry_raises():
    entry = audit_record(action="auth.login")
    entry.action = "auth.logout"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    assert AuditEntry.objects.get(seq=1).action == "auth.login"


def test_bulk_updates_and_deletes_through_the_orm_raise():
    _log(2)
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(seq=1).update(action="auth.logout")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 2 and audit_verify().ok


def test_the_database_refuses_to_update_an_entry():
    _log(2)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _sql(f"UPDATE {TABLE} SET action = %s WHERE seq = %s", ["auth.logout", 1])
    assert AuditEntry.objects.get(seq=1).action == "case.read_identity" and audit_verify().ok


def test_the_database_refuses_to_delete_an_entry():
    _log(2)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        _sql(f"DELETE FROM {TABLE} WHERE seq = %s", [2])
    assert AuditEntry.objects.count() == 2 and audit_verify().ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes the write lock at BEGIN IMMEDIATE")
def test_concurrent_writers_on_postgresql_make_one_gapless_chain():
    barrier, errors = threading.Barrier(8), []

    def write():
        try:
            barrier.wait()
            for _ in range(5):
                audit_record(action="case.read_identity", object_type="case", object_id="1")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 41))
    assert audit_verify().ok
