"""The ``trm directory`` and ``trm coordinator`` commands: each parses its input, calls one service
and returns ``(exit code, text)``. Exit 0 done; 1 a trust list refused or none to use; 2 the input
could not be read or the node is not in a state for the command. Never a traceback for bad input.

The coordinator's commands need no database; the node's import Django models only when they run.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from trm.exchange.envelope import utc_text
from trm.exchange.trustlist import TrustListError

from . import coordinator as coordinator_files

EXPIRY_WARNING = timedelta(days=14)


def _unreadable(path, error: Exception) -> tuple[int, str]:
    reason = error.strerror if isinstance(error, OSError) and error.strerror else "not UTF-8 text"
    return 2, f"cannot read {path}: {reason}"


def _participants(count: int) -> str:
    return f"{count} participant" if count == 1 else f"{count} participants"


def _read(path) -> str:
    return Path(path).read_text(encoding="utf-8")


# trm directory ----------------------------------------------------------------------------------

def init_keys(node_id: str) -> tuple[int, str]:
    from . import services
    try:
        keys = services.node_keys_create(node_id=node_id)
    except (services.DirectoryError, ValueError) as error:
        return 2, str(error)
    return 0, (f"node {keys.node_id}: keys created and stored encrypted with the vault key\n"
               f"  signing key    {keys.signing_kid}\n  encryption key {keys.encryption_kid}\n"
               f"next: trm directory export -o {keys.node_id}.keys.json, and send that file to the network coordinator")


def rotate_keys(overlap_days: int) -> tuple[int, str]:
    from django.utils import timezone

    from . import services
    try:
        keys = services.node_keys_rotate(now=timezone.now(), overlap_days=overlap_days)
    except (services.DirectoryError, ValueError) as error:
        return 2, str(error)
    return 0, (f"node {keys.node_id}: new keys made; the replaced ones still open and sign for {overlap_days} days\n"
               f"  signing key    {keys.signing_kid}\n  encryption key {keys.encryption_kid}\n"
               f"next: trm directory export -o {keys.node_id}.keys.json, and send that file to the network coordinator "
               f"before the {overlap_days} days are over")


def export_public_keys(output: str | None = None) -> tuple[int, str]:
    from . import services
    try:
        document = services.node_public_keys_document()
    except (services.DirectoryError, ValueError) as error:
        return 2, str(error)
    text = json.dumps(document, indent=2) + "\n"
    if output is None:
        return 0, text.rstrip("\n")
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        return 2, f"cannot write {output}: {error.strerror}"
    return 0, (f"public keys of {document['node_id']} written to {output} (no secret in it): "
               "send it to the network coordinator")


def set_coordinator(jwk_file: str, replace: bool = False) -> tuple[int, str]:
    from . import services
    try:
        jwk = json.loads(_read(jwk_file))
    except (OSError, UnicodeDecodeError) as error:
        return _unreadable(jwk_file, error)
    except json.JSONDecodeError:
        return 2, f"{jwk_file} is not JSON: expected the coordinator's public key (a JWK)"
    try:
        trusted = services.coordinator_trust_set(public_jwk=jwk, replace=replace)
    except services.DirectoryError as error:
        return 2, str(error)
    return 0, (f"coordinator key {trusted.kid} trusted\n"
               "check this fingerprint with the coordinator over another channel (phone, in person)")


def import_list(file: str) -> tuple[int, str]:
    from django.utils import timezone as django_timezone

    from . import services
    try:
        jws = _read(file)
    except (OSError, UnicodeDecodeError) as error:
        return _unreadable(file, error)
    now = django_timezone.now()
    try:
        record = services.trust_list_import(jws=jws, now=now)
    except TrustListError as error:
        return 1, f"trust list refused, nothing changed: {error}"
    return 0, (f"trust list {record.network} version {record.version} is current "
               f"(issued {utc_text(record.issued_at)}, expires {utc_text(record.expires_at)})\n"
               + _listing_line(services.current_trust_list(now=now), now))


def show() -> tuple[int, str]:
    from django.utils import timezone as django_timezone

    from . import services
    now = django_timezone.now()
    lines = [_node_line(services.node_id()), _coordinator_line(services.coordinator_trust())]
    try:
        trust = services.current_trust_list(now=now)
    except TrustListError as error:
        return 1, "\n".join(lines + [f"the stored trust list does not verify: {error}; import it again"])
    if trust is None:
        return 1, "\n".join(lines + ["no current trust list: import one with trm directory import FILE"])
    return 0, "\n".join(lines + _trust_list_lines(trust, now, services.node_id()))


def _node_line(node_id: str | None) -> str:
    return f"node: {node_id}" if node_id else "node: no keys yet (trm directory keys NODE_ID)"


def _coordinator_line(trusted) -> str:
    if trusted is None:
        return "coordinator key: none (trm directory trust-coordinator FILE)"
    return f"coordinator key: {trusted.kid}"


def _listing_line(trust, now: datetime) -> str:
    from . import services
    try:
        keys = services.node_keys()
    except (services.DirectoryError, ValueError):
        return "this node has no keys yet, so it is not in the list"
    if services.node_is_listed(trust, keys, at=now):
        return f"this node ({keys.node_id}) is listed with its keys: it can send and receive"
    return (f"this node ({keys.node_id}) is not listed with its present keys: "
            "send trm directory export's file to the network coordinator")


def _trust_list_lines(trust, now: datetime, own_node_id: str | None) -> list[str]:
    lines = [f"trust list: {trust.network} version {trust.version}, issued {utc_text(trust.issued_at)}, "
             f"expires {utc_text(trust.expires_at)}"]
    if trust.expires_at - now < EXPIRY_WARNING:
        lines.append("warning: it expires within 14 days; ask the coordinator for a new one")
    lines.append(f"{_participants(len(trust.participants))}:")
    for participant in trust.participants:
        marker = "  (this node)" if participant.node_id == own_node_id else ""
        lines.append(f"  {participant.node_id:<24} {participant.country}  {participant.endpoint}{marker}")
    return lines


# trm coordinator --------------------------------------------------------------------------------

def coordinator_init(path: str) -> tuple[int, str]:
    try:
        key = coordinator_files.coordinator_init(path)
    except FileExistsError as error:
        return 2, f"{error.filename or error}: exists; a key is never overwritten"
    except OSError as error:
        return 2, f"cannot write {path}: {error.strerror}"
    public = coordinator_files.public_key_path(path)
    return 0, (f"coordinator key written to {path} (mode 0600): keep it offline, and a backup apart\n"
               f"public key written to {public}: give it to every node's administrator\n"
               f"fingerprint (kid): {key.kid}  (administrators check it with you over another channel)")


def add_participant(document: str, keys_file: str, *, country: str, organisations: list[str], roles: list[str],
                    endpoint: str, templates: list[str], languages: list[str],
                    network: str | None = None, replace: bool = False) -> tuple[int, str]:
    try:
        keys = _read(keys_file)
    except (OSError, UnicodeDecodeError) as error:
        return _unreadable(keys_file, error)
    try:
        draft = coordinator_files.participant_add(
            document, keys, country=country.upper(), organisations=organisations, roles=roles, endpoint=endpoint,
            templates=templates, languages=languages, network=network, now=datetime.now(timezone.utc), replace=replace)
    except TrustListError as error:
        return 2, f"draft not changed: {error}"
    except OSError as error:
        return 2, f"cannot use {document}: {error.strerror}"
    added = next(p for p in draft["participants"] if p["node_id"] == json.loads(keys)["node_id"])
    return 0, (f"participant {added['node_id']} ({added['country']}) added to {document}: "
               f"{draft['network']} version {draft['version']}, {_participants(len(draft['participants']))}\n"
               f"next: trm coordinator sign --document {document} --key KEY_FILE -o FILE")


def sign(document: str, key: str, out: str, *, days: int = 90) -> tuple[int, str]:
    now = datetime.now(timezone.utc)
    try:
        jws = coordinator_files.trust_list_sign(document, key, out, now=now, valid_days=days)
    except TrustListError as error:
        return 2, f"not signed: {error}"
    except OSError as error:
        return 2, f"cannot use {error.filename or document}: {error.strerror}"
    draft = coordinator_files.draft_load(document)
    expires = utc_text(now + timedelta(days=days))
    return 0, (f"trust list {draft['network']} version {draft['version']} signed, "
               f"{_participants(len(draft['participants']))}, valid until {expires}: {out} ({len(jws)} bytes)\n"
               f"send it to every node's administrator (trm directory import {out})")
