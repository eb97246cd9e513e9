"""Times in the reader's own time zone: that of their organisation's country (Europe/Rome for an
NGO in Bari, Europe/Tirane for the contact point of Albania), UTC for everyone else. What is
stored, and what the API returns, stays in UTC."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global
from django.utils import timezone

# CLDR lists no zone for XK (Kosovo*): its clocks are those of its neighbours.
ZONE_FALLBACK = {"XK": "Europe/Belgrade"}


@lru_cache(maxsize=None)
def country_zone(country: str) -> ZoneInfo | None:
    """The time zone of a country (its first in CLDR), or None when it has none or several
    offsets we cannot choose between without knowing the city."""
    zones = get_global("territory_zones").get(country) or ([ZONE_FALLBACK[country]] if country in ZONE_FALLBACK else [])
    try:
        return ZoneInfo(zones[0]) if zones else None
    except ZoneInfoNotFoundError:
        return None


def user_zone(user) -> ZoneInfo | None:
    organisation = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    return country_zone(organisation.country) if organisation is not None else None


class OrganisationTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = user_zone(request.user)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
