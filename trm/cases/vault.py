"""Splitting a report into its open part and its identity-vault part, and the vault's keys."""
from __future__ import annotations

import json
from functools import lru_cache

import logging

from django.conf import settings

from trm.lib import vault as crypto
from trm.reporting.model import Template

logger = logging.getLogger(__name__)
# Kept encrypted: what identifies a person, special categories, a child's secrets, criminal data
# (perpetrators, proceedings), and any free text, which may hold any of these.
VAULT_SENSITIVITIES = frozenset({"PERSONAL", "SPECIAL_CATEGORY", "CHILD_SECRET", "CRIMINAL"})
FREE_TEXT = frozenset({"text", "long_text"})


def vault_fields(template: Template) -> frozenset[str]:
    """Top-level field paths (``section.field``) kept in the vault: any that holds identifying,
    special-category, child-secret or criminal data, or free text."""
    if "vault_fields" not in template.compiled:
        template.compiled["vault_fields"] = frozenset(
            f.path for section in template.sections for f in section.fields
            if any(inner.sensitivity in VAULT_SENSITIVITIES or inner.type in FREE_TEXT for inner in f.walk())
        )
    return template.compiled["vault_fields"]


def split(template: Template, data: dict) -> tuple[dict, dict]:
    """(open part, vault part) of a report's data."""
    secret_paths = vault_fields(template)
    open_part, vault_part = {}, {}
    for section, fields in data.items():
        if not isinstance(fields, dict):
            open_part[section] = fields
            continue
        for key, value in fields.items():
            target = vault_part if f"{section}.{key}" in secret_paths else open_part
            target.setdefault(section, {})[key] = value
    return open_part, vault_part


def merge(open_part: dict, vault_part: dict) -> dict:
    data = {section: dict(fields) for section, fields in open_part.items()}
    for section, fields in vault_part.items():
        data.setdefault(section, {}).update(fields)
    return data


def names_in(vault_part: dict) -> list[str]:
    """The name values to index: each name as written and in its Latin form, and the given names
    with the family names in both orders, so that "Elira Hoxha" and "Hoxha Elira" are found."""
    names = (vault_part.get("identity") or {}).get("names") or []
    names = [n for n in names if isinstance(n, dict)] if isinstance(names, list) else []
    values = [v for n in names for v in (n.get("value_original"), n.get("value_latin")) if isinstance(v, str) and v.strip()]
    given = " ".join(n["value_original"] for n in names if n.get("type") == "GIVEN" and isinstance(n.get("value_original"), str))
    family = " ".join(n["value_original"] for n in names if n.get("type") == "FAMILY" and isinstance(n.get("value_original"), str))
    if given and family:
        values += [f"{given} {family}", f"{family} {given}"]
    return values


@lru_cache(maxsize=1)
def keyring() -> crypto.Keyring:
    """The node's vault keys: TRM_DATA_KEY, or the key file (``trm init`` makes it; a node that
    starts without one makes it too, and says so, because without it no identity can be stored)."""
    path = settings.DATA_KEY_FILE
    if not settings.DATA_KEY and not path.exists():
        from .models import CaseIdentity
        if CaseIdentity.objects.exists():
            # A restored database without its key: a new key would make every identity unreadable.
            raise crypto.VaultKeyError(f"the vault key file {path} is missing but the database holds identities: "
                                       "restore the key file from its backup (or set TRM_DATA_KEY)")
        crypto.create_key_file(path)
        logger.warning("created a new data key file %s: back it up, the identity vault cannot be read without it", path)
    return crypto.load_keyring(env_value=settings.DATA_KEY, path=path)


def seal(case_id: int, vault_part: dict) -> tuple[bytes, int]:
    ring = keyring()
    plaintext = json.dumps(vault_part, ensure_ascii=False, separators=(",", ":")).encode()
    return crypto.encrypt(ring, plaintext, aad=_aad(case_id)), ring.current


def unseal(case_id: int, blob: bytes) -> dict:
    return json.loads(crypto.decrypt(keyring(), bytes(blob), aad=_aad(case_id)))


def name_digests(values: list[str], ring: crypto.Keyring | None = None) -> set[str]:
    ring = ring or keyring()
    return {crypto.blind_index(ring, v) for v in values if crypto.normalise_for_index(v)}


def group_key(data: dict, ring: crypto.Keyring | None = None) -> str:
    """The keyed blind index of a GROUP case's group reference ("" for any other case): the
    workers of one group are found by it, and the reference, free text, stays in the vault."""
    overview = data.get("overview") if isinstance(data, dict) else None
    ref = overview.get("group_case_ref") if isinstance(overview, dict) and overview.get("case_type") == "GROUP" else None
    if not isinstance(ref, str) or not crypto.normalise_for_index(ref):
        return ""
    return crypto.blind_index(ring or keyring(), f"group:{ref}")


def _aad(case_id: int) -> bytes:
    return f"trm:case:{case_id}:identity".encode()
