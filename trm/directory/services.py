"""This node's place in the network: its keys, the coordinator it trusts, the trust list it uses.

The private keys are kept encrypted with the vault key. A trust list is stored only after it
verified with the coordinator's key; a refused list leaves the database as it was.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from trm.audit.services import audit_record
from trm.cases.vault import keyring
from trm.exchange.envelope import NodeKeys, import_okp, parse_utc_text, public_jwk, utc_text
from trm.exchange.trustlist import _NODE_ID, TrustList, TrustListError, verify_trust_list
from trm.lib import vault

from .models import CoordinatorTrust, NodeIdentity, TrustListRecord

NODE_KEYS_AAD = b"trm:node-keys"
PREVIOUS_KEYS_AAD = b"trm:node-keys:previous"
TRUST_LIST_SKEW = timedelta(minutes=10)  # as verify_trust_list allows
PUBLIC_KEYS_VALIDITY = timedelta(days=730)


class DirectoryError(Exception):
    """This node's directory is not in a state for the asked change; the message says what to do."""


# This node's keys -------------------------------------------------------------------------------

@transaction.atomic
def node_keys_create(*, node_id: str) -> NodeKeys:
    """Generate this node's signing and encryption keys and store them encrypted; once only."""
    if not isinstance(node_id, str) or len(node_id) > 100 or not _NODE_ID.fullmatch(node_id):
        raise DirectoryError(f"node id {node_id!r}: up to 100 lowercase letters and digits, joined by '-', '_' or '.'")
    existing = NodeIdentity.objects.select_for_update().first()
    if existing is not None:
        raise DirectoryError(f"this node already has keys, as {existing.node_id!r}")
    keys = NodeKeys.generate(node_id, now=timezone.now())
    blob = vault.encrypt(keyring(), keys.to_json().encode(), aad=NODE_KEYS_AAD)
    NodeIdentity.objects.create(node_id=node_id, keys_blob=blob, created_at=keys.created_at)
    audit_record(action="directory.node_keys_create", object_type="node", object_id=node_id,
                 detail={"signing_kid": keys.signing_kid, "encryption_kid": keys.encryption_kid})
    return keys


_opened_keys: dict[bytes, NodeKeys] = {}


def node_keys() -> NodeKeys:
    """This node's private keys; DirectoryError if they were never created. Decrypted once per
    process and stored blob (a rotation stores another blob)."""
    identity = NodeIdentity.objects.first()
    if identity is None:
        raise DirectoryError("this node has no keys yet: run trm directory keys NODE_ID")
    blob = bytes(identity.keys_blob)
    if blob not in _opened_keys:
        _opened_keys.clear()
        _opened_keys[blob] = NodeKeys.from_json(vault.decrypt(keyring(), blob, aad=NODE_KEYS_AAD))
    return _opened_keys[blob]


def previous_node_keys(*, now: datetime) -> list[tuple[NodeKeys, datetime]]:
    """Keys replaced by a rotation and still within their overlap, newest first, with their end."""
    identity = NodeIdentity.objects.first()
    if identity is None or not identity.previous_blob:
        return []
    kept = json.loads(vault.decrypt(keyring(), bytes(identity.previous_blob), aad=PREVIOUS_KEYS_AAD))
    return [(NodeKeys.from_json(item["keys"]), parse_utc_text(item["until"])) for item in kept
            if parse_utc_text(item["until"]) > now]


def node_keys_for(*, encryption_kid: str, now: datetime) -> NodeKeys | None:
    """The key set (current, or replaced but still in its overlap) an envelope was sealed to."""
    current = node_keys()
    if current.encryption_kid == encryption_kid:
        return current
    return next((keys for keys, _ in previous_node_keys(now=now) if keys.encryption_kid == encryption_kid), None)


def signing_keys_now(trust: TrustList | None, *, now: datetime) -> NodeKeys:
    """The key set to sign with now: the newest one the trust list lists for this node (so that,
    after a rotation, the node signs with its old key until the coordinator publishes the new one)."""
    current = node_keys()
    if trust is None:
        return current
    listed = {jwk["kid"] for jwk in trust.signing_jwks(current.node_id, at=now)}
    for keys in [current, *(keys for keys, _ in previous_node_keys(now=now))]:
        if keys.signing_kid in listed:
            return keys
    return current


