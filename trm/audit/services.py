"""Appending to the audit log. Every write, export, send, receipt, login and read of identifying
data calls ``audit_record`` in the same transaction as the thing it records."""
from __future__ import annotations

import json
from datetime import datetime, timezone as dt_timezone

from django.db import connection, transaction
from django.utils import timezone

from trm.audit.models import GENESIS_HASH, AuditEntry
from trm.audit.selectors import audit_entry_hash
from trm.lib.canonical import canonical_json


@transaction.atomic
def audit_record(
    *,
    actor=None,
    action: str,
    object_type: str = "",
    object_id: str = "",
    detail: dict | None = None,
    organisation_id: int | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the log and return it.

    ``actor`` is the user who acted (its ``pk``, ``username`` and ``organisation_id`` are read), or
    None for the node itself ("system"). ``action`` is a dotted verb such as ``case.read_identity``
    or ``auth.login_failed``. ``detail`` holds codes, counts and ids only, never personal data, and
    no floats (databases spell them differently, which would break the hash).

    The entry commits or rolls back with the caller's transaction, so record a refusal (a failed
    login) in a transaction that commits. Writers queue for the end of the log until their
    transaction ends: call this late in a long transaction.
    """
    entry = AuditEntry(
        at=_aware_utc(at or timezone.now()),
        actor_id=getattr(actor, "pk", None),
        actor_label=getattr(actor, "username", "system") or "anonymous",
        organisation_id=organisation_id if organisation_id is not None else getattr(actor, "organisation_id", None),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=_checked_detail(detail or {}),
    )
    last = _last_entry_locked()
    entry.seq = last.seq + 1 if last else 1
    entry.prev_hash = last.hash if last else GENESIS_HASH
    entry.hash = audit_entry_hash(entry)
    entry.save()
    return entry


def _last_entry_locked() -> AuditEntry | None:
    # FOR UPDATE on the last row is not enough on PostgreSQL: a writer that waited for that row
    # gets it back, unchanged, as the last one, and takes the same seq as the writer it waited for.
    # A self-conflicting table lock makes writers queue before they read (plain reads still pass).
    # SQLite needs nothing more: transaction_mode IMMEDIATE takes the write lock at BEGIN.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(AuditEntry._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE")
    return AuditEntry.objects.select_for_update().order_by("-seq").first()


def _aware_utc(at: datetime) -> datetime:
    if timezone.is_naive(at):
        raise ValueError("the time of an audit entry must be timezone-aware")
    return at.astimezone(dt_timezone.utc)


def _checked_detail(detail: dict) -> dict:
    """``detail`` as it will read back from the database: JSON types only, string keys, no floats."""
    if not isinstance(detail, dict):
        raise TypeError("audit detail must be a dict")
    normalised = json.loads(canonical_json(detail))
    if _holds_float(normalised):
        raise ValueError("audit detail cannot hold floats: record a string or an integer instead")
    return normalised


def _holds_float(value) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_holds_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_float(v) for v in value)
    return False
