"""The back-pay estimate and the labour configuration (DOMAIN §6.6): wages, hours, deductions and
recruitment fees turned into the floor of what a worker is owed, with every assumption said."""
import copy
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from trm import reporting
from trm.workflow import labour, rules

from .test_rules import group_case

TODAY = date(2026, 12, 4)


def worker(wages=None, **labour_data):
    """Vasile, from Moldova, without a permit, picking tomatoes from May to the end of September."""
    report = group_case()[2]
    report["data"]["situation"]["exploitation"] = {"start_date": "2026-05-01", "end_date": "2026-09-30"}
    report["data"]["labour"].update({"work_permit_status": "VALID",
                                     "wages": wages or {"promised_amount": 1200, "actual_amount": 400,
                                                        "currency": "EUR", "period": "MONTH"}}, **labour_data)
    return report


def estimate(report):
    template = reporting.load_template()
    assert reporting.validate(template, report, today=TODAY) == []
    return labour.back_pay(labour.load_labour(), report, today=TODAY)


def codes(result):
    return [n.code for n in result.notes]


def test_a_monthly_shortfall_over_five_months_plus_the_fees_paid(tmp_path):
    result = estimate(worker(recruitment_fees_paid={"amount": 500, "currency": "EUR"}))
    assert (result.monthly, result.months, result.wages, result.fees, result.total, result.currency) == (
        Decimal("800.00"), Decimal("5.0"), Decimal("4000.00"), Decimal("500.00"), Decimal("4500.00"), "EUR")
    assert codes(result) == ["floor"]


def test_a_weekly_wage_is_counted_per_month():
    result = estimate(worker({"promised_amount": 300, "actual_amount": 100, "currency": "EUR", "period": "WEEK"}))
    assert result.monthly == Decimal("866.67")  # 200 a week, 52 weeks over 12 months


def test_an_hourly_wage_needs_the_hours_worked():
    wages = {"promised_amount": 7.5, "actual_amount": 3, "currency": "EUR", "period": "HOUR"}
    assert codes(estimate(worker(wages))) == ["no_hours", "floor"] and estimate(worker(wages)).total is None
    result = estimate(worker(wages, hours_per_week=60))
    assert result.monthly == Decimal("1170.00")  # 4.50 × 60 hours × 52 / 12


def test_a_daily_wage_needs_the_days_off():
    wages = {"promised_amount": 50, "actual_amount": 20, "currency": "EUR", "period": "DAY"}
    assert codes(estimate(worker(wages))) == ["no_days_off", "floor"]
    assert estimate(worker(wages, days_off_per_month=2)).monthly == Decimal("853.13")  # 30 × (30.4375 − 2)


def test_piece_rates_are_not_turned_into_months_but_the_fees_still_count():
    result = estimate(worker({"promised_amount": 1, "actual_amount": 0.5, "currency": "EUR", "period": "PIECE"},
                             recruitment_fees_paid={"amount": 300, "currency": "EUR"}))
    assert codes(result) == ["piece_rate", "floor"] and (result.wages, result.total) == (None, Decimal("300.00"))


def test_paid_in_full_means_no_unpaid_wages():
    result = estimate(worker({"promised_amount": 900, "actual_amount": 900, "currency": "EUR", "period": "MONTH"}))
    assert result.wages == Decimal("0.00") and "paid_in_full" in codes(result)


def test_without_a_permit_and_without_dates_three_months_are_presumed():
    report = worker(work_permit_status="NONE")
    del report["data"]["situation"]["exploitation"]
    result = estimate(report)
    assert (result.months, result.wages) == (Decimal("3.0"), Decimal("2400.00"))
    assert "presumed_months" in codes(result)
    assert "Directive 2009/52/EC" in result.notes[0].text()


def test_with_a_valid_permit_and_no_dates_the_months_are_unknown():
    report = worker()
    del report["data"]["situation"]["exploitation"]
    result = estimate(report)
    assert result.months is None and result.total is None and "no_start" in codes(result)


def test_months_run_from_the_latest_possible_start_to_the_earliest_possible_end():
    report = worker()
    report["data"]["situation"]["exploitation"] = {"start_date": "2026-05", "end_date": "2026-09"}
    assert estimate(report).months == Decimal("3.0")  # 31 May to 1 September: a floor


def test_an_exploitation_still_going_on_counts_until_today():
    report = worker()
    report["data"]["situation"]["exploitation"] = {"start_date": "2026-09-04"}
    assert estimate(report).months == Decimal("3.0")


