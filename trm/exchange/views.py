"""The inbox: ``POST /exchange/inbox`` with a sealed envelope (compact JWE), answered with a receipt.

Other nodes authenticate by their signatures (keys from the trust list), not by a session or a
token, hence no CSRF check. An answer never echoes the payload, and a refusal stores nothing.
"""
from __future__ import annotations

import logging
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from trm.lib.canonical import canonical_json

from .envelope import EnvelopeRejected
from .services import MAX_ENVELOPE_BYTES, envelope_receive

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/jose"

STATUS = {
    "malformed": 400, "undecryptable": 400, "invalid_payload": 400, "unknown_type": 400, "expired": 400,
    "from_the_future": 400, "header_mismatch": 400, "unsupported_media_type": 415,
    "unknown_sender": 403, "bad_signature": 403, "wrong_recipient": 403,
    "replayed": 409, "too_large": 413, "length_required": 411,
    "no_trust_list": 503, "no_node_keys": 503, "unavailable": 503,
}

MESSAGES = {
    "malformed": "The envelope is not a compact JWE of the exchange protocol.",
    "undecryptable": "The envelope could not be decrypted with this node's key.",
    "invalid_payload": "The message is not a valid message of its type.",
    "unknown_type": "Unknown message type.",
    "expired": "The message is too old.",
    "from_the_future": "The message is dated in the future.",
    "header_mismatch": "The envelope's headers do not match.",
    "unsupported_media_type": "Send the envelope as application/jose.",
    "unknown_sender": "The sender is not in this node's trust list with a key valid for this message.",
    "bad_signature": "The message's signature does not verify.",
    "wrong_recipient": "The envelope is not addressed to this node.",
    "replayed": "Another message with this message id was already received.",
    "too_large": f"The envelope is larger than {MAX_ENVELOPE_BYTES} bytes.",
    "length_required": "Send a Content-Length.",
    "no_trust_list": "This node has no current trust list; try again later.",
    "no_node_keys": "This node has no keys yet; try again later.",
    "unavailable": "The message could not be received; try again later.",
}


def refusal(code: str) -> tuple[int, str, bytes]:
    body = canonical_json({"errors": [{"code": code, "message": MESSAGES.get(code, code)}]})
    return STATUS.get(code, 400), "application/json", body


def answer(envelope: bytes, *, now: datetime) -> tuple[int, str, bytes]:
    """``(status, content type, body)`` for one envelope: the shared path of POST and import."""
    try:
        message, signed, is_new = envelope_receive(envelope=envelope, now=now)
    except EnvelopeRejected as rejected:
        logger.info("exchange inbox refused an envelope: %s", rejected.reason)
        return refusal(rejected.reason)
    except Exception:  # never a 500 to another node; the log has the trace, never the payload
        logger.exception("exchange inbox failed to receive an envelope")
        return refusal("unavailable")
    return (201 if is_new else 200), CONTENT_TYPE, signed


@csrf_exempt
@require_POST
def inbox(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        length = None
    if length is None or length < 0:
        status, content_type, body = refusal("length_required")
    elif length > MAX_ENVELOPE_BYTES:
        status, content_type, body = refusal("too_large")
    elif request.content_type != CONTENT_TYPE:
        status, content_type, body = refusal("unsupported_media_type")
    else:
        envelope = request.read(MAX_ENVELOPE_BYTES + 1)
        if len(envelope) > MAX_ENVELOPE_BYTES:
            status, content_type, body = refusal("too_large")
        else:
            status, content_type, body = answer(envelope.strip(), now=timezone.now())
    return HttpResponse(body, status=status, content_type=content_type)
