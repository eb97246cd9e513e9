"""The rule catalogue (DOMAIN §6.4), the stage guards (§6.2) and the deadlines, on case reports.

Reports are built from story 1 (Elira, 16, Albanian, agricultural labour in Apulia) by small
changes, and for labour from a group case of three workers of two nationalities. Every report is
checked to be valid against the template first, so the rules are tried on reports a user can write.
"""
import copy
import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from trm import reporting
from trm.reporting.load import build as build_template
from trm.workflow import rules

from ..reporting.reports import TODAY as REPORTS_TODAY
from ..reporting.reports import valid_reports

TODAY = date(2026, 12, 3)  # a Thursday
CATALOGUE = [
    "R-REFL-30", "R-NOREMOVE-ID", "R-ASSIST-UNCOND", "R-CONSENT-SERVICES", "R-MINOR-PRESUME",
    "R-CHILD-NOMEANS", "R-GUARDIAN", "R-FAMILY-TRACE", "R-CHILD-RETURN", "R-RETURN-VOLUNTARY",
    "R-RESIDENCE", "R-2004-81", "R-DANGER-URGENT", "R-INFO-WITHOUT-DELAY", "R-PRIVACY-CHILD",
    "R-NONPUNISH", "R-GDPR-DSAR", "R-GDPR-BREACH", "R-GDPR-PROPAGATE", "R-TRANSFER-BASIS",
    "R-STAT-KANON", "R-ILO-RULES", "R-EXPL-2024",
]


@pytest.fixture(scope="module")
def ruleset():
    return rules.load_rules()


# --- reports ------------------------------------------------------------------------------------

def checked(template, report, today=TODAY):
    assert reporting.validate(template, report, today=today) == [], "the test report must be valid"
    return rules.check_report(rules.load_rules(), template, report, today=today)


def outcome(template, report, rule_id, today=TODAY):
    result = next(r for r in checked(template, report, today).rules if r.id == rule_id)
    return result.status, [reason.code for reason in result.reasons]


def deadline(template, report, deadline_id, today=TODAY):
    return next(d for d in checked(template, report, today).deadlines if d.id == deadline_id)


def guards(template, report, transition, today=TODAY):
    assert reporting.validate(template, report, today=today) == []
    reasons = rules.guards_for_transition(rules.load_rules(), template, report, transition, today=today)
    return [reason.code for reason in reasons]


def with_reflection(report, start="2026-11-22", end="2026-12-21"):
    report["data"]["protection"] = {"reflection_period": {"granted": True, "start": start, "end": end}}
    return report


def child_return(elira):
    """Elira's return to Albania, with every guard of §6.2 met; checked on 2027-02-01."""
    data = with_reflection(elira)["data"]
    data["overview"]["stage"] = "RETURN_REINTEGRATION"
    data["child"].update({
        "guardian": {"requested_on": "2026-11-21", "appointed": True, "appointed_on": "2026-11-27",
                     "appointing_authority": "Tribunale per i minorenni di Bari", "guardian_person": "Anna Russo"},
        "bid": {"date": "2027-01-20", "panel": "Bari BID panel", "durable_solution": "RETURN_FAMILY"},
        "family_assessment_report": {"requested_on": "2026-12-01", "received_on": "2027-01-10", "outcome": "SUITABLE"},
    })
    data["risk"] = {"risk_assessments": [{"date": "2027-01-15", "scope": "RETURN", "jointly_with_country": "AL",
                                          "level": "MEDIUM"}]}
    data["return_reintegration"] = {
        "return_wish": "YES", "return_wish_date": "2027-01-05",
        "escort": {"required": True, "escort_org": "IOM Rome"},
        "handover": {"receiving_org": "CSW Shkodër", "receiving_guardian": "Drita Kola"},
    }
    data["log"] = {"decisions": [{"type": "RETURN", "by": "Tribunale per i minorenni di Bari", "date": "2027-01-25"}]}
    return elira


RETURN_DAY = date(2027, 2, 1)


