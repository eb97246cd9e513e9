"""Writes for organisations, people, API tokens and login throttling."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trm.audit.services import audit_record

from .models import ApiToken, LoginAttempt, Organisation, Role, User

LOGIN_WINDOW = timedelta(minutes=15)
TOKEN_USE_RESOLUTION = timedelta(hours=1)
LOGIN_FAILURES_ALLOWED = 5


@transaction.atomic
def organisation_create(*, name: str, country: str, kind: str, actor=None) -> Organisation:
    organisation = Organisation.objects.create(name=name.strip(), country=country.upper(), kind=kind)
    audit_record(actor=actor, action="organisation.create", object_type="organisation", object_id=str(organisation.pk))
    return organisation


@transaction.atomic
def user_create(*, username: str, organisation: Organisation | None, role: str = Role.CASEWORKER,
                password: str | None = None, language: str = "en", email: str = "", actor=None) -> tuple[User, str]:
    """A new user and their password (generated when none is given): print it once, store it nowhere."""
    password = password or secrets.token_urlsafe(12)
    user = User(username=username, organisation=organisation, role=role, language=language, email=email)
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action="user.create", object_type="user", object_id=str(user.pk), detail={"role": role})
    return user, password


@transaction.atomic
def token_create(*, user: User, actor=None) -> str:
    """A new API token for ``user``; only its digest is kept, so this is the one time it is seen."""
    raw = "trm_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, prefix=raw[4:12], digest=_digest(raw))
    audit_record(actor=actor, action="token.create", object_type="user", object_id=str(user.pk), detail={"token": token.pk})
    return raw


def token_user(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None (unknown, revoked or expired token)."""
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw), is_revoked=False).first()
    if token is None or not token.user.is_active:
        return None
    if timezone.now() - token.created_at > timedelta(days=settings.TOKEN_DAYS):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # not a write on every request
    return token.user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _attempt_key(username: str, address: str) -> str:
    message = f"{username.strip().casefold()}|{address}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def login_is_throttled(*, username: str, address: str) -> bool:
    since = timezone.now() - LOGIN_WINDOW
    return LoginAttempt.objects.filter(key=_attempt_key(username, address), at__gte=since).count() >= LOGIN_FAILURES_ALLOWED


def login_failed(*, username: str, address: str) -> None:
    LoginAttempt.objects.create(key=_attempt_key(username, address), at=timezone.now())
    LoginAttempt.objects.filter(at__lt=timezone.now() - LOGIN_WINDOW).delete()


def login_succeeded(*, username: str, address: str) -> None:
    LoginAttempt.objects.filter(key=_attempt_key(username, address)).delete()


@transaction.atomic
def user_deactivate(*, user: User, actor=None) -> None:
    """The user can no longer log in, and their API tokens stop working; their records stay."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    ApiToken.objects.filter(user=user).update(is_revoked=True)
    audit_record(actor=actor, action="user.deactivate", object_type="user", object_id=str(user.pk))


@transaction.atomic
def user_password_reset(*, user: User, actor=None) -> str:
    """A new generated password, to be given to the user once."""
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.password_reset", object_type="user", object_id=str(user.pk))
    return password


@transaction.atomic
def user_second_factor_reset(*, user: User, actor=None) -> int:
    """Remove the user's authenticators: at the next login they enrol a new one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="user.second_factor_reset", object_type="user", object_id=str(user.pk))
    return count


@transaction.atomic
def tokens_revoke(*, user: User, actor=None) -> int:
    count = ApiToken.objects.filter(user=user, is_revoked=False).update(is_revoked=True)
    audit_record(actor=actor, action="token.revoke", object_type="user", object_id=str(user.pk), detail={"tokens": count})
    return count