@transaction.atomic
def node_keys_rotate(*, now: datetime, overlap_days: int = 30) -> NodeKeys:
    """New signing and encryption keys for this node; the replaced ones open and sign for
    ``overlap_days`` more days (send the new public keys to the coordinator within them)."""
    if type(overlap_days) is not int or not 1 <= overlap_days <= 365:
        raise DirectoryError("the overlap is a whole number of days from 1 to 365")
    identity = NodeIdentity.objects.select_for_update().first()
    if identity is None:
        raise DirectoryError("this node has no keys yet: run trm directory keys NODE_ID")
    old = node_keys()
    kept = [{"keys": keys.to_json(), "until": utc_text(until)} for keys, until in previous_node_keys(now=now)]
    kept.insert(0, {"keys": old.to_json(), "until": utc_text(now + timedelta(days=overlap_days))})
    new = NodeKeys.generate(old.node_id, now=now)
    identity.keys_blob = vault.encrypt(keyring(), new.to_json().encode(), aad=NODE_KEYS_AAD)
    identity.previous_blob = vault.encrypt(keyring(), json.dumps(kept).encode(), aad=PREVIOUS_KEYS_AAD)
    identity.save(update_fields=["keys_blob", "previous_blob"])
    audit_record(action="directory.node_keys_rotate", object_type="node", object_id=old.node_id,
                 detail={"signing_kid": new.signing_kid, "encryption_kid": new.encryption_kid,
                         "replaced_until": kept[0]["until"]})
    return new


def node_id() -> str | None:
    """This node's id, or None before its keys are created."""
    return NodeIdentity.objects.values_list("node_id", flat=True).first()


def node_public_keys_document(*, now: datetime | None = None) -> dict:
    """What the administrator sends to the coordinator: the node id and its public keys, in the
    shape of a trust-list participant's key entries: the current keys valid from ``now`` for two
    years, and keys replaced by a rotation until the end of their overlap."""
    keys, now = node_keys(), now or timezone.now()
    window = {"not_before": utc_text(now), "not_after": utc_text(now + PUBLIC_KEYS_VALIDITY)}
    document = {"node_id": keys.node_id, "signing_keys": [], "encryption_keys": []}
    for held, held_window in [(keys, window), *((old, {"not_before": utc_text(old.created_at), "not_after": utc_text(until)})
                                                 for old, until in previous_node_keys(now=now))]:
        public = held.public_jwks()
        document["signing_keys"].append({"jwk": public["signing"], **held_window})
        document["encryption_keys"].append({"jwk": public["encryption"], **held_window})
    return document


# The coordinator --------------------------------------------------------------------------------

def coordinator_public_jwk(jwk: object) -> dict:
    """``jwk`` as the coordinator's public Ed25519 JWK; DirectoryError if it is anything else."""
    if isinstance(jwk, dict) and "d" in jwk:
        raise DirectoryError("this is a private key: ask the coordinator for the public one (the .pub file)")
    try:
        key = import_okp(jwk, curve="Ed25519")
    except ValueError as error:
        raise DirectoryError(f"not the coordinator's public key: {error}") from None
    if key.kid != key.thumbprint():
        raise DirectoryError("the key's kid is not its RFC 7638 thumbprint")
    return public_jwk(jwk)


@transaction.atomic
def coordinator_trust_set(*, public_jwk: object, replace: bool = False) -> CoordinatorTrust:
    """Trust ``public_jwk`` as the coordinator's key. Setting the same key again changes nothing;
    another key needs ``replace``, and then the current trust list (signed by the old key) stops
    being current until a list signed by the new key is imported."""
    jwk = coordinator_public_jwk(public_jwk)
    trusted = CoordinatorTrust.objects.select_for_update().first()
    if trusted is not None and trusted.kid == jwk["kid"]:
        return trusted
    if trusted is not None and not replace:
        raise DirectoryError(f"this node already trusts coordinator key {trusted.kid}; "
                             "replacing it is explicit (--replace)")
    TrustListRecord.objects.filter(is_current=True).update(is_current=False)
    audit_record(action="directory.coordinator_trust", object_type="coordinator", object_id=jwk["kid"],
                 detail={"replaced_kid": trusted.kid if trusted else None})
    trusted, _ = CoordinatorTrust.objects.update_or_create(
        id=1, defaults={"public_jwk": jwk, "kid": jwk["kid"], "set_at": timezone.now()})
    return trusted


