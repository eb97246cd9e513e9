from django.db import models
from django.db.models import Q


class NodeIdentity(models.Model):
    """This node's id and private keys (``NodeKeys`` JSON), encrypted with the vault key.

    At most one row: its primary key is always 1. The keys are written once, by
    ``trm.directory.services.node_keys_create``, and never in clear.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    node_id = models.CharField(max_length=100)
    keys_blob = models.BinaryField()
    created_at = models.DateTimeField()
    # Keys replaced by ``trm directory rotate``, kept to open what was sealed to them until the end
    # of their overlap: JSON [{"keys": NodeKeys JSON, "until": UTC text}], encrypted like keys_blob.
    previous_blob = models.BinaryField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="directory_one_node_identity")]

    def __str__(self):
        return self.node_id


class CoordinatorTrust(models.Model):
    """The network coordinator's public key that this node trusts. At most one row (primary key 1);
    set once by the administrator, replaced only by an explicit command."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    public_jwk = models.JSONField()
    kid = models.CharField(max_length=100)
    set_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="directory_one_coordinator_trust")]

    def __str__(self):
        return self.kid


class TrustListRecord(models.Model):
    """A trust list as received (the compact JWS, verified before it was stored); one is current."""

    jws = models.TextField()
    network = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    imported_at = models.DateTimeField()
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True),
                                    name="directory_one_current_trust_list"),
        ]

    def __str__(self):
        return f"{self.network} v{self.version}"
