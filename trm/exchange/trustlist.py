"""The trust list: who is in the network, where they listen and which keys are theirs.

A JSON document signed by the network coordinator (compact JWS, EdDSA over Ed25519, typ
``trm-trust-list+jws``). A node uses a list only after ``verify_trust_list``: it refuses one that
is unsigned, signed by another key, altered, expired, not yet valid or of the wrong shape. Keys
carry validity windows so that rotation overlaps: while an old and a new signing key are both
valid, messages signed by either are accepted; senders encrypt to the newest valid key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from .envelope import (
    JWS_HEADER, KEY_WRAP_ALG, SIGNING_ALG, as_utc, import_okp, new_private_jwk, parse_utc_text, public_jwk, sign_compact,
    split_compact, verify_compact,
)

TRUST_LIST_TYP = "trm-trust-list+jws"
MAX_TRUST_LIST_BYTES = 5_000_000

# ISO 3166-1 alpha-2, plus XK (Kosovo*, a user-assigned code in common use, also by the EU).
COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK
""".split())

DOCUMENT_FIELDS = frozenset({"version", "network", "issued_at", "expires_at", "participants"})
PARTICIPANT_FIELDS = frozenset({
    "node_id", "country", "organisations", "roles", "endpoint", "signing_keys", "encryption_keys", "templates",
    "languages",
})
KEY_FIELDS = frozenset({"jwk", "not_before", "not_after"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
SIGNING_KIND = ("Ed25519", "sig", SIGNING_ALG)
ENCRYPTION_KIND = ("X25519", "enc", KEY_WRAP_ALG)

_NODE_ID = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
_ROLE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
_TEMPLATE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*@\d+\.\d+")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


class TrustListError(Exception):
    """A trust list refused, or a document that cannot be signed; the message names the problem."""


# Keys -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoordinatorKey:
    """The network coordinator's Ed25519 key; its kid is the RFC 7638 thumbprint."""

    private_jwk: dict = field(repr=False)

    @classmethod
    def generate(cls) -> CoordinatorKey:
        return cls(new_private_jwk("Ed25519", "sig", SIGNING_ALG))

    @property
    def kid(self) -> str:
        return self.private_jwk["kid"]

    def public_jwk(self) -> dict:
        return public_jwk(self.private_jwk)


# Entries of a verified list ---------------------------------------------------------------------

@dataclass(frozen=True)
class KeyEntry:
    jwk: dict
    not_before: datetime
    not_after: datetime

    def is_valid_at(self, moment: datetime) -> bool:
        return self.not_before <= as_utc(moment) < self.not_after


@dataclass(frozen=True)
class Participant:
    node_id: str
    country: str
    organisations: tuple[str, ...]
    roles: tuple[str, ...]
    endpoint: str
    signing_keys: tuple[KeyEntry, ...]
    encryption_keys: tuple[KeyEntry, ...]
    templates: tuple[str, ...]
    languages: tuple[str, ...]


@dataclass(frozen=True)
class TrustList:
    version: int
    network: str
    issued_at: datetime
    expires_at: datetime
    participants: tuple[Participant, ...]
    document: dict = field(repr=False)

    def participant(self, node_id: str) -> Participant | None:
        return next((p for p in self.participants if p.node_id == node_id), None)

    def signing_jwks(self, node_id: str, *, at: datetime) -> list[dict]:
        """Every signing key of ``node_id`` valid at ``at`` (several while a rotation overlaps)."""
        participant = self.participant(node_id)
        keys = participant.signing_keys if participant else ()
        return [entry.jwk for entry in keys if entry.is_valid_at(at)]

    def encryption_jwk(self, node_id: str, *, at: datetime) -> dict | None:
        """The newest encryption key of ``node_id`` valid at ``at`` (latest not_before), or None."""
        participant = self.participant(node_id)
        valid = [entry for entry in (participant.encryption_keys if participant else ()) if entry.is_valid_at(at)]
        return max(valid, key=lambda entry: entry.not_before).jwk if valid else None


# Sign and verify --------------------------------------------------------------------------------

def sign_trust_list(document: dict, coordinator_private_jwk: dict, *, now: datetime) -> str:
    """``document`` signed by the coordinator, as a compact JWS.

    The document carries its own ``issued_at`` and ``expires_at``; raises TrustListError naming
    the problem if its shape is wrong, if it is issued after ``now`` or already expired.
    """
    validate_document(document)
    now = as_utc(now)
    if parse_utc_text(document["issued_at"]) > now:
        raise TrustListError(f"issued_at {document['issued_at']} is after now")
    if parse_utc_text(document["expires_at"]) <= now:
        raise TrustListError(f"expires_at {document['expires_at']} is not after now")
    return sign_compact(document, coordinator_private_jwk, typ=TRUST_LIST_TYP).decode("ascii")


def verify_trust_list(jws: str, coordinator_public_jwk: dict, *, now: datetime,
                      max_skew: timedelta = timedelta(minutes=10)) -> TrustList:
    """The trust list in ``jws`` if the coordinator signed it and it is valid at ``now``.

    Raises TrustListError: not a compact JWS, unsigned (alg none) or another algorithm, signed by
    another key, a signature that does not verify, a malformed document, not yet valid (issued
    more than ``max_skew`` after ``now``) or expired.
    """
    token = jws.encode("ascii") if isinstance(jws, str) else bytes(jws)
    _check_trust_list_header(token, coordinator_public_jwk)
    document = verify_compact(token, [coordinator_public_jwk], max_bytes=MAX_TRUST_LIST_BYTES)
    if document is None:
        raise TrustListError("trust list signature does not verify with the coordinator key")
    validate_document(document)
    _check_validity(document, as_utc(now), max_skew)
    return _trust_list(document)


def _check_trust_list_header(token: bytes, coordinator_public_jwk: dict) -> None:
    if len(token) > MAX_TRUST_LIST_BYTES:
        raise TrustListError(f"trust list is larger than {MAX_TRUST_LIST_BYTES} bytes")
    try:
        header, _ = split_compact(token, 3)
        key = import_okp(coordinator_public_jwk, curve="Ed25519")
    except ValueError as error:
        raise TrustListError(f"trust list or coordinator key is malformed: {error}") from None
    if header.get("alg") != SIGNING_ALG:
        raise TrustListError(f"trust list is not signed with {SIGNING_ALG} (alg {header.get('alg')!r})")
    if set(header) != JWS_HEADER or header["typ"] != TRUST_LIST_TYP:
        raise TrustListError(f"trust list header is not alg, kid and typ {TRUST_LIST_TYP!r}")
    if header["kid"] != key.kid:
        raise TrustListError(f"trust list is signed by key {header['kid']!r}, not the coordinator's {key.kid!r}")


def _check_validity(document: dict, now: datetime, max_skew: timedelta) -> None:
    issued_at, expires_at = parse_utc_text(document["issued_at"]), parse_utc_text(document["expires_at"])
    if issued_at - now > max_skew:
        raise TrustListError(f"trust list is not valid before {document['issued_at']}")
    if now >= expires_at:
        raise TrustListError(f"trust list expired at {document['expires_at']}")


def _trust_list(document: dict) -> TrustList:
    participants = tuple(_participant(item) for item in document["participants"])
    return TrustList(document["version"], document["network"], parse_utc_text(document["issued_at"]),
                     parse_utc_text(document["expires_at"]), participants, document)


def _participant(item: dict) -> Participant:
    return Participant(
        item["node_id"], item["country"], tuple(item["organisations"]), tuple(item["roles"]), item["endpoint"],
        tuple(_key_entry(key) for key in item["signing_keys"]),
        tuple(_key_entry(key) for key in item["encryption_keys"]),
        tuple(item["templates"]), tuple(item["languages"]),
    )


def _key_entry(item: dict) -> KeyEntry:
    return KeyEntry(item["jwk"], parse_utc_text(item["not_before"]), parse_utc_text(item["not_after"]))


# Shape ------------------------------------------------------------------------------------------

def validate_document(document: object) -> None:
    """Raise TrustListError naming the first problem in the shape of a trust-list document."""
    _fields(document, DOCUMENT_FIELDS, "document")
    if type(document["version"]) is not int or document["version"] < 1:
        raise TrustListError("version: must be a positive integer")
    _text(document["network"], "network")
    issued_at, expires_at = _time(document, "issued_at", "document"), _time(document, "expires_at", "document")
    if expires_at <= issued_at:
        raise TrustListError("expires_at: must be after issued_at")
    participants = document["participants"]
    if not isinstance(participants, list) or not participants:
        raise TrustListError("participants: must be a non-empty list")
    for index, participant in enumerate(participants):
        _validate_participant(participant, f"participants[{index}]")
    _unique([p["node_id"] for p in participants], "participants[].node_id")
    _unique([key["jwk"]["kid"] for p in participants for key in p["signing_keys"] + p["encryption_keys"]],
            "participants[].*_keys[].jwk.kid")


def _validate_participant(participant: object, path: str) -> None:
    _fields(participant, PARTICIPANT_FIELDS, path)
    _matches(participant["node_id"], _NODE_ID, f"{path}.node_id", "lowercase letters, digits, '-', '_', '.'")
    if participant["country"] not in COUNTRIES:
        raise TrustListError(f"{path}.country: {participant['country']!r} is not an ISO 3166-1 alpha-2 code (or XK)")
    _list(participant["organisations"], f"{path}.organisations", _text)
    _list(participant["roles"], f"{path}.roles", lambda role, at: _matches(role, _ROLE, at, "an UPPER_SNAKE code"))
    _endpoint(participant["endpoint"], f"{path}.endpoint")
    _list(participant["signing_keys"], f"{path}.signing_keys", lambda key, at: _key(key, at, SIGNING_KIND))
    _list(participant["encryption_keys"], f"{path}.encryption_keys", lambda key, at: _key(key, at, ENCRYPTION_KIND))
    _list(participant["templates"], f"{path}.templates",
          lambda name, at: _matches(name, _TEMPLATE, at, "name@major.minor, like trm-case-report@1.0"))
    _list(participant["languages"], f"{path}.languages",
          lambda code, at: _matches(code, _LANGUAGE, at, "a BCP 47 tag, like sq or sr-Latn"))


def _endpoint(url: object, path: str) -> None:
    problem = f"{path}: must be an https URL (http only on 127.0.0.1 or localhost), got {url!r}"
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        hostname = parts.hostname if parts else None
        _ = parts.port if parts else None  # raises on a port that is not a number in range
    except ValueError:
        raise TrustListError(problem) from None
    if not parts or not hostname or parts.username is not None or parts.password is not None:
        raise TrustListError(problem)
    if parts.scheme == "https" or (parts.scheme == "http" and hostname in LOOPBACK_HOSTS):
        return
    raise TrustListError(problem)


def _key(entry: object, path: str, kind: tuple[str, str, str]) -> None:
    curve, use, alg = kind
    _fields(entry, KEY_FIELDS, path)
    jwk = entry["jwk"]
    if not isinstance(jwk, dict) or "d" in jwk:
        raise TrustListError(f"{path}.jwk: must be a public JWK (it has a private part or is not an object)")
    try:
        import_okp(jwk, curve=curve)
    except ValueError as error:
        raise TrustListError(f"{path}.jwk: {error}") from None
    if (jwk.get("use", use), jwk.get("alg", alg)) != (use, alg):
        raise TrustListError(f"{path}.jwk: use must be {use!r} and alg {alg!r}")
    if _time(entry, "not_after", path) <= _time(entry, "not_before", path):
        raise TrustListError(f"{path}.not_after: must be after not_before")


def _fields(value: object, expected: frozenset, path: str) -> None:
    if not isinstance(value, dict):
        raise TrustListError(f"{path}: must be an object")
    missing, unknown = sorted(expected - set(value)), sorted(set(value) - expected)
    if missing:
        raise TrustListError(f"{path}: missing {', '.join(missing)}")
    if unknown:
        raise TrustListError(f"{path}: unknown field {', '.join(unknown)}")


def _list(value: object, path: str, check) -> None:
    if not isinstance(value, list) or not value:
        raise TrustListError(f"{path}: must be a non-empty list")
    for index, item in enumerate(value):
        check(item, f"{path}[{index}]")
    if all(isinstance(item, str) for item in value):
        _unique(value, path)


def _text(value: object, path: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise TrustListError(f"{path}: must be a non-empty string")


def _matches(value: object, pattern: re.Pattern, path: str, expected: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise TrustListError(f"{path}: must be {expected}, got {value!r}")


def _time(container: dict, name: str, path: str) -> datetime:
    try:
        return parse_utc_text(container[name])
    except ValueError:
        where = name if path == "document" else f"{path}.{name}"
        raise TrustListError(f"{where}: must be a UTC time like 2026-12-03T10:15:00Z, "
                             f"got {container[name]!r}") from None


def _unique(values: list, path: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise TrustListError(f"{path}: {value!r} appears twice")
        seen.add(value)
