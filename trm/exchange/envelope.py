"""Envelopes between nodes: a signed message inside an encrypted one, and the signed receipt.

A message is canonical JSON signed by the sending node (compact JWS, EdDSA over Ed25519, typ
``trm-message+jws``), then encrypted to the receiving node (compact JWE, ECDH-ES+A256KW with
X25519, A256GCM, cty ``trm-message+jws``). The receiver answers with a receipt: a compact JWS
(typ ``trm-receipt+jws``) over the SHA-256 of the envelope bytes it received.

Pure functions over bytes and dicts: keys and the clock are passed in, nothing touches Django, a
database or the network. Only the algorithms named below are ever accepted; everything else is
refused with a stable reason code, so that the inbox can answer and log without personal data.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from joserfc import jwe, jws
from joserfc.errors import InvalidKeyCurveError, JoseError
from joserfc.jwa import EdDSAAlgorithm
from joserfc.jwe import JWERegistry
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry

from trm.lib.canonical import canonical_json
from trm.reporting.messages import MESSAGE_TYPES

SIGNING_ALG = "EdDSA"
KEY_WRAP_ALG = "ECDH-ES+A256KW"
CONTENT_ENC = "A256GCM"
MESSAGE_TYP = "trm-message+jws"
RECEIPT_TYP = "trm-receipt+jws"

MESSAGE_CLAIMS = frozenset({"message_id", "type", "sender", "receiver", "created_at", "template", "payload"})
RECEIPT_CLAIMS = frozenset({"message_id", "digest", "received_at", "receiver"})
JWE_HEADER = frozenset({"alg", "enc", "kid", "cty", "epk"})
JWS_HEADER = frozenset({"alg", "kid", "typ"})
MAX_RECEIPT_BYTES = 16_384

REASONS = (
    "too_large", "malformed", "wrong_recipient", "undecryptable", "bad_signature", "unknown_sender",
    "unknown_type", "expired", "from_the_future", "header_mismatch", "replayed", "bad_receipt",
)

_UTC_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_TEMPLATE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*@\d+\.\d+")
_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")


class EnvelopeRejected(Exception):
    """An envelope or receipt refused; ``reason`` is one of ``REASONS`` and carries no message content."""

    def __init__(self, reason: str):
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        super().__init__(reason)
        self.reason = reason


# Times ------------------------------------------------------------------------------------------

def utc_text(moment: datetime) -> str:
    """``moment`` as ``2026-12-03T10:15:00Z`` (UTC, whole seconds); naive datetimes are refused."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc_text(text: object) -> datetime:
    """The inverse of ``utc_text``; raises ValueError on anything else."""
    if not isinstance(text, str) or not _UTC_TEXT.fullmatch(text):
        raise ValueError(f"not a UTC time like 2026-12-03T10:15:00Z: {text!r}")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware one (UTC)")
    return moment.astimezone(timezone.utc)


# Keys -------------------------------------------------------------------------------------------

class _EdDSAOverEd25519(EdDSAAlgorithm):
    # joserfc warns on every use of "EdDSA" because RFC 9864 deprecates the name as ambiguous
    # (Ed25519 or Ed448). Restricting it to Ed25519 removes the ambiguity, and with it the warning.
    security_warning = None

    def check_key(self, key: OKPKey) -> None:
        super().check_key(key)
        if key.curve_name != "Ed25519":
            raise InvalidKeyCurveError("EdDSA here means Ed25519 only")


class _SigningRegistry(JWSRegistry):
    # Its own table of algorithms, so that "none", HS256 and the rest do not exist here at all.
    algorithms = {SIGNING_ALG: _EdDSAOverEd25519()}
    recommended = [SIGNING_ALG]


def signing_registry(max_payload_bytes: int = 1_000_000) -> JWSRegistry:
    registry = _SigningRegistry(algorithms=[SIGNING_ALG])
    registry.max_payload_length = max_payload_bytes  # joserfc's default is 128,000
    return registry


