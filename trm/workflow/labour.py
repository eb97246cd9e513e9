"""Labour exploitation (DOMAIN §6.6): the parts a group case shares, the back-pay estimate, and the
labour inspectors' intake form, from ``definitions/labour-<version>.yaml``. Pure Python::

    labour = load_labour()
    estimate = back_pay(labour, report, today=date(2026, 12, 4))
    estimate.total, estimate.currency, [n.text(translate) for n in estimate.notes]

The estimate is a floor for a caseworker or a lawyer to start from, never a claim: unpaid wages
(promised less paid, turned into a monthly amount, times the months worked) plus the recruitment
fees the worker paid. Months run from the latest day the exploitation can have begun to the
earliest it can have ended (or ``today``); Directive 2009/52/EC Art. 6(3) presumes at least three
months for a worker without a valid permit.
"""
from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, Overflow, localcontext
from pathlib import Path
from typing import Any

import yaml

from trm import reporting
from trm.reporting.dates import parse_range

from .model import Reason, RulesError, _get

DEFAULT_PATH = Path(__file__).parent / "definitions" / "labour-1.0.yaml"

MONTH_DAYS = Decimal("365.25") / 12
WEEKS_PER_MONTH = Decimal(52) / 12
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 15  # no wage, fee or count is larger: beyond it, a typing slip

# English gettext message ids, kept in the template's catalogues like the rules' texts.
NOTES = {
    "no_wages": "The wages promised and paid are not both recorded: unpaid wages are not estimated.",
    "paid_in_full": "The amount paid is not below the amount promised: no unpaid wages are estimated.",
    "piece_rate": "Wages paid by the piece cannot be counted per month: unpaid wages are not estimated.",
    "no_period": "It is not recorded how often the wages were paid: unpaid wages are not estimated.",
    "no_hours": "The hours worked per week are needed to count hourly wages per month.",
    "no_days_off": "The days off per month are needed to count daily wages per month.",
    "no_start": "The start of the exploitation is not recorded: the months worked are not known.",
    "no_end": "No end of the exploitation is recorded: the months are counted until {day}.",
    "too_large": "An amount entered is too large to be counted: check the wages and the fees.",
    "presumed_months": ("Without a valid permit, the work is presumed to have lasted at least {months} months "
                        "(Directive 2009/52/EC, Art. 6(3))."),
    "fees_other_currency": "The recruitment fees were paid in {currency}: they are not added to the wages.",
    "floor": "A floor, not a claim: excess hours and the deductions described are not counted.",
}
LABELS = {
    "title": "Back-pay estimate",
    "monthly": "Unpaid wages per month",
    "months": "Months worked",
    "wages": "Unpaid wages",
    "fees": "Recruitment fees",
    "total": "Estimate",
}
MESSAGES = tuple(NOTES.values()) + tuple(LABELS.values())


@dataclass(frozen=True)
class Intake:
    """A variant of the case form: what it starts with and what it shows."""

    name: str
    label: str
    help: str
    presets: dict[str, Any]
    fields: tuple[str, ...]

    def shows(self, path: str) -> bool:
        """Whether the form shows the field or group at ``path`` (row numbers left out)."""
        return any(path == f or path.startswith(f + ".") or f.startswith(path + ".") for f in self.fields)

    def blank(self, template: reporting.Template, language: str) -> dict:
        """A new report with the presets answered."""
        data: dict = {}
        for path, value in self.presets.items():
            node = data
            *parents, last = path.split(".")
            for key in parents:
                node = node.setdefault(key, {})
            node[last] = list(value) if isinstance(value, list) else value
        return {"template": template.name, "version": template.version, "language": language, "data": data}


@dataclass(frozen=True)
class Labour:
    version: str
    template: str
    template_version: str
    shared: tuple[str, ...]
    presumed_months: int
    presumed_for_permits: frozenset[str]
    recruitment_fees: bool
    intakes: dict[str, Intake]


@dataclass(frozen=True)
class BackPay:
    """The estimate, in the wages' currency; ``None`` where it cannot be counted (``notes`` say why)."""

    currency: str | None
    monthly: Decimal | None
    months: Decimal | None
    wages: Decimal | None
    fees: Decimal | None
    total: Decimal | None
    notes: list[Reason] = field(default_factory=list)

    def as_dict(self, translate=None) -> dict:
        number = lambda value: None if value is None else str(value)  # noqa: E731
        return {"currency": self.currency, "monthly": number(self.monthly), "months": number(self.months),
                "wages": number(self.wages), "fees": number(self.fees), "total": number(self.total),
                "notes": [n.as_dict(translate) for n in self.notes]}


