from django.db import models


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

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.message_id} from {self.sender}"