def coordinator_trust() -> CoordinatorTrust | None:
    return CoordinatorTrust.objects.first()


# Trust lists ------------------------------------------------------------------------------------

@transaction.atomic
def trust_list_import(*, jws: str, now: datetime) -> TrustListRecord:
    """Verify ``jws`` with the trusted coordinator key and make it the current trust list.

    Raises TrustListError, storing nothing, if it is unsigned, signed by another key, altered,
    malformed, expired or not yet valid, if it belongs to another network than the current list,
    or if it was not issued after the newest list this node holds (a rollback). Importing the
    current list again returns it unchanged.
    """
    trusted = CoordinatorTrust.objects.select_for_update().first()  # also queues concurrent imports
    if trusted is None:
        raise TrustListError("no coordinator key is trusted yet: run trm directory trust-coordinator FILE first")
    if not isinstance(jws, str) or not jws.isascii():
        raise TrustListError("trust list is malformed: not the text of a compact JWS")
    jws = jws.strip()
    trust = verify_trust_list(jws, trusted.public_jwk, now=now)
    newest = TrustListRecord.objects.order_by("-issued_at", "-id").first()
    if newest is not None and newest.jws == jws:
        return newest
    _refuse_rollback(trust, newest)
    _refuse_other_network(trust)
    TrustListRecord.objects.filter(is_current=True).update(is_current=False)
    record = TrustListRecord.objects.create(
        jws=jws, network=trust.network, version=trust.version, issued_at=trust.issued_at,
        expires_at=trust.expires_at, imported_at=timezone.now(), is_current=True)
    audit_record(action="directory.import", object_type="trust_list", object_id=str(record.pk),
                 detail={"version": trust.version, "network": trust.network})
    return record


def _refuse_rollback(trust: TrustList, newest: TrustListRecord | None) -> None:
    if newest is not None and trust.issued_at <= newest.issued_at:
        raise TrustListError(f"trust list version {trust.version} issued at {utc_text(trust.issued_at)} is not newer "
                             f"than version {newest.version} issued at {utc_text(newest.issued_at)} (rollback refused)")


def _refuse_other_network(trust: TrustList) -> None:
    current = TrustListRecord.objects.filter(is_current=True).first()
    if current is not None and current.network != trust.network:
        raise TrustListError(f"trust list is for network {trust.network!r}, this node is in {current.network!r}")


# The last trust list this process verified, by its exact text and the coordinator key: every
# message reads the list several times, and its signature need not be checked again each time.
_verified: dict[tuple[str, str], TrustList] = {}


def current_trust_list(*, now: datetime) -> TrustList | None:
    """The current trust list as stored, verified (its signature once per process and text, its
    validity at ``now`` each time); None if there is none or it has expired. TrustListError if the
    stored list does not verify (it was altered in the database)."""
    record = TrustListRecord.objects.filter(is_current=True).first()
    trusted = CoordinatorTrust.objects.first()
    if record is None or trusted is None or now >= record.expires_at:
        return None
    key = (record.jws, trusted.kid)
    trust = _verified.get(key)
    if trust is None or not trust.issued_at - TRUST_LIST_SKEW <= now < trust.expires_at:
        trust = verify_trust_list(record.jws, trusted.public_jwk, now=now)
        _verified.clear()
        _verified[key] = trust
    return trust


def usable_trust_list(*, now: datetime) -> TrustList | None:
    """The current trust list, or None when there is none, it expired or it no longer verifies
    (the exchange then refuses to send or receive until the administrator imports a good one)."""
    try:
        return current_trust_list(now=now)
    except TrustListError:
        return None


def node_is_listed(trust: TrustList, keys: NodeKeys, *, at: datetime) -> bool:
    """Whether ``trust`` lists this node with its present signing and encryption keys."""
    signing = [jwk["kid"] for jwk in trust.signing_jwks(keys.node_id, at=at)]
    encryption = trust.encryption_jwk(keys.node_id, at=at)
    return keys.signing_kid in signing and encryption is not None and encryption["kid"] == keys.encryption_kid
