"""Seed data for ``trm demo``: the people and cases of the stories (../shared/docs/STORIES.md)."""
from __future__ import annotations

import copy
import secrets

from django.db import transaction

from trm.accounts.models import Organisation, User
from trm.accounts.services import organisation_create, user_create
from trm.cases.models import Case
from trm.cases.services import case_create

ELIRA = {
    "template": "trm-case-report", "version": "1.0", "language": "it",
    "data": {
        "overview": {
            "case_type": "INDIVIDUAL", "case_status": "ACTIVE", "stage": "IDENTIFICATION",
            "trafficking_status": "PRESUMED_REASONABLE_GROUNDS", "first_contact_date": "2026-11-20",
            "reasonable_grounds_date": "2026-11-22", "identified_by_sector": "NGO",
            "countries": [{"country": "AL", "role": "ORIGIN"}, {"country": "IT", "role": "DESTINATION"}],
            "exploitation_types": ["FORCED_LABOUR", "CHILD_LABOUR"],
        },
        "identity": {
            "names": [{"type": "GIVEN", "value_original": "Elira", "script": "Latn", "language": "sq"},
                      {"type": "FAMILY", "value_original": "Hoxha", "script": "Latn", "language": "sq"}],
            "sex_gender": "Feminine", "date_of_birth": "2009", "date_of_birth_precision": "ESTIMATED",
            "age_uncertain": "YES", "citizenships": ["AL"],
            "contact": {"address": "Via dei Campi 4", "locality": "Foggia", "country": "IT"},
        },
        "consent": {"consents": [{
            "scope": "SHARE_WITH_COUNTRY", "recipient": "AL", "purpose": "Verifica dell'identità e valutazione familiare",
            "given_by": "BOTH", "child_views_recorded": True, "informed_language": "sq", "interpreter_used": True,
            "date": "2026-11-23"}]},
        "situation": {
            "exploitation": {"labour_sector": "A", "start_date": "2026-06"},
            "means_of_control": ["WithholdsDocuments", "TakesEarnings"],
            "ilo_assessments": [{"list": "CHILD_LABOUR", "act_established": True, "indicators": [
                {"id": "EX01", "present": "YES", "source": "SELF_REPORT"},
                {"id": "EX04", "present": "YES", "source": "SELF_REPORT"},
                {"id": "CD01", "present": "YES", "source": "OBSERVATION"}]}],
        },
        "protection": {"reflection_period": {"granted": True, "start": "2026-11-22"}},
        "child": {"unaccompanied_status": "UNACCOMPANIED", "guardian": {"requested_on": "2026-11-21", "appointed": False}},
    },
}


def _worker(given: str, family: str, country: str) -> dict:
    """Story 2: one of nine workers found on a building site near Bucharest."""
    return {
        "template": "trm-case-report", "version": "1.0", "language": "ro",
        "data": {
            "overview": {
                "case_type": "GROUP", "group_case_ref": "RO-SITE-2026-01", "case_status": "ACTIVE",
                "trafficking_status": "POSSIBLE", "first_contact_date": "2026-10-14", "identified_by_sector": "LABOUR_INSPECTION",
                "countries": [{"country": country, "role": "ORIGIN"}, {"country": "RO", "role": "DESTINATION"}],
                "exploitation_types": ["FORCED_LABOUR"],
            },
            "identity": {"names": [{"type": "GIVEN", "value_original": given}, {"type": "FAMILY", "value_original": family}],
                         "sex_gender": "Masculine", "citizenships": [country]},
            "situation": {"exploitation": {"labour_sector": "F"}, "means_of_control": ["WithholdsDocuments", "TakesEarnings"]},
        },
    }


PEOPLE = [("giulia", "CASEWORKER"), ("marco", "SUPERVISOR"), ("anna", "AUDITOR")]


@transaction.atomic
def seed() -> list[tuple[str, str, str]]:
    """Create (or refresh) the demo organisation, its people and cases; return (user, role, password)."""
    org = Organisation.objects.filter(name="On the Road, Apulia").first() or organisation_create(
        name="On the Road, Apulia", country="IT", kind="NGO")
    printed = []
    for username, role in PEOPLE:
        password = "demo-" + secrets.token_urlsafe(8)
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _ = user_create(username=username, organisation=org, role=role, password=password, language="it")
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        printed.append((username, role, password))
    giulia = User.objects.get(username="giulia")
    if not Case.objects.filter(organisation=org).exists():
        case_create(actor=giulia, report=copy.deepcopy(ELIRA))
        for given, family, country in [("Ion", "Popescu", "MD"), ("Vasile", "Rusu", "MD"), ("Dragan", "Petrović", "RS")]:
            case_create(actor=giulia, report=_worker(given, family, country))
    return printed
