"""Partial dates: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, as case reports often hold them."""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime

_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})", re.ASCII)
PRECISION_OF_LENGTH = {4: "YEAR", 7: "MONTH", 10: "DAY"}


def parse_range(value: object) -> tuple[date, date] | None:
    """The earliest and latest day a partial date can mean, or None if it is not one."""
    if not isinstance(value, str):
        return None
    match = _PARTIAL.fullmatch(value)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1), date(year, month, last)
        exact = date(year, month, day)
    except ValueError:
        return None
    return exact, exact


def is_datetime(value: object) -> bool:
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def years_between(earlier: date, later: date) -> int:
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


def months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return months
