from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Answer(models.TextChoices):
    """Where a thread stands, as the receiver answered it."""

    PENDING = "PENDING", _("Awaiting an answer")
    ACCEPTED = "ACCEPTED", _("Accepted")
    DECLINED = "DECLINED", _("Declined")
    ANSWERED = "ANSWERED", _("Answered")


class InboundMessage(models.Model):
    """A message received from another node, stored once.

    The envelope is kept as received (it is encrypted to this node, and it is what the receipt's
    digest covers); the opened payload is kept encrypted with the vault key, never in clear. The
    unique ``message_id`` is the persistent replay guard: a second delivery of the same envelope
    gets the stored receipt again, and another envelope with the same id is refused.
    """

    message_id = models.CharField(max_length=36, unique=True)
    type = models.CharField(max_length=64)
    sender = models.CharField(max_length=100)
    received_at = models.DateTimeField()
    created_at = models.DateTimeField()
    template = models.CharField(max_length=100)
    envelope = models.BinaryField()
    digest = models.CharField(max_length=64, unique=True)
    payload_blob = models.BinaryField()
    receipt = models.TextField()
    # The thread: whom it is for here, what it answers, the local case it belongs to, its answer.
    organisation = models.ForeignKey("accounts.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    in_reply_to = models.CharField(max_length=36, blank=True, db_index=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound")
    answer = models.CharField(max_length=10, choices=Answer.choices, default=Answer.PENDING)
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.message_id} from {self.sender}"


class Delivery(models.TextChoices):
    QUEUED = "QUEUED", _("Waiting to be delivered")
    DELIVERED = "DELIVERED", _("Delivered")
    FAILED = "FAILED", _("Not delivered")


class OutboundMessage(models.Model):
    """A message this node sends: written in the same transaction as the case change, delivered
    by ``trm worker``.

    The envelope is sealed once, when the message is written, so every attempt posts the same
    bytes and the receiver can tell a repeat from a new message. The payload is kept encrypted with
    the vault key for the sender's own thread. ``last_error`` holds a reason code, never content.
    """

    message_id = models.CharField(max_length=36, unique=True)
    type = models.CharField(max_length=64)
    receiver = models.CharField(max_length=100, db_index=True)
    endpoint = models.CharField(max_length=500)
    template = models.CharField(max_length=100)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="outbound")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    in_reply_to = models.CharField(max_length=36, blank=True, db_index=True)
    envelope = models.BinaryField()
    digest = models.CharField(max_length=64)
    payload_blob = models.BinaryField()
    # Delivery: a worker claims a due message until ``claimed_until``; a crashed worker's claim lapses.
    state = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=64, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    receipt = models.TextField(blank=True)
    received_at = models.DateTimeField(null=True, blank=True, help_text="when the receiver says it received it")
    # The receiver's answer, once a reply arrives (accepted, declined, answered).
    answer = models.CharField(max_length=10, choices=Answer.choices, default=Answer.PENDING)
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.type} {self.message_id} to {self.receiver}"