def test_an_exploitation_without_an_end_counts_until_the_case_was_closed_and_says_so():
    report = worker()
    report["data"]["situation"]["exploitation"] = {"start_date": "2026-05-01"}
    report["data"]["overview"]["case_status"] = "CLOSED"
    report["data"]["log"] = {"closure": {"date": "2026-07-31", "reason": "REFERRED"}}
    result = estimate(report)
    assert result.months == Decimal("3.0") and "no_end" in codes(result) and "2026-07-31" in result.notes[0].text()


@pytest.mark.parametrize("wages", [
    {"promised_amount": 10 ** 26, "actual_amount": 0, "currency": "EUR", "period": "MONTH"},
    {"promised_amount": 1e300, "actual_amount": 1, "currency": "EUR", "period": "HOUR"},
])
def test_an_amount_no_wage_can_be_is_said_rather_than_failing(wages):
    result = estimate(worker(wages, hours_per_week=40))
    assert result.total is None and codes(result) == ["too_large", "floor"]


def test_fees_in_another_currency_are_listed_apart():
    result = estimate(worker(recruitment_fees_paid={"amount": 9000, "currency": "MDL"}))
    assert result.fees is None and result.total == Decimal("4000.00")
    assert "fees_other_currency" in codes(result) and "MDL" in result.notes[0].text()


def test_the_notes_read_in_the_readers_language():
    report = worker(work_permit_status="NONE")
    del report["data"]["situation"]["exploitation"]
    note = estimate(report).notes[0]
    italian = note.text(lambda text: reporting.i18n.gettext(text, "it"))
    assert italian != note.text() and "2009/52" in italian


def test_case_check_prints_the_estimate_and_gives_it_in_json(tmp_path):
    path = tmp_path / "vasile.json"
    path.write_text(json.dumps(worker(recruitment_fees_paid={"amount": 500, "currency": "EUR"})))
    trm = Path(sys.executable).with_name("trm")
    run = lambda *extra: subprocess.run([trm, "case", "check", str(path), "--at", TODAY.isoformat(), *extra],  # noqa: E731
                                        capture_output=True, text=True)
    text = run()
    assert "Back-pay estimate" in text.stdout and "4,500.00 EUR" in text.stdout
    data = json.loads(run("--json").stdout)
    assert data["back_pay"]["total"] == "4500.00" and data["back_pay"]["notes"][0]["code"] == "floor"
    assert "Stima" in run("--lang", "it").stdout


def test_every_text_of_the_labour_module_is_among_the_workflow_texts_to_translate():
    texts = rules.messages()
    assert all(text in texts for text in labour.messages())


# --- the configuration --------------------------------------------------------------------------

def configured(change, tmp_path):
    raw = yaml.safe_load(labour.DEFAULT_PATH.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "labour.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("change, problem", [
    (lambda raw: raw["group"]["shared"].append("labour.boss"), "no field 'labour.boss'"),
    (lambda raw: raw["back_pay"].update(presumed_for_permits=["ILLEGAL"]), "no code 'ILLEGAL'"),
    (lambda raw: raw["back_pay"].update(presumed_months=-1), "presumed_months"),
    (lambda raw: raw["intakes"]["labour-inspection"]["fields"].remove("overview.identified_by_sector"),
     "overview.identified_by_sector is not among its fields"),
    (lambda raw: raw["intakes"]["labour-inspection"]["presets"].update({"overview.case_type": "COLLECTIVE"}),
     "not a code of overview.case_type"),
])
def test_a_configuration_that_does_not_fit_the_template_is_refused(tmp_path, change, problem):
    with pytest.raises(rules.RulesError) as refused:
        labour.load_labour(configured(change, tmp_path))
    assert problem in str(refused.value)


@pytest.mark.parametrize("status", [c.code for c in reporting.load_template().code_lists["trafficking_status"].codes])
def test_the_inspectors_intake_shows_every_field_a_case_requires(template, status):
    """An inspector can save a case from the intake alone, whatever status they choose: what
    validation asks of a new case started from it is all on the form."""
    intake = labour.load_labour().intakes["labour-inspection"]
    report = intake.blank(template, "it")
    report["data"]["overview"]["trafficking_status"] = status
    errors = reporting.validate(template, copy.deepcopy(report), today=TODAY)
    assert errors and all(intake.shows(e.path.split("[")[0]) for e in errors), [e.path for e in errors]
