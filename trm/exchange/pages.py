"""Message pages: the inbox and outbox, one message with its answers, and sending from a case.

Views parse, call one service or selector, and render. A refusal is shown on the same page, in the
reader's language, and nothing is queued.
"""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm import reporting
from trm.accounts.decorators import verified_login_required
from trm.cases import services as cases
from trm.cases.selectors import CaseNotFound, case_get_for, case_list_for
from trm.web.views import engine_language

from . import threads
from .models import InboundMessage
from .answers import ANSWER_TYPES
from .sending import (
    REFUSALS, LegalBasis, SendRefused, draft_digest, message_draft, message_preview, message_send, recipients,
)

LIST_SIZE = 100
NOT_A_CASE = _("What this message carries is not enough for a case: attach it to one of your cases.")
NOT_VALID = _("The case is not complete enough to send this message.")


def type_label(message_type: str, language: str) -> str:
    profile = reporting.load_template().profiles.get(message_type)
    return reporting.i18n.gettext(profile.label, language) if profile else message_type


def _rows(messages, language: str, now):
    for message in messages:
        inbound = isinstance(message, InboundMessage)
        yield {"message": message, "inbound": inbound, "label": type_label(message.type, language),
               "peer": message.sender if inbound else message.receiver,
               "at": message.received_at if inbound else message.created_at,
               "overdue": bool(message.answer == "PENDING" and message.due_at and message.due_at < now)}


def thread_rows(case, language: str) -> list[dict]:
    """The messages of a case, sent and received, for its page."""
    return list(_rows(threads.thread_of(case), language, timezone.now()))


@never_cache
@verified_login_required
@require_GET
def message_list(request):
    box = "outbox" if request.GET.get("box") == "outbox" else "inbox"
    messages = (threads.outbox_for if box == "outbox" else threads.inbox_for)(request.user)[:LIST_SIZE]
    rows = list(_rows(messages, engine_language(request), timezone.now()))
    return render(request, "exchange/list.html", {"box": box, "rows": rows})


def _message_or_404(user, message_id):
    try:
        return threads.message_get_for(user=user, message_id=message_id)
    except threads.MessageNotFound:
        raise Http404 from None


@never_cache
@verified_login_required
@require_GET
def message_detail(request, message_id):
    return _detail(request, message_id)


def _detail(request, message_id, refusal: str | None = None, status: int = 200):
    message = _message_or_404(request.user, message_id)
    language = engine_language(request)
    payload = threads.message_content_for(user=request.user, message=message)
    name, _, version = message.template.partition("@")
    rendered = reporting.render(reporting.load_template(name, version), payload, language,
                                include_message_sections=True, answered_only=True)
    inbound = isinstance(message, InboundMessage)
    pending = inbound and message.answer == "PENDING"
    context = {
        "row": next(_rows([message], language, timezone.now())), "message": message, "inbound": inbound,
        "report": rendered, "refusal": refusal,
        "can_accept": pending and message.type in threads.OPENS_A_CASE,
        "can_attach": inbound and message.case_id is None,
        "answer_type": ANSWER_TYPES.get(message.type) if inbound and message.case_id else None,
        "own_cases": case_list_for(user=request.user)[:50] if inbound and message.case_id is None else [],
    }
    return render(request, "exchange/detail.html", context, status=status)


def _act(request, message_id, act):
    """Run one answer; on a refusal show the message again with the reason."""
    try:
        act()
    except (threads.MessageNotFound, CaseNotFound):
        raise Http404 from None
    except SendRefused as refusal:
        return _detail(request, message_id, refusal=refusal.message, status=422)
    except cases.CaseInvalid:
        return _detail(request, message_id, refusal=str(NOT_A_CASE), status=422)
    return redirect("message-detail", message_id=message_id)


def _case_choice(post) -> str | None:
    value = post.get("case_id", "")
    return value if value.isdigit() else None


@never_cache
@verified_login_required
@require_POST
def message_accept(request, message_id):
    return _act(request, message_id, lambda: threads.inbound_accept(
        actor=request.user, message_id=message_id, case_id=_case_choice(request.POST),
        note=request.POST.get("note", "")[:4000], now=timezone.now()))


