"""The case report as HTCDS 2.0 fields and CTDC 2024 variables (DOMAIN §4.1, §4.2 (b), §4.6, §5.3)."""
import copy
from datetime import date

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from trm import reporting
from trm.reporting import mappings

from .reports import valid_reports

TODAY = date(2026, 12, 3)
TEMPLATE = reporting.load_template()

# DOMAIN §4.2 (b), in codebook order.
CTDC_VARIABLES = [
    "yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation",
    "traffickMonths", "meansDebtBondageEarnings", "meansThreats", "meansAbusePsyPhySex",
    "meansFalsePromises", "meansDrugsAlcohol", "meansDenyBasicNeeds", "meansExcessiveWorkHours",
    "meansWithholdDocs", "isForcedLabour", "isSexualExploit", "isOtherExploit",
    "typeOfLabourAgriculture", "typeOfLabourConstruction", "typeOfLabourDomesticWork",
    "typeOfLabourHospitality", "typeOfSexProstitution", "typeOfSexPornography",
    "recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily",
    "recruiterRelationOther",
]
CTDC_BINARY = CTDC_VARIABLES[6:]
AGE_BANDS = ["0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+"]

# DOMAIN §4.1 and the referral fields of §1.3.
HTCDS_FIELDS = [
    "org_Name", "org_Type", "org_Phone", "org_ShippingStreet", "org_ShippingCity", "org_ShippingState",
    "org_ShippingPostalCode", "org_ShippingCountry", "org_ShippingLatitude", "org_ShippingLongitude",
    "prs_Salutation", "prs_FirstName", "prs_MiddleName", "prs_SecondName", "prs_Birthdate", "prs_Gender",
    "prs_Deceased", "prs_MaritalStatus", "prs_NumberOfChildren", "prs_PrimaryLanguage",
    "prs_SecondaryLanguage", "prs_HighestLevelOfEducation", "prs_Citizenship", "prs_IdentityNumber",
    "prs_Email", "prs_HomePhone", "prs_MobilePhone", "prs_MailingStreet", "prs_MailingCity",
    "prs_MailingState", "prs_MailingPostalCode", "prs_MailingCountry", "prs_MailingLatitude",
    "prs_MailingLongitude",
    "vic_AgreementToManagePersonalData", "vic_TraffickingStatus", "vic_TraffickingStatusDecisionMakingOrg",
    "vic_RelationshipToTrafficker", "vic_AgeWhenTrafficked", "vic_RecruitmentWebsitesAndApps",
    "vic_MethodOfRecruitment", "vic_LocationOfRecruitment", "vic_MethodsOfControl",
    "vic_TypeOfExploitation", "vic_ForcedLabourIndustry", "vic_TypeOfSexExploitation",
    "vic_LocationOfExploitation", "vic_ExploitationWebsitesAndApps", "vic_Vulnerabilities",
    "per_RoleInProcess", "per_RoleDetails",
    "cas_Status", "cas_ReasonForCaseClosure", "cas_CaseOwner", "cas_ReferringOrganisation",
    "cas_IncomingReferralDate", "cas_ReferringPrimaryCaseWorker", "cas_ReasonForIncomingReferral",
    "cas_IncomingReferralDetails", "cas_ReferredOrganisation", "cas_ReferredPrimaryCaseWorker",
    "cas_ReasonForOutgoingReferral", "cas_OutgoingReferralDate", "cas_OutgoingReferralDetails",
    "cco_CaseComment",
    "hte_Type", "hte_Date", "hte_Street", "hte_City", "hte_State", "hte_PostalCode", "hte_Country",
    "hte_Latitude", "hte_Longitude", "hte_Description",
    "spl_Type", "spl_Objectives", "spl_ActionPlan", "spl_PlannedEndDate", "spl_ActualEndDate",
    "con_Consent",
]

