"""Writes to cases: open, update, close. Each validates against the template first and changes
nothing when the report is not valid; each is one transaction with its timeline event and audit."""
from __future__ import annotations

import copy
import json
from datetime import date
from typing import Callable

from django.db import transaction
from django.utils import timezone

from trm import reporting
from trm.audit.services import audit_record

from . import vault
from .models import Case, CaseEvent, CaseIdentity, CaseSequence, CaseStatus, EventKind, NameIndex
from .selectors import CaseNotFound, case_get_for, stored_report


class CaseInvalid(Exception):
    """The report does not fit the template; ``errors`` are the engine's field-level errors."""

    def __init__(self, errors: list[reporting.ValidationError]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s)")


class CaseForbidden(Exception):
    pass


def _checked(report: dict, today: date | None) -> tuple[reporting.Template, dict]:
    template = reporting.template_for_report(report)
    errors = reporting.validate(template, report, today=today)
    if errors:
        raise CaseInvalid(errors)
    return template, reporting.derive(template, report, today=today)


def next_reference(country: str) -> str:
    year = timezone.now().year
    sequence, _ = CaseSequence.objects.select_for_update().get_or_create(country=country, year=year)
    CaseSequence.objects.filter(pk=sequence.pk).update(last=sequence.last + 1)
    return f"{country}-{year}-{sequence.last + 1:06d}"


def _columns(data: dict) -> dict:
    overview, identity = data.get("overview") or {}, data.get("identity") or {}
    countries = [c.get("country") for c in overview.get("countries") or [] if isinstance(c, dict) and c.get("country")]
    return {
        "status": overview.get("case_status", CaseStatus.ACTIVE),
        "stage": overview.get("stage") or "",
        "trafficking_status": overview.get("trafficking_status") or "",
        "is_minor": bool(identity.get("presumed_minor") or identity.get("minor_at_identification")),
        "exploitation_codes": "".join(f"|{c}" for c in overview.get("exploitation_types") or []) + "|",
        "country_codes": "".join(f"|{c}" for c in countries) + "|",
        "group_key": vault.group_key(data),
    }


def _store(case: Case, template: reporting.Template, data: dict) -> None:
    open_part, vault_part = vault.split(template, data)
    for key, value in _columns(data).items():
        setattr(case, key, value)
    case.data = open_part
    case.save()
    blob, version = vault.seal(case.pk, vault_part)
    CaseIdentity.objects.update_or_create(case=case, defaults={"blob": blob, "key_version": version})
    NameIndex.objects.filter(case=case).delete()
    ring_version = vault.keyring().current
    NameIndex.objects.bulk_create(
        NameIndex(case=case, digest=d, key_version=ring_version) for d in vault.name_digests(vault.names_in(vault_part))
    )


def require_case_role(actor) -> None:
    if not (actor.is_authenticated and actor.handles_cases and actor.organisation_id):
        raise CaseForbidden()


@transaction.atomic
def case_create(*, actor, report: dict, today: date | None = None) -> Case:
    """Open a case from a report of the template; returns the stored case with its reference."""
    require_case_role(actor)
    template, derived = _checked(report, today)
    case = Case(
        organisation_id=actor.organisation_id, reference=next_reference(actor.organisation.country),
        template=template.name, template_version=template.version, language=report.get("language") or actor.language,
        created_by=actor,
    )
    _store(case, template, derived["data"])
    CaseEvent.objects.create(case=case, actor=actor, kind=EventKind.CREATED)
    audit_record(actor=actor, action="case.create", object_type="case", object_id=str(case.pk))
    return case


class CaseConflict(Exception):
    """The case changed after the version its editor started from."""


@transaction.atomic
def case_change(*, actor, case: Case, change: Callable[[dict], dict | None], kind: str = EventKind.UPDATED,
                today: date | None = None, expected_version: int | None = None) -> Case:
    """Read, change and write a case under one lock, so that no change is lost to another.

    ``change`` receives the report as the actor may see it and changes it in place (or returns a
    new one); what the actor may not see is kept as it was. With ``expected_version`` (the version
    an editor started from), a case changed since then is refused with :class:`CaseConflict`."""
    require_case_role(actor)
    case = Case.objects.select_for_update().get(pk=case_get_for(user=actor, case_id=case.pk).pk)
    if expected_version is not None and expected_version != case.version:
        raise CaseConflict()
    before = stored_report(case)
    stored_template = reporting.load_template(case.template, case.template_version)
    hidden = actor.hidden_sensitivities
    visible = reporting.redact(stored_template, copy.deepcopy(before), hidden)
    changed = change(visible)
    report = reporting.restore_hidden(stored_template, visible if changed is None else changed, before, hidden)
    template, derived = _checked(report, today)
    changes = sorted({c.path for c in reporting.diff(before, derived)})
    case.template, case.template_version = template.name, template.version
    case.closed_at = _closed_at(case, derived["data"])
    case.version += 1
    _store(case, template, derived["data"])
    CaseEvent.objects.create(case=case, actor=actor, kind=kind, paths=changes)
    audit_record(actor=actor, action=f"case.{kind.lower()}", object_type="case", object_id=str(case.pk),
                 detail={"fields": len(changes)})
    return case


