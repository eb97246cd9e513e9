"""Case endpoints. Each parses input, calls one service or selector, and shapes the answer."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import translation
from ninja import Field, Query, Router, Schema, Status

from trm import reporting
from trm.web.views import engine_language

from . import selectors, services
from .models import Case

router = Router(tags=["cases"])
MAX_OFFSET = 10_000_000


class CaseSummary(Schema):
    id: int
    reference: str
    status: str
    stage: str
    trafficking_status: str
    is_minor: bool
    template: str
    updated_at: datetime


class CaseDetail(CaseSummary):
    report: dict[str, Any]


class ErrorItem(Schema):
    path: str
    code: str
    message: str


class Errors(Schema):
    errors: list[ErrorItem]


class CloseRequest(Schema):
    reason: str


class Report(Schema):
    """A report of the template: ``{"template", "version", "language", "data"}``. Its content is
    checked by the engine, which answers field by field."""

    template: Any = None
    version: Any = None
    language: Any = None
    data: Any = None

    def as_report(self) -> dict:
        return self.model_dump(exclude_unset=True)


class ReportPatch(Schema):
    """A JSON merge patch (RFC 7386) of a report: usually ``{"data": {section: {field: value}}}``."""

    language: Any = None
    data: Any = None

    def as_patch(self) -> dict:
        return self.model_dump(exclude_unset=True)


def _summary(case: Case) -> dict:
    return {k: getattr(case, k) for k in ("id", "reference", "status", "stage", "trafficking_status", "is_minor", "template", "updated_at")}


def _errors(request, errors) -> list[dict]:
    language = engine_language(request)
    return [e.as_dict(language) for e in errors]


def _not_found(request):
    return Status(404, {"errors": [{"path": "", "code": "not_found", "message": translation.gettext("No such case.")}]})


def _forbidden(request):
    return Status(403, {"errors": [{"path": "", "code": "forbidden", "message": translation.gettext("Your role cannot do this.")}]})


@router.post("", response={201: CaseDetail, 403: Errors, 422: Errors}, summary="Open a case from a report")
def create_case(request, report: Report):
    try:
        case = services.case_create(actor=request.user, report=report.as_report())
    except services.CaseForbidden:
        return _forbidden(request)
    except services.CaseInvalid as invalid:
        return Status(422, {"errors": _errors(request, invalid.errors)})
    return Status(201, {**_summary(case), "report": selectors.case_report_for(user=request.user, case=case)})


class Search(Schema):
    """A search. Sent in the body, never in the URL, because it may hold a person's name."""

    q: str = ""
    status: str = ""
    stage: str = ""
    country: str = ""
    exploitation: str = ""
    minor: bool | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _page(request, search: Search) -> list[dict]:
    cases = selectors.case_list_for(user=request.user, query=search.q[:200], status=search.status, stage=search.stage,
                                    country=search.country, exploitation=search.exploitation, minor=search.minor)
    return [_summary(c) for c in cases[search.offset: search.offset + search.limit]]


@router.get("", response=list[CaseSummary], summary="Cases of your organisation, filtered (no search by name here)")
def list_cases(request, status: str = "", stage: str = "", country: str = "", exploitation: str = "",
               minor: bool | None = None, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=10_000_000)):
    return _page(request, Search(status=status, stage=stage, country=country, exploitation=exploitation,
                                 minor=minor, limit=limit, offset=offset))


@router.post("/search", response=list[CaseSummary], summary="Search your organisation's cases by reference or name")
def search_cases(request, search: Search):
    return _page(request, search)


@router.get("/{case_id}", response={200: CaseDetail, 404: Errors}, summary="One case, with its whole report")
def get_case(request, case_id: int):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
    except selectors.CaseNotFound:
        return _not_found(request)
    return Status(200, {**_summary(case), "report": selectors.case_report_for(user=request.user, case=case)})


@router.patch("/{case_id}", response={200: CaseDetail, 404: Errors, 422: Errors},
              summary="Change a case: a JSON merge patch (RFC 7386) of its report")
def patch_case(request, case_id: int, patch: ReportPatch):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
        case = services.case_patch(actor=request.user, case=case, patch=patch.as_patch())
    except selectors.CaseNotFound:
        return _not_found(request)
    except services.CaseInvalid as invalid:
        return Status(422, {"errors": _errors(request, invalid.errors)})
    return Status(200, {**_summary(case), "report": selectors.case_report_for(user=request.user, case=case)})


