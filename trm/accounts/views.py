"""Logging in: a password, then a second factor (TOTP) for the roles that need one."""
from __future__ import annotations

import base64

from django.conf import settings
from django.contrib.auth import authenticate, login as auth_login, logout as auth_logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from trm.audit.services import audit_record

from .models import User
from .services import login_failed, login_is_throttled, login_succeeded

PENDING = "trm_pending_user"


def _address(request) -> str:
    """The client's address: behind the node's own proxy, the one the proxy saw."""
    if settings.BEHIND_PROXY and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")


def _needs_second_factor(user: User) -> bool:
    return settings.REQUIRE_MFA and user.needs_second_factor


@require_http_methods(["GET", "POST"])
def login(request):
    error = None
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        address = _address(request)
        if login_is_throttled(username=username, address=address):
            error = _("Too many failed attempts. Wait fifteen minutes and try again.")
        else:
            user = authenticate(request, username=username, password=request.POST.get("password", ""))
            if user is None:
                login_failed(username=username, address=address)
                audit_record(action="auth.login_failed")
                error = _("The user name or the password is not right.")
            else:
                login_succeeded(username=username, address=address)
                return _after_password(request, user)
    return render(request, "accounts/login.html", {"error": error}, status=200 if error is None else 400)


def _logged_in(request, user: User):
    """Into the case list, in the person's language: the one chosen in this browser (which becomes
    theirs), else the one set for them."""
    from trm.web.views import remember_language
    response = redirect("case-list")
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES):
        if chosen != (user.language or "").lower():
            user.language = chosen
            user.save(update_fields=["language"])
    elif (user.language or "").lower() in dict(settings.LANGUAGES):
        remember_language(request, response, user.language.lower())
    return response


def _after_password(request, user: User):
    if not _needs_second_factor(user):
        auth_login(request, user)
        audit_record(actor=user, action="auth.login")
        return _logged_in(request, user)
    request.session.cycle_key()
    request.session[PENDING] = user.pk
    return redirect("login-verify")


def _second_factor_key(user: User) -> str:
    """Failed codes count apart from failed passwords, so a right password does not clear them."""
    return f"{user.username}\x00second-factor"


def _pending_user(request) -> User | None:
    user_id = request.session.get(PENDING)
    return User.objects.filter(pk=user_id, is_active=True).first() if user_id else None


def _qr_svg(uri: str) -> str:
    """The key as a QR code an authenticator app scans, inline SVG made here (no image fetched)."""
    import segno
    return segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff",
                                                  title=_("The key as a QR code"))


@require_http_methods(["GET", "POST"])
def login_verify(request):
    """The second step: a code from the authenticator app; the first time, enrol the app."""
    user = _pending_user(request)
    if user is None:
        return redirect("login")
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    error = None
    if request.method == "POST":
        if login_is_throttled(username=_second_factor_key(user), address=_address(request)):
            error = _("Too many failed attempts. Wait fifteen minutes and try again.")
        elif device.verify_token(request.POST.get("code", "").replace(" ", "")):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_record(actor=user, action="auth.second_factor_enrolled")
            del request.session[PENDING]
            auth_login(request, user)
            otp_login(request, device)
            audit_record(actor=user, action="auth.login")
            return _logged_in(request, user)
        else:
            login_failed(username=_second_factor_key(user), address=_address(request))
            audit_record(actor=user, action="auth.second_factor_failed")
            error = _("That code is not right. Enter the six digits your app shows now.")
    context = {"error": error, "enrol": not device.confirmed}
    if not device.confirmed:
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        context.update(secret=secret, uri=device.config_url, qr=_qr_svg(device.config_url))
    return render(request, "accounts/verify.html", context, status=200 if error is None else 400)


@require_POST
def logout(request):
    if request.user.is_authenticated:
        audit_record(actor=request.user, action="auth.logout")
    auth_logout(request)
    return redirect("login")
