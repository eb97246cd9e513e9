"""The TRM case report 1.0 covers DOMAIN §6.1, and a broken template is refused with its reasons."""
from pathlib import Path

import pytest
import yaml

from trm import reporting
from trm.reporting.messages import MESSAGE_TYPES
from trm.reporting.model import SENSITIVITIES

MINI = Path(__file__).parent / "fixtures" / "mini" / "1.0.yaml"


def test_the_case_report_has_the_sections_a_to_m_in_order(template):
    assert [s.ref for s in template.sections] == list("ABCDEFGHIJKLM")


def test_every_field_has_one_sensitivity_tag(template):
    assert all(f.sensitivity in SENSITIVITIES for f in template.fields.values())


def test_every_message_type_has_a_sharing_profile(template):
    assert set(template.profiles) == set(MESSAGE_TYPES)


def test_a_case_notification_carries_the_minimal_dataset_and_no_address_or_health(template):
    carried = template.profiles["CASE_NOTIFICATION"].field_paths
    assert {"identity.names.value_original", "identity.date_of_birth", "overview.trafficking_status"} <= carried
    assert not any(p.startswith(("identity.contact.", "perpetrators.", "identity.health")) for p in carried)


def test_child_secret_fields_travel_only_where_a_profile_names_them_one_by_one(template):
    secret = {p for p, f in template.fields.items() if f.sensitivity == "CHILD_SECRET" and not f.is_group}
    for profile in template.profiles.values():
        assert profile.field_paths & secret <= profile.child_secret


def test_the_child_module_and_the_labour_module_are_conditional(template):
    assert template.section("child").applies_when and template.section("labour").applies_when


def test_kosovo_is_a_country_code(template, elira):
    elira["data"]["identity"]["citizenships"] = ["XK"]
    assert reporting.validate(template, elira) == []


def _mini():
    return yaml.safe_load(MINI.read_text())


def _broken(change):
    raw = _mini()
    change(raw)
    with pytest.raises(reporting.TemplateError) as caught:
        reporting.load.build(raw)
    return " ".join(caught.value.problems)


def test_the_small_test_template_loads():
    assert reporting.load.build(_mini()).id == "mini@1.0"


BROKEN = [
    ("unknown code list", lambda t: t["sections"][0]["fields"][0].update(codes="colours"), "unknown code list 'colours'"),
    ("condition on a missing field", lambda t: t["sections"][0]["fields"][2].update(applies_when={"field": "case.nope", "equals": 1}), "'case.nope', which does not exist"),
    ("malformed condition", lambda t: t["sections"][0]["fields"][2].update(applies_when={"field": "case.status"}), "a condition needs a field"),
    ("unknown type", lambda t: t["sections"][0]["fields"][0].update(type="colour"), "unknown type 'colour'"),
    ("no sensitivity", lambda t: (t["sections"][0].pop("sensitivity"), t["sections"][0]["fields"][1].pop("sensitivity", None)), "needs a sensitivity tag"),
    ("profile naming an unknown field", lambda t: t["profiles"]["CASE_NOTIFICATION"]["fields"].append("case.nope"), "unknown field 'case.nope'"),
    ("profile for an unknown message type", lambda t: t["profiles"].update(GOSSIP={"fields": []}), "GOSSIP: not a message type"),
    ("child secret named without child_secret", lambda t: t["profiles"]["CASE_NOTIFICATION"]["fields"].append("person.whereabouts"), "must be listed under child_secret"),
    ("duplicate code", lambda t: t["code_lists"]["status"].append({"code": "OPEN", "label": "Again"}), "duplicate code"),
    ("unknown derive function", lambda t: t["sections"][1]["fields"][2]["derive"].update(function="guess"), "unknown derive function 'guess'"),
    ("date order on a missing field", lambda t: t["sections"][2]["fields"][2].update(not_before="labour.nope"), "'labour.nope', which does not exist"),
    ("reaching into a repeat from outside", lambda t: t["sections"][0]["fields"][3].update(applies_when={"field": "person.names.value", "answered": True}), "inside the repeat"),
    ("unquoted version", lambda t: t.update(version=1.0), "quoted string"),
]


@pytest.mark.parametrize("name, change, message", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_template_is_refused_naming_the_problem(name, change, message):
    assert message in _broken(change)


def test_a_circular_derivation_is_refused():
    def circular(raw):
        person = raw["sections"][1]["fields"]
        person.append({"key": "a", "type": "integer", "label": "A", "derive": {"function": "age_in_years", "args": {"birth": "person.b", "at": "today"}}})
        person.append({"key": "b", "type": "date", "label": "B", "derive": {"function": "age_in_years", "args": {"birth": "person.a", "at": "today"}}})
    assert "circular derivation" in _broken(circular)


def test_every_problem_is_reported_at_once():
    def two(raw):
        raw["sections"][0]["fields"][0]["codes"] = "colours"
        raw["profiles"]["CASE_NOTIFICATION"]["fields"].append("case.nope")
    problems = _broken(two)
    assert "colours" in problems and "case.nope" in problems
