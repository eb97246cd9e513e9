"""The node's pages. Views parse input, call the engine, and render; nothing else."""
from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from trm import reporting

# Django's language codes (sr-latn) ↔ the engine's (sr-Latn).
ENGINE_LANGUAGE = {code.lower(): code for code in reporting.LANGUAGES}


def engine_language(request: HttpRequest) -> str:
    return ENGINE_LANGUAGE.get((translation.get_language() or "en").lower(), "en")


@require_GET
def home(request):
    return redirect("case-list" if request.user.is_authenticated else "login")


@require_GET
def health(request):
    """For load balancers and monitoring: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def template_form(request):
    """The case report template as a form, in the reader's language (read-only preview)."""
    template = reporting.load_template()
    empty = {"template": template.name, "version": template.version, "data": {}}
    rendered = reporting.render(template, empty, engine_language(request))
    return render(request, "web/template_form.html", {"template": template, "report": rendered})


@require_POST
def set_language(request):
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        code = settings.LANGUAGE_CODE
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response: HttpResponse = redirect(target)
    remember_language(request, response, code)
    if request.user.is_authenticated and (request.user.language or "").lower() != code:
        request.user.language = code  # the person's language from now on: at login, and in reminders
        request.user.save(update_fields=["language"])
    return response


def remember_language(request, response: HttpResponse, code: str) -> None:
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, samesite="Lax", secure=request.is_secure(), httponly=True)