def encryption_registry(max_ciphertext_bytes: int = 1_000_000) -> JWERegistry:
    registry = JWERegistry(algorithms=[KEY_WRAP_ALG, CONTENT_ENC])
    registry.max_ciphertext_length = max_ciphertext_bytes  # joserfc's default is 64 KiB
    return registry


def import_okp(jwk: dict, *, curve: str, private: bool = False) -> OKPKey:
    """An OKP key of ``curve`` with a ``kid``; only the public part unless ``private``.

    Raises ValueError when the JWK is not such a key (wrong type or curve, no kid, no private part).
    """
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != curve:
        raise ValueError(f"not an OKP {curve} JWK")
    if not isinstance(jwk.get("kid"), str) or not jwk["kid"]:
        raise ValueError("JWK has no kid")
    if private and "d" not in jwk:
        raise ValueError("JWK has no private part")
    wanted = ("kty", "crv", "x", "kid", "d") if private else ("kty", "crv", "x", "kid")
    try:
        return OKPKey.import_key({name: jwk[name] for name in wanted})
    except (JoseError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"invalid OKP {curve} JWK") from error


def new_private_jwk(curve: str, use: str, alg: str) -> dict:
    """A fresh private OKP JWK of `curve` whose kid is its RFC 7638 thumbprint."""
    key = OKPKey.generate_key(curve, private=True)
    return {**key.as_dict(private=True), "kid": key.thumbprint(), "use": use, "alg": alg}


def public_jwk(private_jwk: dict) -> dict:
    """The public half of an OKP JWK: kty, crv, x, kid, use and alg."""
    return {name: private_jwk[name] for name in ("kty", "crv", "x", "kid", "use", "alg") if name in private_jwk}


