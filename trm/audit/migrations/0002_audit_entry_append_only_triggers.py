"""Triggers that make the database itself refuse UPDATE and DELETE on audit entries.

SQLite drops a table's triggers when a migration rebuilds the table: a later migration that alters
AuditEntry must create them again (tests/audit checks that they are there).
TRUNCATE is left alone on PostgreSQL: test databases are emptied with it."""
from django.db import migrations

SQLITE_CREATE = [
    """CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete",
]
POSTGRESQL_CREATE = [
    """CREATE FUNCTION audit_auditentry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = 'audit log is append-only: ' || TG_OP || ' refused',
                              ERRCODE = 'restrict_violation';
    END
    $$""",
    """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_refuse_change()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_auditentry_refuse_change()",
]
STATEMENTS = {
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
    "postgresql": (POSTGRESQL_CREATE, POSTGRESQL_DROP),
}


def _run(schema_editor, forward: bool):
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise NotImplementedError(f"no append-only triggers written for {vendor}")
    for statement in STATEMENTS[vendor][0 if forward else 1]:
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    _run(schema_editor, forward=True)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_entry")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
