"""Cases written against the reporting template, their identity vault and their timeline.

A case's report is kept in two parts: ``Case.data`` holds what does not identify the person; the
fields the template tags PERSONAL, SPECIAL_CATEGORY or CHILD_SECRET live encrypted in
``CaseIdentity``, found by name only through keyed blind indexes (``NameIndex``).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("Active")
    FOLLOW_UP = "FOLLOW_UP", _("Follow-up")
    CLOSED = "CLOSED", _("Closed")
    CLOSED_REFERRED = "CLOSED_REFERRED", _("Closed (referred)")


class Case(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=32, unique=True)
    template = models.CharField(max_length=64)
    template_version = models.CharField(max_length=16)
    language = models.CharField(max_length=10, help_text="the language the case's free text is written in")
    data = models.JSONField(default=dict)
    # Copied from the report on every save, for lists and filters.
    status = models.CharField(max_length=20, choices=CaseStatus.choices, db_index=True)
    stage = models.CharField(max_length=40, blank=True, db_index=True)
    trafficking_status = models.CharField(max_length=40, blank=True)
    is_minor = models.BooleanField(default=False, db_index=True)
    exploitation_codes = models.TextField(blank=True, help_text="|CODE|CODE| for filtering")
    country_codes = models.TextField(blank=True, help_text="|AL|IT| for filtering")
    group_key = models.CharField(max_length=64, blank=True, db_index=True,
                                 help_text="keyed blind index of a GROUP case's group reference: its workers share it")
    version = models.PositiveIntegerField(default=1, help_text="raised by every change; an editor's stale copy is refused")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "-updated_at"])]

    def __str__(self) -> str:
        return self.reference


class CaseIdentity(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="identity")
    blob = models.BinaryField()
    key_version = models.PositiveSmallIntegerField()


class NameIndex(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="name_keys")
    digest = models.CharField(max_length=64, db_index=True)
    key_version = models.PositiveSmallIntegerField()


class CaseSequence(models.Model):
    """The last number given to a case reference per country and year (IT-2026-000123)."""

    country = models.CharField(max_length=2)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["country", "year"], name="one_sequence_per_country_year")]


class EventKind(models.TextChoices):
    CREATED = "CREATED", _("Case opened")
    UPDATED = "UPDATED", _("Case updated")
    CLOSED = "CLOSED", _("Case closed")
    REOPENED = "REOPENED", _("Case reopened")
    CONSENT_GIVEN = "CONSENT_GIVEN", _("Consent recorded")
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN", _("Consent withdrawn")
    STAGE_CHANGED = "STAGE_CHANGED", _("Stage changed")
    MESSAGE_SENT = "MESSAGE_SENT", _("Message sent")
    MESSAGE_RECEIVED = "MESSAGE_RECEIVED", _("Message received")


class CaseEvent(models.Model):
    """One step on a case's timeline. ``paths`` names what changed, never the values."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    paths = models.JSONField(default=list)

    class Meta:
        ordering = ["at", "pk"]


class StageTransition(models.Model):
    """A move of one of the case's tracks (DOMAIN §6.2) to a status: who, when and why.

    The newest transition of a track is its current status. ``reason_blob`` is the caseworker's
    free text, encrypted with the vault key and bound to the case, like the rest of its free text.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    track = models.CharField(max_length=30)
    status = models.CharField(max_length=30)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason_blob = models.BinaryField()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "track", "-at"])]
