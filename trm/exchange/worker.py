"""``trm worker``: deliver the outbox, with retries that survive restarts.

A message is claimed for a short lease (a conditional update, after ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so several workers never take the same message), posted to the receiver's
inbox, and marked delivered only once the receiver's signed receipt verifies against the digest
of the envelope. A worker that dies mid-delivery leaves its claim to lapse; the next attempt posts
the same bytes, and the receiver answers with the receipt it already gave: nothing is lost and
nothing is taken in twice.

Failures that another attempt may cure (no connection, a timeout, 408, 429, any 5xx, a receipt
that does not verify) are retried with exponential backoff; any other refusal, or a message that
could not be delivered within the receiver's age window, is a permanent failure, shown on the case
and on the outbox page with its reason code.
"""
from __future__ import annotations

import json
import logging
import re
import signal
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from trm.audit.services import audit_record
from trm.directory import services as directory
from trm.exchange.envelope import EnvelopeRejected, parse_utc_text, verify_receipt

from .models import Delivery, OutboundMessage
from .services import MAX_AGE

logger = logging.getLogger(__name__)

LONGEST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = MAX_AGE - timedelta(minutes=15)  # the receiver refuses older envelopes as expired
TIMEOUT_SECONDS = 30
RETRY_STATUS = frozenset({408, 425, 429})
# Refusals a receiver gives while its own trust list lags behind the coordinator's, or its clock is off.
RETRY_CODES = frozenset({"unknown_sender", "from_the_future", "no_trust_list", "no_node_keys"})
_CODE = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True)
class Reply:
    """What a receiver answered: an HTTP status and body, or (status 0) no answer at all."""

    status: int
    body: bytes = b""


