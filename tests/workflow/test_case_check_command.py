"""``trm case check``: the rules and deadlines of one report file, as text or JSON, with its exit status."""
import json

from trm.workflow import rules
from trm.workflow.command import case_check

from .test_rules import RETURN_DAY, child_return, with_reflection


def write(tmp_path, report) -> str:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return str(path)


def test_a_report_that_meets_every_rule_exits_zero(tmp_path, elira):
    code, text = case_check(write(tmp_path, with_reflection(elira)), "2026-12-03", False)
    assert code == 0
    assert "R-GUARDIAN            PASS" in text
    assert "guardian_appointment  OPEN            due 2026-12-11  Appointment of a guardian" in text


def test_a_child_return_without_an_escort_exits_one_and_says_why(tmp_path, elira):
    report = child_return(elira)
    del report["data"]["return_reintegration"]["escort"]
    code, text = case_check(write(tmp_path, report), RETURN_DAY.isoformat(), False)
    assert code == 1
    assert "R-CHILD-RETURN        FAIL            no_escort: No escort is arranged for the child's return." in text


def test_the_json_output_has_the_day_the_template_the_rules_and_the_deadlines(tmp_path, elira):
    code, text = case_check(write(tmp_path, with_reflection(elira)), "2026-12-03", True)
    shape = json.loads(text)
    assert code == 0 and list(shape) == ["at", "template", "rules", "deadlines"]
    assert (shape["at"], shape["template"]) == ("2026-12-03", "trm-case-report@1.0")
    assert [r["id"] for r in shape["rules"]] == [r.id for r in rules.load_rules().rules]
    assert set(shape["rules"][0]) == {"id", "title", "kind", "status", "reasons"}
    assert shape["deadlines"][0] == {"id": "reflection_end", "rule": "R-REFL-30", "what": "End of the reflection period",
                                     "due": "2026-12-21", "status": "OPEN", "params": {"country": "IT", "days": 30}}


def test_the_json_output_gives_each_reason_its_code_message_and_params(tmp_path, elira):
    code, text = case_check(write(tmp_path, elira), "2026-12-03", True)
    reflection = next(r for r in json.loads(text)["rules"] if r["id"] == "R-REFL-30")
    assert code == 1 and reflection["status"] == "FAIL"
    assert reflection["reasons"] == [{
        "code": "reflection_period_missing", "params": {"country": "IT"},
        "message": "No reflection period is recorded for a presumed victim who is not a national of IT."}]


def test_at_sets_the_day_the_deadlines_are_counted_from(tmp_path, elira):
    code, text = case_check(write(tmp_path, with_reflection(elira)), "2026-12-14", False)
    assert code == 1 and "guardian_overdue" in text and "guardian_appointment  OVERDUE" in text


def test_a_file_that_is_not_json_exits_two(tmp_path):
    path = tmp_path / "case.json"
    path.write_text("{not json", encoding="utf-8")
    code, text = case_check(str(path), None, True)
    assert code == 2 and json.loads(text)["errors"][0]["code"] == "unreadable"


def test_a_missing_file_exits_two(tmp_path):
    code, text = case_check(str(tmp_path / "nowhere.json"), None, False)
    assert code == 2 and text.startswith("trm: ")


def test_a_report_of_another_template_exits_two_with_the_engine_s_errors(tmp_path, elira):
    elira["template"] = "someone-elses-form"
    code, text = case_check(write(tmp_path, elira), "2026-12-03", True)
    assert code == 2 and json.loads(text)["errors"][0]["code"] == "unknown_template"


def test_an_invalid_report_exits_two_with_each_error_on_a_line(tmp_path, elira):
    del elira["data"]["overview"]["trafficking_status"]
    code, text = case_check(write(tmp_path, elira), "2026-12-03", False)
    assert code == 2 and "  overview.trafficking_status: This field is required. [required]" in text


def test_a_bad_date_for_at_exits_two(tmp_path, elira):
    code, text = case_check(write(tmp_path, elira), "3 December", False)
    assert code == 2 and "YYYY-MM-DD" in text
