"""Field encryption for the identity vault: AES-256-GCM blobs and HMAC blind indexes.

A blob is ``version (1 byte) + nonce (12 bytes) + ciphertext and tag``. The version names the
master key in the keyring, so old blobs still decrypt after a new key becomes current. The
associated data binds a blob to its record (say ``b"person:42:family_name"``): a blob copied to
another record does not decrypt. Blind indexes are HMAC-SHA256 over a folded form of the value,
so "Ştefan" and "Stefan" can be looked up without storing either.

Pure Python, no Django: keys are passed in as a :class:`Keyring`. No error message carries
plaintext or key material.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_VERSION = 255
ENCRYPTION_INFO = b"trm vault aes-256-gcm v1"
INDEX_INFO = b"trm blind index v1"

# Legacy cedilla forms to the correct Romanian comma-below letters.
ROMANIAN_COMMA_BELOW = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})
# Letters that NFKD does not decompose, folded as the ICAO MRZ table does (ø as o, not oe).
UNDECOMPOSED_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ı": "i"}
)


class VaultKeyError(ValueError):
    """Key material is missing or malformed, a key file is too open, or a key version is unknown."""


class VaultDecryptError(ValueError):
    """A blob does not decrypt: wrong key, wrong associated data, altered or truncated."""


@dataclass(frozen=True)
class Keyring:
    """Master keys by version (1..255); ``current`` encrypts and indexes, all of them decrypt.

    Derived keys come from each master with HKDF-SHA256 and are cached on the keyring.
    """

    current: int
    keys: Mapping[int, bytes] = field(repr=False)
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        _check_version(self.current)
        keys = dict(self.keys)
        for version, key in keys.items():
            _check_version(version)
            _check_key(key, version)
        if self.current not in keys:
            raise VaultKeyError(f"vault keyring: current version {self.current!r} has no key")
        object.__setattr__(self, "keys", MappingProxyType(keys))

    def encryption_key(self, version: int) -> bytes:
        """The AES-256-GCM key of ``version``; VaultKeyError if the keyring does not hold it."""
        return self._derive(version, ENCRYPTION_INFO)

    def index_key(self, version: int) -> bytes:
        """The blind-index HMAC key of ``version``; VaultKeyError if the keyring does not hold it."""
        return self._derive(version, INDEX_INFO)

    def with_new_key(self) -> Keyring:
        """A keyring with a fresh random key as the new current version; old keys kept to decrypt."""
        version = max(self.keys) + 1
        if version > MAX_VERSION:
            raise VaultKeyError(f"vault keyring: no key version left after {MAX_VERSION}")
        return Keyring(current=version, keys={**self.keys, version: secrets.token_bytes(KEY_BYTES)})

    def _derive(self, version: int, info: bytes) -> bytes:
        cached = self._derived.get((version, info))
        if cached is None:
            cached = _hkdf(self._master(version), info)
            self._derived[(version, info)] = cached
        return cached

    def _master(self, version: int) -> bytes:
        try:
            return self.keys[version]
        except (KeyError, TypeError):
            held = ", ".join(str(v) for v in sorted(self.keys))
            raise VaultKeyError(f"vault keyring has no key version {version!r} (it holds {held})") from None


def _hkdf(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


def _check_version(version) -> None:
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        raise VaultKeyError(f"vault keyring: key version must be an integer 1..{MAX_VERSION}, not {version!r}")


def _check_key(key, version: int) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise VaultKeyError(f"vault keyring: key version {version} must be {KEY_BYTES} bytes")


# Key files and environment values


def keyring_from_json(text: str | bytes) -> Keyring:
    """A keyring from ``{"current": 2, "keys": {"1": "<base64 of 32 bytes>", "2": "..."}}``."""
    try:
        document = json.loads(text)
    except ValueError:
        raise VaultKeyError("vault keyring: not valid JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), dict):
        raise VaultKeyError('vault keyring: expected {"current": N, "keys": {"N": "<base64>"}}')
    keys = {_parse_version(name): _decode_key(value, name) for name, value in document["keys"].items()}
    return Keyring(current=document.get("current"), keys=keys)


def keyring_to_json(keyring: Keyring) -> str:
    """The key file text of ``keyring``; keyring_from_json reads it back."""
    keys = {str(v): base64.b64encode(keyring.keys[v]).decode("ascii") for v in sorted(keyring.keys)}
    return json.dumps({"current": keyring.current, "keys": keys}, indent=2) + "\n"


def keyring_from_env_value(value: str) -> Keyring:
    """A keyring from the key file JSON, or from one base64 32-byte key (which becomes version 1)."""
    value = value.strip()
    if value.startswith("{"):
        return keyring_from_json(value)
    return Keyring(current=1, keys={1: _decode_key(value, "1")})


def load_keyring(*, env_value: str | None, path: Path) -> Keyring:
    """The keyring from ``env_value`` if it is set and not blank, else from the key file at ``path``.

    The file must exist and be readable by its owner only (no group or other bits).
    """
    if env_value and env_value.strip():
        return keyring_from_env_value(env_value)
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise VaultKeyError(f"vault key file {path} does not exist") from None
    with os.fdopen(descriptor, "rb") as handle:
        _refuse_open_mode(os.fstat(descriptor).st_mode, path)
        return keyring_from_json(handle.read())


def _refuse_open_mode(mode: int, path: Path) -> None:
    if mode & 0o077:
        raise VaultKeyError(
            f"vault key file {path} is accessible by group or others (mode {mode & 0o777:04o}); "
            f"run: chmod 600 {path}"
        )


def create_key_file(path: Path) -> Keyring:
    """Write a new keyring with one random key to ``path`` (mode 0600) and return it.

    Never overwrites: FileExistsError if ``path`` exists. Missing parent folders are created.
    """
    keyring = Keyring(current=1, keys={1: secrets.token_bytes(KEY_BYTES)})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # the umask could only remove bits, but be explicit
        os.write(descriptor, keyring_to_json(keyring).encode("utf-8"))
        os.fsync(descriptor)
    except BaseException:
        path.unlink(missing_ok=True)  # a half-written key file would block the next attempt
        raise
    finally:
        os.close(descriptor)
    return keyring


def _parse_version(name) -> int:
    if not isinstance(name, str) or not name.isascii() or not name.isdigit():
        raise VaultKeyError(f"vault keyring: key version must be an integer 1..{MAX_VERSION}, not {name!r}")
    return int(name)


def _decode_key(value, version) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise VaultKeyError(f"vault keyring: key version {version} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise VaultKeyError(f"vault keyring: key version {version} must be {KEY_BYTES} bytes, not {len(key)}")
    return key


# Encryption


def encrypt(keyring: Keyring, plaintext: bytes, *, aad: bytes) -> bytes:
    """AES-256-GCM with the current key: ``version byte + 12-byte random nonce + ciphertext+tag``.

    ``aad`` binds the blob to its record; decrypt needs the same bytes.
    """
    version = keyring.current
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keyring.encryption_key(version)).encrypt(nonce, plaintext, aad)
    return bytes([version]) + nonce + sealed


def decrypt(keyring: Keyring, blob: bytes, *, aad: bytes) -> bytes:
    """The plaintext of ``blob``, made by encrypt with the same ``aad``.

    Raises VaultDecryptError if the blob is truncated, altered, made with another key or for other
    associated data; VaultKeyError if its key version is not in the keyring (a configuration
    problem: a key is missing). Both are ValueErrors.
    """
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES:
        raise VaultDecryptError(f"vault blob is truncated ({len(blob)} bytes)")
    version = blob_version(blob)
    key = keyring.encryption_key(version)
    nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, sealed, aad)
    except InvalidTag:
        raise VaultDecryptError(
            f"vault blob (key version {version}) does not decrypt: wrong key or associated data, or altered"
        ) from None


def blob_version(blob: bytes) -> int:
    """The key version a blob was encrypted with; VaultDecryptError if the blob is empty."""
    if not blob:
        raise VaultDecryptError("vault blob is empty")
    return blob[0]


# Blind index


def normalise_for_index(value: str) -> str:
    """The folded form of a name that blind indexes are computed over.

    NFC; Romanian cedilla ş/ţ to comma-below ș/ț; NFKD and combining marks removed; case folded;
    ß æ œ ø đ ð ł ı folded to ASCII; whitespace collapsed and stripped. "Elíra  HOXHA" gives
    "elira hoxha". Scripts are kept (Cyrillic stays Cyrillic), but their marks go too: й gives и.
    """
    text = unicodedata.normalize("NFC", value).translate(ROMANIAN_COMMA_BELOW)
    # Fold again after casefold: it can yield marks (İ → i̇), and NFKD can yield capitals (ℌ → H).
    text = _strip_marks(_strip_marks(text).casefold())
    return " ".join(text.translate(UNDECOMPOSED_LETTERS).split())


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def blind_index(keyring: Keyring, value: str, *, version: int | None = None) -> str:
    """Hex HMAC-SHA256 of normalise_for_index(value) with the index key of ``version`` (default current).

    ValueError if the value normalises to nothing; VaultKeyError if the version is unknown.
    """
    key = keyring.index_key(keyring.current if version is None else version)
    normalised = normalise_for_index(value)
    if not normalised:
        raise ValueError("blind index of an empty value")
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
