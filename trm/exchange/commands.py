"""What ``trm exchange import FILE`` does: take an envelope from a file exactly as the inbox would."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from .services import MAX_ENVELOPE_BYTES
from .views import answer, refusal


def import_envelope_file(path: str | Path, *, now: datetime) -> tuple[int, str]:
    """``(0, the receipt)`` when received (now or before), else ``(1, "refused (code): message")``."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_ENVELOPE_BYTES:
            status, _, body = refusal("too_large")
        else:
            status, _, body = answer(path.read_bytes().strip(), now=now)
    except OSError as error:
        return 1, f"cannot read {path}: {error.strerror or error}"
    if status in (200, 201):
        return 0, body.decode("ascii")
    error = json.loads(body)["errors"][0]
    return 1, f"refused ({error['code']}): {error['message']}"


def export_envelope_file(message_id: str, output: str | None) -> tuple[int, str]:
    """Write the envelope of sent message ``message_id`` to ``output`` (or print it). The export is audited."""
    import sys

    from trm.audit.services import audit_record

    from .models import OutboundMessage
    message = OutboundMessage.objects.filter(message_id=str(message_id)).first()
    if message is None:
        return 1, f"no sent message {message_id}"
    envelope = bytes(message.envelope)
    audit_record(action="exchange.export", object_type="outbound_message", object_id=message.message_id,
                 detail={"receiver": message.receiver})
    if output is None:
        sys.stdout.write(envelope.decode("ascii") + "\n")
        return 0, ""
    try:
        Path(output).write_bytes(envelope + b"\n")
    except OSError as error:
        return 1, f"cannot write {output}: {error.strerror or error}"
    return 0, f"{message.type} to {message.receiver} written to {output} ({len(envelope)} bytes)"


def import_receipt_file(message_id: str, path: str | Path, *, now: datetime) -> tuple[int, str]:
    """Take in the receipt that came back by file for sent message ``message_id`` (the receiver's
    ``trm exchange import`` printed it): verified as the worker verifies one, it marks the message
    delivered. ``(0, text)`` when delivered (now or before), ``(1, why)`` otherwise."""
    from trm.directory import services as directory

    from . import worker
    from .models import Delivery, OutboundMessage
    message = OutboundMessage.objects.filter(message_id=str(message_id)).first()
    if message is None:
        return 1, f"no sent message {message_id}"
    if message.state == Delivery.DELIVERED:
        return 0, f"{message.type} to {message.receiver} was already delivered"
    try:
        body = Path(path).read_bytes().strip()
    except OSError as error:
        return 1, f"cannot read {path}: {error.strerror or error}"
    trust = directory.usable_trust_list(now=now)
    claims = worker._verified_receipt(message, body, trust, now) if trust is not None and len(body) < 16_384 else None
    if claims is None:
        return 1, "refused: this is not the receiver's signed receipt for this message"
    state = worker._finish(message, now, state=Delivery.DELIVERED, receipt=body.decode("ascii"),
                           received_at=worker.parse_utc_text(claims["received_at"]))
    if state != Delivery.DELIVERED:
        return 1, "the message is no longer waiting for delivery"
    return 0, f"{message.type} to {message.receiver}: delivered, received {claims['received_at']}"