def worker(citizenship, eu_citizen, given):
    """One of three workers found by a labour inspection on one farm near Foggia (a group case)."""
    return {"template": "trm-case-report", "version": "1.0", "language": "it", "data": {
        "overview": {
            "case_type": "GROUP", "group_case_ref": "IT-FG-2026-017", "case_status": "ACTIVE",
            "stage": "IDENTIFICATION", "trafficking_status": "PRESUMED_REASONABLE_GROUNDS",
            "first_contact_date": "2026-09-14", "reasonable_grounds_date": "2026-09-15",
            "identified_by_sector": "LABOUR_INSPECTION", "exploitation_types": ["FORCED_LABOUR"],
            "countries": [{"country": citizenship, "role": "ORIGIN"}, {"country": "IT", "role": "DESTINATION"}],
        },
        "identity": {"names": [{"type": "GIVEN", "value_original": given}], "date_of_birth": "1988-03-02",
                     "date_of_birth_precision": "DAY", "age_uncertain": "NO", "citizenships": [citizenship]},
        "situation": {"ilo_assessments": [{"list": "ADULT_LABOUR", "act_established": True, "indicators": [
            {"id": "EX01", "present": "YES"}, {"id": "CD01", "present": "YES"}]}]},
        "labour": {"eu_citizen": eu_citizen, "employer": {"name": "Azienda Agricola Tavoliere", "country": "IT", "sector": "A"},
                   "labour_inspection": {"involved": True, "inspection_date": "2026-09-14"},
                   "co_workers": {"count": 2, "nationalities": ["RO", "MD"]}},
    }}


def group_case():
    return [worker("RO", "YES", "Ionuț"), worker("RO", "YES", "Mihai"), worker("MD", "NO", "Vasile")]


def template_with(change):
    """The template with one change to its YAML: for rules that read the template itself."""
    raw = yaml.safe_load(open(reporting.load.template_path(), encoding="utf-8"))
    change(raw)
    return build_template(raw)


def _field(raw, section, key):
    fields = next(s for s in raw["sections"] if s["key"] == section)["fields"]
    return next(f for f in fields if f["key"] == key)


# --- the catalogue ------------------------------------------------------------------------------

def test_the_rules_file_names_every_rule_of_the_domain_catalogue(ruleset):
    assert sorted(rule.id for rule in ruleset.rules) == sorted(CATALOGUE)


def test_every_rule_has_a_citation_a_title_and_a_kind(ruleset):
    for rule in ruleset.rules:
        assert rule.source and rule.title and rule.kind in rules.KINDS
        assert rule.evaluable or rule.note


def test_every_reason_a_rule_can_give_has_a_message_to_translate(ruleset):
    requirements = [r for rule in ruleset.rules for r in rule.requires]
    requirements += [g for guards_ in ruleset.transitions.values() for g in guards_]
    assert {r.code for r in requirements} | {"not_evaluable", "ilo_result_advisory"} == set(rules.REASONS)
    assert all(message in rules.MESSAGES for message in rules.REASONS.values())


def test_rules_that_need_data_the_template_lacks_are_not_evaluable(template, elira):
    result = checked(template, elira)
    unevaluable = {r.id for r in result.rules if r.status == rules.NOT_EVALUABLE}
    assert unevaluable == {"R-GDPR-DSAR", "R-GDPR-BREACH", "R-GDPR-PROPAGATE", "R-TRANSFER-BASIS", "R-STAT-KANON"}
    assert all(r.reasons[0].params["note"] for r in result.rules if r.status == rules.NOT_EVALUABLE)


# --- the loader ---------------------------------------------------------------------------------

