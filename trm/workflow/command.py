"""``trm case check FILE [--at DATE] [--json]``: the rule catalogue and deadlines of one case report.

Exit status: 0 when no rule fails, 1 when one does, 2 when the file cannot be read or is not a
valid report of the template (the engine's validation errors are printed).
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from trm import reporting
from trm.workflow import labour, rules


def case_check(file: str, at: str | None, as_json: bool, language: str = "en") -> tuple[int, str]:
    """(exit status, text to print) for checking the report in ``file`` as of ``at`` (today by
    default), its texts in ``language``."""
    from trm.reporting.i18n import check_language, gettext
    check_language(language)
    translate = lambda text: gettext(text, language)  # noqa: E731
    try:
        today = date.fromisoformat(at) if at else date.today()
    except ValueError:
        return 2, _problem("at", "invalid_date", "--at takes a date as YYYY-MM-DD.", as_json)
    report, unreadable = _read(file)
    if unreadable:
        return 2, _problem("", "unreadable", unreadable, as_json)
    return _check(report, today, as_json, translate)


def _read(file: str) -> tuple[object, str | None]:
    try:
        return json.loads(Path(file).read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        return None, type(error).__name__ if isinstance(error, RecursionError) else str(error)[:200]


def _check(report, today: date, as_json: bool, translate=str) -> tuple[int, str]:
    template = reporting.template_for_report(report)
    errors = reporting.validate(template, report, today=today)
    if errors:
        return 2, _invalid(template, errors, as_json)
    ruleset = rules.load_rules()
    try:
        result = rules.check_report(ruleset, template, report, today=today)
    except rules.TemplateMismatch as error:
        return 2, _problem("version", "no_rules", str(error), as_json)
    estimate = _back_pay(report, today)
    if as_json:
        output = result.as_dict(translate)
        if estimate is not None:
            output["back_pay"] = estimate.as_dict(translate)
        return (1 if result.failed else 0), _dump(output)
    return (1 if result.failed else 0), _text(result, translate, estimate)


def _back_pay(report, today: date) -> labour.BackPay | None:
    """The back-pay estimate of a report with a labour module, else None."""
    data = report.get("data") if isinstance(report, dict) else None
    if not isinstance(data, dict) or not data.get("labour"):
        return None
    return labour.back_pay(labour.load_labour(), report, today=today)


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _problem(path: str, code: str, message: str, as_json: bool) -> str:
    if as_json:
        return _dump({"valid": False, "errors": [{"path": path, "code": code, "message": message}]})
    return f"trm: {message}"


def _invalid(template: reporting.Template, errors, as_json: bool) -> str:
    if as_json:
        return _dump({"valid": False, "template": template.id, "errors": [e.as_dict() for e in errors]})
    lines = [f"trm: not a valid {template.id} report:"]
    return "\n".join(lines + [f"  {e.path or '(report)'}: {e.message()} [{e.code}]" for e in errors])


def _text(result: rules.CheckResult, translate=str, estimate: labour.BackPay | None = None) -> str:
    lines = [f"{result.template} checked at {result.at.isoformat()}"]
    lines += [_rule_line(r, translate) for r in result.rules]
    lines += [_deadline_line(d, translate) for d in result.deadlines]
    if estimate is not None:
        lines += _back_pay_lines(estimate, translate)
    return "\n".join(lines)


def _back_pay_lines(estimate: labour.BackPay, translate=str) -> list[str]:
    money = lambda value: "-" if value is None else f"{value:,} {estimate.currency or ''}".rstrip()  # noqa: E731
    parts = [("monthly", money(estimate.monthly)), ("months", "-" if estimate.months is None else str(estimate.months)),
             ("wages", money(estimate.wages)), ("fees", money(estimate.fees)), ("total", money(estimate.total))]
    lines = [translate(labour.LABELS["title"])]
    lines += [f"  {translate(labour.LABELS[key])}: {value}" for key, value in parts]
    return lines + [f"  {note.text(translate)}" for note in estimate.notes]


def _rule_line(result: rules.RuleResult, translate=str) -> str:
    reasons = "; ".join(f"{r.code}: {r.text(translate)}" for r in result.reasons)
    return f"{result.id:<21} {result.status:<15} {reasons}".rstrip()


def _deadline_line(deadline: rules.Deadline, translate=str) -> str:
    due = deadline.due.isoformat()
    return f"{deadline.id:<21} {deadline.status:<15} due {due}  {deadline.text(translate)}"
