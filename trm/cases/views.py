"""Case pages: list and search, open, read, edit, close. Views parse, call one service or
selector, and render."""
from __future__ import annotations

import re

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from trm import reporting
from trm.accounts.decorators import verified_login_required
from trm.web.views import engine_language

from . import forms, selectors, services
from .formview import form_tree
from .models import CaseStatus

LIST_SIZE = 50


def _case_or_404(user, case_id):
    try:
        return selectors.case_get_for(user=user, case_id=case_id)
    except selectors.CaseNotFound:
        raise Http404 from None


@never_cache
@verified_login_required
@require_http_methods(["GET", "POST"])
def case_list(request):
    """The list; a search is posted (a name must never be in a URL) and filters may be either."""
    given = request.POST if request.method == "POST" else request.GET
    filters = {k: given.get(k, "")[:200] for k in ("q", "status", "country", "exploitation", "stage")}
    if request.method == "GET":
        filters["q"] = ""
    minor = {"yes": True, "no": False}.get(given.get("minor", ""))
    cases = selectors.case_list_for(user=request.user, query=filters["q"], status=filters["status"],
                                    country=filters["country"], exploitation=filters["exploitation"],
                                    stage=filters["stage"], minor=minor)[:LIST_SIZE]
    template = reporting.load_template()
    language = engine_language(request)
    return render(request, "cases/list.html", {
        "cases": cases, "filters": filters, "minor": given.get("minor", ""),
        "statuses": CaseStatus.choices,
        "exploitation_choices": forms.choices_for(template, template.fields["overview.exploitation_types"], language),
        "stage_choices": forms.choices_for(template, template.fields["overview.stage"], language),
    })


def _blank_report(template, language) -> dict:
    return {"template": template.name, "version": template.version, "language": language,
            "data": {"overview": {"case_type": "INDIVIDUAL", "case_status": "ACTIVE"}}}


def _apply_row_action(template, report: dict, post) -> None:
    forms.change_rows(template, report["data"], add=post.get("_add", ""), remove=post.get("_remove", ""))


def _version(post) -> int | None:
    value = post.get("_version", "")
    return int(value) if value.isdigit() else None


def _intake(request, template):
    """The variant of the new-case form asked for (``intake``), if the template has it."""
    from trm.workflow.labour import load_labour
    labour = load_labour()
    if (template.name, template.version) != (labour.template, labour.template_version):
        return None
    given = request.POST if request.method == "POST" else request.GET
    return labour.intakes.get(given.get("intake", "")[:40])


def _form_page(request, template, report, errors, case=None, status=200, version=None, conflict=False, intake=None):
    language = engine_language(request)
    tree = form_tree(template, report, errors, language, hidden=request.user.hidden_sensitivities,
                     shows=intake.shows if intake else None)
    lists = sorted({n for s in tree for n in _lists(s["nodes"])})
    options = {kind: _options(template, kind, language) for kind in lists}
    translate = lambda text: reporting.i18n.gettext(text, language)  # noqa: E731
    context = {"case": case, "sections": tree, "errors": [_error_link(template, e, language) for e in errors],
               "datalists": options, "template": template, "error_count": len(errors), "conflict": conflict,
               "version": version if version is not None else (case.version if case else None),
               "intake": {"name": intake.name, "label": translate(intake.label), "help": translate(intake.help)}
               if intake else None}
    name = "cases/form_body.html" if request.headers.get("HX-Request") else "cases/form.html"
    return render(request, name, context, status=status)


def _options(template, kind: str, language: str):
    if kind.startswith("code-"):
        codes = template.code_lists[kind[5:]]
        return [(c.code, reporting.i18n.gettext(c.label, language)) for c in codes.codes]
    return forms.world_options(kind, language)


def _error_link(template, error, language) -> dict:
    """An error as the summary shows it: the field's label (with its row number) and the message."""
    path = re.sub(r"\[\d+\]", "", error.path)
    field = template.fields.get(path)
    label = reporting.i18n.gettext(field.label, language) if field else error.path
    rows = [int(n) + 1 for n in re.findall(r"\[(\d+)\]", error.path)]
    suffix = "".join(f" {n}" for n in rows)
    return {"path": error.path, "label": f"{label}{suffix}", "message": error.message(language)}


def _lists(nodes):
    for node in nodes:
        if node.get("list"):
            yield node["list"]
        for child in node.get("children", []):
            yield from _lists([child])
        for item in node.get("items", []):
            yield from _lists(item["nodes"])