@router.post("/{case_id}/close", response={200: CaseSummary, 404: Errors, 422: Errors}, summary="Close a case with a reason")
def close_case(request, case_id: int, body: CloseRequest):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
        case = services.case_close(actor=request.user, case=case, reason=body.reason)
    except selectors.CaseNotFound:
        return _not_found(request)
    except services.CaseInvalid as invalid:
        return Status(422, {"errors": _errors(request, invalid.errors)})
    return Status(200, _summary(case))


class Consent(Schema):
    """One consent, with the fields of the template's consent.consents."""

    scope: Any = None
    recipient: Any = None
    purpose: Any = None
    given_by: Any = None
    child_views_recorded: Any = None
    informed_language: Any = None
    interpreter_used: Any = None
    date: Any = None
    document_ref: Any = None


class Withdrawal(Schema):
    on: str | None = None


@router.get("/{case_id}/consents", response={200: list[dict[str, Any]], 404: Errors}, summary="The consents recorded on a case")
def list_consents(request, case_id: int):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
    except selectors.CaseNotFound:
        return _not_found(request)
    return Status(200, _consents(request, case))


def _consents(request, case) -> list[dict]:
    report = selectors.case_report_for(user=request.user, case=case, purpose="consents")
    return (report["data"].get("consent") or {}).get("consents") or []


@router.post("/{case_id}/consents", response={201: list[dict[str, Any]], 404: Errors, 422: Errors}, summary="Record a consent")
def add_consent(request, case_id: int, consent: Consent):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
        case = services.consent_add(actor=request.user, case=case, consent=consent.model_dump(exclude_none=True))
    except selectors.CaseNotFound:
        return _not_found(request)
    except services.CaseInvalid as invalid:
        return Status(422, {"errors": _errors(request, invalid.errors)})
    return Status(201, _consents(request, case))


@router.post("/{case_id}/consents/{index}/withdraw", response={200: dict[str, Any], 404: Errors, 422: Errors},
             summary="Record that a consent was withdrawn, and tell every node that was sent the case's data")
def withdraw_consent(request, case_id: int, index: int, body: Withdrawal):
    from datetime import date as _date

    from django.utils import timezone

    from trm.exchange.notices import consent_withdraw_and_notify
    from trm.exchange.sending import REFUSALS
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
        on = _date.fromisoformat(body.on) if body.on else None
        case, queued, refused = consent_withdraw_and_notify(actor=request.user, case=case, index=index, on=on,
                                                            now=timezone.now())
    except selectors.CaseNotFound:
        return _not_found(request)
    except ValueError:
        return Status(422, {"errors": [{"path": "on", "code": "invalid_date", "message": reporting.ValidationError("on", "invalid_date").message(engine_language(request))}]})
    except services.CaseInvalid as invalid:
        return Status(422, {"errors": _errors(request, invalid.errors)})
    return Status(200, {"consents": _consents(request, case),
                        "notices": [{"receiver": m.receiver, "message_id": m.message_id} for m in queued],
                        "not_notified": [{"receiver": r.receiver, "code": r.code,
                                          "message": str(REFUSALS.get(r.code, r.code))}
                                         for r in refused]})


class StageMove(Schema):
    track: str = Field(..., max_length=30)
    status: str = Field(..., max_length=30)
    reason: str = Field("", max_length=2000)


def _stages(request, case) -> dict:
    from . import stages
    return {"tracks": [vars(t) for t in stages.tracks_of(case)],
            "transitions": stages.transitions_of(user=request.user, case=case)}


@router.get("/{case_id}/stages", response={200: dict[str, Any], 404: Errors},
            summary="The case's tracks (DOMAIN §6.2) with their current status, and every move")
def list_stages(request, case_id: int):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
    except selectors.CaseNotFound:
        return _not_found(request)
    return Status(200, _stages(request, case))


@router.post("/{case_id}/stages", response={200: dict[str, Any], 404: Errors, 422: Errors},
             summary="Move one track of the case to a status; the rule catalogue's guards may block it")
