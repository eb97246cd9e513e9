"""Reads of cases. ``case_get_for`` is the only door to a case: every access check is here."""
from __future__ import annotations

import re

from django.db.models import QuerySet

from trm import reporting
from trm.audit.services import audit_record

from . import vault
from .models import Case, NameIndex


REFERENCE = re.compile(r"[A-Za-z]{2}-\d{4}-\d{6}", re.ASCII)
CODE = re.compile(r"[A-Za-z0-9_]{1,60}", re.ASCII)


class CaseNotFound(Exception):
    """No such case, or not one this user may see: the two are never told apart."""


def _visible_to(user) -> QuerySet:
    if not (user.is_authenticated and user.is_active and user.handles_cases and user.organisation_id):
        return Case.objects.none()
    return Case.objects.filter(organisation_id=user.organisation_id)


def cases_for(user) -> QuerySet:
    """Every case ``user`` may see (none for roles that do not handle cases)."""
    return _visible_to(user)


def case_get_for(*, user, case_id) -> Case:
    try:
        return _visible_to(user).get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise CaseNotFound() from None


def case_report_for(*, user, case: Case, purpose: str = "read") -> dict:
    """The report of a case as ``user`` may see it, the identity vault included; the read is audited."""
    case = case_get_for(user=user, case_id=case.pk)
    report = stored_report(case)
    audit_record(actor=user, action="case.read_identity", object_type="case", object_id=str(case.pk),
                 detail={"purpose": purpose})
    template = reporting.load_template(case.template, case.template_version)
    return reporting.redact(template, report, user.hidden_sensitivities)


def stored_report(case: Case) -> dict:
    """The whole stored report, for services only (never handed to a reader: see case_report_for)."""
    identity = getattr(case, "identity", None)
    vault_part = vault.unseal(case.pk, identity.blob) if identity else {}
    return {"template": case.template, "version": case.template_version, "language": case.language,
            "data": vault.merge(case.data, vault_part)}


def case_list_for(*, user, query: str = "", status: str = "", country: str = "", exploitation: str = "",
                  minor: bool | None = None, stage: str = "") -> QuerySet:
    """The cases a user may see, newest first, searched by reference or by a name (exact, by blind
    index: spelling variants of case and accents match, other names do not)."""
    cases = _visible_to(user)
    query = query.strip()
    if query:
        # A search confirms whether someone is known here: who searched, and how, is recorded; never for whom.
        audit_record(actor=user, action="case.search", detail={"by": "reference" if REFERENCE.fullmatch(query) else "name"})
    if REFERENCE.fullmatch(query):
        cases = cases.filter(reference=query.upper())
    elif query:
        # Only keyed digests of the name reach the database, so no query log can hold it.
        by_name = NameIndex.objects.filter(digest__in=vault.name_digests([query])).values("case_id")
        cases = cases.filter(pk__in=by_name)
    filters = {"status": status, "stage": stage, "country": country.upper(), "exploitation": exploitation}
    if any(value and not CODE.fullmatch(value) for value in filters.values()):
        return Case.objects.none()  # no code looks like that: nothing matches (and nothing odd reaches SQL)
    if status:
        cases = cases.filter(status=status)
    if stage:
        cases = cases.filter(stage=stage)
    if country:
        cases = cases.filter(country_codes__contains=f"|{country.upper()}|")
    if exploitation:
        cases = cases.filter(exploitation_codes__contains=f"|{exploitation}|")
    if minor is not None:
        cases = cases.filter(is_minor=minor)
    return cases.order_by("-updated_at", "-pk")
