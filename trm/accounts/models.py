"""Organisations, people and their roles, API tokens, login attempts."""
from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    NATIONAL_CONTACT_POINT = "NATIONAL_CONTACT_POINT", _("National contact point")
    NGO = "NGO", _("Non-governmental organisation")
    SOCIAL_SERVICES = "SOCIAL_SERVICES", _("Social services")
    POLICE = "POLICE", _("Police")
    LABOUR_INSPECTORATE = "LABOUR_INSPECTORATE", _("Labour inspectorate")
    GUARDIANSHIP_AUTHORITY = "GUARDIANSHIP_AUTHORITY", _("Guardianship authority")
    CONSULATE = "CONSULATE", _("Consulate")


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2; XK for Kosovo*")
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CASEWORKER = "CASEWORKER", _("Caseworker")
    SUPERVISOR = "SUPERVISOR", _("Supervisor")
    NATIONAL_CONTACT_POINT = "NATIONAL_CONTACT_POINT", _("National contact point")
    AUDITOR = "AUDITOR", _("Auditor")
    ADMINISTRATOR = "ADMINISTRATOR", _("Administrator")


# Roles that handle cases (and will send messages): they read identifying data and need a second factor.
CASE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.NATIONAL_CONTACT_POINT)
MFA_ROLES = CASE_ROLES + (Role.ADMINISTRATOR,)
# What each case role may not see, by the template's sensitivity tags. The national contact point
# coordinates across borders and needs neither a child's whereabouts and family-tracing results
# (CHILD_SECRET) nor health or ethnicity (SPECIAL_CATEGORY); the person's own caseworker and her
# supervisor see the whole case.
HIDDEN_FROM_ROLE = {
    Role.CASEWORKER: frozenset(),
    Role.SUPERVISOR: frozenset(),
    Role.NATIONAL_CONTACT_POINT: frozenset({"CHILD_SECRET", "SPECIAL_CATEGORY"}),
}


class User(AbstractUser):
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.CASEWORKER)
    language = models.CharField(max_length=10, default="en")

    @property
    def handles_cases(self) -> bool:
        return self.role in CASE_ROLES

    @property
    def hidden_sensitivities(self) -> frozenset[str]:
        return HIDDEN_FROM_ROLE.get(self.role, frozenset({"PERSONAL", "SPECIAL_CATEGORY", "CHILD_SECRET", "CRIMINAL"}))

    @property
    def needs_second_factor(self) -> bool:
        return self.role in MFA_ROLES


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    is_revoked = models.BooleanField(default=False)


class LoginAttempt(models.Model):
    """Failed logins, by a keyed hash of the user name and the client address (no names stored)."""

    key = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)
