"""ILO/EC 2009 indicator assessment (DOMAIN §2.2, §2.3; rules R-ILO-RULES, R-CHILD-NOMEANS)."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trm.reporting.ilo import (
    RulesetError,
    UnknownIndicator,
    assess,
    load_ruleset,
)

ADULT, CHILD = "ADULT_LABOUR", "CHILD_LABOUR"
SEXUAL_LISTS = ["ADULT_SEXUAL", "CHILD_SEXUAL"]
ALL_DIMENSIONS = ("D1", "D2", "D3", "D4", "D5", "D6")

# DOMAIN §2.3, copied literally: id -> (dimension, A-L grade, C-L grade); None = not in the list.
S, M, W = "STRONG", "MEDIUM", "WEAK"
EXPECTED_GRADES = {
    "DR01": ("D1", S, S), "DR02": ("D1", M, M), "DR03": ("D1", M, M), "DR04": ("D1", M, M),
    "DR05": ("D1", M, M), "DR06": ("D1", M, M), "DR07": ("D1", M, M), "DR08": ("D1", M, M),
    "DR09": ("D1", M, M), "DR10": ("D1", W, S),
    "CR01": ("D2", S, S), "CR02": ("D2", M, S), "CR03": ("D2", M, M), "CR04": ("D2", M, S),
    "CR05": ("D2", M, M), "CR06": ("D2", M, M), "CR07": ("D2", M, S), "CR08": ("D2", M, M),
    "CR09": ("D2", M, M), "CR10": ("D2", M, M),
    "RV01": ("D3", M, M), "RV02": ("D3", M, M), "RV03": ("D3", M, M), "RV04": ("D3", M, M),
    "RV05": ("D3", M, M), "RV06": ("D3", M, M), "RV07": ("D3", M, None), "RV08": ("D3", M, M),
    "RV09": ("D3", M, M), "RV10": ("D3", M, M), "RV11": ("D3", M, M), "RV12": ("D3", M, M),
    "RV13": ("D3", M, M), "RV14": ("D3", M, M), "RV15": ("D3", W, M), "RV16": ("D3", W, M),
    "EX01": ("D4", S, S), "EX02": ("D4", M, M), "EX03": ("D4", M, M), "EX04": ("D4", M, M),
    "EX05": ("D4", M, M), "EX06": ("D4", M, None), "EX07": ("D4", M, M), "EX08": ("D4", M, M),
    "EX09": ("D4", W, M),
    "CD01": ("D5", S, S), "CD02": ("D5", S, S), "CD03": ("D5", S, S), "CD04": ("D5", S, S),
    "CD05": ("D5", M, S), "CD06": ("D5", M, S), "CD07": ("D5", M, M), "CD08": ("D5", M, M),
    "CD09": ("D5", M, M), "CD10": ("D5", M, M), "CD11": ("D5", M, S), "CD12": ("D5", M, S),
    "CD13": ("D5", M, M), "CD14": ("D5", M, M), "CD15": ("D5", W, M),
    "VD01": ("D6", M, M), "VD02": ("D6", M, M), "VD03": ("D6", M, M), "VD04": ("D6", M, M),
    "VD05": ("D6", M, M), "VD06": ("D6", W, M), "VD07": ("D6", W, M),
}

# Indicators that make each dimension positive in both labour lists.
POSITIVE = {
    "D1": ["DR01", "DR02"],          # strong + medium
    "D2": ["CR01", "CR03"],          # strong + medium
    "D3": ["RV01", "RV02", "RV03"],  # three medium
    "D4": ["EX01", "EX02"],          # strong + medium
    "D5": ["CD01", "CD02"],          # two strong
    "D6": ["VD01", "VD02", "VD03"],  # three medium
}


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset()


def indicators_for(*dimensions):
    return [indicator for code in dimensions for indicator in POSITIVE[code]]


# Step 1: when a dimension is positive ----------------------------------------------------------

DIMENSION_CASES = [
    # (a) two strong
    ("two strong", ADULT, ["CD01", "CD02"], "D5", True),
    # (b) one strong and one medium-or-weak
    ("strong + medium", ADULT, ["DR01", "DR02"], "D1", True),
    ("strong + weak", ADULT, ["DR01", "DR10"], "D1", True),
    # (c) three medium
    ("three medium", ADULT, ["DR02", "DR03", "DR04"], "D1", True),
    # (d) two medium and one weak
    ("two medium + one weak", ADULT, ["DR02", "DR03", "DR10"], "D1", True),
    ("two medium + one weak at destination", ADULT, ["VD01", "VD02", "VD06"], "D6", True),
    # never positive
    ("one weak alone", ADULT, ["DR10"], "D1", False),
    ("two weak alone", ADULT, ["RV15", "RV16"], "D3", False),
    ("one strong alone", ADULT, ["DR01"], "D1", False),
    ("two medium", ADULT, ["DR02", "DR03"], "D1", False),
    ("one medium + two weak", ADULT, ["RV01", "RV15", "RV16"], "D3", False),
    ("one medium + two weak at destination", ADULT, ["VD01", "VD06", "VD07"], "D6", False),
    ("nothing observed", ADULT, [], "D1", False),
    # indicators of another dimension do not count
    ("strong in D1, medium in D2", ADULT, ["DR01", "CR02"], "D1", False),
    ("two strong for a child", CHILD, ["DR01", "DR10"], "D1", True),
]


@pytest.mark.parametrize("list_id, present, dimension, expected",
                         [case[1:] for case in DIMENSION_CASES],
                         ids=[case[0] for case in DIMENSION_CASES])
def test_a_dimension_is_positive_only_for_the_combinations_of_step_one(
        ruleset, list_id, present, dimension, expected):
    assessment = assess(ruleset, list_id, present)
    assert assessment.dimensions[dimension] is expected


def test_two_strong_indicators_make_a_dimension_positive(ruleset):
    assessment = assess(ruleset, ADULT, ["CD03", "CD04"])
    assert assessment.positive_dimensions == ("D5",)


def test_weak_indicators_alone_never_make_a_dimension_positive(ruleset):
    weak = [i for i, (_, adult, _) in EXPECTED_GRADES.items() if adult == W]
    assert assess(ruleset, ADULT, weak).positive_dimensions == ()


# Step 2: which combination of dimensions is consistent ---------------------------------------

COMBINATION_CASES = [
    ("adult deception, exploitation, coercion", ADULT, ["D1", "D4", "D5"], False, True),
    ("adult coercion, exploitation, vulnerability", ADULT, ["D2", "D4", "D6"], False, True),
    ("adult vulnerability, exploitation, coercion", ADULT, ["D3", "D4", "D5"], False, True),
    ("adult all six", ADULT, list(ALL_DIMENSIONS), False, True),
    ("adult D1 + D4 only", ADULT, ["D1", "D4"], False, False),
    ("adult without recruitment", ADULT, ["D4", "D5", "D6"], False, False),
    ("adult act does not replace recruitment", ADULT, ["D4", "D5"], True, False),
    ("adult without exploitation", ADULT, ["D1", "D2", "D3", "D5", "D6"], False, False),
    ("child recruitment + exploitation", CHILD, ["D1", "D4"], False, True),
    ("child vulnerability + exploitation", CHILD, ["D3", "D4"], False, True),
    ("child act + exploitation", CHILD, ["D4"], True, True),
    ("child exploitation without act", CHILD, ["D4"], False, False),
    ("child act alone", CHILD, [], True, False),
    ("child without exploitation", CHILD, ["D1", "D2", "D3", "D5", "D6"], True, False),
]


@pytest.mark.parametrize("list_id, dimensions, act, consistent",
                         [case[1:] for case in COMBINATION_CASES],
                         ids=[case[0] for case in COMBINATION_CASES])
def test_the_result_follows_the_adults_or_childrens_combination_rule(
        ruleset, list_id, dimensions, act, consistent):
    assessment = assess(ruleset, list_id, indicators_for(*dimensions), act=act)
    assert assessment.positive_dimensions == tuple(dimensions)
    assert assessment.result == ("CONSISTENT" if consistent else "NOT_CONSISTENT")


def test_a_child_case_with_the_act_and_exploitation_only_is_consistent(ruleset):
    assessment = assess(ruleset, CHILD, ["EX01", "EX02"], act=True)
    assert assessment.result == "CONSISTENT"


def test_an_adult_case_with_deception_and_exploitation_only_is_not_consistent(ruleset):
    assessment = assess(ruleset, ADULT, ["DR01", "DR02", "EX01", "EX02"], act=True)
    assert assessment.result == "NOT_CONSISTENT"


# Grades differ between lists -------------------------------------------------------------------

@pytest.mark.parametrize("present, dimension", [
    (["DR10", "DR02"], "D1"),  # DR10 weak for adults, strong for children
    (["CR07", "CR03"], "D2"),  # CR07 medium for adults, strong for children
])
def test_the_same_indicators_weigh_more_in_the_child_list(ruleset, present, dimension):
    assert assess(ruleset, ADULT, present).dimensions[dimension] is False
    assert assess(ruleset, CHILD, present).dimensions[dimension] is True


@pytest.mark.parametrize("indicator_id", ["RV07", "EX06"])
def test_indicators_absent_from_the_child_list_are_refused_for_a_child(ruleset, indicator_id):
    with pytest.raises(UnknownIndicator, match=indicator_id):
        assess(ruleset, CHILD, ["DR01", indicator_id])


def test_rv07_is_accepted_for_an_adult(ruleset):
    assert assess(ruleset, ADULT, ["RV07"]).result == "NOT_CONSISTENT"


def test_an_unknown_indicator_is_refused_by_name(ruleset):
    with pytest.raises(UnknownIndicator, match="XX99") as caught:
        assess(ruleset, ADULT, ["DR01", "XX99"])
    assert isinstance(caught.value, ValueError)


def test_an_unknown_list_is_refused(ruleset):
    with pytest.raises(RulesetError, match="FORCED_BEGGING"):
        assess(ruleset, "FORCED_BEGGING", ["DR01"])


def test_a_single_string_is_not_taken_for_a_set_of_indicators(ruleset):
    with pytest.raises(TypeError):
        assess(ruleset, ADULT, "DR01")


# Unverified sexual exploitation lists ----------------------------------------------------------

@pytest.mark.parametrize("list_id", SEXUAL_LISTS)
def test_the_sexual_exploitation_lists_are_not_assessed_until_verified(ruleset, list_id):
    assessment = assess(ruleset, list_id, indicators_for(*ALL_DIMENSIONS), act=True)
    assert assessment.as_dict() == {
        "list": list_id,
        "dimensions": dict.fromkeys(ALL_DIMENSIONS, False),
        "result": "NOT_ASSESSED",
        "positive_dimensions": [],
        "ruleset_version": "2009.1",
        "reason": "unverified_list",
    }


@pytest.mark.parametrize("list_id", SEXUAL_LISTS)
def test_the_sexual_exploitation_lists_carry_no_grades_and_say_where_to_load_them(
        ruleset, list_id):
    indicator_list = ruleset.lists[list_id]
    assert (indicator_list.is_verified, dict(indicator_list.grades)) == (False, {})
    assert "WCMS_105023" in indicator_list.note


def test_an_assessed_list_reports_every_dimension_and_the_ruleset_version(ruleset):
    data = assess(ruleset, ADULT, indicators_for("D1", "D4", "D6")).as_dict()
    assert data == {
        "list": ADULT,
        "dimensions": {"D1": True, "D2": False, "D3": False,
                       "D4": True, "D5": False, "D6": True},
        "result": "CONSISTENT",
        "positive_dimensions": ["D1", "D4", "D6"],
        "ruleset_version": "2009.1",
    }


# The shipped ruleset matches DOMAIN §2.3 -------------------------------------------------------

def test_the_shipped_ruleset_is_ilo_ec_2009_and_cites_its_source(ruleset):
    assert (ruleset.name, ruleset.version) == ("ilo-ec-2009", "2009.1")
    assert "WCMS_105023" in ruleset.source["document"]
    assert load_ruleset() is ruleset


def test_every_indicator_of_the_catalogue_is_present_in_its_dimension(ruleset):
    actual = {i.id: i.dimension for i in ruleset.indicators.values()}
    assert actual == {i: dimension for i, (dimension, _, _) in EXPECTED_GRADES.items()}
    assert all(indicator.label for indicator in ruleset.indicators.values())


def test_the_dimensions_hold_10_10_16_9_15_7_indicators(ruleset):
    counts = Counter(indicator.dimension for indicator in ruleset.indicators.values())
    assert [counts[code] for code in ALL_DIMENSIONS] == [10, 10, 16, 9, 15, 7]
    assert list(ruleset.dimensions) == list(ALL_DIMENSIONS)


@pytest.mark.parametrize("list_id, column, is_child", [(ADULT, 1, False), (CHILD, 2, True)])
def test_the_labour_lists_carry_the_grades_of_the_catalogue(ruleset, list_id, column, is_child):
    expected = {i: row[column] for i, row in EXPECTED_GRADES.items() if row[column]}
    indicator_list = ruleset.lists[list_id]
    assert dict(indicator_list.grades) == expected
    assert (indicator_list.is_child, indicator_list.is_verified) == (is_child, True)


def test_the_child_labour_list_has_65_indicators_and_no_weak_tier(ruleset):
    grades = ruleset.lists[CHILD].grades
    assert len(grades) == 65
    assert "WEAK" not in grades.values()


# Load errors -----------------------------------------------------------------------------------

MINIMAL_RULESET = """\
ruleset: test
version: "0.1"
dimensions:
  D1: {label: Deceptive recruitment}
  D4: {label: Exploitative conditions of work}