def rules_file(tmp_path, change):
    raw = yaml.safe_load(rules.DEFAULT_PATH.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_reflection_period_under_30_days_is_refused_even_when_configured(tmp_path):
    path = rules_file(tmp_path, lambda raw: raw["reflection_period_days"]["countries"].update(IT=21))
    with pytest.raises(rules.RulesError, match="countries.IT: 21 is under the 30 days"):
        rules.load_rules(path)


def test_a_default_reflection_period_under_30_days_is_refused(tmp_path):
    path = rules_file(tmp_path, lambda raw: raw["reflection_period_days"].update(default=14))
    with pytest.raises(rules.RulesError, match="default: 14"):
        rules.load_rules(path)


def test_a_rule_on_a_field_the_template_does_not_have_is_refused(tmp_path):
    def change(raw):
        raw["rules"][1]["applies_when"] = {"field": "overview.no_such_field", "answered": True}
    with pytest.raises(rules.RulesError, match="overview.no_such_field"):
        rules.load_rules(rules_file(tmp_path, change))


def test_a_path_inside_a_repeat_needs_some_or_every(tmp_path):
    def change(raw):
        raw["rules"][1]["applies_when"] = {"field": "log.requests.type", "equals": "ACK"}
    with pytest.raises(rules.RulesError, match="use some/every"):
        rules.load_rules(rules_file(tmp_path, change))


def test_a_code_that_is_not_in_the_list_is_refused(tmp_path):
    def change(raw):
        raw["rules"][1]["applies_when"] = {"field": "overview.trafficking_status", "equals": "PRESUMED"}
    with pytest.raises(rules.RulesError, match="'PRESUMED' is not a code"):
        rules.load_rules(rules_file(tmp_path, change))


def test_an_unknown_reason_code_is_refused(tmp_path):
    def change(raw):
        raw["rules"][1]["requires"][0]["code"] = "made_up"
    with pytest.raises(rules.RulesError, match="'made_up' is not a reason code"):
        rules.load_rules(rules_file(tmp_path, change))


def test_the_default_rules_are_loaded_once():
    assert rules.load_rules() is rules.load_rules()


# --- every evaluable rule passes on one report and fails on another --------------------------------

def services(report, consent_scope=None):
    data = report["data"]
    data["protection"]["services_provided"] = [{"service": "Shelter", "provider": "On the Road", "from": "2026-11-23"}]
    if consent_scope:
        data["consent"]["consents"].append({"scope": consent_scope, "purpose": "Shelter and counselling",
                                            "given_by": "BOTH", "child_views_recorded": True,
                                            "informed_language": "sq", "interpreter_used": True, "date": "2026-11-23"})
    return report


def age_assessed(report, benefit_of_doubt):
    report["data"]["child"]["age_assessment"] = {
        "required": True, "reason": "No documents", "methods": ["DOCUMENTS", "INTERVIEW"], "result_min_age": 16,
        "result_max_age": 19, "benefit_of_doubt_applied": benefit_of_doubt, "decision_date": "2026-11-30"}
    return report


def ilo_list(report, name):
    report["data"]["situation"]["ilo_assessments"][0]["list"] = name
    return report


def appointed(report):
    report["data"]["child"]["guardian"].update(appointed=True, appointed_on="2026-12-10",
                                                appointing_authority="Tribunale per i minorenni di Bari")
    return report


def tracing(report, in_best_interests):
    tracing_ = {"in_best_interests": in_best_interests, "status": "IN_PROGRESS"}
    if in_best_interests:
        tracing_.update(requested_on="2026-11-28", requested_from="CSW Shkodër")
    report["data"]["child"]["family_tracing"] = tracing_
    return report


def without(report, section, key):
    del report["data"][section][key]
    return report


def permit(report, kind, valid_from, valid_to, cooperation=None):
    data = report["data"]
    data["protection"]["residence_permit"] = {"type": kind, "from": valid_from, "to": valid_to}
    data["child"]["bia"] = [{"date": "2026-11-25", "panel": "Bari social services", "decision": "Stay in care"}]
    if cooperation:
        data["proceedings"] = {"cooperation_with_authorities": cooperation}
    return report


def request(report, kind, sent, answered=None):
    item = {"type": kind, "to": "Albanian State Police", "sent": sent, "status": "ANSWERED" if answered else "OPEN"}
    if answered:
        item["answered"] = answered
    report["data"].setdefault("log", {}).setdefault("requests", []).append(item)
    return report


def media_consent(report):
    report["data"]["consent"]["consents"].append({"scope": "MEDIA", "purpose": "Interview for a documentary",
                                                  "given_by": "GUARDIAN", "child_views_recorded": True,
                                                  "informed_language": "sq", "interpreter_used": True,
                                                  "date": "2026-11-25"})
    return report


def compulsion(report, decision=None):
    non_punishment = {"offences_committed_under_compulsion": "YES"}
    if decision:
        non_punishment["decision"] = decision
    report["data"]["proceedings"] = {"non_punishment": non_punishment}
    return report


def identified(report, decision_date=None):
    overview = report["data"]["overview"]
    overview.update(trafficking_status="IDENTIFIED_FORMAL", formal_identification_date="2026-12-01",
                    status_decision_org_type="CourtOrProsecution")
    if decision_date:
        overview["status_decision_date"] = decision_date
    return report


def forced_marriage(report):
    data = report["data"]
    data["overview"]["exploitation_types"].append("FORCED_MARRIAGE")
    data["situation"]["exploitation"].update(start_date="2025-09", end_date="2026-05")
    return report


def travel(report, wish=None):
    data = report["data"]
    data["return_reintegration"] = {"travel": {"date": "2026-12-20"}}
    if wish:
        data["return_reintegration"].update(return_wish=wish, return_wish_date="2026-12-01")
    return report


ok = with_reflection
CASES = {
    # rule: (passing report, failing report, the failure's code, day checked)
    "R-REFL-30": (ok, lambda r: r, "reflection_period_missing", TODAY),
    "R-NOREMOVE-ID": (lambda r: travel(ok(r), "YES"), lambda r: travel(ok(r)), "removal_during_identification", TODAY),
    "R-CONSENT-SERVICES": (lambda r: services(ok(r), "ASSISTANCE"), lambda r: services(ok(r)), "services_without_consent", TODAY),
    "R-MINOR-PRESUME": (lambda r: age_assessed(ok(r), True), lambda r: age_assessed(ok(r), False),
                        "benefit_of_doubt_not_applied", TODAY),
    "R-CHILD-NOMEANS": (ok, lambda r: ilo_list(ok(r), "ADULT_LABOUR"), "adult_ilo_list_for_child", TODAY),
    "R-GUARDIAN": (lambda r: appointed(ok(r)), ok, "guardian_overdue", date(2026, 12, 14)),
    "R-FAMILY-TRACE": (lambda r: tracing(ok(r), True), lambda r: tracing(ok(r), False),
                       "tracing_without_best_interests_check", TODAY),
    "R-CHILD-RETURN": (child_return, lambda r: without(child_return(r), "return_reintegration", "escort"), "no_escort", RETURN_DAY),
    "R-RETURN-VOLUNTARY": (child_return, lambda r: without(without(child_return(r), "return_reintegration", "return_wish"),
                                                           "return_reintegration", "return_wish_date"),
                           "return_wish_not_recorded", RETURN_DAY),
    "R-RESIDENCE": (lambda r: permit(ok(r), "PERSONAL_SITUATION", "2026-11-25", "2027-11-24"),
                    lambda r: permit(ok(r), "COOPERATION", "2026-11-25", "2027-11-24", cooperation="NO"),
                    "cooperation_permit_without_cooperation", TODAY),
    "R-2004-81": (lambda r: permit(ok(r), "DIR_2004_81", "2026-11-25", "2027-05-24"),
                  lambda r: permit(ok(r), "DIR_2004_81", "2026-11-25", "2027-05-23"), "permit_too_short", TODAY),
    "R-DANGER-URGENT": (lambda r: request(ok(r), "URGENT_DANGER_ALERT", "2026-12-02", answered="2026-12-02"),
                        lambda r: request(ok(r), "URGENT_DANGER_ALERT", "2026-12-02"), "request_overdue", TODAY),
    "R-INFO-WITHOUT-DELAY": (lambda r: request(ok(r), "IDENTITY_VERIFICATION_REQUEST", "2026-11-24", answered="2026-12-01"),
                             lambda r: request(ok(r), "IDENTITY_VERIFICATION_REQUEST", "2026-11-24", answered="2026-12-02"),
                             "request_overdue", TODAY),
    "R-PRIVACY-CHILD": (ok, lambda r: media_consent(ok(r)), "child_media_consent", TODAY),
    "R-NONPUNISH": (lambda r: compulsion(ok(r), "Not prosecuted: compelled (Art. 26)"), lambda r: compulsion(ok(r)),
                    "non_punishment_review_pending", TODAY),
    "R-ILO-RULES": (lambda r: identified(ok(r), "2026-12-01"), lambda r: identified(ok(r)), "no_status_decision_date", TODAY),
    "R-EXPL-2024": (ok, lambda r: forced_marriage(ok(r)), "new_form_before_transposition", TODAY),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_rule_passes_on_one_report_and_fails_on_another(template, elira, rule_id):
    passing, failing, code, today = CASES[rule_id]
    assert outcome(template, passing(copy.deepcopy(elira)), rule_id, today)[0] == rules.PASS
    status, codes = outcome(template, failing(copy.deepcopy(elira)), rule_id, today)
    assert (status, [c for c in codes if c != "ilo_result_advisory"]) == (rules.FAIL, [code])


def test_every_evaluable_rule_is_tried_both_ways(ruleset):
    evaluable = {rule.id for rule in ruleset.rules if rule.evaluable}
    assert evaluable - set(CASES) == {"R-ASSIST-UNCOND"}  # it reads the template: tried below


def test_the_complete_story_passes_every_rule_that_applies(template, elira):
    result = checked(template, with_reflection(elira))
    assert not result.failed
    assert {r.status for r in result.rules} == {rules.PASS, rules.NOT_APPLICABLE, rules.NOT_EVALUABLE}


def test_assistance_that_depends_on_cooperation_is_flagged(template, elira):
    def gate(raw):
        _field(raw, "protection", "accommodation")["applies_when"] = {
            "field": "proceedings.cooperation_with_authorities", "equals": "YES"}
    gated = template_with(gate)
    assert outcome(template, with_reflection(elira), "R-ASSIST-UNCOND") == (rules.PASS, [])
    result = rules.check_report(rules.load_rules(), gated, with_reflection(elira), today=TODAY)
    flagged = next(r for r in result.rules if r.id == "R-ASSIST-UNCOND")
    assert flagged.status == rules.FAIL and [r.params for r in flagged.reasons] == [{"path": "protection.accommodation"}]


def test_a_code_list_without_the_2024_forms_of_exploitation_is_flagged(elira):
    def drop(raw):
        raw["code_lists"]["exploitation_type"] = [c for c in raw["code_lists"]["exploitation_type"]
                                                  if c["code"] != "SURROGACY_EXPLOITATION"]
    result = rules.check_report(rules.load_rules(), template_with(drop), with_reflection(elira), today=TODAY)
    flagged = next(r for r in result.rules if r.id == "R-EXPL-2024")
    assert [(r.code, r.params) for r in flagged.reasons] == [("exploitation_code_missing", {"code": "SURROGACY_EXPLOITATION"})]


def test_a_reflection_period_shorter_than_the_country_s_is_flagged(template, elira):
    report = with_reflection(elira, end="2026-12-10")
    assert outcome(template, report, "R-REFL-30") == (rules.FAIL, ["reflection_period_too_short"])


def test_a_reflection_period_refused_without_a_lawful_ground_is_flagged(template, elira):
    elira["data"]["protection"] = {"reflection_period": {"granted": False, "refused_reason": "NA"}}
    assert outcome(template, elira, "R-REFL-30") == (rules.FAIL, ["reflection_refused_without_ground"])


def test_a_missing_child_without_an_alert_is_flagged(template, elira):
    with_reflection(elira)["data"]["child"]["missing_episodes"] = [{"from": "2026-12-01"}]
    assert outcome(template, elira, "R-DANGER-URGENT") == (rules.FAIL, ["missing_child_without_alert"])


# --- the labour group case ----------------------------------------------------------------------

def test_in_a_group_case_only_the_worker_from_outside_the_eu_needs_a_reflection_period(template):
    statuses = [outcome(template, report, "R-REFL-30") for report in group_case()]
    assert statuses == [(rules.PASS, []), (rules.PASS, []), (rules.FAIL, ["reflection_period_missing"])]


def test_a_directive_2004_81_permit_is_flagged_for_the_eu_workers_only(template):
    reports = group_case()
    for report in reports:
        report["data"]["protection"] = {"residence_permit": {"type": "DIR_2004_81", "from": "2026-09-20", "to": "2027-03-19"}}
    codes = [outcome(template, report, "R-2004-81")[1] for report in reports]
    assert codes == [["dir_2004_81_for_eu_citizen"], ["dir_2004_81_for_eu_citizen"], []]


def test_an_adult_worker_s_assessment_uses_the_adult_list_without_a_child_rule(template):
    result = checked(template, group_case()[2])
    statuses = {r.id: r.status for r in result.rules}
    assert statuses["R-CHILD-NOMEANS"] == rules.NOT_APPLICABLE and statuses["R-ILO-RULES"] == rules.PASS


# --- guards -------------------------------------------------------------------------------------

def unappointed(report):
    report["data"]["child"]["guardian"] = {"requested_on": "2026-11-21", "appointed": False}


def later_critical_risk(report):
    report["data"]["risk"]["risk_assessments"].append({"date": "2027-01-28", "scope": "RETURN", "level": "CRITICAL"})


def set_path(path, value):
    def change(report):
        section, *keys = path.split(".")
        target = report["data"][section]
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return change


def remove_path(path):
    def change(report):
        section, group, key = path.split(".")
        del report["data"][section][group][key]
    return change


MISSING_GUARDS = {
    "guardian_not_appointed": unappointed,
    "no_return_bid": set_path("child.bid.durable_solution", "LOCAL_INTEGRATION"),
    "family_assessment_not_positive": set_path("child.family_assessment_report.outcome", "CONDITIONAL"),
    "no_return_risk_assessment": set_path("risk.risk_assessments", [{"date": "2027-01-15", "scope": "FAMILY", "level": "LOW"}]),
    "return_risk_critical": later_critical_risk,
    "no_receiving_guardian": remove_path("return_reintegration.handover.receiving_guardian"),
    "no_escort": set_path("return_reintegration.escort", {"required": False}),
}


def test_a_child_return_with_every_guard_met_is_not_blocked(template, elira):
    assert guards(template, child_return(elira), "RETURN_APPROVED", RETURN_DAY) == []


@pytest.mark.parametrize("code", sorted(MISSING_GUARDS))
def test_a_child_return_is_blocked_by_each_missing_guard_alone(template, elira, code):
    report = child_return(elira)
    MISSING_GUARDS[code](report)
    assert guards(template, report, "RETURN_APPROVED", RETURN_DAY) == [code]


def test_before_anything_is_arranged_every_child_return_guard_blocks(template, elira):
    assert guards(template, elira, "RETURN_APPROVED") == [
        "guardian_not_appointed", "no_return_bid", "family_assessment_not_positive", "no_return_risk_assessment",
        "no_receiving_guardian", "no_escort"]


def test_a_critical_return_risk_is_lifted_by_a_later_assessment(template, elira):
    report = child_return(elira)
    later_critical_risk(report)
    report["data"]["risk"]["risk_assessments"].append({"date": "2027-01-30", "scope": "RETURN", "level": "HIGH"})
    assert guards(template, report, "RETURN_APPROVED", RETURN_DAY) == []


def test_the_child_guards_do_not_hold_back_an_adult_s_return(template):
    assert guards(template, group_case()[2], "RETURN_APPROVED") == []


def test_identified_is_refused_on_an_ilo_consistent_result_alone(template, elira):
    derived = reporting.derive(template, elira, today=TODAY)
    assert derived["data"]["situation"]["ilo_assessments"][0]["result"] == "CONSISTENT"
    assert guards(template, elira, "IDENTIFIED") == ["no_status_decision_authority", "no_status_decision_date"]


def test_identified_is_allowed_with_a_recorded_decision_of_the_competent_authority(template, elira):
    elira["data"]["overview"].update(status_decision_org_type="CourtOrProsecution", status_decision_date="2026-12-01")
    assert guards(template, elira, "IDENTIFIED") == []


def ilo_rule(template, report):
    result = next(r for r in checked(template, report).rules if r.id == "R-ILO-RULES")
    return result.status, [reason.params["result"] for reason in result.reasons]


def test_the_ilo_result_is_advice_that_never_changes_the_rule_s_status(template, elira):
    consistent = ilo_rule(template, with_reflection(copy.deepcopy(elira)))
    elira["data"]["situation"]["ilo_assessments"][0]["indicators"] = [{"id": "EX01", "present": "NO"}]
    not_consistent = ilo_rule(template, with_reflection(elira))
    assert consistent == (rules.PASS, ["CONSISTENT"]) and not_consistent == (rules.PASS, ["NOT_CONSISTENT"])


def test_a_status_outside_domain_6_2_is_refused(template, elira):
    with pytest.raises(rules.UnknownTransition):
        rules.guards_for_transition(rules.load_rules(), template, elira, "RETURN_APROVED", today=TODAY)


def test_a_status_without_guards_has_nothing_blocking(template, elira):
    assert guards(template, elira, "SCREENING") == []


def test_rules_for_another_template_version_are_refused(template, elira):
    other = build_template({**yaml.safe_load(open(reporting.load.template_path(), encoding="utf-8")), "version": "9.0"})
    with pytest.raises(rules.TemplateMismatch):
        rules.check_report(rules.load_rules(), other, elira, today=TODAY)


# --- deadlines ----------------------------------------------------------------------------------

def test_the_reflection_period_in_italy_ends_on_its_30th_day(template, elira):
    report = with_reflection(elira, end="2026-12-21")
    end = deadline(template, report, "reflection_end")
    assert (end.due, end.status, end.params) == (date(2026, 12, 21), rules.OPEN, {"country": "IT", "days": 30})
    assert deadline(template, report, "reflection_end", date(2026, 12, 19)).status == rules.DUE_SOON
    assert deadline(template, report, "reflection_end", date(2026, 12, 22)).status == rules.MET


def test_germany_gives_90_days_of_reflection(template, elira):
    elira["data"]["overview"]["countries"][1]["country"] = "DE"
    report = with_reflection(elira, start="2026-11-22", end="2027-02-19")
    assert deadline(template, report, "reflection_end").due == date(2026, 11, 22) + timedelta(days=89)
    assert outcome(template, with_reflection(report, end="2026-12-21"), "R-REFL-30") == (
        rules.FAIL, ["reflection_period_too_short"])


def test_the_current_location_decides_the_reflection_period_over_the_destination(template, elira):
    elira["data"]["overview"]["countries"].append({"country": "NL", "role": "CURRENT_LOCATION"})
    assert deadline(template, with_reflection(elira), "reflection_end").params == {"country": "NL", "days": 90}


def test_a_country_without_its_own_length_gets_the_30_day_minimum(ruleset):
    assert ruleset.reflection_days_for("PT") == 30 and ruleset.reflection_days_for(None) == 30


def test_working_days_skip_the_weekend():
    friday = date(2026, 11, 20)
    assert rules.add_working_days(friday, 1) == date(2026, 11, 23)
    assert rules.add_working_days(friday, 15) == date(2026, 12, 11)
    assert rules.add_working_days(date(2026, 11, 21), 1) == date(2026, 11, 23)  # from a Saturday


def test_the_guardian_countdown_runs_15_working_days_across_weekends(template, elira):
    elira["data"]["child"]["guardian"]["requested_on"] = "2026-11-20"  # a Friday
    report = with_reflection(elira)
    countdown = deadline(template, report, "guardian_appointment")
    assert (countdown.due, countdown.status) == (date(2026, 12, 11), rules.OPEN)
    assert deadline(template, report, "guardian_appointment", date(2026, 12, 9)).status == rules.DUE_SOON
    assert deadline(template, report, "guardian_appointment", date(2026, 12, 14)).status == rules.OVERDUE


def test_the_guardian_countdown_is_met_by_an_appointment(template, elira):
    report = child_return(elira)
    assert deadline(template, report, "guardian_appointment", RETURN_DAY).status == rules.MET


def test_an_accompanied_child_has_no_guardian_countdown(template, elira):
    elira["data"]["child"] = {"unaccompanied_status": "ACCOMPANIED"}
    assert [d.id for d in checked(template, with_reflection(elira)).deadlines] == ["reflection_end"]


def test_follow_ups_fall_3_6_and_12_months_after_the_handover(template, elira):
    report = child_return(elira)
    report["data"]["return_reintegration"]["handover"]["date"] = "2027-01-31"
    report["data"]["return_reintegration"]["follow_ups"] = [{"due": "2027-04-30", "done": "2027-05-02"}]
    follow_ups = [d for d in checked(template, report, date(2027, 8, 2)).deadlines if d.id.startswith("follow_up")]
    assert [(d.id, d.due, d.status) for d in follow_ups] == [
        ("follow_up_3m", date(2027, 4, 30), rules.MET),
        ("follow_up_6m", date(2027, 7, 31), rules.OVERDUE),
        ("follow_up_12m", date(2028, 1, 31), rules.OPEN),
    ]


def test_an_urgent_danger_alert_is_due_within_4_hours():
    sent = datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)
    due = rules.response_due(rules.load_rules(), "URGENT_DANGER_ALERT", sent)
    assert due == datetime(2026, 12, 3, 13, 30, tzinfo=timezone.utc)
    assert rules.response_due(rules.load_rules(), "MISSING_CHILD_ALERT", sent) == sent + timedelta(hours=4)


def test_an_alert_logged_with_a_day_only_is_due_that_day(template, elira):
    report = request(with_reflection(elira), "URGENT_DANGER_ALERT", "2026-12-03")
    alert = deadline(template, report, "log.requests[0]")
    assert (alert.due, alert.status, alert.rule) == (date(2026, 12, 3), rules.DUE_SOON, "R-DANGER-URGENT")
    assert deadline(template, report, "log.requests[0]", date(2026, 12, 4)).status == rules.OVERDUE


@pytest.mark.parametrize("kind, working_days", [
    ("IDENTITY_VERIFICATION_REQUEST", 5), ("TRAVEL_DOCUMENT_REQUEST", 10), ("INFORMATION_REQUEST", 10),
    ("RISK_ASSESSMENT_REQUEST", 10), ("FAMILY_TRACING_REQUEST", 15), ("FAMILY_ASSESSMENT_REQUEST", 20),
    ("REFERRAL_REQUEST", 5),
])
def test_requests_are_due_after_their_working_days(kind, working_days):
    monday = date(2026, 11, 23)
    assert rules.response_due(rules.load_rules(), kind, monday) == rules.add_working_days(monday, working_days)


def test_a_handover_confirmation_is_due_the_same_day():
    assert rules.response_due(rules.load_rules(), "HANDOVER_CONFIRMATION", date(2026, 12, 3)) == date(2026, 12, 3)


def test_open_requests_are_listed_with_their_due_dates(template, elira):
    report = request(with_reflection(elira), "IDENTITY_VERIFICATION_REQUEST", "2026-11-27")
    request(report, "INFORMATION_REQUEST", "2026-11-20", answered="2026-11-25")
    request(report, "TRAVEL_DOCUMENT_REQUEST", "2026-12-01")
    report["data"]["log"]["requests"][2]["due"] = "2026-12-30"
    found = [(d.id, d.due, d.status, d.params["type"]) for d in checked(template, report).deadlines if d.id.startswith("log.")]
    assert found == [
        ("log.requests[0]", date(2026, 12, 4), rules.DUE_SOON, "IDENTITY_VERIFICATION_REQUEST"),
        ("log.requests[2]", date(2026, 12, 30), rules.OPEN, "TRAVEL_DOCUMENT_REQUEST"),
    ]


def test_results_are_plain_json(template, elira):
    result = checked(template, request(with_reflection(elira), "URGENT_DANGER_ALERT", "2026-12-02"))
    shape = json.loads(json.dumps(result.as_dict()))
    assert shape["at"] == "2026-12-03" and shape["template"] == "trm-case-report@1.0"
    danger = next(r for r in shape["rules"] if r["id"] == "R-DANGER-URGENT")
    assert danger["reasons"][0]["message"] == "The answer to the URGENT_DANGER_ALERT sent on 2026-12-02 was due on 2026-12-02."


def test_the_workflow_rules_never_import_django():
    code = "import sys, trm.workflow.rules, trm.workflow.command; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_a_foreign_victim_with_a_residence_permit_needs_no_separate_reflection_period(template, elira):
    elira["data"]["protection"] = {"residence_permit": {"type": "PERSONAL_SITUATION", "from": "2026-11-25", "to": "2027-11-24"}}
    elira["data"]["child"]["bia"] = [{"date": "2026-11-25"}]
    assert outcome(template, elira, "R-REFL-30") == (rules.PASS, [])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(report=valid_reports(reporting.load_template()))
def test_any_valid_report_gets_a_status_for_every_rule_and_plain_json(report):
    template = reporting.load_template()
    result = rules.check_report(rules.load_rules(), template, report, today=REPORTS_TODAY)
    assert [r.id for r in result.rules] == [r.id for r in rules.load_rules().rules]
    for rule in result.rules:
        failures = [r for r in rule.reasons if r.code != "ilo_result_advisory"]
        assert (rule.status == rules.FAIL) == (bool(failures) and rule.status != rules.NOT_EVALUABLE)
    json.dumps(result.as_dict())
    for status in ("IDENTIFIED", "RETURN_APPROVED"):
        rules.guards_for_transition(rules.load_rules(), template, report, status, today=REPORTS_TODAY)