# Story 1 (DOMAIN/STORIES): Elira, 17, from Elbasan, picking tomatoes in Apulia for no pay, her
# passport kept by the gang master.
ELIRA = {
    "template": "trm-case-report", "version": "1.0", "language": "it",
    "data": {
        "overview": {
            "case_type": "INDIVIDUAL", "case_status": "ACTIVE",
            "trafficking_status": "PRESUMED_REASONABLE_GROUNDS",
            "first_contact_date": "2026-06-15", "reasonable_grounds_date": "2026-06-20",
            "identified_by_sector": "NGO",
            "countries": [{"country": "AL", "role": "ORIGIN"}, {"country": "IT", "role": "DESTINATION"}],
            "exploitation_types": ["FORCED_LABOUR", "CHILD_LABOUR"],
            "domestic_or_transnational": "TRANSNATIONAL",
        },
        "identity": {
            "names": [
                {"type": "GIVEN", "value_original": "Elira", "script": "Latn"},
                {"type": "FAMILY", "value_original": "Hoxha", "script": "Latn"},
            ],
            "sex_gender": "Feminine",
            "date_of_birth": "2008", "date_of_birth_precision": "YEAR", "age_uncertain": "YES",
            "citizenships": ["AL"],
            "place_of_birth": {"country": "AL", "locality": "Elbasan"},
            "id_documents": [{"type": "PASSPORT", "issuing_country": "AL", "held_by": "EXPLOITER"}],
        },
        "situation": {
            "route_events": [{"type": "EXPLOITATION", "country": "IT", "locality": "Foggia"}],
            "exploitation": {"labour_sector": "A", "start_date": "2026-04"},
            "means_of_control": ["WithholdsDocuments", "TakesEarnings"],
        },
    },
}


def elira(**changes):
    """Elira's report with some sections' fields changed: elira(identity={"citizenships": ["XK"]})."""
    report = copy.deepcopy(ELIRA)
    for section, fields in changes.items():
        report["data"].setdefault(section, {}).update(fields)
    return report


def ctdc(report):
    return mappings.ctdc_record(TEMPLATE, report, today=TODAY)


def write_mapping(tmp_path, fields):
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump({"name": "broken", "fields": fields}))
    return path


def test_the_hand_written_report_of_elira_is_valid():
    assert reporting.validate(TEMPLATE, ELIRA, today=TODAY) == []


@pytest.mark.parametrize("name", ["htcds-2.0", "ctdc-2024"])
def test_both_mappings_fit_the_template(name):
    assert mappings.check_mapping(TEMPLATE, name) == []


def test_the_ctdc_mapping_derives_every_one_of_the_27_codebook_variables():
    assert list(mappings.load_mapping("ctdc-2024")["fields"]) == CTDC_VARIABLES
    assert list(ctdc(ELIRA)) == CTDC_VARIABLES


def test_every_htcds_field_is_either_mapped_or_unmapped_with_a_reason():
    mapping = mappings.load_mapping("htcds-2.0")
    listed = set(mapping["fields"]) | set(mapping["unmapped"])
    assert sorted(set(HTCDS_FIELDS) - listed) == []
    assert sorted(listed - set(HTCDS_FIELDS)) == []
    assert all(reason.strip() for reason in mapping["unmapped"].values())


def test_elira_gives_the_expected_ctdc_values():
    record = ctdc(ELIRA)
    assert record["ageBroad"] == "9--17"
    assert record["gender"] == "Woman"
    assert record["yearOfRegistration"] == 2026
    assert record["citizenship"] == "ALB"
    assert record["CountryOfExploitation"] == "ITA"
    assert record["traffickMonths"] == "0--12 (0-1 yr)"
    assert record["isForcedLabour"] == 1
    assert record["typeOfLabourAgriculture"] == 1
    assert record["meansWithholdDocs"] == 1
    assert record["meansDebtBondageEarnings"] == 1
    assert record["isSexualExploit"] is None
    assert record["isOtherExploit"] is None
    assert record["meansThreats"] is None


def test_a_kosovo_citizen_is_counted_under_serbia_for_ctdc():
    record = ctdc(elira(identity={"citizenships": ["XK"]}))
    assert record["citizenship"] == "SRB"


def test_a_kosovo_citizen_stays_xk_in_htcds():
    record = mappings.htcds_record(TEMPLATE, elira(identity={"citizenships": ["XK"]}), today=TODAY)
    assert record["prs_Citizenship"] == ["XK"]


def test_the_country_of_exploitation_falls_back_to_the_destination():
    report = elira(situation={"route_events": []})
    report["data"]["overview"]["countries"] = [{"country": "DE", "role": "DESTINATION"}]
    assert ctdc(report)["CountryOfExploitation"] == "DEU"