@never_cache
@verified_login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    """A new case: the whole form, the labour inspectors' variant (``?intake=labour-inspection``),
    or a new worker of a group (``?group=CASE_ID``, started from that case's group data)."""
    template = reporting.load_template()
    language = engine_language(request)
    intake = _intake(request, template)
    if request.method == "GET":
        if request.GET.get("group", "").isdigit():
            from .groups import group_blank
            blank = group_blank(user=request.user, case=_case_or_404(request.user, request.GET["group"]), language=language)
        else:
            blank = intake.blank(template, language) if intake else _blank_report(template, language)
        return _form_page(request, template, blank, [], intake=intake)
    report = forms.report_from_post(template, request.POST, language)
    if "_save" not in request.POST:
        _apply_row_action(template, report, request.POST)
        return _form_page(request, template, report, [], intake=intake)
    try:
        case = services.case_create(actor=request.user, report=report)
    except services.CaseInvalid as invalid:
        return _form_page(request, template, report, invalid.errors, status=422, intake=intake)
    except services.CaseForbidden:
        raise Http404 from None
    return redirect("case-detail", case_id=case.pk)


@never_cache
@verified_login_required
@require_GET
def case_detail(request, case_id):
    return _detail(request, _case_or_404(request.user, case_id))


def _detail(request, case, blocked=None, status=200):
    from trm.exchange.pages import thread_rows
    from trm.workflow.tracks import STATUS_LABELS, TRACK_LABELS, TRACKS

    from . import stages
    report = selectors.case_report_for(user=request.user, case=case)
    template = reporting.load_template(case.template, case.template_version)
    language = engine_language(request)
    rendered = reporting.render(template, report, language, answered_only=True)
    reasons = forms.choices_for(template, template.fields["log.closure.reason"], language)
    tracks = [{"track": t.track, "label": translation.gettext(TRACK_LABELS[t.track]),
               "status": translation.gettext(STATUS_LABELS[t.status]) if t.status else "", "at": t.at, "actor": t.actor,
               "choices": [(code, translation.gettext(STATUS_LABELS[code])) for code in TRACKS[t.track]]}
              for t in stages.tracks_of(case)]
    return render(request, "cases/detail.html", {
        "case": case, "report": rendered, "events": case.events.all(), "closure_reasons": reasons,
        "thread": thread_rows(case, language), "tracks": tracks, "blocked": blocked,
        "checks": _checks(case, template, language), "back_pay": _back_pay(template, report, language)},
        status=status)


def _back_pay(template, report, language) -> dict | None:
    """The back-pay estimate of a case with a labour module, its labels and notes in ``language``."""
    from django.utils import timezone

    from trm.workflow.labour import LABELS, back_pay, load_labour
    labour = load_labour()
    if not (report.get("data") or {}).get("labour") or (template.name, template.version) != (
            labour.template, labour.template_version):
        return None
    translate = lambda text: reporting.i18n.gettext(text, language)  # noqa: E731
    estimate = back_pay(labour, report, today=timezone.now().date())
    return {"estimate": estimate, "labels": {k: translate(v) for k, v in LABELS.items()},
            "notes": [n.text(translate) for n in estimate.notes]}


DEADLINE_LABELS = {"OPEN": _("Open"), "DUE_SOON": _("Due soon"), "OVERDUE": _("Overdue"), "MET": _("Met")}


def _checks(case, template, language) -> dict:
    """The rules the case fails and its deadlines, as ``trm case check`` gives them, in ``language``
    (read on the whole stored report, like the guards; only rule texts are shown)."""
    from django.utils import timezone

    from trm.workflow.rules import check_report, load_rules

    from .selectors import stored_report
    translate = lambda text: reporting.i18n.gettext(text, language)  # noqa: E731
    try:
        result = check_report(load_rules(), template, stored_report(case), today=timezone.now().date())
    except Exception:  # a case of another template version than the rules': no checks rather than no page
        return {"failed": [], "deadlines": []}
    failed = [{"id": r.id, "title": translate(r.title), "reasons": [x.text(translate) for x in r.reasons]}
              for r in result.rules if r.status == "FAIL"]
    deadlines = [{"what": d.text(translate), "due": d.due, "status": d.status,
                  "label": translation.gettext(DEADLINE_LABELS[d.status])} for d in result.deadlines]
    return {"failed": failed, "deadlines": deadlines}


@never_cache
@verified_login_required
@require_http_methods(["POST"])
def case_stage(request, case_id):
    """Move a track to a status; a guard that blocks it is shown, in the reader's language."""
    from . import stages
    case = _case_or_404(request.user, case_id)
    track, _, status = request.POST.get("move", "")[:61].partition(":")
    language = engine_language(request)
    try:
        stages.stage_move(actor=request.user, case=case, track=track, status=status,
                          reason=request.POST.get("why", "")[:2000])
    except stages.StageUnknown:
        return _detail(request, case, [translation.gettext("This is not a status of that track.")], status=422)
    except stages.StageBlocked as refused:
        return _detail(request, case, [r.text(lambda text: reporting.i18n.gettext(text, language))
                                       for r in refused.reasons], status=422)
    except services.CaseInvalid:
        return _detail(request, case, [translation.gettext("The case is not complete enough for this step.")],
                       status=422)
    return redirect("case-detail", case_id=case.pk)


