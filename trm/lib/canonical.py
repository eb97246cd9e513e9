"""Canonical JSON: one byte string per value, so that hashes and signatures over data agree."""
from __future__ import annotations

import json


def canonical_json(value) -> bytes:
    """``value`` as UTF-8 JSON with sorted keys, no whitespace and non-ASCII kept as is.

    The same value always gives the same bytes, whatever the order its dicts were built in.
    NaN and infinities are refused (JSON has no spelling for them), as are strings that are not
    valid Unicode. Keys sort by code point; this is not RFC 8785 (JCS), which sorts by UTF-16 unit
    and formats numbers its own way.
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")
