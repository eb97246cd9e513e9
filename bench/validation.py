"""Template validation: full case reports per second with trm's engine, and in the same run an
independent JSON Schema validator (fastjsonschema) on the exported schema and the same reports."""
from __future__ import annotations

import time

import fastjsonschema
from hypothesis import HealthCheck, Phase, given, settings

from trm import reporting
from trm.reporting.export import jsonschema as schema_export
from tests.reporting.reports import TODAY, valid_reports

REPORTS = 300
ROUNDS = 5


def _reports(template):
    """Reports built by the test suite's generator, keeping the fuller ones."""
    collected = []

    @settings(max_examples=REPORTS * 3, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(valid_reports(template))
    def collect(report):
        collected.append(report)

    collect()
    collected.sort(key=lambda r: -_count(r["data"]))
    return collected[:REPORTS]


def _best_rate(function, items) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for item in items:
            function(item)
        best = min(best, time.perf_counter() - started)
    return len(items) / best


def run() -> None:
    template = reporting.load_template()
    reports = _reports(template)
    derived = [reporting.derive(template, r, today=TODAY) for r in reports]
    fields = sum(_count(r["data"]) for r in reports) / len(reports)
    check = fastjsonschema.compile(schema_export.export(template))
    engine = _best_rate(lambda r: reporting.validate(template, r, today=TODAY), reports)
    independent = _best_rate(check, derived)
    print(f"validation ({len(reports)} generated reports, {fields:.0f} values each on average, best of {ROUNDS})")
    print(f"  trm engine (derive + validate)      {engine:10.0f} reports/s")
    print(f"  fastjsonschema on exported schema    {independent:10.0f} reports/s")
    print(f"  ratio engine / fastjsonschema        {engine / independent:10.2f}   (aim: at least 0.5)\n")


def _count(value) -> int:
    if isinstance(value, dict):
        return sum(_count(v) for v in value.values())
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return sum(_count(v) for v in value)
    return 1