# --- loading ------------------------------------------------------------------------------------

def load_labour(path: str | Path | None = None) -> Labour:
    """The labour configuration in ``path`` (the shipped one, cached, by default), checked against
    its template; RulesError lists every problem."""
    return _default() if path is None else _load(Path(path))


@functools.lru_cache(maxsize=None)
def _default() -> Labour:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> Labour:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RulesError([f"cannot read the labour configuration: {error}"]) from None
    if not isinstance(raw, dict):
        raise RulesError(["the labour configuration must be a mapping"])
    problems: list[str] = []
    try:
        template = reporting.load_template(raw.get("template"), raw.get("template_version"))
    except reporting.TemplateError as error:
        raise RulesError([f"template: {error}"]) from None
    group, pay = raw.get("group") or {}, raw.get("back_pay") or {}
    shared = tuple(group.get("shared") or ())
    problems += [f"group.shared: no field {p!r} in {template.id}" for p in shared if not _known(template, p)]
    months = pay.get("presumed_months")
    if not isinstance(months, int) or months < 0:
        problems.append("back_pay.presumed_months: a whole number of months, 0 or more")
    permits = frozenset(pay.get("presumed_for_permits") or ())
    known_permits = {c.code for c in template.code_lists["work_permit_status"].codes}
    problems += [f"back_pay.presumed_for_permits: no code {c!r}" for c in sorted(permits - known_permits)]
    intakes = {}
    for name, spec in (raw.get("intakes") or {}).items():
        intake, found = _intake(template, name, spec or {})
        intakes[name], problems = intake, problems + found
    if problems:
        raise RulesError(problems)
    return Labour(str(raw.get("version")), template.name, template.version, shared, months, permits,
                  bool(pay.get("recruitment_fees", True)), intakes)


def _known(template: reporting.Template, path: str) -> bool:
    return path in template.fields


def _intake(template: reporting.Template, name: str, spec: dict) -> tuple[Intake, list[str]]:
    fields, presets = tuple(spec.get("fields") or ()), dict(spec.get("presets") or {})
    problems = [f"intakes.{name}.fields: no field {p!r} in {template.id}" for p in fields if not _known(template, p)]
    for path, value in presets.items():
        f = template.fields.get(path)
        if f is None or f.is_group:
            problems.append(f"intakes.{name}.presets: no field {path!r} in {template.id}")
            continue
        codes = {c.code for c in template.code_lists[f.codes].codes} if f.codes else None
        values = value if isinstance(value, list) else [value]
        if codes is not None and any(v not in codes for v in values):
            problems.append(f"intakes.{name}.presets: {value!r} is not a code of {path}")
    intake = Intake(name, str(spec.get("label") or name), str(spec.get("help") or ""), presets, fields)
    problems += [f"intakes.{name}.presets: {p} is not among its fields" for p in presets if not intake.shows(p)]
    return intake, problems


def messages(labour: Labour | None = None) -> list[str]:
    """Every English text of this module a reader can see (notes, labels, intake names)."""
    labour = labour or load_labour()
    texts = list(MESSAGES) + [t for i in labour.intakes.values() for t in (i.label, i.help)]
    return list(dict.fromkeys(t for t in texts if t))


# --- the group ----------------------------------------------------------------------------------

def shared_part(labour: Labour, data: dict) -> dict:
    """What of a case's data its group shares: ``{path: value}`` for each shared path (None when
    not answered), to copy to the other workers' cases."""
    return {path: _get(data, path) for path in labour.shared}


def put_shared(data: dict, part: dict) -> None:
    """Set each path of ``part`` in ``data`` whole, replacing what was there (None removes it):
    after this, ``shared_part`` of ``data`` is ``part``."""
    for path, value in part.items():
        node = data
        *parents, last = path.split(".")
        for key in parents:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)


# --- the back-pay estimate ----------------------------------------------------------------------