indicators:
  DR01: {dimension: D1, label: Deceived about the job}
  EX01: {dimension: D4, label: Excessive working hours}
lists:
  ADULT_LABOUR:
    label: Adults, labour exploitation
    child: false
    verified: true
    grades: {DR01: STRONG, EX01: STRONG}
dimension_rule:
  - {STRONG: 1}
combination_rules:
  adults: {all: [D1, D4]}
  children: {all: [{any: [D1, ACT]}, D4]}
"""

LOAD_ERRORS = [
    ("indicator of unknown dimension", "{dimension: D4, label: Excessive",
     "{dimension: D9, label: Excessive", "EX01 has unknown dimension 'D9'"),
    ("grade for unknown indicator", "EX01: STRONG}", "EX01: STRONG, EX99: WEAK}",
     "unknown indicator EX99"),
    ("unknown grade", "{DR01: STRONG,", "{DR01: VERY_STRONG,", "unknown grade 'VERY_STRONG'"),
    ("duplicate indicator id", "  EX01: {dimension: D4",
     "  DR01: {dimension: D1, label: Again}\n  EX01: {dimension: D4", "duplicate id DR01"),
    ("rule naming unknown dimension", "adults: {all: [D1, D4]}",
     "adults: {all: [D1, D4, D5]}", "unknown dimension 'D5'"),
    ("unknown grade class", "- {STRONG: 1}", "- {VERY_STRONG: 1}", "unknown grade class"),
    ("unquoted version", 'version: "0.1"', "version: 0.1", "quoted string"),
    ("missing rules", "combination_rules:", "other_rules:", "missing key"),
    ("not YAML", "lists:", "lists: [", "not valid YAML"),
]


def write_ruleset(tmp_path, text):
    path = tmp_path / "ruleset.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_ruleset_loads_and_assesses(tmp_path):
    ruleset = load_ruleset(write_ruleset(tmp_path, MINIMAL_RULESET))
    assert assess(ruleset, ADULT, ["DR01", "EX01"]).result == "CONSISTENT"


@pytest.mark.parametrize("old, new, message", [case[1:] for case in LOAD_ERRORS],
                         ids=[case[0] for case in LOAD_ERRORS])
def test_a_malformed_ruleset_is_refused_with_a_clear_message(tmp_path, old, new, message):
    assert old in MINIMAL_RULESET
    path = write_ruleset(tmp_path, MINIMAL_RULESET.replace(old, new, 1))
    with pytest.raises(RulesetError, match=message):
        load_ruleset(path)


# Monotonicity ----------------------------------------------------------------------------------

@pytest.mark.parametrize("list_id", [ADULT, CHILD])
def test_adding_an_indicator_never_turns_a_positive_dimension_negative(ruleset, list_id):
    ids = sorted(ruleset.lists[list_id].grades)

    @given(st.sets(st.sampled_from(ids)), st.sampled_from(ids), st.booleans())
    def check(present, extra, act):
        before = assess(ruleset, list_id, present, act=act)
        after = assess(ruleset, list_id, present | {extra}, act=act)
        assert set(before.positive_dimensions) <= set(after.positive_dimensions)
        assert before.result != "CONSISTENT" or after.result == "CONSISTENT"

    check()
