"""Seed data for ``trm demo``: the people and cases of the stories (../shared/docs/STORIES.md)."""
from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass


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
            "consent": {"consents": [{"scope": "SHARE_WITH_COUNTRY", "recipient": country,
                                      "purpose": "Verificarea identității", "given_by": "PERSON",
                                      "informed_language": {"RS": "sr"}.get(country, "ro"), "interpreter_used": country == "RS",
                                      "date": "2026-10-15"}]},
            "situation": {"exploitation": {"labour_sector": "F", "start_date": "2026-06-01", "end_date": "2026-10-14"},
                          "means_of_control": ["WithholdsDocuments", "TakesEarnings"]},
            "labour": {"employer": {"legal_person": True, "country": "RO", "sector": "F"},
                       "wages": {"promised_amount": 4000, "actual_amount": 1200, "currency": "RON", "period": "MONTH"},
                       "hours_per_week": 72, "days_off_per_month": 2, "documents_retained": "YES",
                       "recruitment_fees_paid": {"amount": 1500, "currency": "RON", "debt_created": "YES"},
                       "work_permit_status": "NONE" if country not in ("BG", "RO") else "EU_CITIZEN",
                       "labour_inspection": {"involved": True, "inspection_date": "2026-10-14"}},
        },
    }


def _returnee(given: str, family: str, sex: str, origin: str, destination: str, language: str) -> dict:
    """A person back in their country of origin after exploitation abroad (stories 3 and 6)."""
    return {
        "template": "trm-case-report", "version": "1.0", "language": language,
        "data": {
            "overview": {
                "case_type": "INDIVIDUAL", "case_status": "ACTIVE", "stage": "RETURN_REINTEGRATION",
                "trafficking_status": "IDENTIFIED_FORMAL", "first_contact_date": "2026-09-02",
                "reasonable_grounds_date": "2026-09-04", "formal_identification_date": "2026-09-20",
                "status_decision_org_type": "Police", "identified_by_sector": "NGO",
                "countries": [{"country": origin, "role": "ORIGIN"}, {"country": destination, "role": "DESTINATION"}],
                "exploitation_types": ["SEXUAL_EXPLOITATION"],
            },
            "identity": {"names": [{"type": "GIVEN", "value_original": given}, {"type": "FAMILY", "value_original": family}],
                         "sex_gender": sex, "citizenships": [origin]},
        },
    }


@dataclass(frozen=True)
class DemoNode:
    """One node of the demo network: its organisation, its people and its seeded cases."""

    node_id: str
    port_offset: int
    organisation: str
    country: str
    kind: str
    language: str
    people: tuple[tuple[str, str], ...]
    cases: tuple[dict, ...]
    languages: tuple[str, ...]


NODES = (
    DemoNode("it-bari", 0, "On the Road, Apulia", "IT", "NGO", "it",
             (("giulia", "CASEWORKER"), ("marco", "SUPERVISOR"), ("anna", "AUDITOR")),
             (ELIRA, _worker("Ion", "Popescu", "MD"), _worker("Vasile", "Rusu", "MD"), _worker("Dragan", "Petrović", "RS")),
             ("it", "en")),
    DemoNode("al-tirana", 1, "National contact point of Albania", "AL", "NATIONAL_CONTACT_POINT", "sq",
             (("besa", "NATIONAL_CONTACT_POINT"), ("dritan", "CASEWORKER")),
             (_returnee("Mirela", "Dervishi", "Feminine", "AL", "GR", "sq"),), ("sq", "en")),
    DemoNode("md-chisinau", 2, "National contact point of Moldova", "MD", "NATIONAL_CONTACT_POINT", "ro",
             (("elena", "NATIONAL_CONTACT_POINT"), ("sergiu", "CASEWORKER")),
             (_returnee("Ana", "Ciobanu", "Feminine", "MD", "RO", "ro"),), ("ro", "en")),
)


def demo_node(node_id: str) -> DemoNode:
    for node in NODES:
        if node.node_id == node_id:
            return node
    raise KeyError(node_id)


def seed(node: DemoNode = NODES[0]) -> list[tuple[str, str, str]]:
    """Create (or refresh) a demo node's organisation, people and cases; return (user, role, password).
    The node definitions above need no Django; this does (the network's orchestrator imports them)."""
    from django.db import transaction
    with transaction.atomic():
        return _seed(node)


def _seed(node: DemoNode) -> list[tuple[str, str, str]]:
    from trm.accounts.models import Organisation, User
    from trm.accounts.services import organisation_create, user_create
    from trm.cases.models import Case
    from trm.cases.services import case_create
    org = Organisation.objects.filter(name=node.organisation).first() or organisation_create(
        name=node.organisation, country=node.country, kind=node.kind)
    printed = []
    for username, role in node.people:
        password = "demo-" + secrets.token_urlsafe(8)
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _ = user_create(username=username, organisation=org, role=role, password=password,
                                  language=node.language)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        printed.append((username, role, password))
    author = User.objects.get(username=next(name for name, role in node.people if role != "AUDITOR"))
    if not Case.objects.filter(organisation=org).exists():
        for report in node.cases:
            case_create(actor=author, report=copy.deepcopy(report))
    return printed
