from django.db import models

GENESIS_HASH = "0" * 64


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("audit entries cannot be updated")

    def delete(self):
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One event of the audit log, chained to the one before it by ``prev_hash``.

    Entries are only ever appended, through ``trm.audit.services.audit_record``: the ORM refuses
    updates and deletes, and database triggers refuse them too. ``hash`` is the SHA-256 of the
    entry's fields (see ``trm.audit.selectors.audit_entry_hash``), so ``audit_verify`` finds any
    entry that was changed, removed, reordered or forged afterwards.

    ``actor_id`` and ``organisation_id`` are plain integers, not foreign keys, so that removing a
    user or an organisation never touches the log. ``detail`` must never hold personal data
    (names, dates of birth, document numbers, free text about a person): only codes, counts and
    ids, which is what an auditor needs and all the log may keep for as long as it is kept.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id", "-seq"], name="audit_entry_object_idx")]

    def __str__(self):
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AuditLogIsAppendOnly(f"audit entry {self.seq} cannot be changed")
        kwargs["force_insert"] = True
        super().save(**kwargs)

    def delete(self, **kwargs):
        raise AuditLogIsAppendOnly(f"audit entry {self.seq} cannot be deleted")
