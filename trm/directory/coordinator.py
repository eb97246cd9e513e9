"""The network coordinator's tools, for its own offline machine: no database, only files.

The coordinator keeps a private key file (mode 0600) and an unsigned draft of the trust list
(JSON, the document that ``trm.exchange.trustlist`` signs). Adding a participant takes the public
keys file a node's administrator sent (``trm directory export``); signing writes the compact JWS
that every node imports. Errors in the draft or the keys file raise TrustListError naming them.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from trm.exchange.envelope import as_utc, import_okp, utc_text
from trm.exchange.trustlist import CoordinatorKey, TrustListError, sign_trust_list, validate_document

PUBLIC_KEYS_FIELDS = frozenset({"node_id", "signing_keys", "encryption_keys"})
DRAFT_PLACEHOLDER_VALIDITY = timedelta(days=1)  # a draft's times are replaced when it is signed


def public_key_path(key_path: str | Path) -> Path:
    """Where ``coordinator_init`` puts the public key: the key file's name followed by ``.pub``."""
    return Path(f"{key_path}.pub")


# The coordinator's key --------------------------------------------------------------------------

def coordinator_init(path: str | Path) -> CoordinatorKey:
    """A new coordinator key: the private JWK to ``path`` (mode 0600) and the public one to
    ``path.pub``. Never overwrites either: FileExistsError if one exists."""
    path, public_path = Path(path), public_key_path(path)
    if public_path.exists():
        raise FileExistsError(f"{public_path} exists")
    key = CoordinatorKey.generate()
    _write_new(path, json.dumps(key.private_jwk, indent=2) + "\n", mode=0o600)
    _write_new(public_path, json.dumps(key.public_jwk(), indent=2) + "\n", mode=0o644)
    return key


def coordinator_key_load(path: str | Path) -> CoordinatorKey:
    """The coordinator key in ``path``; TrustListError if the file is open to others or not a key."""
    descriptor = os.open(path, os.O_RDONLY)
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode & 0o777
        try:
            jwk = json.loads(handle.read())
            import_okp(jwk, curve="Ed25519", private=True)
        except ValueError:
            raise TrustListError(f"{path} is not a coordinator key "
                                 "(a private Ed25519 JWK; the .pub file is the public one)") from None
    if mode & 0o077:
        raise TrustListError(f"coordinator key file {path} is readable by others (mode {mode:04o}); "
                             f"run: chmod 600 {path}")
    return CoordinatorKey(jwk)


def _write_new(path: Path, text: str, *, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(descriptor, mode)  # whatever the umask
        os.write(descriptor, text.encode("utf-8"))
        os.fsync(descriptor)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(descriptor)


# The draft --------------------------------------------------------------------------------------

def participant_add(document_path: str | Path, public_keys_json: str | bytes, *, country: str,
                    organisations: list[str], roles: list[str], endpoint: str, templates: list[str],
                    languages: list[str], now: datetime, network: str | None = None, replace: bool = False) -> dict:
    """Add a node to the draft at ``document_path`` and return the draft.

    ``public_keys_json`` is the file the node's administrator sent. A new draft needs ``network``;
    an existing one gets its version raised by one. A node already in the draft is refused unless
    ``replace`` (its entry is then replaced: new keys after a rotation, a new endpoint). The draft
    is written only if the result is a valid trust-list document; TrustListError names what is
    wrong otherwise.
    """
    keys = _public_keys(public_keys_json)
    participant = {"node_id": keys["node_id"], "country": country, "organisations": list(organisations),
                   "roles": list(roles), "endpoint": endpoint, "signing_keys": keys["signing_keys"],
                   "encryption_keys": keys["encryption_keys"], "templates": list(templates),
                   "languages": list(languages)}
    draft = _next_draft(Path(document_path), network, now)
    if any(p.get("node_id") == participant["node_id"] for p in draft["participants"]):
        if not replace:
            raise TrustListError(f"participant {participant['node_id']!r} is already in the draft (--replace to update it)")
        draft["participants"] = [p for p in draft["participants"] if p.get("node_id") != participant["node_id"]]
    draft["participants"].append(participant)
    validate_document(draft)
    _replace(Path(document_path), json.dumps(draft, indent=2, ensure_ascii=False) + "\n")
    return draft


def draft_load(document_path: str | Path) -> dict:
    """The draft at ``document_path``; TrustListError if it is not JSON or not a valid document."""
    try:
        draft = json.loads(Path(document_path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TrustListError(f"draft {document_path} is not JSON: {error}") from None
    validate_document(draft)
    return draft


def _next_draft(path: Path, network: str | None, now: datetime) -> dict:
    if not path.exists():
        if not network:
            raise TrustListError(f"there is no draft {path} yet: name the network to start one")
        now = as_utc(now)
        return {"version": 1, "network": network, "issued_at": utc_text(now),
                "expires_at": utc_text(now + DRAFT_PLACEHOLDER_VALIDITY), "participants": []}
    draft = draft_load(path)
    if network and network != draft["network"]:
        raise TrustListError(f"draft {path} is for network {draft['network']!r}, not {network!r}")
    return {**draft, "version": draft["version"] + 1}


def _public_keys(text: str | bytes) -> dict:
    expected = "the public keys file that trm directory export writes"
    try:
        keys = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TrustListError(f"public keys: not JSON; expected {expected}") from None
    if not isinstance(keys, dict) or set(keys) != PUBLIC_KEYS_FIELDS:
        raise TrustListError(f"public keys: expected {expected} (node_id, signing_keys, encryption_keys)")
    return keys


def _replace(path: Path, text: str) -> None:
    # Write beside it, then rename: a crash leaves the old file or the new one, never half of one.
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# Signing ----------------------------------------------------------------------------------------

def trust_list_sign(document_path: str | Path, key_path: str | Path, out_path: str | Path, *,
                    now: datetime, valid_days: int) -> str:
    """Sign the draft as issued ``now`` and valid for ``valid_days``; write the JWS to ``out_path``
    and return it. The draft itself is not changed."""
    if type(valid_days) is not int or valid_days < 1:
        raise TrustListError(f"valid days must be a positive whole number, not {valid_days!r}")
    key = coordinator_key_load(key_path)
    now = as_utc(now)
    document = {**draft_load(document_path), "issued_at": utc_text(now),
                "expires_at": utc_text(now + timedelta(days=valid_days))}
    jws = sign_trust_list(document, key.private_jwk, now=now)
    _replace(Path(out_path), jws + "\n")
    return jws