@dataclass(frozen=True)
class NodeKeys:
    """A node's private keys: Ed25519 to sign, X25519 to decrypt. Each JWK's kid is its RFC 7638 thumbprint."""

    node_id: str
    signing_jwk: dict = field(repr=False)
    encryption_jwk: dict = field(repr=False)
    signing_kid: str
    encryption_kid: str
    created_at: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.node_id, str) or not self.node_id:
            raise ValueError("node_id must be a non-empty string")
        import_okp(self.signing_jwk, curve="Ed25519", private=True)
        import_okp(self.encryption_jwk, curve="X25519", private=True)
        if (self.signing_jwk["kid"], self.encryption_jwk["kid"]) != (self.signing_kid, self.encryption_kid):
            raise ValueError("kids do not match the JWKs")
        as_utc(self.created_at)

    @classmethod
    def generate(cls, node_id: str, *, now: datetime) -> NodeKeys:
        signing = new_private_jwk("Ed25519", "sig", SIGNING_ALG)
        encryption = new_private_jwk("X25519", "enc", KEY_WRAP_ALG)
        return cls(node_id, signing, encryption, signing["kid"], encryption["kid"], as_utc(now))

    def public_jwks(self) -> dict:
        """``{"signing": {...}, "encryption": {...}}``: the public JWKs to publish in the trust list."""
        return {"signing": public_jwk(self.signing_jwk), "encryption": public_jwk(self.encryption_jwk)}

    def to_json(self) -> str:
        """The keys, private parts included, as JSON for storage (protect it as a secret)."""
        return json.dumps({
            "node_id": self.node_id, "created_at": utc_text(self.created_at),
            "signing": self.signing_jwk, "encryption": self.encryption_jwk,
        }, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> NodeKeys:
        try:
            data = json.loads(text)
            signing, encryption = data["signing"], data["encryption"]
            return cls(data["node_id"], signing, encryption, signing.get("kid"), encryption.get("kid"),
                       parse_utc_text(data["created_at"]))
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError("not the JSON of NodeKeys") from error


# Compact JWS, shared by messages, receipts and the trust list -----------------------------------

def sign_compact(claims: dict, private_jwk: dict, *, typ: str) -> bytes:
    """Canonical JSON of ``claims`` as a compact JWS (EdDSA, Ed25519) with header alg, kid and typ."""
    key = import_okp(private_jwk, curve="Ed25519", private=True)
    header = {"alg": SIGNING_ALG, "kid": key.kid, "typ": typ}
    payload = canonical_json(claims)
    return jws.serialize_compact(header, payload, key, registry=signing_registry()).encode("ascii")


def split_compact(token: bytes, parts: int) -> tuple[dict, list[bytes]]:
    """The protected header of a compact JWS or JWE, and its segments; ValueError if malformed."""
    segments = token.split(b".")
    if len(segments) != parts or not all(_BASE64URL.fullmatch(segment) for segment in segments):
        raise ValueError("not a compact serialisation")
    header = strict_json(b64decode(segments[0]))
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    return header, segments


def verify_compact(token: bytes, jwks: Iterable[dict], *, max_bytes: int) -> dict | None:
    """The claims of a compact JWS that verifies with the key of ``jwks`` named by its kid, else None.

    The caller has checked the header; a missing key, a bad signature or a payload that is not a
    JSON object all give None.
    """
    header, _ = split_compact(token, 3)
    key = _signing_key(jwks, header.get("kid"))
    if key is None:
        return None
    try:
        verified = jws.deserialize_compact(token, key, registry=signing_registry(max_bytes))
        claims = strict_json(verified.payload)
    except (JoseError, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def _signing_key(jwks: Iterable[dict], kid: object) -> OKPKey | None:
    for jwk in jwks:
        if isinstance(jwk, dict) and jwk.get("kid") == kid and jwk.get("use", "sig") == "sig":
            try:
                return import_okp(jwk, curve="Ed25519")
            except ValueError:
                return None
    return None


def b64decode(segment: bytes) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("invalid base64url") from error


def strict_json(raw: bytes) -> object:
    """JSON that refuses duplicate keys and NaN or infinities (two parsers must never disagree)."""
    def pairs(items: list) -> dict:
        keys = [key for key, _ in items]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        return dict(items)

    def constant(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
    except (UnicodeDecodeError, RecursionError) as error:
        raise ValueError("not JSON") from error


# Seal -------------------------------------------------------------------------------------------

def seal(*, payload: dict, message_type: str, sender: NodeKeys, receiver_id: str, receiver_encryption_jwk: dict,
         template: str, now: datetime, message_id: str | None = None) -> bytes:
    """Sign a message as ``sender`` and encrypt it to ``receiver_encryption_jwk``; returns compact JWE bytes.

    Raises ValueError for an unknown message type, a template not written ``name@major.minor``, a
    message id that is not a UUID, a payload that is not a JSON object, or a receiver key that is
    not a public X25519 JWK with a kid.
    """
    claims = message_claims(payload=payload, message_type=message_type, sender=sender.node_id,
                            receiver=receiver_id, template=template, now=now, message_id=message_id)
    signed = sign_compact(claims, sender.signing_jwk, typ=MESSAGE_TYP)
    key = import_okp(receiver_encryption_jwk, curve="X25519")
    header = {"alg": KEY_WRAP_ALG, "enc": CONTENT_ENC, "kid": key.kid, "cty": MESSAGE_TYP}
    return jwe.encrypt_compact(header, signed, key, registry=encryption_registry()).encode("ascii")


def message_claims(*, payload: dict, message_type: str, sender: str, receiver: str, template: str,
                   now: datetime, message_id: str | None) -> dict:
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"unknown message type {message_type!r}")
    if not isinstance(template, str) or not _TEMPLATE.fullmatch(template):
        raise ValueError(f"template must look like trm-case-report@1.0, got {template!r}")
    if not isinstance(payload, dict):
        raise ValueError("payload must be a JSON object")
    if not isinstance(receiver, str) or not receiver:
        raise ValueError("receiver_id must be a non-empty string")
    message_id = str(uuid.uuid4()) if message_id is None else message_id
    if not _is_uuid(message_id):
        raise ValueError("message_id must be a UUID in canonical form")
    return {"message_id": message_id, "type": message_type, "sender": sender, "receiver": receiver,
            "created_at": utc_text(now), "template": template, "payload": payload}


def _is_uuid(value: object) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


# Open -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OpenedMessage:
    message_id: str
    type: str
    sender: str
    receiver: str
    created_at: datetime
    template: str
    payload: dict = field(repr=False)
    digest: str  # SHA-256 hex of the envelope bytes as received: what the receipt acknowledges


def recipient_kid(envelope: bytes, *, max_bytes: int = 1_000_000) -> str:
    """The kid of the encryption key an envelope was sealed to, read without decrypting anything.

    A node that has rotated its encryption key uses this to pick which of its keys to open with.
    """
    header = _outer_header(bytes(envelope), max_bytes)
    return header["kid"]


def open_envelope(*, envelope: bytes, receiver: NodeKeys, sender_signing_jwks: Callable[[str], list[dict]],
                  now: datetime, max_bytes: int = 1_000_000, max_age: timedelta = timedelta(days=2),
                  max_skew: timedelta = timedelta(minutes=10)) -> OpenedMessage:
    """Decrypt, verify and check one envelope addressed to ``receiver``.

    ``sender_signing_jwks(node_id)`` returns the public signing JWKs of that node that are valid
    now (from the trust list). Raises EnvelopeRejected with a stable reason; checks run from the
    cheapest to the dearest, and nothing inside the envelope is trusted before its signature is.
    Replays are not detected here (that needs storage): see ``ReplayWindow``.
    """
    envelope = bytes(envelope)
    header = _outer_header(envelope, max_bytes)
    if header["kid"] != receiver.encryption_kid:
        raise EnvelopeRejected("wrong_recipient")
    signed = _decrypt(envelope, receiver, max_bytes)
    claims = _verified_claims(signed, header["cty"], sender_signing_jwks, max_bytes)
    _check_claims(claims, receiver, now=as_utc(now), max_age=max_age, max_skew=max_skew)
    created_at = parse_utc_text(claims["created_at"])
    return OpenedMessage(claims["message_id"], claims["type"], claims["sender"], claims["receiver"], created_at,
                         claims["template"], claims["payload"], hashlib.sha256(envelope).hexdigest())


def _outer_header(envelope: bytes, max_bytes: int) -> dict:
    if len(envelope) > max_bytes:
        raise EnvelopeRejected("too_large")
    try:
        header, _ = split_compact(envelope, 5)
    except ValueError:
        raise EnvelopeRejected("malformed") from None
    if set(header) != JWE_HEADER or not isinstance(header["kid"], str):
        raise EnvelopeRejected("malformed")
    if (header["alg"], header["enc"], header["cty"]) != (KEY_WRAP_ALG, CONTENT_ENC, MESSAGE_TYP):
        raise EnvelopeRejected("malformed")
    return header


def _decrypt(envelope: bytes, receiver: NodeKeys, max_bytes: int) -> bytes:
    key = import_okp(receiver.encryption_jwk, curve="X25519", private=True)
    try:
        return jwe.decrypt_compact(envelope, key, registry=encryption_registry(max_bytes)).plaintext
    except (JoseError, ValueError, TypeError):
        raise EnvelopeRejected("undecryptable") from None


def _verified_claims(signed: bytes, content_type: str, sender_signing_jwks: Callable[[str], list[dict]],
                     max_bytes: int) -> dict:
    header, segments = _inner_parts(signed)
    if header["alg"] != SIGNING_ALG:
        raise EnvelopeRejected("bad_signature")
    if set(header) != JWS_HEADER or not isinstance(header["kid"], str):
        raise EnvelopeRejected("malformed")
    if header["typ"] != content_type:
        raise EnvelopeRejected("header_mismatch")
    sender = _claimed_sender(segments[1])
    jwks = [jwk for jwk in sender_signing_jwks(sender) if isinstance(jwk, dict) and jwk.get("kid") == header["kid"]]
    if not jwks:
        raise EnvelopeRejected("unknown_sender")
    claims = verify_compact(signed, jwks, max_bytes=max_bytes)
    if claims is None:
        raise EnvelopeRejected("bad_signature")
    return claims


def _inner_parts(signed: bytes) -> tuple[dict, list[bytes]]:
    try:
        header, segments = split_compact(signed, 3)
    except ValueError:
        raise EnvelopeRejected("malformed") from None
    if "alg" not in header:
        raise EnvelopeRejected("malformed")
    return header, segments


def _claimed_sender(payload_segment: bytes) -> str:
    # Read before the signature is checked, only to choose whose keys to check it with.
    try:
        claims = strict_json(b64decode(payload_segment))
    except ValueError:
        raise EnvelopeRejected("malformed") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("sender"), str):
        raise EnvelopeRejected("malformed")
    return claims["sender"]


def _check_claims(claims: dict, receiver: NodeKeys, *, now: datetime, max_age: timedelta,
                  max_skew: timedelta) -> None:
    if set(claims) != MESSAGE_CLAIMS or not _claims_well_typed(claims):
        raise EnvelopeRejected("malformed")
    if claims["receiver"] != receiver.node_id:
        raise EnvelopeRejected("wrong_recipient")
    if claims["type"] not in MESSAGE_TYPES:
        raise EnvelopeRejected("unknown_type")
    created_at = parse_utc_text(claims["created_at"])
    if now - created_at > max_age:
        raise EnvelopeRejected("expired")
    if created_at - now > max_skew:
        raise EnvelopeRejected("from_the_future")


def _claims_well_typed(claims: dict) -> bool:
    try:
        parse_utc_text(claims["created_at"])
    except ValueError:
        return False
    texts = all(isinstance(claims[name], str) for name in ("type", "sender", "receiver", "template"))
    return texts and _is_uuid(claims["message_id"]) and isinstance(claims["payload"], dict) \
        and bool(_TEMPLATE.fullmatch(claims["template"]))


# Replay -----------------------------------------------------------------------------------------

class ReplayWindow:
    """Message ids seen within ``max_age``, in memory; the node keeps the same in its database.

    Together with the age check of ``open_envelope`` it is complete: a message older than the
    window is refused as expired, so forgetting it cannot let a replay through.
    """

    def __init__(self, *, max_age: timedelta = timedelta(days=2)):
        self.max_age = max_age
        self._seen: dict[str, datetime] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def check_and_remember(self, message_id: str, created_at: datetime, now: datetime) -> None:
        oldest = as_utc(now) - self.max_age
        self._seen = {seen: at for seen, at in self._seen.items() if at >= oldest}
        if as_utc(created_at) < oldest:
            raise EnvelopeRejected("expired")
        if message_id in self._seen:
            raise EnvelopeRejected("replayed")
        self._seen[message_id] = as_utc(created_at)


# Receipts ---------------------------------------------------------------------------------------

def receipt(*, opened: OpenedMessage, receiver: NodeKeys, now: datetime) -> bytes:
    """A compact JWS by ``receiver`` over the id and digest of what it received, and when."""
    if opened.receiver != receiver.node_id:
        raise ValueError("a receipt is signed by the node the message was addressed to")
    claims = {"message_id": opened.message_id, "digest": opened.digest, "received_at": utc_text(now),
              "receiver": receiver.node_id}
    return sign_compact(claims, receiver.signing_jwk, typ=RECEIPT_TYP)


def verify_receipt(*, receipt: bytes, expected_digest: str, signing_jwks: list[dict]) -> dict:
    """The claims of a receipt signed by one of ``signing_jwks`` for ``expected_digest``.

    Returns ``{"message_id", "digest", "received_at", "receiver"}`` (strings); raises
    EnvelopeRejected("bad_receipt") for anything else.
    """
    token = receipt.encode("ascii") if isinstance(receipt, str) else bytes(receipt)
    if len(token) > MAX_RECEIPT_BYTES:
        raise EnvelopeRejected("bad_receipt")
    try:
        header, _ = split_compact(token, 3)
    except ValueError:
        raise EnvelopeRejected("bad_receipt") from None
    if set(header) != JWS_HEADER or (header["alg"], header["typ"]) != (SIGNING_ALG, RECEIPT_TYP):
        raise EnvelopeRejected("bad_receipt")
    claims = verify_compact(token, signing_jwks, max_bytes=MAX_RECEIPT_BYTES)
    if claims is None or set(claims) != RECEIPT_CLAIMS or claims["digest"] != expected_digest:
        raise EnvelopeRejected("bad_receipt")
    return claims