@never_cache
@verified_login_required
@require_POST
def message_decline(request, message_id):
    return _act(request, message_id, lambda: threads.inbound_decline(
        actor=request.user, message_id=message_id, reason=request.POST.get("reason", "")[:4000], now=timezone.now()))


@never_cache
@verified_login_required
@require_POST
def message_attach(request, message_id):
    return _act(request, message_id, lambda: threads.inbound_attach(
        actor=request.user, message_id=message_id, case_id=_case_choice(request.POST)))


# --- sending from a case --------------------------------------------------------------------------

def _types(language: str) -> list[tuple[str, str]]:
    template = reporting.load_template()
    return [(name, reporting.i18n.gettext(profile.label, language)) for name, profile in template.profiles.items()]


BASIS_FIELDS = {"art6": "envelope.legal_basis.art6", "art9": "envelope.legal_basis.art9",
                "transfer_basis": "envelope.legal_basis.transfer_basis"}


def _basis_choices(language: str, choice: dict) -> list[dict]:
    from trm.cases.forms import choices_for
    template = reporting.load_template()
    return [{"name": name, "label": reporting.i18n.gettext(template.fields[path].label, language), "value": choice[name],
             "choices": choices_for(template, template.fields[path], language)} for name, path in BASIS_FIELDS.items()]


@never_cache
@verified_login_required
@require_http_methods(["GET", "POST"])
def case_send(request, case_id):
    """Choose a recipient and a type (and a lawful ground when no consent covers it), see exactly
    what will leave, then send exactly that."""
    try:
        case = case_get_for(user=request.user, case_id=case_id)
    except CaseNotFound:
        raise Http404 from None
    language, now = engine_language(request), timezone.now()
    given = request.POST if request.method == "POST" else request.GET
    choice = {"receiver": given.get("receiver", "")[:100], "type": given.get("type", "")[:64],
              "in_reply_to": given.get("in_reply_to", "")[:36], "note": given.get("note", "")[:4000],
              **{name: given.get(name, "")[:40] for name in BASIS_FIELDS}}
    context = {"case": case, "choice": choice, "recipients": recipients(now=now), "types": _types(language),
               "basis_fields": _basis_choices(language, choice), "preview": None, "digest": "", "refusal": None, "errors": []}
    if request.method == "GET":
        return render(request, "exchange/send.html", context)
    basis = LegalBasis(**{name: choice[name] for name in BASIS_FIELDS})
    options = {"actor": request.user, "case": case, "receiver": choice["receiver"], "message_type": choice["type"],
               "now": now, "in_reply_to": choice["in_reply_to"], "note": choice["note"], "legal_basis": basis}
    try:
        if "_send" in request.POST:
            message_send(**options, expected_digest=request.POST.get("_digest", "")[:64])
            return redirect(f"/cases/{case.pk}/#messages")
        draft = message_draft(**options)
        context["preview"], context["digest"] = message_preview(draft, language), draft_digest(draft)
    except SendRefused as refusal:
        context["refusal"] = refusal.message
        context["errors"] = [{"path": e.path, "message": e.message(language)} for e in refusal.errors]
        return render(request, "exchange/send.html", context, status=422)
    except cases.CaseInvalid as invalid:
        context["refusal"] = str(NOT_VALID)
        context["errors"] = [{"path": e.path, "message": e.message(language)} for e in invalid.errors]
        return render(request, "exchange/send.html", context, status=422)
    return render(request, "exchange/send.html", context)


@never_cache
@verified_login_required
@require_http_methods(["POST"])
def group_identity_requests_page(request, case_id):
    """Ask each worker of the case's group to be verified by their own country; each result shown,
    a refused one with a link to send it from the worker's case with a lawful ground."""
    from trm.cases.groups import group_members

    from .group_requests import group_identity_requests
    try:
        case = case_get_for(user=request.user, case_id=case_id)
    except CaseNotFound:
        raise Http404 from None
    if not group_members(user=request.user, case=case):
        raise Http404
    results = group_identity_requests(actor=request.user, case=case, now=timezone.now())
    rows = [{"result": r, "refusal": str(REFUSALS[r.code]) if r.code else ""} for r in results]
    return render(request, "exchange/group_requests.html", {"case": case, "rows": rows})