@transaction.atomic
def case_request_answered(*, case_id: int, message_type: str, to: str, sent: date, on: date) -> None:
    """The node received the answer to a request it logged on the case: mark it answered.

    Done by the node itself (no person acts), under the case's lock; nothing happens when no open
    request of that type, to that node, sent that day, is in the log."""
    case = Case.objects.select_for_update().get(pk=case_id)
    report = stored_report(case)
    requests = ((report["data"].get("log") or {}).get("requests") or [])
    match = next((r for r in requests if isinstance(r, dict) and r.get("status") == "OPEN" and r.get("type") == message_type
                  and r.get("to") == to and r.get("sent") == sent.isoformat()), None)
    if match is None:
        return
    match.update(status="ANSWERED", answered=max(on, sent).isoformat())
    template, derived = _checked(report, on)
    case.version += 1
    _store(case, template, derived["data"])
    CaseEvent.objects.create(case=case, kind=EventKind.UPDATED, paths=["log.requests"])
    audit_record(action="case.request_answered", object_type="case", object_id=str(case.pk),
                 detail={"type": message_type})


def _closed_at(case: Case, data: dict):
    closed = (data.get("overview") or {}).get("case_status") in ("CLOSED", "CLOSED_REFERRED")
    if not closed:
        return None
    return case.closed_at or timezone.now()


def case_update(*, actor, case: Case, report: dict, today: date | None = None, kind: str = EventKind.UPDATED,
                expected_version: int | None = None) -> Case:
    """Replace a case's report with a new version of it; the timeline names the changed fields."""
    return case_change(actor=actor, case=case, change=lambda _: report, kind=kind, today=today,
                       expected_version=expected_version)


def case_patch(*, actor, case: Case, patch: dict, today: date | None = None) -> Case:
    """Apply a JSON merge patch (RFC 7386) to the case's current report."""
    return case_change(actor=actor, case=case, change=lambda report: merge_patch(report, patch), today=today)


def case_close(*, actor, case: Case, reason: str, on: date | None = None) -> Case:
    """Close a case with a reason (DOMAIN §6.1 §M closure)."""
    def close(report: dict) -> None:
        data = report["data"]
        data.setdefault("overview", {})["case_status"] = "CLOSED"
        data.setdefault("log", {})["closure"] = {"date": (on or timezone.now().date()).isoformat(), "reason": reason}
    return case_change(actor=actor, case=case, change=close, today=on, kind=EventKind.CLOSED)


def consent_add(*, actor, case: Case, consent: dict, today: date | None = None) -> Case:
    """Record a consent (scope, recipient, purpose, who gave it, language, interpreter, date)."""
    def add(report: dict) -> None:
        report["data"].setdefault("consent", {}).setdefault("consents", []).append(consent)
    return case_change(actor=actor, case=case, change=add, today=today, kind=EventKind.CONSENT_GIVEN)


def consent_withdraw(*, actor, case: Case, index: int, on: date | None = None) -> Case:
    """Record that consent number ``index`` was withdrawn on ``on`` (today by default)."""
    def withdraw(report: dict) -> None:
        consents = (report["data"].get("consent") or {}).get("consents") or []
        if not 0 <= index < len(consents):
            raise CaseInvalid([reporting.ValidationError(f"consent.consents[{index}]", "not_found")])
        consents[index]["withdrawn_date"] = (on or timezone.now().date()).isoformat()
    return case_change(actor=actor, case=case, change=withdraw, today=on, kind=EventKind.CONSENT_WITHDRAWN)


def merge_patch(target, patch):
    """RFC 7386: objects merge key by key, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


__all__ = ["CaseConflict", "CaseForbidden", "CaseInvalid", "CaseNotFound", "case_change", "case_close", "case_create",
           "case_patch", "case_update", "consent_add", "consent_withdraw", "merge_patch", "vault_rotate"]


def vault_rotate() -> tuple[int, int]:
    """Add a vault key, make it current, re-encrypt every identity and rebuild the name indexes.
    The key file is replaced atomically; old keys stay in it so that backups remain readable."""
    import os

    from django.conf import settings

    from trm.lib import vault as crypto
    if settings.DATA_KEY:
        raise crypto.VaultKeyError("the keys come from TRM_DATA_KEY: rotate them where that value is kept")
    ring = vault.keyring().with_new_key()
    path = settings.DATA_KEY_FILE
    temporary = path.with_suffix(".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(crypto.keyring_to_json(ring))
    count = 0
    with transaction.atomic():
        old = vault.keyring()
        for identity in CaseIdentity.objects.select_for_update().select_related("case"):
            plaintext = crypto.decrypt(old, bytes(identity.blob), aad=vault._aad(identity.case_id))
            identity.blob = crypto.encrypt(ring, plaintext, aad=vault._aad(identity.case_id))
            identity.key_version = ring.current
            identity.save(update_fields=["blob", "key_version"])
            digests = vault.name_digests(vault.names_in(json.loads(plaintext)), ring)
            NameIndex.objects.filter(case_id=identity.case_id).delete()
            NameIndex.objects.bulk_create(NameIndex(case_id=identity.case_id, digest=d, key_version=ring.current) for d in digests)
            Case.objects.filter(pk=identity.case_id).update(
                group_key=vault.group_key(vault.merge(identity.case.data, json.loads(plaintext)), ring))
            count += 1
        os.replace(temporary, path)
        audit_record(action="vault.rotate", detail={"key_version": ring.current, "identities": count})
    vault.keyring.cache_clear()
    return ring.current, count