@never_cache
@verified_login_required
@require_http_methods(["POST"])
def case_close(request, case_id):
    case = _case_or_404(request.user, case_id)
    try:
        services.case_close(actor=request.user, case=case, reason=request.POST.get("reason", "")[:40])
    except services.CaseInvalid:
        return redirect("case-detail", case_id=case.pk)
    return redirect("case-detail", case_id=case.pk)


@never_cache
@verified_login_required
@require_http_methods(["GET", "POST"])
def case_edit(request, case_id):
    case = _case_or_404(request.user, case_id)
    template = reporting.load_template(case.template, case.template_version)
    if request.method == "GET":
        return _form_page(request, template, selectors.case_report_for(user=request.user, case=case, purpose="edit"), [], case)
    report = forms.report_from_post(template, request.POST, case.language)
    if "_save" not in request.POST:
        _apply_row_action(template, report, request.POST)
        return _form_page(request, template, report, [], case, version=_version(request.POST))
    try:
        services.case_update(actor=request.user, case=case, report=report, expected_version=_version(request.POST))
    except services.CaseInvalid as invalid:
        return _form_page(request, template, report, invalid.errors, case, status=422, version=_version(request.POST))
    except services.CaseConflict:
        return _form_page(request, template, report, [], case, status=409, version=_version(request.POST), conflict=True)
    return redirect("case-detail", case_id=case.pk)


@never_cache
@verified_login_required
@require_GET
def due_list(request):
    """What is due soon or overdue: the organisation's, or (``?mine=1``) the user's own."""
    from django.utils import timezone

    from trm.exchange.pages import type_label

    from .due import due_for
    language = engine_language(request)
    mine = request.GET.get("mine") == "1"
    translate = lambda text: reporting.i18n.gettext(text, language)  # noqa: E731
    rows = [{"item": item, "label": translation.gettext(DEADLINE_LABELS[item.status]),
             "what": type_label(item.what, language) if item.kind == "message" else item.text(translate)}
            for item in due_for(user=request.user, now=timezone.now(), mine=mine)]
    return render(request, "cases/due.html", {"rows": rows, "mine": mine})


@never_cache
@verified_login_required
@require_GET
def case_group(request, case_id):
    """The workers of the case's group: nationality, status and back-pay estimate of each, and totals."""
    from django.utils import timezone

    from trm.reporting.world import country_name
    from trm.workflow.labour import LABELS

    from .groups import group_of
    case = _case_or_404(request.user, case_id)
    group = group_of(user=request.user, case=case, today=timezone.now().date())
    if group is None:
        raise Http404
    language = engine_language(request)
    template = reporting.load_template(case.template, case.template_version)
    statuses = dict(forms.choices_for(template, template.fields["overview.trafficking_status"], language))
    sexes = dict(forms.choices_for(template, template.fields["identity.sex_gender"], language))
    country = lambda code: country_name(code, language) if code != "?" else "?"  # noqa: E731
    rows = [{"worker": w, "citizenships": ", ".join(country(c) for c in w.citizenships),
             "status": statuses.get(w.trafficking_status, ""), "sex": sexes.get(w.sex, "")} for w in group.workers]
    applied = request.GET.get("applied", "")
    return render(request, "cases/group.html", {
        "case": case, "group": group, "rows": rows,
        "applied": int(applied) if applied.isdigit() and len(applied) < 5 else applied if applied in ("none", "empty") else "",
        "nationalities": [(country(code), count) for code, count in group.nationalities.items()],
        "estimate_label": reporting.i18n.gettext(LABELS["title"], language)})


@never_cache
@verified_login_required
@require_http_methods(["POST"])
def case_group_share(request, case_id):
    """Apply this case's employer and other shared data to every worker of its group."""
    from .groups import NothingToShare, group_share
    case = _case_or_404(request.user, case_id)
    try:
        changed = group_share(actor=request.user, case=case)
    except services.CaseInvalid:
        return redirect(f"{reverse('case-group', args=[case.pk])}?applied=none")
    except NothingToShare:
        return redirect(f"{reverse('case-group', args=[case.pk])}?applied=empty")
    return redirect(f"{reverse('case-group', args=[case.pk])}?applied={len(changed)}")