def move_stage(request, case_id: int, body: StageMove):
    from . import stages
    language = engine_language(request)
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
        case = stages.stage_move(actor=request.user, case=case, track=body.track, status=body.status, reason=body.reason)
    except selectors.CaseNotFound:
        return _not_found(request)
    except stages.StageUnknown:
        return Status(422, {"errors": [{"path": "status", "code": "unknown_status",
                                        "message": translation.gettext("This is not a status of that track.")}]})
    except stages.StageBlocked as blocked:
        translate = lambda text: reporting.i18n.gettext(text, language)  # noqa: E731
        return Status(422, {"errors": [{"path": "status", "code": r.code, "message": r.text(translate)}
                                       for r in blocked.reasons]})
    except services.CaseInvalid as invalid:
        return Status(422, {"errors": _errors(request, invalid.errors)})
    return Status(200, _stages(request, case))


def _not_in_group(request):
    return Status(404, {"errors": [{"path": "", "code": "not_in_group",
                                    "message": translation.gettext("This case is not part of a group case.")}]})


def _estimate(request, estimate) -> dict:
    language = engine_language(request)
    return estimate.as_dict(lambda text: reporting.i18n.gettext(text, language))


@router.get("/{case_id}/back-pay", response={200: dict[str, Any], 404: Errors},
            summary="The case's back-pay estimate: unpaid wages and recruitment fees (a floor, not a claim)")
def case_back_pay(request, case_id: int):
    from django.utils import timezone

    from trm.workflow.labour import back_pay, load_labour
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
    except selectors.CaseNotFound:
        return _not_found(request)
    report = selectors.case_report_for(user=request.user, case=case, purpose="back_pay")
    return Status(200, _estimate(request, back_pay(load_labour(), report, today=timezone.now().date())))


@router.get("/{case_id}/group", response={200: dict[str, Any], 404: Errors},
            summary="The workers of the case's group: nationality, status and back-pay estimate, and totals")
def case_group(request, case_id: int):
    from django.utils import timezone

    from .groups import group_of
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
    except selectors.CaseNotFound:
        return _not_found(request)
    group = group_of(user=request.user, case=case, today=timezone.now().date())
    if group is None:
        return _not_in_group(request)
    workers = [{"id": w.case.pk, "reference": w.case.reference, "citizenships": w.citizenships, "sex_gender": w.sex,
                "child": w.child, "trafficking_status": w.trafficking_status, "back_pay": _estimate(request, w.estimate),
                "shares_employer_data": w.shares} for w in group.workers]
    return Status(200, {"workers": workers, "nationalities": group.nationalities,
                        "back_pay": {currency: str(total) for currency, total in group.back_pay.items()}})


@router.post("/{case_id}/group/share", response={200: dict[str, Any], 404: Errors, 422: Errors},
             summary="Apply the case's employer and other shared data to every worker of its group")
def share_with_group(request, case_id: int):
    from .groups import NothingToShare, group_members, group_share
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
        if not group_members(user=request.user, case=case):
            return _not_in_group(request)
        changed = group_share(actor=request.user, case=case)
    except selectors.CaseNotFound:
        return _not_found(request)
    except NothingToShare:
        return Status(422, {"errors": [{"path": "", "code": "nothing_to_share", "message": translation.gettext(
            "There is no employer data on this case to apply to the group.")}]})
    except services.CaseInvalid as invalid:
        return Status(422, {"errors": _errors(request, invalid.errors)})
    return Status(200, {"changed": [c.pk for c in changed]})


class DueItemOut(Schema):
    kind: str
    due: datetime
    status: str
    what: str
    case_id: int | None
    message_id: str
    box: str


def list_due(request, mine: bool = False):
    """What is due soon or overdue (registered on the API below as GET /api/v1/due)."""
    from django.utils import timezone

    from .due import due_for
    language = engine_language(request)
    translate = lambda text: reporting.i18n.gettext(text, language)  # noqa: E731
    return [{"kind": i.kind, "due": i.due, "status": i.status, "case_id": i.case.pk if i.case else None,
             "what": i.what if i.kind == "message" else i.text(translate), "message_id": i.message_id, "box": i.box}
            for i in due_for(user=request.user, now=timezone.now(), mine=mine)]


due_router = Router(tags=["cases"])
due_router.add_api_operation("", ["GET"], list_due, response=list[DueItemOut],
                             summary="What is due soon or overdue: case deadlines and messages awaiting an answer")


__all__ = ["router", "reporting"]
