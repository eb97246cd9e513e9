"""Reading the audit log, and checking that its chain is whole."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timezone as dt_timezone

from django.db.models import QuerySet

from trm.audit.models import GENESIS_HASH, AuditEntry
from trm.lib.canonical import canonical_json


@dataclass(frozen=True)
class VerifyResult:
    """``checked`` counts the entries found intact before the first bad one (all of them when ok)."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


def audit_entry_hash(entry: AuditEntry) -> str:
    """The hash ``entry`` must carry: SHA-256, in hex, of the canonical JSON array
    ``[seq, at, actor_id, actor_label, organisation_id, action, object_type, object_id, detail,
    prev_hash]``, with ``at`` in UTC as ISO 8601 with microseconds (``2026-12-03T09:30:00.000000+00:00``)
    and canonical JSON as in ``trm.lib.canonical`` (sorted keys, no whitespace, UTF-8)."""
    fields = [
        entry.seq, entry.at.astimezone(dt_timezone.utc).isoformat(timespec="microseconds"),
        entry.actor_id, entry.actor_label, entry.organisation_id, entry.action,
        entry.object_type, entry.object_id, entry.detail, entry.prev_hash,
    ]
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def audit_verify() -> VerifyResult:
    """Walk the log in ``seq`` order and report the first entry that was changed, removed,
    reordered or forged. Removing the newest entries leaves a shorter chain that still verifies:
    compare ``checked`` with a count kept elsewhere to notice that."""
    expected_seq, prev_hash = 1, GENESIS_HASH
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        problem = _problem(entry, expected_seq, prev_hash)
        if problem:
            return VerifyResult(ok=False, checked=expected_seq - 1, first_bad_seq=problem[0], reason=problem[1])
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    return VerifyResult(ok=True, checked=expected_seq - 1)


def _problem(entry: AuditEntry, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    if entry.seq > expected_seq:
        return expected_seq, f"entry {expected_seq} is missing (the next entry is {entry.seq})"
    if entry.seq != expected_seq:
        return entry.seq, f"entry {entry.seq} is out of sequence (expected {expected_seq})"
    if entry.prev_hash != prev_hash:
        return entry.seq, f"entry {entry.seq} does not follow the entry before it (prev_hash differs)"
    if entry.hash != audit_entry_hash(entry):
        return entry.seq, f"entry {entry.seq} does not match its hash (it was changed)"
    return None


def audit_entries_for(*, object_type: str, object_id) -> QuerySet[AuditEntry]:
    """The entries about one object, newest first."""
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("-seq")
