"""Moving a case along its tracks (DOMAIN §6.2), with the guards of the rule catalogue enforced.

``stage_move`` checks the guards on the whole stored report (a guard may rest on child data the
actor's role does not see; only its reasons are shown), then records the transition, the case's
current stage and a timeline event in one transaction under the case's lock. A blocked move
changes nothing and says why, each reason in the reader's language.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from trm import reporting
from trm.audit.services import audit_record
from trm.lib import vault as crypto
from trm.workflow.model import Reason
from trm.workflow.rules import guards_for_transition, load_rules
from trm.workflow.tracks import TRACKS

from . import services
from .models import Case, EventKind, StageTransition
from .selectors import case_get_for, stored_report
from .vault import keyring

MAX_REASON = 2000


class StageBlocked(Exception):
    """The move is not allowed; ``reasons`` are the guards' (or ``unknown_status``)."""

    def __init__(self, reasons: list[Reason]):
        super().__init__(", ".join(r.code for r in reasons))
        self.reasons = reasons


class StageUnknown(Exception):
    """Not a track, or not a status of that track."""


@dataclass(frozen=True)
class TrackState:
    track: str
    status: str | None
    at: datetime | None
    actor: str | None


def _aad(case_id: int) -> bytes:
    return f"trm:stage:{case_id}".encode()


def blocking(case: Case, status: str, *, today: date) -> list[Reason]:
    """What blocks moving ``case`` to ``status`` now (on the whole stored report)."""
    ruleset = load_rules()
    if status not in ruleset.statuses:
        return []
    report = stored_report(case)
    template = reporting.load_template(case.template, case.template_version)
    return guards_for_transition(ruleset, template, report, status, today=today)


@transaction.atomic
def stage_move(*, actor, case: Case, track: str, status: str, reason: str = "", now: datetime | None = None) -> Case:
    """Move ``track`` of ``case`` to ``status``; raises StageBlocked (nothing changed), CaseNotFound."""
    now = now or timezone.now()
    case = Case.objects.select_for_update().get(pk=case_get_for(user=actor, case_id=case.pk).pk)
    if not isinstance(track, str) or not isinstance(status, str) or status not in TRACKS.get(track, ()):
        raise StageUnknown()
    reasons = blocking(case, status, today=now.date())
    if reasons:
        raise StageBlocked(reasons)

    def set_stage(report: dict) -> None:
        if track != "PROCEEDINGS":
            report["data"].setdefault("overview", {})["stage"] = track

    case = services.case_change(actor=actor, case=case, change=set_stage, kind=EventKind.STAGE_CHANGED,
                                today=now.date())
    text = (reason or "").strip()[:MAX_REASON]
    StageTransition.objects.create(case=case, track=track, status=status, at=now, actor=actor,
                                   reason_blob=crypto.encrypt(keyring(), json.dumps(text).encode(), aad=_aad(case.pk)))
    event = case.events.filter(kind=EventKind.STAGE_CHANGED).order_by("-pk").first()
    event.paths = [f"{track}:{status}"]  # codes, never the reason
    event.save(update_fields=["paths"])
    audit_record(actor=actor, action="case.stage", object_type="case", object_id=str(case.pk),
                 detail={"track": track, "status": status})
    return case


def tracks_of(case: Case) -> list[TrackState]:
    """Each track with its current status (None before its first move), in DOMAIN order."""
    latest: dict[str, StageTransition] = {}
    for transition in case.transitions.select_related("actor"):
        latest[transition.track] = transition
    return [TrackState(track, t.status if t else None, t.at if t else None, t.actor.username if t and t.actor else None)
            for track in TRACKS for t in [latest.get(track)]]


def transitions_of(*, user, case: Case) -> list[dict]:
    """The case's moves, oldest first, with their reasons (a read of free text: audited)."""
    case = case_get_for(user=user, case_id=case.pk)
    audit_record(actor=user, action="case.read_stages", object_type="case", object_id=str(case.pk))
    return [{"track": t.track, "status": t.status, "at": t.at, "actor": t.actor.username if t.actor else None,
             "reason": json.loads(crypto.decrypt(keyring(), bytes(t.reason_blob), aad=_aad(case.pk)))}
            for t in case.transitions.select_related("actor")]
