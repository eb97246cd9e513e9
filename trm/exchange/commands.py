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
