"""The administrator's page of the node's people: who can log in, with which role, whether their
second factor is set up, their API tokens; deactivate someone, revoke their tokens, or make them
enrol a new authenticator. Administrators see people, never cases. Each view and change is audited;
new people and passwords are made with ``trm user add`` and ``trm user password``."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from trm.audit.services import audit_record

from . import services
from .decorators import verified_login_required
from .models import Role, User

ACTIONS = {
    "deactivate": services.user_deactivate,
    "revoke-tokens": services.tokens_revoke,
    "reset-second-factor": services.user_second_factor_reset,
}


def _administrator(request) -> None:
    if request.user.role != Role.ADMINISTRATOR:
        raise Http404  # as for a case of another organisation: nothing here for other roles


@never_cache
@verified_login_required
@require_GET
def people(request):
    _administrator(request)
    live_since = timezone.now() - timedelta(days=settings.TOKEN_DAYS)
    live = Q(api_tokens__is_revoked=False, api_tokens__created_at__gt=live_since)
    rows = (User.objects.select_related("organisation")
            .annotate(tokens=Count("api_tokens", filter=live, distinct=True),
                      token_used=Max("api_tokens__last_used_at", filter=live),
                      enrolled=Count("totpdevice", filter=Q(totpdevice__confirmed=True), distinct=True))
            .order_by("-is_active", "organisation__name", "username"))
    audit_record(actor=request.user, action="admin.people_listed", detail={"people": len(rows)})
    return render(request, "accounts/people.html", {"rows": rows, "done": request.GET.get("done", "")[:30]})


@never_cache
@verified_login_required
@require_POST
def person_change(request, user_id: int, action: str):
    _administrator(request)
    change = ACTIONS.get(action)
    person = User.objects.filter(pk=user_id).first()
    if change is None or person is None:
        raise Http404
    if person.pk == request.user.pk and action == "deactivate":
        return render(request, "accounts/people_refused.html",
                      {"message": _("You cannot deactivate yourself: ask another administrator.")}, status=422)
    change(user=person, actor=request.user)
    return redirect(f"/people?done={action}")