def http_post(url: str, body: bytes, *, timeout: float = TIMEOUT_SECONDS) -> Reply:
    """POST an envelope; redirects are not followed (an inbox does not move by redirect)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/jose", "Accept": "application/jose"})
    try:
        with opener.open(request, timeout=timeout) as response:
            return Reply(response.status, response.read(65_536))
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read(65_536))
    except Exception:  # no connection, a timeout, a peer that does not speak HTTP: all "no answer"
        return Reply(0)


def lease() -> timedelta:
    return timedelta(seconds=settings.WORKER_LEASE_SECONDS)


def claim(*, now: datetime, limit: int = 10) -> list[OutboundMessage]:
    """Take up to ``limit`` due messages for this worker, for ``TRM_WORKER_LEASE_SECONDS``."""
    due = Q(state=Delivery.QUEUED, next_attempt_at__lte=now) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    with transaction.atomic():
        candidates = OutboundMessage.objects.filter(due).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        claimed = [pk for pk in ids if OutboundMessage.objects.filter(due, pk=pk).update(claimed_until=now + lease())]
    return list(OutboundMessage.objects.filter(pk__in=claimed).order_by("next_attempt_at", "pk"))


def deliver(message: OutboundMessage, *, now: datetime, post: Callable[[str, bytes], Reply] = http_post) -> str:
    """One attempt at one claimed message; returns its state afterwards.

    The receiver must still be in the current trust list with a key valid now: a node the
    coordinator removed gets nothing more, and its endpoint is the one the list gives now."""
    trust = directory.usable_trust_list(now=now)
    if trust is None:
        return _retry(message, now, "no_trust_list")
    participant = trust.participant(message.receiver)
    if participant is None or trust.encryption_jwk(message.receiver, at=now) is None:
        return _finish(message, now, state=Delivery.FAILED, error="receiver_not_trusted")
    reply = post(participant.endpoint, bytes(message.envelope))
    if reply.status in (200, 201):
        claims = _verified_receipt(message, reply.body, trust, now)
        if claims is None:
            return _retry(message, now, "bad_receipt")
        return _finish(message, now, state=Delivery.DELIVERED, receipt=reply.body.decode("ascii"),
                       received_at=parse_utc_text(claims["received_at"]))
    code = _refusal_code(reply)
    if reply.status == 0 or reply.status >= 500 or reply.status in RETRY_STATUS or code in RETRY_CODES:
        return _retry(message, now, "no_answer" if reply.status == 0 else code)
    return _finish(message, now, state=Delivery.FAILED, error=code)


def _verified_receipt(message: OutboundMessage, body: bytes, trust, now: datetime) -> dict | None:
    try:
        claims = verify_receipt(receipt=body, expected_digest=message.digest,
                                signing_jwks=trust.signing_jwks(message.receiver, at=now))
        parse_utc_text(claims["received_at"])
    except (EnvelopeRejected, UnicodeDecodeError, ValueError):
        return None
    if (claims["message_id"], claims["receiver"]) != (message.message_id, message.receiver):
        return None
    return claims


def _refusal_code(reply: Reply) -> str:
    try:
        code = json.loads(reply.body)["errors"][0]["code"]
    except (ValueError, KeyError, IndexError, TypeError):
        code = None
    return code if isinstance(code, str) and _CODE.fullmatch(code) else f"http_{reply.status}"


def _held(message: OutboundMessage):
    """Only the worker holding the claim may record the attempt (a lapsed claim's worker may not)."""
    return OutboundMessage.objects.filter(pk=message.pk, state=Delivery.QUEUED, claimed_until=message.claimed_until)


def _retry(message: OutboundMessage, now: datetime, error: str) -> str:
    if now - message.created_at >= GIVE_UP_AFTER:
        return _finish(message, now, state=Delivery.FAILED, error="undeliverable")
    wait = min(timedelta(seconds=settings.WORKER_RETRY_SECONDS) * (2 ** min(message.attempts, 16)), LONGEST_RETRY)
    _held(message).update(
        attempts=message.attempts + 1, last_error=error, next_attempt_at=now + wait, claimed_until=None)
    logger.info("exchange: message to %s not delivered (%s); next attempt in %ss", message.receiver, error,
                int(wait.total_seconds()))
    return Delivery.QUEUED


def _finish(message: OutboundMessage, now: datetime, *, state: str, receipt: str = "", error: str = "",
            received_at: datetime | None = None) -> str:
    with transaction.atomic():
        updated = _held(message).update(
            state=state, attempts=message.attempts + 1, last_error=error, claimed_until=None,
            delivered_at=now if state == Delivery.DELIVERED else None, receipt=receipt, received_at=received_at)
        if updated:
            audit_record(action="exchange.delivered" if state == Delivery.DELIVERED else "exchange.failed",
                         object_type="outbound_message", object_id=message.message_id,
                         detail={"receiver": message.receiver, "reason": error or None}, at=now)
    if state == Delivery.FAILED:
        logger.warning("exchange: message to %s failed for good (%s)", message.receiver, error)
    return state


def run_once(*, now: datetime | None = None, post: Callable[[str, bytes], Reply] = http_post, limit: int = 10) -> int:
    """Deliver what is due now; returns how many attempts were made."""
    now = now or timezone.now()
    attempts = 0
    for message in claim(now=now, limit=limit):
        try:
            deliver(message, now=now, post=post)
        except Exception:  # one message's trouble never stops the others; it is retried, then fails visibly
            logger.exception("exchange worker: an attempt failed")
            _retry(message, now, "worker_error")
        attempts += 1
    return attempts


def run_forever(*, interval: float = 2.0) -> None:
    """Deliver until SIGTERM or SIGINT; a signal lets the attempt in hand finish first."""
    stopping = []
    for name in ("SIGTERM", "SIGINT"):
        signal.signal(getattr(signal, name), lambda *_: stopping.append(True))
    while not stopping:
        try:
            busy = run_once()
        except Exception:  # the database away for a moment: try again, never die silently
            logger.exception("exchange worker: a round failed")
            busy = 0
        if not busy:
            waited = 0.0
            while waited < interval and not stopping:
                time.sleep(min(0.1, interval - waited))
                waited += 0.1