def test_forestry_is_not_counted_as_agriculture():
    report = elira(situation={"exploitation": {"labour_sector": "A", "labour_sector_division": "02"}})
    assert ctdc(report)["typeOfLabourAgriculture"] is None


def test_domestic_servitude_counts_as_forced_labour_and_domestic_work():
    report = elira(overview={"exploitation_types": ["DOMESTIC_SERVITUDE"]},
                   situation={"exploitation": {"labour_sector": "T"}})
    record = ctdc(report)
    assert (record["isForcedLabour"], record["typeOfLabourDomesticWork"]) == (1, 1)


def test_trans_and_non_conforming_people_share_one_ctdc_gender_and_unknown_gives_none():
    assert ctdc(elira(identity={"sex_gender": "TransgenderMasculine"}))["gender"] == "Trans/Transgender/NonConforming"
    assert ctdc(elira(identity={"sex_gender": "NonSpecifiedUnknown"}))["gender"] is None


def test_the_htcds_record_of_elira_has_her_exploitation_names_and_status():
    record = mappings.htcds_record(TEMPLATE, ELIRA, today=TODAY)
    assert record["vic_TypeOfExploitation"] == ["ForcedLabour", "ChildLabour"]
    assert (record["prs_FirstName"], record["prs_SecondName"]) == ("Elira", "Hoxha")
    assert record["vic_TraffickingStatus"] == "PossibleVictimOfTrafficking"
    assert record["vic_ForcedLabourIndustry"] == "A_AgricultureForestryAndFishing"
    assert record["prs_Citizenship"] == ["AL"]


def test_forced_criminality_and_other_merge_into_one_htcds_other():
    report = elira(overview={"exploitation_types": ["CRIMINAL_ACTIVITIES", "OTHER", "UNKNOWN"]})
    record = mappings.htcds_record(TEMPLATE, report, today=TODAY)
    assert record["vic_TypeOfExploitation"] == ["Other"]


def test_a_mapped_path_that_does_not_exist_is_reported(tmp_path):
    path = write_mapping(tmp_path, {"gender": {"path": "identity.gender"}})
    problems = mappings.check_mapping(TEMPLATE, "broken", path=path)
    assert problems == ["gender: path 'identity.gender' does not exist in trm-case-report@1.0"]


def test_a_code_that_is_not_in_the_fields_list_is_reported(tmp_path):
    path = write_mapping(tmp_path, {"isForcedLabour": {"any_of": [
        {"path": "overview.exploitation_types", "codes": ["FORCED_LABOR"]}]}})
    problems = mappings.check_mapping(TEMPLATE, "broken", path=path)
    assert problems == ["isForcedLabour: code 'FORCED_LABOR' is not in the code list of overview.exploitation_types"]


def test_a_code_map_that_leaves_out_a_code_is_reported(tmp_path):
    path = write_mapping(tmp_path, {"cas_Status": {"path": "overview.case_status", "codes": {
        "ACTIVE": "Active", "FOLLOW_UP": "FollowUp", "CLOSED": "Closed"}}})
    problems = mappings.check_mapping(TEMPLATE, "broken", path=path)
    assert problems == ["cas_Status: code 'CLOSED_REFERRED' of overview.case_status has no mapping"]


def test_an_unknown_operation_is_reported(tmp_path):
    path = write_mapping(tmp_path, {"ageBroad": {"median_of": "identity.age_at_identification"}})
    problems = mappings.check_mapping(TEMPLATE, "broken", path=path)
    assert problems == ["ageBroad: unknown operation 'median_of'"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_reports(TEMPLATE))
def test_any_valid_report_maps_to_both_standards_with_binary_ctdc_variables_1_or_none(report):
    record = ctdc(report)
    assert list(record) == CTDC_VARIABLES
    assert {record[name] for name in CTDC_BINARY} <= {1, None}
    assert record["ageBroad"] in AGE_BANDS + [None]
    assert record["citizenship"] is None or len(record["citizenship"]) == 3
    htcds = mappings.htcds_record(TEMPLATE, report, today=TODAY)
    assert list(htcds) == list(mappings.load_mapping("htcds-2.0")["fields"])