def back_pay(labour: Labour, report: dict, *, today: date) -> BackPay:
    """The back-pay estimate of a (valid) report as of ``today`` (or as of the case's closure,
    when it is closed)."""
    data = report.get("data") if isinstance(report, dict) else None
    data = data if isinstance(data, dict) else {}
    closed = parse_range(_get(data, "log.closure.date"))
    if closed is not None and closed[0] < today:
        today = closed[0]
    with localcontext() as context:
        context.prec = 40
        try:
            return _estimate(labour, data, today)
        except (InvalidOperation, Overflow):  # an amount no wage can be: say so rather than fail
            return BackPay(None, None, None, None, None, None, [_note("too_large"), _note("floor")])


def _estimate(labour: Labour, data: dict, today: date) -> BackPay:
    notes: list[Reason] = []
    currency = _get(data, "labour.wages.currency")
    monthly = _monthly_shortfall(data, notes)
    months = _months(labour, data, today, notes)
    wages = (monthly * months).quantize(CENT, ROUND_HALF_UP) if monthly is not None and months is not None else None
    fees = _fees(labour, data, currency, notes)
    parts = [p for p in (wages, fees) if p is not None]
    total = sum(parts, Decimal(0)).quantize(CENT) if parts else None
    currency = currency if isinstance(currency, str) else _get(data, "labour.recruitment_fees_paid.currency")
    notes.append(_note("floor"))
    return BackPay(currency if isinstance(currency, str) else None, monthly, months, wages, fees, total, notes)


def _note(code: str, **params) -> Reason:
    return Reason(code, NOTES[code], params)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if number.is_finite() and number > MAX_AMOUNT:
        raise Overflow("an amount beyond any wage")
    return number if number.is_finite() and number >= 0 else None


def _monthly_shortfall(data: dict, notes: list[Reason]) -> Decimal | None:
    promised = _decimal(_get(data, "labour.wages.promised_amount"))
    paid = _decimal(_get(data, "labour.wages.actual_amount"))
    period = _get(data, "labour.wages.period")
    if promised is None or paid is None:
        notes.append(_note("no_wages"))
        return None
    if paid >= promised:
        notes.append(_note("paid_in_full"))
        return Decimal("0.00")
    per_period = promised - paid
    if period == "MONTH":
        factor = Decimal(1)
    elif period == "WEEK":
        factor = WEEKS_PER_MONTH
    elif period == "DAY":
        days_off = _decimal(_get(data, "labour.days_off_per_month"))
        if days_off is None:
            notes.append(_note("no_days_off"))
            return None
        factor = max(MONTH_DAYS - days_off, Decimal(0))
    elif period == "HOUR":
        hours = _decimal(_get(data, "labour.hours_per_week"))
        if hours is None:
            notes.append(_note("no_hours"))
            return None
        factor = hours * WEEKS_PER_MONTH
    elif period == "PIECE":
        notes.append(_note("piece_rate"))
        return None
    else:
        notes.append(_note("no_period"))
        return None
    return (per_period * factor).quantize(CENT, ROUND_HALF_UP)


def _months(labour: Labour, data: dict, today: date, notes: list[Reason]) -> Decimal | None:
    began, ended = parse_range(_get(data, "situation.exploitation.start_date")), parse_range(
        _get(data, "situation.exploitation.end_date"))
    months = None
    if began is not None:
        last = ended[0] if ended is not None else today
        if ended is None:
            notes.append(_note("no_end", day=today.isoformat()))
        months = (Decimal(max((last - began[1]).days + 1, 0)) / MONTH_DAYS).quantize(Decimal("0.1"), ROUND_DOWN)
    if _get(data, "labour.work_permit_status") in labour.presumed_for_permits and (
            months is None or months < labour.presumed_months):
        notes.append(_note("presumed_months", months=labour.presumed_months))
        return Decimal(labour.presumed_months).quantize(Decimal("0.1"))
    if months is None:
        notes.append(_note("no_start"))
    return months


def _fees(labour: Labour, data: dict, currency: Any, notes: list[Reason]) -> Decimal | None:
    amount = _decimal(_get(data, "labour.recruitment_fees_paid.amount"))
    if not labour.recruitment_fees or amount is None:
        return None
    paid_in = _get(data, "labour.recruitment_fees_paid.currency")
    if isinstance(currency, str) and paid_in != currency:
        notes.append(_note("fees_other_currency", currency=paid_in or "?"))
        return None
    return amount.quantize(CENT, ROUND_HALF_UP)
