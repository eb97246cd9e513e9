"""Group cases (DOMAIN §6.6): one employer or site, many workers, each with a case of their own.

The workers' cases are GROUP cases with the same group case reference, found through a keyed
blind index of it (``Case.group_key``) so that the reference, free text, stays in the vault. What
the group shares (the employer, the recruiter, the inspection, the sector: ``labour-1.0.yaml``) is
entered on one worker's case and applied to the others; each worker keeps a record of their own.
Every worker's report read here is an audited read, like any other.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from trm.audit.services import audit_record
from trm.workflow.labour import BackPay, back_pay, load_labour, put_shared, shared_part

from .models import Case
from .selectors import case_report_for, cases_for
from .services import case_change


class NothingToShare(Exception):
    """The case holds none of the data its group shares: applying it would erase the others'."""


@dataclass(frozen=True)
class Worker:
    case: Case
    citizenships: list[str]
    sex: str | None
    child: bool
    trafficking_status: str | None
    estimate: BackPay
    shares: bool  # holds the same shared data as the case the group is seen from


@dataclass(frozen=True)
class Group:
    workers: list[Worker]
    nationalities: dict[str, int]
    back_pay: dict[str, Decimal]  # total estimate per currency

    @property
    def differing(self) -> int:
        return sum(not w.shares for w in self.workers)


def group_members(*, user, case: Case) -> list[Case]:
    """The cases of ``case``'s group that ``user`` may see, itself included, by reference
    ([] for a case that is not a GROUP case with a reference)."""
    if not case.group_key:
        return []
    return list(cases_for(user).filter(group_key=case.group_key).order_by("reference"))


def group_of(*, user, case: Case, today: date) -> Group | None:
    """The group seen from ``case``: each worker with nationality and back-pay estimate, and the
    totals; None when the case is not in a group."""
    members = group_members(user=user, case=case)
    if not members:
        return None
    labour = load_labour()
    reports = {m.pk: case_report_for(user=user, case=m, purpose="group") for m in members}
    here = shared_part(labour, reports[case.pk]["data"])
    workers = []
    for member in members:
        data = reports[member.pk]["data"]
        identity, overview = data.get("identity") or {}, data.get("overview") or {}
        workers.append(Worker(
            member, [c for c in identity.get("citizenships") or [] if isinstance(c, str)], identity.get("sex_gender"),
            bool(identity.get("presumed_minor") or identity.get("minor_at_identification")),
            overview.get("trafficking_status"), back_pay(labour, reports[member.pk], today=today),
            shared_part(labour, data) == here))
    nationalities = Counter(c for w in workers for c in (w.citizenships or ["?"]))
    totals: dict[str, Decimal] = {}
    for worker in workers:
        if worker.estimate.total is not None and worker.estimate.currency:
            totals[worker.estimate.currency] = totals.get(worker.estimate.currency, Decimal(0)) + worker.estimate.total
    return Group(workers, dict(sorted(nationalities.items(), key=lambda kv: (-kv[1], kv[0]))), totals)


@transaction.atomic
def group_share(*, actor, case: Case) -> list[Case]:
    """Make every other worker's case hold what the group shares exactly as ``case`` holds it (each
    shared part replaced whole, not merged); all or nothing (a worker's case the change would make
    invalid raises CaseInvalid and nothing is changed). Returns the cases changed; raises
    NothingToShare when ``case`` holds none of it."""
    labour = load_labour()
    part = shared_part(labour, case_report_for(user=actor, case=case, purpose="group")["data"])
    if all(value is None for value in part.values()):
        raise NothingToShare()
    changed = []
    for member in group_members(user=actor, case=case):
        if member.pk == case.pk:
            continue
        if shared_part(labour, case_report_for(user=actor, case=member, purpose="group")["data"]) == part:
            continue
        changed.append(case_change(actor=actor, case=member, change=lambda report: put_shared(report["data"], part)))
    audit_record(actor=actor, action="case.group_share", object_type="case", object_id=str(case.pk),
                 detail={"cases": [c.pk for c in changed], "paths": list(labour.shared)})
    return changed


def group_blank(*, user, case: Case, language: str) -> dict:
    """A new worker's report for ``case``'s group: the group's reference and shared data, the kind
    of exploitation and the countries, and nothing about the person."""
    labour = load_labour()
    data = case_report_for(user=user, case=case, purpose="group")["data"]
    overview = data.get("overview") or {}
    start = {"overview": {key: overview[key] for key in ("case_type", "group_case_ref", "identified_by_sector",
                                                         "exploitation_types") if key in overview}}
    start["overview"]["case_status"] = "ACTIVE"  # a new worker's case is open, whatever this one's state
    start["overview"]["countries"] = [c for c in overview.get("countries") or []
                                      if isinstance(c, dict) and c.get("role") != "ORIGIN"]
    put_shared(start, {p: v for p, v in shared_part(labour, data).items() if v is not None})
    return {"template": case.template, "version": case.template_version, "language": language, "data": start}
